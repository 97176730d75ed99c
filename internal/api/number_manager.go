package api

import (
	"encoding/json"
	"net/http"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// accountConfigJSON renders an account's number_manager document: its
// stored keys, and under _read_only the settings in force for its numbers
// and the routing job a write started.
func accountConfigJSON(v *manager.AccountConfigView) map[string]any {
	out := map[string]any{}
	for k, raw := range v.Stored {
		out[k] = raw
	}
	out["id"] = "number_manager"
	eff := v.Effective
	ro := map[string]any{"effective": map[string]any{
		"carrier_modules": eff.CarrierModules,
		"features.allow":  nonNil(eff.FeaturesAllow, number.AllFeatures),
		"features.deny":   nonNil(eff.FeaturesDeny, []string{}),
		"e911_provider":   eff.E911Provider,
		"cnam_provider":   eff.CNAMProvider,
		"routing":         nonNilMap(eff.Routing),
		"routing_from":    eff.RoutingFrom,
	}}
	if v.RoutingJob != nil {
		ro["routing_job"] = v.RoutingJob
	}
	out["_read_only"] = ro
	return out
}

func nonNil(s, def []string) []string {
	if s == nil {
		return def
	}
	return s
}

func nonNilMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// handleAccountConfigGet is GET /v2/accounts/{A}/configs/number_manager.
func handleAccountConfigGet(c *call) {
	v, err := c.s.mgr.GetAccountConfig(c.ctx, c.requester(), c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountConfigJSON(v))
}

// handleAccountConfigWrite is PUT and POST (replace) and PATCH (merge; a
// null removes a key) of /v2/accounts/{A}/configs/number_manager. Who may
// write what, and what the document may say, is the manager's to decide.
func handleAccountConfigWrite(c *call) {
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
	delete(data, "accept_charges")
	v, err := c.s.mgr.PutAccountConfig(c.ctx, c.requester(), c.account.ID, data, c.r.Method == http.MethodPatch)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountConfigJSON(v))
}

// handleAccountConfigDelete is DELETE /v2/accounts/{A}/configs/number_manager.
func handleAccountConfigDelete(c *call) {
	v, err := c.s.mgr.DeleteAccountConfig(c.ctx, c.requester(), c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountConfigJSON(v))
}

// handleRoutingJobStart is PUT /v2/accounts/{A}/routing_jobs with an
// optional {"data": {"carriers": [...]}}: re-point the numbers in service
// under the account at the routes in force (after a failed job, or a
// route changed at the carrier's side).
func handleRoutingJobStart(c *call) {
	var carriers []string
	if c.r.ContentLength != 0 {
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
		if raw, ok := data["carriers"]; ok && json.Unmarshal(raw, &carriers) != nil {
			c.fail(&number.FieldError{Field: "carriers", Rule: "type", Message: "Value did not match type(s): array of strings"})
			return
		}
	}
	job, err := c.s.mgr.StartRouting(c.ctx, c.requester(), c.account.ID, carriers)
	if err != nil {
		c.fail(err)
		return
	}
	c.created(job)
}

// handleRoutingJobGet is GET /v2/accounts/{A}/routing_jobs/{JOB_ID}: the
// job's progress and its report of failures.
func handleRoutingJobGet(c *call) {
	job, err := c.s.mgr.RoutingJob(c.ctx, c.requester(), c.param("JOB_ID"))
	if err == nil && job.AccountID != c.account.ID {
		err = number.NewError(number.KindNotFound, c.param("JOB_ID"))
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(job)
}

// handleManualActions is GET /v2/accounts/{A}/manual_actions: the manual
// feature actions waiting for an operator on the account's numbers and
// those of the accounts below it.
func handleManualActions(c *call) {
	list, err := c.s.mgr.ManualActions(c.ctx, c.requester(), c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(list)
}

// handleManualActionDone is DELETE …/phone_numbers/{N}/manual_actions/{ID}
// (admins): the operator did it.
func handleManualActionDone(c *call) {
	if err := c.s.mgr.CompleteManualAction(c.ctx, c.requester(), c.param("PHONE_NUMBER"), c.param("ACTION_ID")); err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{"id": c.param("ACTION_ID"), "done": true})
}
