package console

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/number/money"
)

// historyEntry is one event of a number's history, as the API lists it
// (docs/events.md).
type historyEntry struct {
	ID    string    `json:"id"`
	Type  string    `json:"type"`
	Time  time.Time `json:"timestamp"`
	Actor struct {
		AccountID string `json:"account_id"`
		UserID    string `json:"user_id"`
		Via       string `json:"via"`
	} `json:"actor"`
	RequestID string        `json:"request_id"`
	Before    *historyState `json:"before"`
	After     *historyState `json:"after"`
	Data      map[string]any
}

// historyState is what an event shows of the number.
type historyState struct {
	State      string   `json:"state"`
	AssignedTo string   `json:"assigned_to"`
	UsedBy     string   `json:"used_by"`
	Features   []string `json:"features"`
}

var eventLabels = map[string]string{
	"number.created": "Created", "number.state_changed": "State changed", "number.assigned": "Assigned",
	"number.moved": "Moved", "number.released": "Released", "number.updated": "Changed", "number.deleted": "Deleted",
	"purchase.pending": "Purchase asked", "purchase.completed": "Bought", "purchase.failed": "Purchase refused",
	"purchase.settled": "Purchase settled", "feature.provisioned": "Feature set up", "feature.failed": "Feature failed",
	"port_request.changed": "Port request", "charge.posted": "Charged",
}

// What is the event in words.
func (h historyEntry) What() string {
	if l, ok := eventLabels[h.Type]; ok {
		return l
	}
	return h.Type
}

// Who says who made the change: the way in and the account (and user).
func (h historyEntry) Who() string {
	via := map[string]string{"api": "API", "cli": "command line", "job": "background job", "system": "Numan"}[h.Actor.Via]
	if via == "" {
		via = h.Actor.Via
	}
	var parts []string
	if h.Actor.AccountID != "" {
		parts = append(parts, "account "+short(h.Actor.AccountID))
	}
	if h.Actor.UserID != "" {
		parts = append(parts, "user "+short(h.Actor.UserID))
	}
	if len(parts) == 0 {
		return via
	}
	return via + " (" + strings.Join(parts, ", ") + ")"
}

// Change lists what differs between before and after, in words.
func (h historyEntry) Change() string {
	b, a := h.Before, h.After
	var out []string
	switch {
	case b == nil && a != nil:
		out = append(out, "state "+label(a.State))
	case a == nil && b != nil:
		out = append(out, "was "+label(b.State))
	case a != nil && b != nil:
		if a.State != b.State {
			out = append(out, label(b.State)+" → "+label(a.State))
		}
		if a.AssignedTo != b.AssignedTo {
			out = append(out, "owner "+orDash(short(b.AssignedTo))+" → "+orDash(short(a.AssignedTo)))
		}
		if a.UsedBy != b.UsedBy {
			out = append(out, "used by "+orDash(b.UsedBy)+" → "+orDash(a.UsedBy))
		}
		for _, f := range a.Features {
			if !slices.Contains(b.Features, f) {
				out = append(out, featureLabel(f)+" on")
			}
		}
		for _, f := range b.Features {
			if !slices.Contains(a.Features, f) {
				out = append(out, featureLabel(f)+" off")
			}
		}
	}
	if amount, ok := h.Data["amount_minor"].(float64); ok {
		cur, _ := h.Data["currency"].(string)
		out = append(out, money.Format(int64(amount), cur)+" "+cur)
	}
	for _, k := range []string{"feature", "status", "state", "carrier", "description"} {
		if s, ok := h.Data[k].(string); ok && s != "" {
			out = append(out, k+": "+s)
		}
	}
	return strings.Join(out, "; ")
}

func label(state string) string {
	if l, ok := stateLabels[state]; ok {
		return l
	}
	return state
}

func featureLabel(f string) string {
	if l, ok := featureLabels[f]; ok {
		return l
	}
	return f
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// short is the start of a long id, enough to tell ids apart on a screen.
func short(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

// historyView is the history section of a number's page.
type historyView struct {
	Entries []historyEntry
	// Note is why the history cannot be shown (the API's refusal, in
	// words); "" when it is shown.
	Note string
	// Next is the link to the next (later) page, "" on the last.
	Next string
}

// loadHistory reads a page of the number's history, newest last (the
// API's order), from the start key in the page's "history" parameter.
func loadHistory(p *page, e164 string) (*historyView, error) {
	q := url.Values{"page_size": {"50"}}
	if k := p.r.URL.Query().Get("history"); k != "" {
		q.Set("start_key", k)
	}
	v := &historyView{}
	rp, err := p.api("GET", p.acct()+"/phone_numbers/"+url.PathEscape(e164)+"/history", q, nil)
	if err != nil {
		return nil, err
	}
	if !rp.ok() {
		v.Note = rp.err().Error()
		return v, nil
	}
	if err := rp.decode(&v.Entries); err != nil {
		return nil, err
	}
	var next string
	_ = json.Unmarshal(rp.NextStartKey, &next)
	if next != "" {
		v.Next = p.r.URL.Path + "?history=" + url.QueryEscape(next)
	}
	return v, nil
}
