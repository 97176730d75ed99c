package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// handleCarrierAudit is GET /v2/carriers/{CARRIER}/audit (compare what the
// carrier holds with what Numan records) and POST, whose body
// {"data":{"import":true}} also adds the numbers the carrier holds and
// Numan does not know to the pool. Both take ?limit= (numbers listed per
// finding; the counts are complete). The master only (the route says so):
// the report names every account's numbers. The audit runs on the
// request: a large account takes as long as its carrier takes to list it.
func handleCarrierAudit(c *call) {
	opts := manager.AuditOptions{}
	if l := c.r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			var v validationErrors
			v.add("limit", "minimum", "Value must be a positive integer", "target", 1)
			c.fail(v.err())
			return
		}
		opts.Limit = n
	}
	if c.r.Method == http.MethodPost {
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
		if raw, ok := data["import"]; ok {
			if number.JSONType(raw) != "boolean" {
				var v validationErrors
				v.add("import", "type", "Value did not match type(s): boolean", "target", "boolean")
				c.fail(v.err())
				return
			}
			_ = json.Unmarshal(raw, &opts.Import)
		}
	}
	rep, err := c.s.mgr.Audit(c.ctx, c.param("CARRIER"), opts)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(rep)
}
