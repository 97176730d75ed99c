package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
)

// A number's history lists every change, with who made it and from which
// request, oldest first, a page at a time; the owner's tree and admins
// see it, another tenant does not (as it does not see the number).
func TestNumberHistory(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "reseller-a")
		a1, tA1 := e.child(a, "customer-a1")
		b, tB := e.child(e.master, "tenant-b")
		const n = "+14155550901"
		e.seed(a1, number.InService, n)
		patch := e.must(200, "PATCH", e.numPath(a1, n), tA1, map[string]any{"data": map[string]any{"my_label": "front desk"}})
		reqID := patch.header.Get("X-Request-Id")
		e.must(200, "PUT", e.numPath(a1, n)+"/used_by", tA, map[string]any{"data": map[string]any{"used_by": "callflow"}})

		for _, who := range []struct{ name, account, token string }{{"owner", a1, tA1}, {"ancestor", a, tA}, {"admin", e.master, e.token}} {
			r := e.must(200, "GET", e.numPath(who.account, n)+"/history", who.token, nil)
			es, _ := r.data().([]any)
			if len(es) != 3 {
				t.Fatalf("%s: %d events, want 3: %s", who.name, len(es), r.raw)
			}
			first, second := es[0].(map[string]any), es[1].(map[string]any)
			if first["type"] != "number.created" || second["type"] != "number.updated" {
				t.Errorf("%s: types %v, %v", who.name, first["type"], second["type"])
			}
			actor, _ := second["actor"].(map[string]any)
			if actor["account_id"] != a1 || actor["via"] != "api" || second["request_id"] != reqID || reqID == "" {
				t.Errorf("%s: the patch's event has actor %v request %v, want %s via api from %s", who.name, actor, second["request_id"], a1, reqID)
			}
			if second["before"] == nil || second["after"] == nil || second["id"] == "" || second["timestamp"] == "" {
				t.Errorf("%s: event without before, after, id or timestamp: %v", who.name, second)
			}
		}
		// Paging.
		r := e.must(200, "GET", e.numPath(a1, n)+"/history?page_size=2", tA1, nil)
		next, _ := r.env["next_start_key"].(string)
		if es, _ := r.data().([]any); len(es) != 2 || next == "" {
			t.Fatalf("first page: %d events, next %q", len(es), next)
		}
		r = e.must(200, "GET", e.numPath(a1, n)+"/history?page_size=2&start_key="+next, tA1, nil)
		if es, _ := r.data().([]any); len(es) != 1 || r.env["next_start_key"] != nil {
			t.Fatalf("second page: %d events, next %v", len(es), r.env["next_start_key"])
		}
		// Another tenant: refused as the number itself is.
		get := e.do("GET", e.numPath(b, n), tB, nil)
		hist := e.do("GET", e.numPath(b, n)+"/history", tB, nil)
		if hist.code != get.code || hist.code < 400 || hist.code >= 500 {
			t.Errorf("another tenant: history %d, the number %d; want the same refusal\n%s", hist.code, get.code, hist.raw)
		}
		if hist.code == 200 {
			t.Fatalf("another tenant read the history: %s", hist.raw)
		}
		// Its own path to the number does not help either.
		if r := e.do("GET", e.numPath(a1, n)+"/history", tB, nil); r.code < 400 {
			t.Errorf("another tenant through the owner's path: %d", r.code)
		}
		// A bad page size is a validation error.
		e.must(400, "GET", e.numPath(a1, n)+"/history?page_size=0", tA1, nil)

	})
}

