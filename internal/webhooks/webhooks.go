// Package webhooks manages webhooks (Kazoo's /v2/accounts/{ID}/webhooks
// documents, their signing secrets, delivery log and replays) and
// delivers the outbox's events to them and to the message bus
// (Deliverer). Deliveries are signed as the Standard Webhooks
// specification says, retried with exponential backoff and jitter for
// about three days, then dead-lettered; a webhook that keeps failing is
// disabled and a webhook.disabled event tells its owner. Every node runs a
// Deliverer; a lease per delivery keeps two nodes from sending one event
// twice.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Doc is a webhook's document: Kazoo's fields, and Numan's.
type Doc struct {
	Name               string            `json:"name"`
	URI                string            `json:"uri"`
	HTTPVerb           string            `json:"http_verb"` // post (default), put, get
	Hook               string            `json:"hook"`      // an event type, "<category>.*", or "all"
	Enabled            bool              `json:"enabled"`
	CustomData         map[string]string `json:"custom_data,omitempty"`
	Retries            int               `json:"retries"` // Kazoo's field, kept; the schedule is Schedule
	IncludeSubaccounts bool              `json:"include_subaccounts"`
	DisabledMessage    string            `json:"disabled_message,omitempty"`
}

// Webhook is a webhook as the API shows it (never its secret).
type Webhook struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Doc
	Failures    int        `json:"failures"` // consecutive failed attempts
	LastSuccess *time.Time `json:"last_success,omitempty"`
	Created     time.Time  `json:"created"`
	Modified    time.Time  `json:"modified"`
}

// Service manages webhooks.
type Service struct {
	st   store.Store
	keys *secrets.Keyring
	now  func() time.Time
}

// Options configure a Service.
type Options struct {
	Now func() time.Time // the clock (default time.Now)
}

// New returns the webhooks service over st, sealing secrets with keys.
func New(st store.Store, keys *secrets.Keyring, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: st, keys: keys, now: o.Now}
}

// Hooks lists the hook values a webhook may name: "all", every event
// type, and each category ("number.*").
func Hooks() []string {
	out := []string{"all"}
	seen := map[string]bool{}
	for _, t := range event.Types {
		cat, _, _ := strings.Cut(t, ".")
		if !seen[cat] {
			seen[cat] = true
			out = append(out, cat+".*")
		}
	}
	return append(out, event.Types...)
}

// Matches reports whether a webhook whose hook is hook takes events of
// type typ.
func Matches(hook, typ string) bool {
	if hook == "all" || hook == typ {
		return true
	}
	prefix, ok := strings.CutSuffix(hook, "*")
	return ok && strings.HasSuffix(prefix, ".") && strings.HasPrefix(typ, prefix)
}

// typesOf returns the event types hook takes (nil: all).
func typesOf(hook string) []string {
	if hook == "all" {
		return nil
	}
	var out []string
	for _, t := range event.Types {
		if Matches(hook, t) {
			out = append(out, t)
		}
	}
	return out
}

func invalid(field, rule, msg string, v any) error {
	return &number.FieldError{Field: field, Rule: rule, Message: msg, Value: v}
}

// decode reads a webhook document from raw over base (patch: only the
// keys sent change) and checks it.
func decode(raw json.RawMessage, base Doc) (Doc, error) {
	d := base
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, invalid("data", "type", "Value did not match type(s): webhook document ("+err.Error()+")", nil)
	}
	d.HTTPVerb = strings.ToLower(d.HTTPVerb)
	if d.HTTPVerb == "" {
		d.HTTPVerb = "post"
	}
	switch {
	case strings.TrimSpace(d.Name) == "":
		return d, invalid("name", "required", "Field is required but missing", nil)
	case d.URI == "":
		return d, invalid("uri", "required", "Field is required but missing", nil)
	case d.Hook == "":
		return d, invalid("hook", "required", "Field is required but missing", nil)
	case !slices.Contains([]string{"get", "post", "put"}, d.HTTPVerb):
		return d, invalid("http_verb", "enum", "Value not found in enumerated list of values", d.HTTPVerb)
	case !slices.Contains(Hooks(), d.Hook):
		return d, invalid("hook", "enum", "Value not found in enumerated list of values (GET /v2/webhooks lists them)", d.Hook)
	case d.Retries < 0 || d.Retries > 5:
		return d, invalid("retries", "maximum", "Value must be between 0 and 5", d.Retries)
	}
	u, err := url.Parse(d.URI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return d, invalid("uri", "format", "Value is not a valid http or https URL", d.URI)
	}
	return d, nil
}

