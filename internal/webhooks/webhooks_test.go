package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// clock is a settable clock: retries come due by moving it, never by
// sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// got is one request a receiver took.
type got struct {
	id, ts, sig string
	body        []byte
	event       struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Number string `json:"number"`
		After  struct {
			Version int64 `json:"version"`
		} `json:"after"`
		WebhookID  string            `json:"webhook_id"`
		CustomData map[string]string `json:"custom_data"`
	}
	accepted bool
}

// receiver is an httptest receiver that answers status(n) to its n-th
// request (from 0) and keeps every request.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []got
	status func(n int) int
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		g := got{id: req.Header.Get("webhook-id"), ts: req.Header.Get("webhook-timestamp"), sig: req.Header.Get("webhook-signature"), body: body}
		if err := json.Unmarshal(body, &g.event); err != nil {
			t.Errorf("body is not an event: %s", body)
		}
		r.mu.Lock()
		code := r.status(len(r.got))
		g.accepted = code < 300
		r.got = append(r.got, g)
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) all() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// accepted returns the requests the receiver accepted.
func (r *receiver) accepted() []got {
	var out []got
	for _, g := range r.all() {
		if g.accepted {
			out = append(out, g)
		}
	}
	return out
}

// verify checks a request's signature as the Standard Webhooks
// specification says, written here from the specification, not from the
// code under test: the secret is base64 after "whsec_"; the signed content
// is "{webhook-id}.{webhook-timestamp}.{body}"; webhook-signature is a
// space-separated list of "v1,<base64 HMAC-SHA256>".
func verify(secret string, g got) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(g.id + "." + g.ts + "." + string(g.body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(g.sig) {
		v, b64, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(sig, want) {
			return true
		}
	}
	return false
}

// world is a store with accounts, a webhooks service and a clock.
type world struct {
	st    store.Store
	keys  *secrets.Keyring
	clock *clock
	svc   *webhooks.Service
	ctx   context.Context
}

const (
	reseller = "0000000000000000000000000000000a"
	customer = "0000000000000000000000000000000b"
	stranger = "0000000000000000000000000000000c"
)

func newWorld(t *testing.T, st store.Store) *world {
	kr, err := secrets.NewKeyring(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	w := &world{st: st, keys: kr, clock: c, svc: webhooks.New(st, kr, webhooks.Options{Now: c.now}),
		ctx: event.WithClock(event.WithActor(t.Context(), event.Actor{Via: "api"}, "req"), c.now)}
	for _, a := range []*number.Account{
		{ID: reseller, Name: "reseller", Tree: []string{}, Enabled: true, Public: number.Doc{}, Created: t0, Modified: t0},
		{ID: customer, Name: "customer", ParentID: reseller, Tree: []string{reseller}, Enabled: true, Public: number.Doc{}, Created: t0, Modified: t0},
		{ID: stranger, Name: "stranger", Tree: []string{}, Enabled: true, Public: number.Doc{}, Created: t0, Modified: t0},
	} {
		if err := st.InsertAccount(w.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) deliverer(node string, o webhooks.DelivererOptions) *webhooks.Deliverer {
	o.Node, o.Now, o.Seed, o.AllowPrivate = node, w.clock.now, 1, true
	return webhooks.NewDeliverer(w.st, w.keys, o)
}

// hook creates a webhook of account on uri and returns it with its secret.
func (w *world) hook(t *testing.T, account, uri, hook string, extra ...string) *webhooks.Created {
	t.Helper()
	doc := map[string]any{"name": "h", "uri": uri, "hook": hook, "custom_data": map[string]string{"crm": "42"}}
	for i := 0; i+1 < len(extra); i += 2 {
		doc[extra[i]] = extra[i+1] == "true"
	}
	raw, _ := json.Marshal(doc)
	c, err := w.svc.Create(w.ctx, account, raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// change writes k changes of number e164 owned by account (created, then
// k-1 updates).
func (w *world) change(t *testing.T, e164, account string, k int) {
	t.Helper()
	n := number.New(e164, number.InService, "local", w.clock.now())
	n.AssignedTo = account
	if err := w.st.InsertNumber(w.ctx, n); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < k; i++ {
		n.UsedBy = fmt.Sprint("app", i)
		if err := w.st.UpdateNumber(w.ctx, n); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs d until nothing is due now.
func run(t *testing.T, d *webhooks.Deliverer) int {
	t.Helper()
	n, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Signed deliveries verify with the Standard Webhooks algorithm; the
// body is the event, with the webhook's custom_data; the secret is shown
// on create and rotate only, sealed at rest; an account's webhook gets its
// own events and, with include_subaccounts, its descendants', never
// another tenant's.
func TestSignedDeliveryAndTenants(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		own := newReceiver(t, func(int) int { return 200 })
		tree := newReceiver(t, func(int) int { return 204 })
		other := newReceiver(t, func(int) int { return 200 })
		h := w.hook(t, reseller, own.URL, "number.*")
		ht := w.hook(t, reseller, tree.URL, "all", "include_subaccounts", "true")
		w.hook(t, stranger, other.URL, "all")
		if !strings.HasPrefix(h.Secret, "whsec_") {
			t.Fatalf("secret %q", h.Secret)
		}
		stored, _ := st.GetWebhook(w.ctx, h.ID)
		if !strings.HasPrefix(stored.SecretSealed, secrets.Prefix) || strings.Contains(stored.SecretSealed, strings.TrimPrefix(h.Secret, "whsec_")) {
			t.Errorf("secret stored as %q", stored.SecretSealed)
		}
		if v, _ := w.svc.Get(w.ctx, reseller, h.ID); v == nil || strings.Contains(fmt.Sprint(*v), h.Secret) {
			t.Errorf("Get shows the secret: %+v", v)
		}
		if _, err := w.svc.Get(w.ctx, stranger, h.ID); !number.IsKind(err, number.KindNotFound) {
			t.Errorf("another account's webhook: %v", err)
		}

		w.change(t, "+14155550100", reseller, 1)
		w.change(t, "+14155550101", customer, 1)
		run(t, w.deliverer("n1", webhooks.DelivererOptions{}))

		if g := own.accepted(); len(g) != 1 || g[0].event.Number != "+14155550100" || g[0].event.CustomData["crm"] != "42" || g[0].event.WebhookID != h.ID {
			t.Fatalf("own events: %+v", g)
		}
		if g := tree.accepted(); len(g) != 2 {
			t.Fatalf("tree events: %d, want 2", len(g))
		}
		if g := other.all(); len(g) != 0 {
			t.Fatalf("another tenant's webhook got %d events", len(g))
		}
		for _, g := range own.accepted() {
			if !verify(h.Secret, g) || g.id != g.event.ID {
				t.Errorf("signature %q of %s does not verify (webhook-id %s)", g.sig, g.body, g.id)
			}
			if ts, _ := strconv.ParseInt(g.ts, 10, 64); ts != t0.Unix() {
				t.Errorf("webhook-timestamp %s", g.ts)
			}
		}
		for _, g := range tree.accepted() {
			if !verify(ht.Secret, g) || verify(h.Secret, g) {
				t.Errorf("tree hook's signature")
			}
		}
		// A rotated secret signs what follows; the old one no longer does.
		rot, err := w.svc.RotateSecret(w.ctx, reseller, h.ID)
		if err != nil || rot.Secret == h.Secret {
			t.Fatalf("rotate: %v", err)
		}
		w.change(t, "+14155550102", reseller, 1)
		run(t, w.deliverer("n1", webhooks.DelivererOptions{}))
		last := own.accepted()[1]
		if !verify(rot.Secret, last) || verify(h.Secret, last) {
			t.Errorf("after rotation: new verifies %v, old verifies %v", verify(rot.Secret, last), verify(h.Secret, last))
		}
		as, err := w.svc.Attempts(w.ctx, reseller, h.ID, 0)
		if err != nil || len(as) != 2 || as[0].Result != "success" || as[0].StatusCode != 200 {
			t.Errorf("delivery log: %+v, %v", as, err)
		}
	})
}

// A receiver failing, then recovering, gets every event once, in order
// per number; retries come on the schedule (injected clock).
func TestFailingThenRecovering(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		down := true
		var mu sync.Mutex
		r := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return 503
			}
			return 200
		})
		h := w.hook(t, reseller, r.URL, "all")
		for i := range 3 {
			w.change(t, fmt.Sprint("+1415555020", i), reseller, 4)
		}
		d := w.deliverer("n1", webhooks.DelivererOptions{})
		for range 4 { // four failed rounds
			run(t, d)
			w.clock.advance(25 * time.Hour)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		for range 20 {
			run(t, d)
			w.clock.advance(25 * time.Hour)
		}
		acc := r.accepted()
		seen := map[string]int{}
		last := map[string]int64{}
		for _, g := range acc {
			seen[g.event.ID]++
			if v := g.event.After.Version; v <= last[g.event.Number] {
				t.Errorf("%s: version %d after %d", g.event.Number, v, last[g.event.Number])
			}
			last[g.event.Number] = g.event.After.Version
		}
		es, _ := st.ListEvents(w.ctx, event.Query{})
		if len(es) != 12 || len(seen) != 12 {
			t.Fatalf("%d events, %d delivered", len(es), len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s accepted %d times", id, n)
			}
		}
		// While it was down, only the first event of each number was tried.
		for _, g := range r.all() {
			if !g.accepted && g.event.After.Version != 1 {
				t.Errorf("event of version %d tried before the first of its number was delivered", g.event.After.Version)
			}
		}
		ds, _ := w.svc.Deliveries(w.ctx, reseller, h.ID, store.DeliveryDelivered, 0)
		if len(ds) != 12 {
			t.Errorf("%d deliveries delivered", len(ds))
		}
	})
}

// The retry schedule: each attempt comes Schedule[i] ±10 % after the
// previous one; after the last, the delivery is dead-lettered; replay of
// the event (or a time range) delivers it again.
func TestScheduleDeadLetterReplay(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		var mu sync.Mutex
		healthy := false
		r := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			if healthy {
				return 200
			}
			return 500
		})
		h := w.hook(t, reseller, r.URL, "number.created")
		w.change(t, "+14155550300", reseller, 1)
		d := w.deliverer("n1", webhooks.DelivererOptions{DisableAfterFailures: 1000})
		var total time.Duration
		for i := range len(webhooks.Schedule) + 1 {
			if n := run(t, d); n != 1 {
				t.Fatalf("attempt %d: %d sent", i+1, n)
			}
			ds, _ := w.svc.Deliveries(w.ctx, reseller, h.ID, "", 0)
			if i == len(webhooks.Schedule) {
				if ds[0].Status != store.DeliveryFailed || ds[0].Attempts != 11-1 {
					t.Fatalf("after the last attempt: %+v", ds[0])
				}
				break
			}
			wait := ds[0].NextAttempt.Sub(w.clock.now())
			want := webhooks.Schedule[i]
			if ds[0].Status != store.DeliveryPending || wait < want*9/10 || wait > want*11/10 {
				t.Fatalf("attempt %d: next in %s, want %s ±10%%", i+1, wait, want)
			}
			total += wait
			// Not due a moment before; due at its time.
			w.clock.advance(wait - time.Second)
			if n := run(t, d); n != 0 {
				t.Fatalf("attempt %d came early", i+2)
			}
			w.clock.advance(time.Second)
		}
		if total < 60*time.Hour || total > 90*time.Hour {
			t.Errorf("retried over %s, want about three days", total)
		}
		if got := len(r.all()); got != 10 {
			t.Errorf("%d attempts, want 10", got)
		}
		mu.Lock()
		healthy = true
		mu.Unlock()
		es, _ := st.ListEvents(w.ctx, event.Query{Number: "+14155550300"})
		if n, err := w.svc.Replay(w.ctx, reseller, h.ID, es[0].ID, time.Time{}, time.Time{}); err != nil || n != 1 {
			t.Fatalf("replay: %d, %v", n, err)
		}
		run(t, d)
		if acc := r.accepted(); len(acc) != 1 || acc[0].event.ID != es[0].ID {
			t.Fatalf("after replay: %d accepted", len(acc))
		}
		// A time range: the events of the range the hook takes.
		if n, err := w.svc.Replay(w.ctx, reseller, h.ID, "", t0.Add(-time.Hour), w.clock.now().Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("replay a range: %d, %v", n, err)
		}
		run(t, d)
		if acc := r.accepted(); len(acc) != 2 {
			t.Fatalf("after the range replay: %d accepted", len(acc))
		}
	})
}

