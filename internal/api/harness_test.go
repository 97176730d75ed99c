package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/numan-dev/numan/carrier/all" // the carriers numan serve has
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/users"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// clock is a settable clock: tokens expire by moving it, never by sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a server on a fresh store (SQLite unless said) with a master account, and the
// fake carrier configured as the only carrier.
type env struct {
	t      testing.TB
	srv    *Server
	st     store.Store
	clock  *clock
	fake   *carriertest.Fake
	master string // master account id
	key    string // master API key
	token  string // master token
	keys   *secrets.Keyring
	accs   *accounts.Service
}

const testMasterKey = "master-key-0123456789"

// testUserParams are argon2id costs small enough for tests; the scheme is
// the one numan serve uses.
var testUserParams = users.Params{Memory: 64, Time: 1, Threads: 1}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, storetest.OpenSQLite(t))
}

// newPostgresEnv is newEnv on PostgreSQL, in a schema of its own; it skips
// unless NUMAN_TEST_POSTGRES_DSN is set.
func newPostgresEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, storetest.OpenPostgres(t))
}

// testStore is the store the tests run on.
type testStore = store.Store

func newEnvOn(t testing.TB, st store.Store) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	carriertest.RegisterFake()
	fake := carriertest.NewFake(t)
	put := func(id string, doc any) {
		raw, _ := json.Marshal(doc)
		if err := st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	put("number_manager", map[string]any{"default": map[string]any{"carrier_modules": []string{"fake"}}})
	put("number_manager.fake", map[string]json.RawMessage{"default": fake.Settings()})
	kr, err := secrets.NewKeyring(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	src := config.NewSource(st, "test-node", time.Minute, config.SealWith(kr))
	secret, err := src.LoadSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := NewAuth(secret, time.Hour, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	accs := accounts.New(st, accounts.Options{CacheTTL: time.Minute, Now: clk.now, Keys: keys})
	master, _, err := accs.EnsureMaster(ctx, testMasterKey)
	if err != nil {
		t.Fatal(err)
	}
	mgr := manager.New(st, src, manager.Options{Now: clk.now, Accounts: accs, NumberCacheTTL: time.Second})
	// The billing endpoints answer; writes are priced only withBilling.
	bill := billing.New(st, billing.ClassifyWith(mgr), billing.Options{Now: clk.now, Accounts: accs, PlanCacheTTL: time.Second})
	people, err := users.New(st, accs, secret, users.Options{Params: testUserParams, Now: clk.now, CacheTTL: time.Minute, Normalize: mgr.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	hooks := webhooks.New(st, kr, webhooks.Options{Now: clk.now})
	srv := New(Options{Manager: mgr, Billing: bill, Users: people, Config: src, Auth: auth, Now: clk.now, Node: "test-node", Version: "test", Webhooks: hooks})
	e := &env{t: t, srv: srv, st: st, clock: clk, fake: fake, master: master.ID, key: testMasterKey, keys: kr, accs: accs}
	e.token = e.login(testMasterKey)
	return e
}

// resp is a decoded reply.
type resp struct {
	code   int
	header http.Header
	raw    []byte
	env    map[string]any
}

func (r *resp) data() any { return r.env["data"] }

func (r *resp) dataMap() map[string]any {
	m, _ := r.env["data"].(map[string]any)
	return m
}

// do sends a request; body is JSON-encoded unless it is a string or []byte.
func (e *env) do(method, path, token string, body any, hdr ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	r := &resp{code: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") && len(r.raw) > 0 {
		if err := json.Unmarshal(r.raw, &r.env); err != nil {
			e.t.Fatalf("%s %s: reply is not JSON: %v\n%s", method, path, err, r.raw)
		}
	}
	return r
}

// must sends a request and fails the test unless the status is want.
func (e *env) must(want int, method, path, token string, body any) *resp {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.code != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.code, want, r.raw)
	}
	return r
}

func (e *env) login(key string) string {
	e.t.Helper()
	r := e.must(201, "PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}})
	tok, _ := r.env["auth_token"].(string)
	if tok == "" {
		e.t.Fatalf("no auth_token in %s", r.raw)
	}
	return tok
}

// child creates an account under parent (as the master) and returns its
// id and a token for it.
func (e *env) child(parent, name string, extra ...any) (string, string) {
	e.t.Helper()
	data := map[string]any{"name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		data[extra[i].(string)] = extra[i+1]
	}
	r := e.must(201, "PUT", "/v2/accounts/"+parent, e.token, map[string]any{"data": data})
	id, _ := r.dataMap()["id"].(string)
	k := e.must(200, "GET", "/v2/accounts/"+id+"/api_key", e.token, nil)
	key, _ := k.dataMap()["api_key"].(string)
	return id, e.login(key)
}

// seed stores numbers directly, owned by account in state st.
func (e *env) seed(account string, st number.State, nums ...string) {
	e.t.Helper()
	for _, n := range nums {
		rec := number.New(n, st, "local", e.clock.now())
		rec.AssignedTo = account
		if err := e.st.InsertNumber(context.Background(), rec); err != nil {
			e.t.Fatal(err)
		}
	}
}

func enc(n string) string { return strings.ReplaceAll(n, "+", "%2B") }

func (e *env) numPath(account, n string) string {
	return "/v2/accounts/" + account + "/phone_numbers/" + enc(n)
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