// newSecret returns a Standard Webhooks secret: whsec_ and the base64 of
// 32 random bytes.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// view is h as the API shows it.
func view(h *store.Webhook) (*Webhook, error) {
	var d Doc
	if err := json.Unmarshal(h.Doc, &d); err != nil {
		return nil, number.Wrap(number.KindInternal, h.ID, err)
	}
	d.Enabled = h.Enabled
	w := &Webhook{ID: h.ID, AccountID: h.AccountID, Doc: d, Failures: h.Failures, Created: h.Created, Modified: h.Modified}
	if !h.LastSuccess.IsZero() {
		t := h.LastSuccess
		w.LastSuccess = &t
	}
	return w, nil
}

// Created is a new webhook and its secret, shown this once.
type Created struct {
	*Webhook
	Secret string `json:"secret"`
}

// Create stores a webhook for accountID from its document and returns
// it with its new secret.
func (s *Service) Create(ctx context.Context, accountID string, raw json.RawMessage) (*Created, error) {
	d, err := decode(raw, Doc{Enabled: true, Retries: 2})
	if err != nil {
		return nil, err
	}
	secret := newSecret()
	sealed, err := s.keys.Seal([]byte(secret))
	if err != nil {
		return nil, err
	}
	doc, _ := json.Marshal(d)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	now := s.now().UTC()
	h := &store.Webhook{ID: hex.EncodeToString(id), AccountID: accountID, Enabled: d.Enabled, Doc: doc, SecretSealed: sealed,
		Created: now, Modified: now}
	if err := s.st.InsertWebhook(ctx, h); err != nil {
		return nil, err
	}
	w, err := view(h)
	if err != nil {
		return nil, err
	}
	return &Created{Webhook: w, Secret: secret}, nil
}

// get returns accountID's webhook id (KindNotFound for another account's).
func (s *Service) get(ctx context.Context, accountID, id string) (*store.Webhook, error) {
	h, err := s.st.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.AccountID != accountID {
		return nil, number.NewError(number.KindNotFound, id)
	}
	return h, nil
}