// A webhook that keeps failing is disabled, and a webhook.disabled event
// tells its owner; 410 Gone disables at once.
func TestFailingWebhookDisabled(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		bad := newReceiver(t, func(int) int { return 500 })
		gone := newReceiver(t, func(int) int { return 410 })
		hb := w.hook(t, reseller, bad.URL, "number.*")
		hg := w.hook(t, reseller, gone.URL, "number.*")
		d := w.deliverer("n1", webhooks.DelivererOptions{DisableAfterFailures: 3, DisableAfter: 24 * time.Hour})
		w.change(t, "+14155550400", reseller, 1)
		w.change(t, "+14155550401", reseller, 1)
		w.change(t, "+14155550402", reseller, 1)
		run(t, d)
		if v, _ := w.svc.Get(w.ctx, reseller, hg.ID); v.Enabled || !strings.Contains(v.DisabledMessage, "410") {
			t.Errorf("after 410: %+v", v)
		}
		if v, _ := w.svc.Get(w.ctx, reseller, hb.ID); !v.Enabled {
			t.Errorf("disabled before a day without success")
		}
		w.clock.advance(25 * time.Hour)
		run(t, d)
		if v, _ := w.svc.Get(w.ctx, reseller, hb.ID); v.Enabled || v.DisabledMessage == "" {
			t.Errorf("still enabled after failing a day: %+v", v)
		}
		es, _ := st.ListEvents(w.ctx, event.Query{Types: []string{event.WebhookDisabled}, AccountID: reseller})
		if len(es) != 2 {
			t.Fatalf("%d webhook.disabled events, want 2", len(es))
		}
		// Re-enabling (Kazoo's re-enable) clears the failures.
		if v, err := w.svc.Update(w.ctx, reseller, hb.ID, json.RawMessage(`{"re-enable":true}`), true); err != nil || !v.Enabled || v.Failures != 0 || v.DisabledMessage != "" {
			t.Errorf("re-enable: %+v, %v", v, err)
		}
	})
}