// The webhooks API: Kazoo's shape, the secret shown on create and rotate
// only, deliveries and their log, replay; another tenant reaches none of
// it.
func TestWebhooksAPI(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "reseller-a")
		b, tB := e.child(e.master, "tenant-b")
		got := make(chan string, 10)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("webhook-id")
		}))
		defer rcv.Close()
		base := "/v2/accounts/" + a + "/webhooks"
		r := e.must(201, "PUT", base, tA, map[string]any{"data": map[string]any{"name": "crm", "uri": rcv.URL, "hook": "number.*", "http_verb": "post", "custom_data": map[string]string{"k": "v"}}})
		id, _ := r.dataMap()["id"].(string)
		secret, _ := r.dataMap()["secret"].(string)
		if id == "" || !strings.HasPrefix(secret, "whsec_") || r.dataMap()["enabled"] != true {
			t.Fatalf("create: %s", r.raw)
		}
		r = e.must(200, "GET", base+"/"+id, tA, nil)
		if strings.Contains(string(r.raw), secret) || r.dataMap()["secret"] != nil {
			t.Fatalf("GET shows the secret: %s", r.raw)
		}
		if r := e.must(200, "GET", base, tA, nil); len(r.data().([]any)) != 1 {
			t.Fatalf("list: %s", r.raw)
		}
		e.must(400, "PUT", base, tA, map[string]any{"data": map[string]any{"name": "x", "uri": "ftp://x", "hook": "all"}})
		// Another tenant: not through its own path, not through a's.
		e.must(404, "GET", "/v2/accounts/"+b+"/webhooks/"+id, tB, nil)
		if r := e.do("GET", base+"/"+id, tB, nil); r.code < 400 {
			t.Fatalf("another tenant read the webhook: %d", r.code)
		}
		r = e.must(200, "PATCH", base+"/"+id, tA, map[string]any{"data": map[string]any{"enabled": false}})
		if r.dataMap()["enabled"] != false || r.dataMap()["name"] != "crm" {
			t.Fatalf("patch: %s", r.raw)
		}
		e.must(200, "PATCH", base+"/"+id, tA, map[string]any{"data": map[string]any{"re-enable": true}})
		e.must(200, "PATCH", base+"/"+id, tA, map[string]any{"data": map[string]any{"enabled": false}})
		if r := e.must(200, "PATCH", base, tA, map[string]any{"data": map[string]any{"re-enable": true}}); len(r.data().([]any)) != 1 {
			t.Fatalf("re-enable all: %s", r.raw)
		}
		e.must(400, "PATCH", base, tA, map[string]any{"data": map[string]any{}})
		r = e.must(200, "POST", base+"/"+id+"/rotate_secret", tA, nil)
		if s, _ := r.dataMap()["secret"].(string); s == secret || !strings.HasPrefix(s, "whsec_") {
			t.Fatalf("rotate: %s", r.raw)
		}
		// An event of a's number, delivered by a node's deliverer.
		e.seed(a, number.InService, "+14155550950")
		d := webhooks.NewDeliverer(e.st, e.keys, webhooks.DelivererOptions{Now: e.clock.now, AllowPrivate: true})
		if _, err := d.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		eventID := <-got
		r = e.must(200, "GET", base+"/"+id+"/attempts", tA, nil)
		as, _ := r.data().([]any)
		if len(as) != 1 || as[0].(map[string]any)["event_id"] != eventID || as[0].(map[string]any)["result"] != "success" {
			t.Fatalf("attempts: %s", r.raw)
		}
		r = e.must(200, "GET", base+"/"+id+"/deliveries?status=delivered", tA, nil)
		if ds, _ := r.data().([]any); len(ds) != 1 {
			t.Fatalf("deliveries: %s", r.raw)
		}
		e.must(400, "GET", base+"/"+id+"/deliveries?status=lost", tA, nil)
		r = e.must(200, "POST", base+"/"+id+"/replay", tA, map[string]any{"data": map[string]any{"event_id": eventID}})
		if r.dataMap()["replayed"] != float64(1) {
			t.Fatalf("replay: %s", r.raw)
		}
		if _, err := d.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		if again := <-got; again != eventID {
			t.Fatalf("replayed %s, want %s", again, eventID)
		}
		e.must(400, "POST", base+"/"+id+"/replay", tA, map[string]any{"data": map[string]any{"since": "yesterday"}})
		if r := e.must(200, "GET", "/v2/webhooks", tA, nil); !strings.Contains(string(r.raw), "number.moved") {
			t.Fatalf("hooks: %s", r.raw)
		}
		e.must(200, "DELETE", base+"/"+id, tA, nil)
		e.must(404, "GET", base+"/"+id, tA, nil)
	})
}

// A purchase writes its events with its changes: the intent
// (purchase.pending, the number created in discovery), then its
// completion (purchase.completed, the number from discovery to in service), each
// carrying the buyer's request id; a refused purchase writes
// purchase.failed with the intent's removal.
func TestPurchaseEvents(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "buyer")
		e.fake.Offer("+14155550960", "+14155550961")
		base := "/v2/accounts/" + a + "/phone_numbers"
		e.must(200, "GET", base+"?prefix=415&quantity=2", tA, nil)
		r := e.must(200, "PUT", e.numPath(a, "+14155550960")+"/activate", tA, map[string]any{"data": map[string]any{}})
		reqID := r.header.Get("X-Request-Id")
		h := e.must(200, "GET", e.numPath(a, "+14155550960")+"/history", tA, nil)
		var types []string
		for _, ev := range h.data().([]any) {
			m := ev.(map[string]any)
			types = append(types, m["type"].(string))
			if m["request_id"] != reqID {
				t.Errorf("%s: request %v, want %s", m["type"], m["request_id"], reqID)
			}
		}
		want := "number.created purchase.pending number.state_changed purchase.completed"
		if strings.Join(types, " ") != want {
			t.Errorf("events %v, want %s", types, want)
		}
		e.fake.FailAcquire("+14155550961", &carrier.Failure{Class: carrier.Rejected, Err: errors.New("no")})
		if r := e.do("PUT", e.numPath(a, "+14155550961")+"/activate", tA, map[string]any{"data": map[string]any{}}); r.code < 400 {
			t.Fatalf("refused purchase answered %d", r.code)
		}
		h = e.must(200, "GET", e.numPath(e.master, "+14155550961")+"/history", e.token, nil)
		types = nil
		for _, ev := range h.data().([]any) {
			types = append(types, ev.(map[string]any)["type"].(string))
		}
		if got := strings.Join(types, " "); !strings.Contains(got, "purchase.pending") || !strings.HasSuffix(got, "number.deleted purchase.failed") {
			t.Errorf("refused purchase: events %s", got)
		}
	})
}