// Get returns one of accountID's webhooks.
func (s *Service) Get(ctx context.Context, accountID, id string) (*Webhook, error) {
	h, err := s.get(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	return view(h)
}

// List returns accountID's webhooks.
func (s *Service) List(ctx context.Context, accountID string) ([]*Webhook, error) {
	hs, err := s.st.ListWebhooks(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]*Webhook, 0, len(hs))
	for _, h := range hs {
		w, err := view(h)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// Update replaces (patch false) or merges into (patch true) a webhook's
// document. Enabling a webhook clears its failures and disabled_message
// (Kazoo's re-enable).
func (s *Service) Update(ctx context.Context, accountID, id string, raw json.RawMessage, patch bool) (*Webhook, error) {
	h, err := s.get(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	var base Doc
	if patch {
		if err := json.Unmarshal(h.Doc, &base); err != nil {
			return nil, number.Wrap(number.KindInternal, id, err)
		}
		base.Enabled = h.Enabled
	} else {
		base = Doc{Enabled: true, Retries: 2}
	}
	var reenable struct {
		ReEnable bool `json:"re-enable"`
	}
	_ = json.Unmarshal(raw, &reenable)
	d, err := decode(raw, base)
	if err != nil {
		return nil, err
	}
	if reenable.ReEnable {
		d.Enabled = true
	}
	if d.Enabled && !h.Enabled {
		d.DisabledMessage, h.Failures = "", 0
	}
	doc, _ := json.Marshal(d)
	h.Doc, h.Enabled, h.Modified = doc, d.Enabled, s.now().UTC()
	if err := s.st.UpdateWebhook(ctx, h); err != nil {
		return nil, err
	}
	return view(h)
}

// Delete removes a webhook, its deliveries and their log.
func (s *Service) Delete(ctx context.Context, accountID, id string) error {
	if _, err := s.get(ctx, accountID, id); err != nil {
		return err
	}
	return s.st.DeleteWebhook(ctx, id)
}

// RotateSecret gives a webhook a new secret and returns it (shown this
// once); deliveries are signed with it from now on.
func (s *Service) RotateSecret(ctx context.Context, accountID, id string) (*Created, error) {
	h, err := s.get(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	secret := newSecret()
	if h.SecretSealed, err = s.keys.Seal([]byte(secret)); err != nil {
		return nil, err
	}
	h.Modified = s.now().UTC()
	if err := s.st.UpdateWebhook(ctx, h); err != nil {
		return nil, err
	}
	w, err := view(h)
	if err != nil {
		return nil, err
	}
	return &Created{Webhook: w, Secret: secret}, nil
}

// Attempt is one line of a webhook's delivery log.
type Attempt struct {
	DeliveryID int64     `json:"delivery_id"`
	EventID    string    `json:"event_id"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"timestamp"`
	StatusCode int       `json:"response_code,omitempty"`
	LatencyMS  float64   `json:"latency_ms"`
	Result     string    `json:"result"` // success, failure
	Error      string    `json:"error,omitempty"`
}

// Attempts returns a webhook's delivery log, newest first (at most limit;
// 0: all).
func (s *Service) Attempts(ctx context.Context, accountID, id string, limit int) ([]Attempt, error) {
	if _, err := s.get(ctx, accountID, id); err != nil {
		return nil, err
	}
	as, err := s.st.ListAttempts(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Attempt, len(as))
	for i, a := range as {
		out[i] = Attempt{DeliveryID: a.DeliveryID, EventID: a.EventID, Attempt: a.Attempt, At: a.At, StatusCode: a.StatusCode,
			LatencyMS: float64(a.Latency.Microseconds()) / 1000, Result: "success", Error: a.Error}
		if a.Error != "" {
			out[i].Result = "failure"
		}
	}
	return out, nil
}

// Delivery is one event's delivery to a webhook, as the API shows it.
type Delivery struct {
	ID          int64     `json:"id"`
	EventID     string    `json:"event_id"`
	Number      string    `json:"number,omitempty"`
	Status      string    `json:"status"` // pending, delivered, failed (dead-lettered)
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	Modified    time.Time `json:"modified"`
}

// Deliveries returns a webhook's deliveries, newest first, of status
// ("" = any).
func (s *Service) Deliveries(ctx context.Context, accountID, id, status string, limit int) ([]Delivery, error) {
	if _, err := s.get(ctx, accountID, id); err != nil {
		return nil, err
	}
	ds, err := s.st.ListDeliveries(ctx, store.DeliveryQuery{Sink: id, Status: status, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(ds))
	for i, d := range ds {
		out[i] = Delivery{ID: d.ID, EventID: d.EventID, Number: d.Subject, Status: d.Status, Attempts: d.Attempts,
			NextAttempt: d.NextAttempt, Modified: d.Modified}
	}
	return out, nil
}

// Replay delivers again to a webhook one event (eventID) or the events
// of a time range [since, until) that it takes: its account's (and with
// include_subaccounts its descendants'), of its hook's types. Delivered
// and dead-lettered deliveries become pending, due now, with a fresh
// schedule; it returns how many.
func (s *Service) Replay(ctx context.Context, accountID, id, eventID string, since, until time.Time) (int64, error) {
	h, err := s.get(ctx, accountID, id)
	if err != nil {
		return 0, err
	}
	w, err := view(h)
	if err != nil {
		return 0, err
	}
	if eventID == "" && since.IsZero() {
		return 0, invalid("since", "required", "Give event_id, or since (and until)", nil)
	}
	q := event.Query{ID: eventID, AccountID: h.AccountID, Tree: w.IncludeSubaccounts, Types: typesOf(w.Hook), Since: since, Until: until}
	if w.Hook != "all" && len(q.Types) == 0 {
		return 0, nil
	}
	return s.st.ReplayDeliveries(ctx, id, h.AccountID, q, s.now().UTC())
}

// ReEnableAll enables every disabled webhook of accountID (Kazoo's PATCH
// …/webhooks {"re-enable": true}) and returns them.
func (s *Service) ReEnableAll(ctx context.Context, accountID string) ([]*Webhook, error) {
	hs, err := s.st.ListWebhooks(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := []*Webhook{}
	for _, h := range hs {
		if h.Enabled {
			continue
		}
		w, err := s.Update(ctx, accountID, h.ID, json.RawMessage(`{"re-enable":true}`), true)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