// Two nodes delivering from one database deliver each event exactly once
// to a healthy receiver.
func TestTwoNodesDeliverOnce(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := newReceiver(t, func(int) int { return 200 })
		w.hook(t, reseller, r.URL, "all")
		w.hook(t, customer, r.URL, "all")
		for i := range 20 {
			w.change(t, fmt.Sprintf("+141555505%02d", i), []string{reseller, customer}[i%2], 3)
		}
		nodes := []*webhooks.Deliverer{
			w.deliverer("n1", webhooks.DelivererOptions{Batch: 4, Workers: 2}),
			w.deliverer("n2", webhooks.DelivererOptions{Batch: 4, Workers: 2}),
		}
		var wg sync.WaitGroup
		for _, d := range nodes {
			wg.Go(func() {
				for range 3 {
					if _, err := d.RunOnce(context.Background()); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		for _, d := range nodes {
			run(t, d)
		}
		seen := map[string]int{}
		for _, g := range r.all() {
			seen[g.id+"/"+g.event.WebhookID]++
		}
		if len(seen) != 60 {
			t.Fatalf("%d deliveries, want 60", len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s delivered %d times", k, n)
			}
		}
	})
}

// Validation of a webhook's document.
func TestWebhookValidation(t *testing.T) {
	w := newWorld(t, storetest.OpenSQLite(t))
	for _, tc := range []struct{ doc, field string }{
		{`{"uri":"http://x/","hook":"all"}`, "name"},
		{`{"name":"a","hook":"all"}`, "uri"},
		{`{"name":"a","uri":"ftp://x/","hook":"all"}`, "uri"},
		{`{"name":"a","uri":"http://x/","hook":"channel_create"}`, "hook"},
		{`{"name":"a","uri":"http://x/","hook":"all","http_verb":"delete"}`, "http_verb"},
		{`{"name":"a","uri":"http://x/","hook":"all","retries":9}`, "retries"},
	} {
		_, err := w.svc.Create(w.ctx, reseller, json.RawMessage(tc.doc))
		var fe *number.FieldError
		if !errorsAs(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want a field error on %s", tc.doc, err, tc.field)
		}
	}
	if !webhooks.Matches("number.*", event.NumberMoved) || webhooks.Matches("number.*", event.PurchasePending) || !webhooks.Matches("all", event.ChargePosted) {
		t.Error("Matches")
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// By default a webhook cannot reach a loopback or private address (the
// operator's internal services): the attempt fails without a request.
func TestPrivateAddressesRefused(t *testing.T) {
	w := newWorld(t, storetest.OpenSQLite(t))
	r := newReceiver(t, func(int) int { return 200 })
	h := w.hook(t, reseller, r.URL, "all")
	w.change(t, "+14155550600", reseller, 1)
	d := webhooks.NewDeliverer(w.st, w.keys, webhooks.DelivererOptions{Now: w.clock.now})
	run(t, d)
	if got := r.all(); len(got) != 0 {
		t.Fatalf("the receiver on %s got %d requests", r.URL, len(got))
	}
	as, _ := w.svc.Attempts(w.ctx, reseller, h.ID, 0)
	if len(as) != 1 || !strings.Contains(as[0].Error, "not public") {
		t.Fatalf("attempts: %+v", as)
	}
}
