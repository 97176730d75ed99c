package api

import (
	"encoding/json"
	"net/http"

	"github.com/numan-dev/numan/number"
)

// usedByBody reads the application of a used_by write: data.used_by, a
// string; null or "" clears it. DELETE clears without a body.
func (c *call) usedByBody(data map[string]json.RawMessage) (string, error) {
	if c.r.Method == http.MethodDelete {
		return "", nil
	}
	var v validationErrors
	raw, ok := data["used_by"]
	var app string
	switch {
	case !ok:
		v.add("used_by", "required", "Field is required but missing: the application (callflow, trunkstore, ...), or null to clear it")
	case number.JSONType(raw) == "null":
	case number.JSONType(raw) != "string" || json.Unmarshal(raw, &app) != nil:
		v.add("used_by", "type", "Value did not match type(s): string", "target", "string")
	}
	return app, v.err()
}

// handleNumberUsedBy is PUT (set) and DELETE (clear)
// …/phone_numbers/{PHONE_NUMBER}/used_by: the application that routes the
// number (Kazoo's assign_to_app, which its callflow and trunkstore apps
// call). Failover is available only to trunkstore numbers.
func handleNumberUsedBy(c *call) {
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return
	}
	data, err := env.data()
	if err != nil {
		c.fail(err)
		return
	}
	app, err := c.usedByBody(data)
	if err != nil {
		c.fail(err)
		return
	}
	c.replyResult(c.s.mgr.AssignToApp(c.ctx, []string{c.param("PHONE_NUMBER")}, app, c.op()))
}

// handleCollectionUsedBy is PUT (set) and DELETE (clear)
// …/phone_numbers/collection/used_by: {"data": {"numbers": [...],
// "used_by": "callflow"}}.
func handleCollectionUsedBy(c *call) {
	nums, rest, _, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return
	}
	app, err := c.usedByBody(rest)
	if err != nil {
		c.fail(err)
		return
	}
	c.replyResult(c.s.mgr.AssignToApp(c.ctx, nums, app, c.op()))
}
