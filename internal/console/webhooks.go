package console

import (
	"net/http"
	"net/url"
	"time"
)

// The webhooks screens: an account's webhooks, each with its delivery log,
// on the API's /v2/accounts/{A}/webhooks (docs/events.md).

// webhookRow is a webhook as the API shows it.
type webhookRow struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	URI                string     `json:"uri"`
	HTTPVerb           string     `json:"http_verb"`
	Hook               string     `json:"hook"`
	Enabled            bool       `json:"enabled"`
	IncludeSubaccounts bool       `json:"include_subaccounts"`
	DisabledMessage    string     `json:"disabled_message"`
	Failures           int        `json:"failures"`
	LastSuccess        *time.Time `json:"last_success"`
	Created            time.Time  `json:"created"`
}

// webhooksView is the webhooks page's data.
type webhooksView struct {
	Hooks    []webhookRow
	Types    []string
	Writable bool
	// Secret is a new webhook's signing secret, shown this once.
	Secret  string
	Created *webhookRow
}

// webhooksPage lists the account's webhooks with the form for a new one.
func webhooksPage(p *page) error {
	v := &webhooksView{Writable: !p.Session.ReadOnly()}
	return p.loadWebhooks(v)
}

func (p *page) loadWebhooks(v *webhooksView) error {
	if _, err := p.get(p.acct()+"/webhooks", nil, &v.Hooks); err != nil {
		return err
	}
	var types []struct {
		ID string `json:"id"`
	}
	if _, err := p.get("/v2/webhooks", nil, &types); err != nil {
		return err
	}
	for _, t := range types {
		v.Types = append(v.Types, t.ID)
	}
	p.Data = v
	return nil
}

// webhookCreate creates a webhook and shows its secret, this once: the
// page is rendered in place (no redirect), so the secret is never stored
// in a cookie or a URL.
func webhookCreate(p *page) error {
	f := p.field
	data := map[string]any{"name": f("name"), "uri": f("uri"), "hook": f("hook"), "http_verb": f("http_verb"),
		"include_subaccounts": f("include_subaccounts") == "1", "enabled": true}
	rp, err := p.api(http.MethodPut, p.acct()+"/webhooks", nil, map[string]any{"data": data})
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect("/a/"+p.Account.ID+"/webhooks", &flash{Kind: "error", Text: err.Error()})
	}
	var made struct {
		webhookRow
		Secret string `json:"secret"`
	}
	if err := rp.decode(&made); err != nil {
		return err
	}
	v := &webhooksView{Writable: true, Secret: made.Secret, Created: &made.webhookRow}
	p.Flash = &flash{Kind: "ok", Text: "Webhook " + made.Name + " created."}
	if err := p.loadWebhooks(v); err != nil {
		return err
	}
	p.Title = "Webhooks"
	return p.show("webhooks")
}

// webhookView is one webhook's page: its settings, deliveries and
// delivery log.
type webhookView struct {
	Hook       webhookRow
	Attempts   []webhookAttempt
	Deliveries []webhookDelivery
	Status     string // the deliveries shown: pending, delivered, failed or all
	Writable   bool
	Secret     string // a rotated secret, shown this once
	Base       string
}

type webhookAttempt struct {
	DeliveryID int64     `json:"delivery_id"`
	EventID    string    `json:"event_id"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"timestamp"`
	Code       int       `json:"response_code"`
	LatencyMS  float64   `json:"latency_ms"`
	Result     string    `json:"result"`
	Error      string    `json:"error"`
}

type webhookDelivery struct {
	ID          int64     `json:"id"`
	EventID     string    `json:"event_id"`
	Number      string    `json:"number"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	Modified    time.Time `json:"modified"`
}

// webhookPage shows one webhook.
func webhookPage(p *page) error {
	v := &webhookView{Writable: !p.Session.ReadOnly()}
	return p.loadWebhook(v)
}

func (p *page) loadWebhook(v *webhookView) error {
	id := p.r.PathValue("id")
	v.Base = "/a/" + p.Account.ID + "/webhooks/" + url.PathEscape(id)
	api := p.acct() + "/webhooks/" + url.PathEscape(id)
	if _, err := p.get(api, nil, &v.Hook); err != nil {
		return err
	}
	if _, err := p.get(api+"/attempts", url.Values{"page_size": {"50"}}, &v.Attempts); err != nil {
		return err
	}
	v.Status = p.r.URL.Query().Get("status")
	q := url.Values{}
	switch v.Status {
	case "pending", "delivered", "failed":
		q.Set("status", v.Status)
	default:
		v.Status = "all"
	}
	if _, err := p.get(api+"/deliveries", q, &v.Deliveries); err != nil {
		return err
	}
	if len(v.Deliveries) > 50 {
		v.Deliveries = v.Deliveries[:50]
	}
	p.Title = "Webhook " + v.Hook.Name
	p.Data = v
	return nil
}

// webhookAction enables, disables, rotates the secret of, replays the
// deliveries of, or deletes a webhook.
func webhookAction(p *page) error {
	id := p.r.PathValue("id")
	back := "/a/" + p.Account.ID + "/webhooks/" + url.PathEscape(id)
	api := p.acct() + "/webhooks/" + url.PathEscape(id)
	f := p.field
	var (
		rp   *apiReply
		err  error
		done string
	)
	switch f("action") {
	case "enable":
		rp, err = p.api(http.MethodPatch, api, nil, map[string]any{"data": map[string]any{"re-enable": true}})
		done = "Webhook enabled."
	case "disable":
		rp, err = p.api(http.MethodPatch, api, nil, map[string]any{"data": map[string]any{"enabled": false}})
		done = "Webhook disabled."
	case "rotate":
		rp, err = p.api(http.MethodPost, api+"/rotate_secret", nil, map[string]any{"data": map[string]any{}})
		if err == nil && rp.ok() {
			var got struct {
				Secret string `json:"secret"`
			}
			if err := rp.decode(&got); err != nil {
				return err
			}
			v := &webhookView{Writable: true, Secret: got.Secret}
			p.Flash = &flash{Kind: "ok", Text: "New signing secret made: deliveries are signed with it from now on."}
			if err := p.loadWebhook(v); err != nil {
				return err
			}
			return p.show("webhook")
		}
	case "replay":
		data := map[string]any{}
		if e := f("event_id"); e != "" {
			data["event_id"] = e
		} else {
			for _, k := range []string{"since", "until"} {
				if s := f(k); s != "" {
					t, perr := time.Parse("2006-01-02T15:04", s)
					if perr != nil {
						return p.redirect(back, &flash{Kind: "error", Text: "The " + k + " time is not a date and time."})
					}
					data[k] = t.UTC().Format(time.RFC3339)
				}
			}
		}
		rp, err = p.api(http.MethodPost, api+"/replay", nil, map[string]any{"data": data})
		if err == nil && rp.ok() {
			var got struct {
				Replayed int `json:"replayed"`
			}
			_ = rp.decode(&got)
			done = plural(got.Replayed, "event") + " to deliver again."
		}
	case "delete":
		rp, err = p.api(http.MethodDelete, api, nil, nil)
		if err == nil && rp.ok() {
			return p.redirect("/a/"+p.Account.ID+"/webhooks", &flash{Kind: "ok", Text: "Webhook deleted."})
		}
	default:
		return p.redirect(back, &flash{Kind: "error", Text: "Unknown action."})
	}
	return p.after(rp, err, back, done)
}
