package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	_ "github.com/numan-dev/numan/carrier/all" // the carriers numan serve has
	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/feature/all" // and its feature providers
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/api"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/users"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// world is what numan serve runs, on a fresh SQLite file: the API with
// billing, the console in front of it, and the fake carrier as the only
// carrier. The master creates a reseller, Acme, whose plan charges for
// US numbers, so buying goes through the quote.
type world struct {
	t       testing.TB
	st      store.Store
	mgr     *manager.Manager
	api     *api.Server
	con     *Console
	fake    *carriertest.Fake
	master  string
	token   string // the master's
	acme    string
	acmeKey string
	keys    *secrets.Keyring // seals the webhooks' secrets
}

const testMasterKey = "console-master-key-0123456789"

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
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
	auth, err := api.NewAuth(secret, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	accs := accounts.New(st, accounts.Options{CacheTTL: time.Second, Keys: keys})
	master, _, err := accs.EnsureMaster(ctx, testMasterKey)
	if err != nil {
		t.Fatal(err)
	}
	mgr := manager.New(st, src, manager.Options{Accounts: accs, NumberCacheTTL: time.Second})
	bill := billing.New(st, billing.ClassifyWith(mgr), billing.Options{})
	mgr.SetBilling(bill)
	people, err := users.New(st, accs, secret, users.Options{Params: users.Params{Memory: 64, Time: 1, Threads: 1}, CacheTTL: time.Second, Normalize: mgr.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	hooks := webhooks.New(st, kr, webhooks.Options{})
	srv := api.New(api.Options{Manager: mgr, Billing: bill, Users: people, Config: src, Auth: auth, Node: "test-node", Version: "test", Webhooks: hooks})
	con, err := New(Options{API: srv})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, mgr: mgr, api: srv, con: con, fake: fake, master: master.ID, keys: kr}
	w.token = w.apiKeyLogin(testMasterKey)

	acme := w.must(201, "PUT", "/v2/accounts/"+w.master, w.token, map[string]any{"data": map[string]any{
		"name": "Acme", "is_reseller": true, "wnm_allow_additions": true, "realm": "acme.example.com"}})
	w.acme = str(acme, "id")
	w.acmeKey = str(w.must(200, "GET", "/v2/accounts/"+w.acme+"/api_key", w.token, nil), "api_key")
	for _, name := range []string{"Acme East", "Acme West"} {
		w.must(201, "PUT", "/v2/accounts/"+w.acme, w.token, map[string]any{"data": map[string]any{"name": name}})
	}
	w.must(201, "PUT", "/v2/service_plans", w.token, map[string]any{"data": map[string]any{
		"id": "retail_us", "name": "Retail US", "currency": "USD",
		"plan": map[string]any{
			"phone_numbers":   map[string]any{"did_us": map[string]any{"name": "US DID", "activation_charge": "1.00", "rate": "2.00"}},
			"number_carriers": map[string]any{"local": map[string]any{"name": "Own number", "activation_charge": "0.10"}},
		},
	}})
	w.must(200, "POST", "/v2/accounts/"+w.acme+"/service_plans/retail_us", w.token, map[string]any{"data": map[string]any{}})
	for _, u := range []struct{ name, password, priv string }{{"alice", alicePassword, "admin"}, {"rita", ritaPassword, "user"}} {
		w.must(201, "PUT", "/v2/accounts/"+w.acme+"/users", w.token, map[string]any{"data": map[string]any{
			"username": u.name, "password": u.password, "first_name": u.name, "last_name": "Acme", "priv_level": u.priv}})
	}
	return w
}

// Acme's users: alice is an admin, rita only reads.
const (
	alicePassword = "alice's long password"
	ritaPassword  = "rita reads only"
)

// offer makes the fake carrier offer numbers with what carriers say of
// them.
func (w *world) offer(nums ...string) {
	var rs []carrier.Result
	for _, n := range nums {
		rs = append(rs, carrier.Result{Number: n, Details: carrier.Details{
			Locality:   carrier.Locality{City: "San Francisco", Region: "CA", Country: "US"},
			RateCenter: "SNFC CA", LATA: "722",
			Capabilities: &carrier.Capabilities{Voice: true, SMS: true},
		}})
	}
	w.fake.OfferResults(rs...)
}

// do calls the console-and-API handler as a client would.
func (w *world) do(method, path, token string, body any) *httptest.ResponseRecorder {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	rec := httptest.NewRecorder()
	w.con.ServeHTTP(rec, req)
	return rec
}

// must calls the API and returns the reply's data; any other status than
// want fails the test.
func (w *world) must(want int, method, path, token string, body any) map[string]any {
	w.t.Helper()
	rec := w.do(method, path, token, body)
	if rec.Code != want {
		w.t.Fatalf("%s %s: %d, want %d\n%s", method, path, rec.Code, want, rec.Body.String())
	}
	var env struct {
		Data      json.RawMessage `json:"data"`
		AuthToken string          `json:"auth_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]any{"auth_token": env.AuthToken}
	_ = json.Unmarshal(env.Data, &out)
	return out
}

func (w *world) apiKeyLogin(key string) string {
	w.t.Helper()
	return str(w.must(201, "PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}}), "auth_token")
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// browser is an HTTP client with a cookie jar, as a browser signs in.
type browser struct {
	t    testing.TB
	w    *world
	jar  map[string]*http.Cookie
	last *httptest.ResponseRecorder
}

func (w *world) browser() *browser { return &browser{t: w.t, w: w, jar: map[string]*http.Cookie{}} }

// send makes a request with the jar's cookies and keeps the cookies set.
// Forms are same-origin, as a browser's are.
func (b *browser) send(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.sendFrom("", method, path, form)
}

// sendFrom is send from a page of origin ("" for this site).
func (b *browser) sendFrom(origin, method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	return b.serve(req)
}

// serve sends req with the jar's cookies and keeps the cookies set.
func (b *browser) serve(req *http.Request) *httptest.ResponseRecorder {
	for _, c := range b.jar {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.w.con.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	b.last = rec
	return rec
}

// loginKey signs in with an API key through the sign-in form.
func (b *browser) loginKey(key string) *httptest.ResponseRecorder {
	b.t.Helper()
	b.send("GET", "/login", nil)
	return b.send("POST", "/login", url.Values{"mode": {"key"}, "api_key": {key}, "_login": {b.jar[loginCookie].Value}})
}

// loginUser signs in with an account name, a username and a password
// through the sign-in form.
func (b *browser) loginUser(account, username, password string) *httptest.ResponseRecorder {
	b.t.Helper()
	b.send("GET", "/login", nil)
	return b.send("POST", "/login", url.Values{"mode": {"user"}, "account": {account}, "username": {username},
		"password": {password}, "_login": {b.jar[loginCookie].Value}})
}

// csrf is the session's form token.
func (b *browser) csrf() string { return csrfFor(b.jar[sessionCookie].Value) }
