package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
)

// TestWebhookScreens: a webhook made from the console shows its secret
// once; a number change is delivered to the receiver and shows in the
// delivery log; a new secret is shown once; a disabled webhook says so;
// a read-only user sees webhooks but cannot make one.
func TestWebhookScreens(t *testing.T) {
	w := newWorld(t)
	var (
		mu  sync.Mutex
		got []string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id")+" "+string(body))
		mu.Unlock()
	}))
	defer recv.Close()
	b := w.browser()
	if rec := b.loginKey(w.acmeKey); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", rec.Code)
	}
	base := "/a/" + w.acme + "/webhooks"
	if body := text(b.send("GET", base, nil)); !strings.Contains(body, "No webhooks") || !strings.Contains(body, `value="number.*"`) {
		t.Fatalf("empty page:\n%s", body)
	}
	rec := b.send("POST", base, url.Values{"_csrf": {b.csrf()}, "name": {"CRM"}, "uri": {recv.URL}, "hook": {"number.*"}, "http_verb": {"post"}})
	body := text(rec)
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(body)
	if rec.Code != http.StatusOK || secret == "" || !strings.Contains(body, "not shown again") {
		t.Fatalf("create: %d\n%s", rec.Code, body)
	}
	list := text(b.send("GET", base, nil))
	if strings.Contains(list, secret) || !strings.Contains(list, "CRM") {
		t.Fatalf("the list shows the secret again, or lacks the webhook:\n%s", list)
	}
	hookPath := regexp.MustCompile(`/a/[0-9a-f]+/webhooks/[0-9a-f]+`).FindString(list)
	if hookPath == "" {
		t.Fatalf("no link to the webhook:\n%s", list)
	}

	// A number change, delivered.
	rec2 := number.New("+14155550177", number.InService, "local", w.mgr.Now())
	rec2.AssignedTo = w.acme
	if err := w.st.InsertNumber(context.Background(), rec2); err != nil {
		t.Fatal(err)
	}
	d := webhooks.NewDeliverer(w.st, w.keys, webhooks.DelivererOptions{Node: "test", AllowPrivate: true})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != 1 || !strings.Contains(got[0], "+14155550177") {
		t.Fatalf("receiver got %q", got)
	}
	page := text(b.send("GET", hookPath, nil))
	for _, want := range []string{"HTTP 200", "success", "delivered", "number.*"} {
		if !strings.Contains(page, want) {
			t.Errorf("webhook page lacks %q:\n%s", want, page)
		}
	}
	rec = b.send("POST", hookPath, url.Values{"_csrf": {b.csrf()}, "action": {"rotate"}})
	if fresh := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(text(rec)); fresh == "" || fresh == secret {
		t.Fatalf("rotate: %d %q\n%s", rec.Code, fresh, text(rec))
	}
	rec = b.send("POST", hookPath, url.Values{"_csrf": {b.csrf()}, "action": {"replay"}, "event_id": {strings.Fields(got[0])[0]}})
	if body := text(b.follow(rec)); !strings.Contains(body, "1 event to deliver again") {
		t.Fatalf("replay:\n%s", body)
	}
	rec = b.send("POST", hookPath, url.Values{"_csrf": {b.csrf()}, "action": {"disable"}})
	if body := text(b.follow(rec)); !strings.Contains(body, `data-test="hook-state">disabled`) {
		t.Fatalf("disable:\n%s", body)
	}

	rita := w.browser()
	if rec := rita.loginUser("Acme", "rita", ritaPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("rita: %d", rec.Code)
	}
	if body := text(rita.send("GET", base, nil)); !strings.Contains(body, "CRM") || strings.Contains(body, "New webhook") {
		t.Errorf("read-only user's list:\n%s", body)
	}
	if rec := rita.send("POST", base, url.Values{"_csrf": {rita.csrf()}, "name": {"X"}, "uri": {recv.URL}, "hook": {"all"}}); rec.Code != http.StatusForbidden {
		t.Errorf("read-only user made a webhook: %d", rec.Code)
	}
}
