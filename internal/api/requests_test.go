package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// descendants counts the accounts below id.
func (e *env) descendants(id string) int {
	e.t.Helper()
	ds, err := e.st.ListDescendants(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ds)
}

// A write sent again with its Idempotency-Key gets its first reply and is
// not made again, on this node or another, however many copies race; the
// key with another body is 422; another caller's same key is its own;
// keys expire; bad keys are 400; reads ignore the header.
func TestIdempotencyKeys(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "A", "is_reseller", true)
		create := func(token, key, name string) *resp {
			return e.do("PUT", "/v2/accounts/"+a, token, map[string]any{"data": map[string]any{"name": name}}, "Idempotency-Key", key)
		}
		first := create(tA, "k-1", "Sub 1")
		if first.code != http.StatusCreated {
			t.Fatalf("first: %d %s", first.code, first.raw)
		}
		again := create(tA, "k-1", "Sub 1")
		if again.code != http.StatusCreated || string(again.raw) != string(first.raw) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("repeat: %d %q %s", again.code, again.header.Get("Idempotent-Replayed"), again.raw)
		}
		if n := e.descendants(a); n != 1 {
			t.Fatalf("%d accounts after a repeated create", n)
		}
		if r := create(tA, "k-1", "Sub 2"); r.code != http.StatusUnprocessableEntity || r.dataMap()["error"] != "idempotency_key_reused" {
			t.Fatalf("same key, other body: %d %s", r.code, r.raw)
		}
		// Another node on the same database replays it too.
		node2 := New(Options{Manager: e.srv.mgr, Config: e.srv.cfg, Auth: e.srv.auth, Now: e.clock.now, Node: "node-2", Version: "test"})
		e2 := *e
		e2.srv = node2
		if r := e2.do("PUT", "/v2/accounts/"+a, tA, map[string]any{"data": map[string]any{"name": "Sub 1"}}, "Idempotency-Key", "k-1"); r.code != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("other node: %d %s", r.code, r.raw)
		}
		// The master's key k-1 is not A's.
		if r := e.do("PUT", "/v2/accounts/"+a, e.token, map[string]any{"data": map[string]any{"name": "Sub 1"}}, "Idempotency-Key", "k-1"); r.code != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("another caller's key: %d %s", r.code, r.raw)
		}
		for _, bad := range []string{"has space", strings.Repeat("k", 256), "tab\there"} {
			if r := create(tA, bad, "Sub 3"); r.code != http.StatusBadRequest {
				t.Errorf("key %q: %d %s", bad, r.code, r.raw)
			}
		}
		// A sign-in names no caller: its key is not remembered.
		for range 2 {
			if r := e.do("PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": e.key}}, "Idempotency-Key", "login"); r.code != http.StatusCreated {
				t.Fatalf("sign-in with a key: %d %s", r.code, r.raw)
			}
		}
		if r := e.do("GET", "/v2/accounts/"+a, tA, nil, "Idempotency-Key", "k-1"); r.code != http.StatusOK {
			t.Fatalf("read with a key: %d %s", r.code, r.raw)
		}
		if n := e.descendants(a); n != 2 {
			t.Fatalf("%d accounts, want A's and the master's", n)
		}
		// Concurrent copies: one acts, the others replay it or are told
		// it is in progress.
		var wg sync.WaitGroup
		replies := make([]*resp, 12)
		for i := range replies {
			wg.Go(func() {
				srv := e.srv
				if i%2 == 1 {
					srv = node2
				}
				ei := *e
				ei.srv = srv
				replies[i] = ei.do("PUT", "/v2/accounts/"+a, tA, map[string]any{"data": map[string]any{"name": "Raced"}}, "Idempotency-Key", "race")
			})
		}
		wg.Wait()
		var made []byte
		for _, r := range replies {
			switch r.code {
			case http.StatusCreated:
				if made != nil && string(made) != string(r.raw) {
					t.Fatalf("two different replies to one key:\n%s\n%s", made, r.raw)
				}
				made = r.raw
			case http.StatusConflict:
				if r.header.Get("Retry-After") == "" {
					t.Errorf("in progress without Retry-After: %s", r.raw)
				}
			default:
				t.Fatalf("raced copy: %d %s", r.code, r.raw)
			}
		}
		if n := e.descendants(a); n != 3 {
			t.Fatalf("%d accounts after 12 racing copies of one create, want 3", n)
		}
		if r := create(tA, "race", "Raced"); r.code != http.StatusCreated || (made != nil && string(r.raw) != string(made)) {
			t.Fatalf("after the race: %d %s", r.code, r.raw)
		}
		// Keys expire (24 hours by default): the same key acts again.
		e.clock.advance(25 * time.Hour)
		e.token = e.login(e.key) // the tokens expired too; the key's scope is the caller, not the token
		tA = e.login(e.must(200, "GET", "/v2/accounts/"+a+"/api_key", e.token, nil).dataMap()["api_key"].(string))
		if r := create(tA, "k-1", "Sub 1 again"); r.code != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("expired key: %d %s", r.code, r.raw)
		}
		if n := e.descendants(a); n != 4 {
			t.Fatalf("%d accounts after an expired key's new create", n)
		}
		if n, err := e.srv.requests.Purge(context.Background()); err != nil || n < 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
	})
}

