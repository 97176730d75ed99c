package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
)

// The webhooks of an account (Kazoo's cb_webhooks shape, with Numan's
// event types, secrets, delivery log and replay): webhooks.Service holds
// the rules; these handlers translate. Whoever may act in the path's
// account manages its webhooks.

// hooks returns the webhooks service, or answers 404 when the server has
// none.
func (c *call) hooks() *webhooks.Service {
	if c.s.webhooks == nil {
		c.fail(errPathNotFound())
	}
	return c.s.webhooks
}

// webhookData reads the request's data object, raw.
func (c *call) webhookData() (json.RawMessage, error) {
	env, err := c.body()
	if err != nil {
		return nil, err
	}
	if _, err := env.data(); err != nil {
		return nil, err
	}
	if len(env.Data) == 0 {
		return json.RawMessage(`{}`), nil
	}
	return env.Data, nil
}

// handleWebhookTypes is GET /v2/webhooks: the hook values a webhook may
// name (Kazoo lists its hooks here).
func handleWebhookTypes(c *call) {
	out := []map[string]string{}
	for _, h := range webhooks.Hooks() {
		out = append(out, map[string]string{"id": h, "name": h})
	}
	c.ok(out)
}

// handleWebhooksList is GET /v2/accounts/{A}/webhooks.
func handleWebhooksList(c *call) {
	if svc := c.hooks(); svc != nil {
		ws, err := svc.List(c.ctx, c.account.ID)
		if err != nil {
			c.fail(err)
			return
		}
		c.ok(ws)
	}
}

// handleWebhookCreate is PUT /v2/accounts/{A}/webhooks; the reply carries
// the webhook's signing secret, shown this once.
func handleWebhookCreate(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	raw, err := c.webhookData()
	if err != nil {
		c.fail(err)
		return
	}
	w, err := svc.Create(c.ctx, c.account.ID, raw)
	if err != nil {
		c.fail(err)
		return
	}
	c.created(w)
}

// handleWebhooksReEnable is PATCH /v2/accounts/{A}/webhooks with
// {"re-enable": true}: every disabled webhook of the account is enabled
// (Kazoo's); the reply lists them.
func handleWebhooksReEnable(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	raw, err := c.webhookData()
	if err != nil {
		c.fail(err)
		return
	}
	var body struct {
		ReEnable bool `json:"re-enable"`
	}
	if json.Unmarshal(raw, &body) != nil || !body.ReEnable {
		c.fail(&number.FieldError{Field: "re-enable", Rule: "required", Message: "Field is required but missing (true)"})
		return
	}
	ws, err := svc.ReEnableAll(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(ws)
}

// handleWebhookGet is GET /v2/accounts/{A}/webhooks/{WEBHOOK_ID}.
func handleWebhookGet(c *call) {
	if svc := c.hooks(); svc != nil {
		w, err := svc.Get(c.ctx, c.account.ID, c.param("WEBHOOK_ID"))
		if err != nil {
			c.fail(err)
			return
		}
		c.ok(w)
	}
}

// handleWebhookUpdate is POST (replace) and PATCH (merge; {"re-enable":
// true} enables a disabled webhook) of a webhook.
func handleWebhookUpdate(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	raw, err := c.webhookData()
	if err != nil {
		c.fail(err)
		return
	}
	w, err := svc.Update(c.ctx, c.account.ID, c.param("WEBHOOK_ID"), raw, c.r.Method == http.MethodPatch)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(w)
}

// handleWebhookDelete is DELETE of a webhook.
func handleWebhookDelete(c *call) {
	if svc := c.hooks(); svc != nil {
		if err := svc.Delete(c.ctx, c.account.ID, c.param("WEBHOOK_ID")); err != nil {
			c.fail(err)
			return
		}
		c.ok(map[string]any{"id": c.param("WEBHOOK_ID")})
	}
}

// handleWebhookRotate is POST …/webhooks/{WEBHOOK_ID}/rotate_secret: a new
// secret, shown this once.
func handleWebhookRotate(c *call) {
	if svc := c.hooks(); svc != nil {
		w, err := svc.RotateSecret(c.ctx, c.account.ID, c.param("WEBHOOK_ID"))
		if err != nil {
			c.fail(err)
			return
		}
		c.ok(w)
	}
}

// handleWebhookAttempts is GET …/webhooks/{WEBHOOK_ID}/attempts: the
// delivery log, newest first (?page_size=, default 50).
func handleWebhookAttempts(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	limit, err := pageSize(c)
	if err != nil {
		c.fail(err)
		return
	}
	as, err := svc.Attempts(c.ctx, c.account.ID, c.param("WEBHOOK_ID"), limit)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(as)
}

// handleWebhookDeliveries is GET …/webhooks/{WEBHOOK_ID}/deliveries
// (?status=pending|delivered|failed).
func handleWebhookDeliveries(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	limit, err := pageSize(c)
	if err != nil {
		c.fail(err)
		return
	}
	status := c.r.URL.Query().Get("status")
	switch status {
	case "", "pending", "delivered", "failed":
	default:
		c.fail(&number.FieldError{Field: "status", Rule: "enum", Message: "Value not found in enumerated list of values", Value: status})
		return
	}
	ds, err := svc.Deliveries(c.ctx, c.account.ID, c.param("WEBHOOK_ID"), status, limit)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(ds)
}

// handleWebhookReplay is POST …/webhooks/{WEBHOOK_ID}/replay with
// {"event_id"} or {"since", "until"} (RFC 3339): the events are
// delivered again.
func handleWebhookReplay(c *call) {
	svc := c.hooks()
	if svc == nil {
		return
	}
	raw, err := c.webhookData()
	if err != nil {
		c.fail(err)
		return
	}
	var body struct {
		EventID string `json:"event_id"`
		Since   string `json:"since"`
		Until   string `json:"until"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		c.fail(&number.FieldError{Field: "data", Rule: "type", Message: "Value did not match type(s): object with event_id, since, until (strings)"})
		return
	}
	var since, until time.Time
	for _, f := range []struct {
		name string
		s    string
		t    *time.Time
	}{{"since", body.Since, &since}, {"until", body.Until, &until}} {
		if f.s == "" {
			continue
		}
		if *f.t, err = time.Parse(time.RFC3339, f.s); err != nil {
			c.fail(&number.FieldError{Field: f.name, Rule: "format", Message: "Value is not an RFC 3339 time", Value: f.s})
			return
		}
	}
	n, err := svc.Replay(c.ctx, c.account.ID, c.param("WEBHOOK_ID"), body.EventID, since, until)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{"replayed": n})
}

// pageSize reads ?page_size= (default 50, at most maxPageSize).
func pageSize(c *call) (int, error) {
	s := c.r.URL.Query().Get("page_size")
	if s == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, &number.FieldError{Field: "page_size", Rule: "minimum", Message: "Value must be at least 1", Value: s}
	}
	return min(n, maxPageSize), nil
}