// Rate limits from number_manager: system config's for every account, an
// account document's (set by its reseller) for the accounts below; a
// credential's own bucket; 429 with Retry-After in the header and the
// envelope; buckets refill with time.
func TestRateLimits(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		r, tR := e.child(e.master, "Reseller", "is_reseller", true)
		s, tS := e.child(r, "Small")
		e.must(200, "PUT", "/v2/accounts/"+s+"/configs/number_manager", tR, map[string]any{"data": map[string]any{
			"rate_limits": map[string]any{"writes_per_minute": 6, "writes_burst": 10, "per_key": map[string]any{"writes_per_minute": 6, "writes_burst": 1}}}})
		e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{
			"rate_limits": map[string]any{"writes_per_minute": 60, "writes_burst": 3}}})
		write := func(acc, token string) *resp {
			return e.do("PATCH", "/v2/accounts/"+acc, token, map[string]any{"data": map[string]any{"timezone": "UTC"}})
		}
		for i := range 3 {
			if got := write(r, tR); got.code != http.StatusOK {
				t.Fatalf("reseller write %d: %d %s", i, got.code, got.raw)
			}
		}
		got := write(r, tR)
		if got.code != http.StatusTooManyRequests || got.header.Get("Retry-After") != "1" {
			t.Fatalf("fourth write: %d %q %s", got.code, got.header.Get("Retry-After"), got.raw)
		}
		if d := got.dataMap(); d["retry_after"] != float64(1) || d["error"] != "too_many_requests" {
			t.Fatalf("envelope: %s", got.raw)
		}
		for range 5 {
			if got := e.do("GET", "/v2/accounts/"+r, tR, nil); got.code != http.StatusOK {
				t.Fatalf("reads are not limited: %d", got.code)
			}
		}
		e.clock.advance(time.Second)
		if got := write(r, tR); got.code != http.StatusOK {
			t.Fatalf("after a second: %d %s", got.code, got.raw)
		}
		// The sub-account has its reseller's limits: its API key's own
		// bucket holds one write; a refill at 6 a minute takes 10 s.
		if got := write(s, tS); got.code != http.StatusOK {
			t.Fatalf("small's first: %d %s", got.code, got.raw)
		}
		got = write(s, tS)
		if got.code != http.StatusTooManyRequests || got.header.Get("Retry-After") != "10" || !strings.Contains(got.dataMap()["cause"].(string), "credential") {
			t.Fatalf("small's second: %d %q %s", got.code, got.header.Get("Retry-After"), got.raw)
		}
		e.clock.advance(10 * time.Second)
		if got := write(s, tS); got.code != http.StatusOK {
			t.Fatalf("small after 10 s: %d %s", got.code, got.raw)
		}
		// A bad limit is refused.
		if got := e.do("PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{
			"rate_limits": map[string]any{"writes_per_minute": 60, "writes_burst": 0.5}}}); got.code != http.StatusBadRequest {
			t.Fatalf("bad limits: %d %s", got.code, got.raw)
		}
	})
}
