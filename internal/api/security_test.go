package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// eachStore runs f on a fresh env on SQLite and, when
// NUMAN_TEST_POSTGRES_DSN is set, on PostgreSQL.
func eachStore(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newPostgresEnv(t)) })
}

// listen serves the env's server on a loopback listener, as numan serve
// does (HTTPServer within lim, Listener), and returns its address.
func (e *env) listen(t *testing.T, lim Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := e.srv.HTTPServer(lim, log.New(io.Discard, "", 0))
	go func() { _ = hs.Serve(e.srv.Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// rawReply is one reply read off the wire.
type rawReply struct {
	code   int
	header http.Header
	body   []byte
	env    map[string]any
}

// sendRaw writes req as it is on a new connection and reads one reply. The
// connection deadline only keeps a broken server from hanging the test.
func sendRaw(t *testing.T, addr string, req []byte) *rawReply {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	// A server may answer (431, 413) before reading everything: a failed
	// write is not the test's concern, the reply is.
	_, _ = c.Write(req)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := &rawReply{code: res.StatusCode, header: res.Header, body: body}
	_ = json.Unmarshal(body, &r.env)
	return r
}

// request builds an HTTP/1.1 request with a Content-Length body.
func request(method, path string, body []byte, hdr ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: numan.test\r\nConnection: close\r\n", method, path)
	for i := 0; i+1 < len(hdr); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// checkEnvelope fails unless r is Kazoo's error envelope with a request_id
// (matching the X-Request-Id header when there is one).
func checkEnvelope(t *testing.T, what string, code int, header http.Header, body []byte) {
	t.Helper()
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON: %s", what, header.Get("Content-Type"), body)
		return
	}
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Errorf("%s: reply is not JSON: %v: %s", what, err, body)
		return
	}
	id, _ := env["request_id"].(string)
	if id == "" || (header.Get("X-Request-Id") != "" && header.Get("X-Request-Id") != id) {
		t.Errorf("%s: request_id %q (header %q): %s", what, id, header.Get("X-Request-Id"), body)
	}
	if code >= 400 && (env["status"] != "error" || env["error"] != fmt.Sprint(code) || env["message"] == nil) {
		t.Errorf("%s: not an error envelope for %d: %s", what, code, body)
	}
	if _, ok := env["data"]; !ok {
		t.Errorf("%s: no data: %s", what, body)
	}
}

// snapshot is everything a request could change, as stored: every
// account (API key hashes included), number, system config and ledger
// entry.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	master, err := e.st.GetAccount(ctx, e.master)
	if err != nil {
		t.Fatal(err)
	}
	accs, err := e.st.ListDescendants(ctx, e.master)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range append([]*number.Account{master}, accs...) {
		j, _ := json.Marshal(a)
		b.Write(j)
		b.WriteByte('\n')
	}
	page, err := e.st.ListNumbers(ctx, store.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range page.Numbers {
		j, _ := json.Marshal(n)
		b.Write(j)
		b.WriteByte('\n')
	}
	ids, err := e.st.ListConfigs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		raw, _ := e.st.GetConfig(ctx, id)
		fmt.Fprintf(&b, "%s %s\n", id, raw)
	}
	ledger, err := e.st.ListLedger(ctx, store.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(ledger)
	b.Write(j)
	return b.String()
}

// TestHostileRequests sends requests an attacker would, each on its own
// connection to a real listener: every one gets a 4xx in the envelope with
// a request_id, and nothing stored changes.
func TestHostileRequests(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		const n = "+14155550100"
		e.must(200, "PUT", e.numPath(ts.a, n), ts.tA, map[string]any{"data": map[string]any{"note": "mine"}})
		e.seed(ts.b, number.InService, "+14155550111")
		addr := e.listen(t, DefaultLimits())
		num := e.numPath(ts.a, n)
		acct := "/v2/accounts/" + ts.a
		coll := "/v2/accounts/" + ts.a + "/phone_numbers/collection"
		auth := func(tok string) []string { return []string{"X-Auth-Token", tok} }
		js := func(s string) []byte { return []byte(s) }
		deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
		bigHeader := strings.Repeat("x", 2<<20)
		big := js(`{"data":{"blob":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}}`)

		cases := []struct {
			name string
			req  []byte
			code int    // 0: any 4xx
			msg  string // the envelope's message, when it matters
		}{
			// 1. Invalid UTF-8.
			{"invalid UTF-8 in a number's PATCH", request("PATCH", num, js("{\"data\":{\"note\":\"\xff\xfe\"}}"), auth(ts.tA)...), 400, "invalid_json"},
			{"invalid UTF-8 in a number's create", request("PUT", e.numPath(ts.a, "+14155550101"), js("{\"data\":{\"note\":\"\xc3\x28\"}}"), auth(ts.tA)...), 400, "invalid_json"},
			{"invalid UTF-8 in a key", request("POST", num, js("{\"data\":{\"\xff\":1}}"), auth(ts.tA)...), 400, "invalid_json"},
			{"invalid UTF-8 in an account", request("PATCH", acct, js("{\"data\":{\"name\":\"\xed\xa0\x80\"}}"), auth(ts.tA)...), 400, "invalid_json"},
			{"invalid UTF-8 in a system config", request("PUT", "/v2/system_configs/number_manager.x", js("{\"data\":{\"k\":\"\xff\"}}"), auth(e.token)...), 400, "invalid_json"},
			{"invalid UTF-8 in a collection", request("PATCH", coll, js("{\"data\":{\"numbers\":[\""+n+"\"],\"note\":\"\xfe\"}}"), auth(ts.tA)...), 400, "invalid_json"},
			{"invalid UTF-8 in api_auth", request("PUT", "/v2/api_auth", js("{\"data\":{\"api_key\":\"\xff\"}}")), 400, "invalid_json"},
			// 7. Duplicate keys, at any depth.
			{"data twice", request("POST", num, js(`{"data":{"note":"a"},"data":{"assigned_to":"`+ts.b+`"}}`), auth(ts.tA)...), 400, "invalid_json"},
			{"a key twice in data", request("PATCH", num, js(`{"data":{"note":"a","note":"b"}}`), auth(ts.tA)...), 400, "invalid_json"},
			{"a key twice deep inside", request("PATCH", num, js(`{"data":{"e911":{"x":{"y":1,"y":2}}}}`), auth(ts.tA)...), 400, "invalid_json"},
			{"a key twice in an array's object", request("PATCH", num, js(`{"data":{"l":[{"a":1},{"b":1,"b":2}]}}`), auth(ts.tA)...), 400, "invalid_json"},
			{"accept_charges twice", request("PATCH", num, js(`{"data":{},"accept_charges":false,"accept_charges":true}`), auth(ts.tA)...), 400, "invalid_json"},
			{"a key twice in an account", request("PATCH", acct, js(`{"data":{"name":"x","name":"y"}}`), auth(ts.tA)...), 400, "invalid_json"},
			// 7. Numan's own field names as public fields.
			{"assigned_to", request("PATCH", num, js(`{"data":{"assigned_to":"`+ts.b+`"}}`), auth(ts.tA)...), 400, "validation error"},
			{"assign_to", request("POST", num, js(`{"data":{"assign_to":"`+ts.b+`"}}`), auth(ts.tA)...), 400, "validation error"},
			{"auth_by", request("PATCH", num, js(`{"data":{"auth_by":"system"}}`), auth(ts.tA)...), 400, "validation error"},
			{"carrier_module", request("PATCH", num, js(`{"data":{"carrier_module":"twilio"}}`), auth(ts.tA)...), 400, "validation error"},
			{"created", request("PATCH", num, js(`{"data":{"created":1}}`), auth(ts.tA)...), 400, "validation error"},
			{"modified", request("PATCH", num, js(`{"data":{"modified":1}}`), auth(ts.tA)...), 400, "validation error"},
			{"module_name on create", request("PUT", e.numPath(ts.a, "+14155550102"), js(`{"data":{"module_name":"twilio"}}`), auth(ts.tA)...), 400, "validation error"},
			{"reserve_history in a collection", request("PATCH", coll, js(`{"data":{"numbers":["`+n+`"],"reserve_history":[]}}`), auth(ts.tA)...), 400, "validation error"},
			{"carrier_data on activate", request("PUT", num+"/activate", js(`{"data":{"carrier_data":{}}}`), auth(ts.tA)...), 400, "validation error"},
			// 11. accept_charges that is no boolean.
			{"accept_charges 1e400", request("PUT", e.numPath(ts.a, "+14155550103"), js(`{"data":{},"accept_charges":1e400}`), auth(ts.tA)...), 400, "validation error"},
			{"accept_charges 1", request("PUT", e.numPath(ts.a, "+14155550103"), js(`{"data":{},"accept_charges":1}`), auth(ts.tA)...), 400, "validation error"},
			{"accept_charges yes", request("PUT", e.numPath(ts.a, "+14155550103"), js(`{"data":{},"accept_charges":"yes"}`), auth(ts.tA)...), 400, "validation error"},
			{"accept_charges an object in data", request("PUT", e.numPath(ts.a, "+14155550103"), js(`{"data":{"accept_charges":{}}}`), auth(ts.tA)...), 400, "validation error"},
			{"accept_charges in the query", request("PUT", e.numPath(ts.a, "+14155550103")+"?accept_charges=maybe", js(`{"data":{}}`), auth(ts.tA)...), 400, "validation error"},
			// 11. Method overrides are ignored.
			{"X-HTTP-Method-Override: PUT renews no key", request("POST", acct+"/api_key", nil, append(auth(ts.tA), "X-HTTP-Method-Override", "PUT")...), 405, "method_not_allowed"},
			{"X-HTTP-Method-Override: GET reads no children", request("PATCH", acct+"/children", js(`{}`), append(auth(ts.tReseller), "X-HTTP-Method-Override", "GET", "X-HTTP-Method", "GET")...), 405, "method_not_allowed"},
			{"X-Method-Override: GET", request("POST", num+"/identify", js(`{}`), append(auth(ts.tA), "X-Method-Override", "GET")...), 405, "method_not_allowed"},
			// 11. Content-Length and chunked together (request smuggling).
			{"Content-Length and chunked", []byte("PATCH " + num + " HTTP/1.1\r\nHost: numan.test\r\nX-Auth-Token: " + ts.tA + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400, ""},
			// 8. Replies net/http writes itself.
			{"2 MB of headers", request("GET", num, nil, "X-Big", bigHeader), 431, ""},
			{"a malformed request line", []byte("GET\r\n\r\n"), 400, ""},
			{"a malformed header", []byte("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400, ""},
			{"no Host", []byte("GET /healthz HTTP/1.1\r\n\r\n"), 400, ""},
			{"an unknown Expect", request("PATCH", num, js(`{"data":{"x":1}}`), append(auth(ts.tA), "Expect", "200-ok")...), 417, ""},
			{"an unknown path", request("GET", "/v2/nothing/here", nil), 404, "not_found"},
			{"a method not allowed", request("DELETE", "/v2/api_auth", nil), 405, "method_not_allowed"},
			{"a body over the limit", request("PUT", e.numPath(ts.a, "+14155550104"), big, auth(ts.tA)...), 413, "too_big"},
			{"a chunked body over the limit", chunked("PUT", e.numPath(ts.a, "+14155550104"), big, ts.tA), 413, "too_big"},
			// Malformed JSON.
			{"truncated JSON", request("PATCH", num, js(`{"data":{"note":`), auth(ts.tA)...), 400, "invalid_json"},
			{"trailing garbage", request("PATCH", num, js(`{"data":{}} x`), auth(ts.tA)...), 400, "invalid_json"},
			{"JSON nested 20000 deep", request("PATCH", num, js(`{"data":`+deep+`}`), auth(ts.tA)...), 400, "invalid_json"},
			{"data is a string", request("PATCH", num, js(`{"data":"x"}`), auth(ts.tA)...), 400, "validation error"},
			{"a bad escape", request("PATCH", num, js(`{"data":{"note":"\x"}}`), auth(ts.tA)...), 400, "invalid_json"},
			// Authentication and tenants.
			{"no token", request("PATCH", num, js(`{"data":{}}`)), 401, ""},
			{"a forged token", request("PATCH", num, js(`{"data":{}}`), auth(strings.Repeat("A", 43)+"."+strings.Repeat("B", 43))...), 401, ""},
			{"another tenant's number", request("PATCH", e.numPath(ts.b, n), js(`{"data":{"note":"x"}}`), auth(ts.tB)...), 403, ""},
			{"another tenant's number by its own path", request("DELETE", e.numPath(ts.b, n), nil, auth(ts.tB)...), 403, ""},
			{"identify of another tenant's number", request("GET", e.numPath(ts.b, n)+"/identify", nil, auth(ts.tB)...), 403, ""},
			{"another tenant's account", request("PATCH", "/v2/accounts/"+ts.a, js(`{"data":{"name":"x"}}`), auth(ts.tB)...), 403, ""},
			{"a path that is no account id", request("GET", "/v2/accounts/..%2F..%2Fetc/phone_numbers", nil, auth(ts.tA)...), 404, ""},
			{"system configs by a customer", request("PUT", "/v2/system_configs/number_manager", js(`{"data":{"carrier_modules":[]}}`), auth(ts.tA)...), 403, ""},
			{"the server secret", request("GET", "/v2/system_configs/numan.auth", nil, auth(e.token)...), 403, ""},
			{"api_key that is no string", request("PUT", "/v2/api_auth", js(`{"data":{"api_key":1e400}}`)), 400, ""},
		}
		if len(cases) < 40 {
			t.Fatalf("only %d hostile requests", len(cases))
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.snapshot(t)
				r := sendRaw(t, addr, tc.req)
				if tc.code != 0 && r.code != tc.code || r.code < 400 || r.code > 499 {
					t.Errorf("status %d, want %d (a 4xx): %.300s", r.code, tc.code, r.body)
				}
				checkEnvelope(t, tc.name, r.code, r.header, r.body)
				if tc.msg != "" && r.env["message"] != tc.msg {
					t.Errorf("message %v, want %q: %.300s", r.env["message"], tc.msg, r.body)
				}
				if after := e.snapshot(t); after != before {
					t.Errorf("the request changed what is stored:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
		// The number kept its note; every reply about it is valid JSON.
		r := e.must(200, "GET", num, ts.tA, nil)
		if r.dataMap()["note"] != "mine" || r.dataMap()["assigned_to"] != nil {
			t.Errorf("number after the attack: %s", r.raw)
		}
	})
}

// chunked builds a request with a chunked body.
func chunked(method, path string, body []byte, token string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: numan.test\r\nConnection: close\r\nX-Auth-Token: %s\r\nTransfer-Encoding: chunked\r\n\r\n", method, path, token)
	for len(body) > 0 {
		n := min(len(body), 32<<10)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// TestRepliesOutsideHandlersAreEnveloped: what net/http answers itself, a
// recovered panic and the 5xx of an unknown transfer encoding are in the
// envelope too.
func TestRepliesOutsideHandlersAreEnveloped(t *testing.T) {
	e := newEnv(t)
	addr := e.listen(t, DefaultLimits())
	r := sendRaw(t, addr, []byte("POST /v2/api_auth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))
	if r.code != 501 {
		t.Errorf("unknown transfer encoding: %d %s", r.code, r.body)
	}
	checkEnvelope(t, "501", r.code, r.header, r.body)

	// A handler that panics.
	e.srv.router = newRouter([]*route{{method: "GET", pattern: "/boom", name: "boom", auth: authNone, handle: func(*call) { panic("boom") }}})
	r = sendRaw(t, addr, request("GET", "/boom", nil))
	if r.code != 500 {
		t.Errorf("panic: %d %s", r.code, r.body)
	}
	checkEnvelope(t, "panic", r.code, r.header, r.body)

	// A normal reply is left alone.
	e.srv.router = newRouter(e.srv.routes())
	r = sendRaw(t, addr, request("GET", "/healthz", nil))
	if r.code != 200 || r.env["status"] != "success" {
		t.Errorf("healthz: %d %s", r.code, r.body)
	}
	// OPTIONS too.
	r = sendRaw(t, addr, request("OPTIONS", "/v2/api_auth", nil))
	checkEnvelope(t, "OPTIONS", r.code, r.header, r.body)
}

// TestCannedReplyRecognition pins what the connection wrapper rewrites:
// exactly net/http's canned replies, never a handler's.
func TestCannedReplyRecognition(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code int
	}{
		{"HTTP/1.1 400 Bad Request" + cannedHeaders + "400 Bad Request", 400},
		{"HTTP/1.1 431 Request Header Fields Too Large" + cannedHeaders + "431 Request Header Fields Too Large", 431},
		{"HTTP/1.1 400 Bad Request: missing required Host header" + cannedHeaders + "400 Bad Request: missing required Host header", 400},
		{"HTTP/1.1 501 Not Implemented" + cannedHeaders + "Unsupported transfer encoding", 501},
		{"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 417},
		{"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nok", 0},
		{"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nDate: x\r\n\r\n{}", 0},
		{"HTTP/1.1 100 Continue\r\n\r\n", 0},
		{"garbage", 0},
	} {
		code, _, ok := cannedReply([]byte(tc.in))
		if ok != (tc.code != 0) || code != tc.code {
			t.Errorf("cannedReply(%.40q) = %d, %v; want %d", tc.in, code, ok, tc.code)
		}
	}
}

// TestSlowBodyIsDropped: with a short body limit, a client trickling its
// body gets 408 in the envelope and its connection is closed, and the
// server goes on serving. The test waits for the server's answer, not for
// a time.
func TestSlowBodyIsDropped(t *testing.T) {
	e := newEnv(t)
	lim := DefaultLimits()
	lim.BodyTimeout = 300 * time.Millisecond
	lim.HeaderTimeout = 300 * time.Millisecond
	addr := e.listen(t, lim)
	path := e.numPath(e.master, "+14155550199")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a broken server must not hang the test
	fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\nContent-Length: 1000\r\n\r\n{\"data\":", path, e.token)
	// Send nothing more: the server must give up on its own.
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no reply to a slow body: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout {
		t.Errorf("slow body: %d %s", res.StatusCode, body)
	}
	checkEnvelope(t, "slow body", res.StatusCode, res.Header, body)
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the connection of a slow sender stayed open")
	}
	e.must(404, "GET", path, e.token, nil)

	// A client that never finishes its headers is dropped too.
	h, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_ = h.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(h, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	if _, err := io.ReadAll(h); err != nil {
		t.Fatalf("slow headers: %v", err)
	}
	// Still serving.
	if r := sendRaw(t, addr, request("GET", "/healthz", nil)); r.code != 200 {
		t.Fatalf("healthz after slow clients: %d", r.code)
	}
}

// TestReadinessOnAnUnusableStore: /readyz is 503 in the envelope when the
// database refuses writes or does not answer, 200 when it serves both.
func TestReadinessOnAnUnusableStore(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.must(200, "GET", "/readyz", "", nil)
		e.srv.mgr = replaceStore(e, failingWrites{testStore: e.st})
		r := e.do("GET", "/readyz", "", nil)
		if r.code != 503 || r.env["request_id"] == nil {
			t.Fatalf("readyz on a store refusing writes: %d %s", r.code, r.raw)
		}
		e.st.Close()
		e.srv.mgr = replaceStore(e, e.st)
		if r := e.do("GET", "/readyz", "", nil); r.code != 503 {
			t.Fatalf("readyz on a closed store: %d %s", r.code, r.raw)
		}
		e.must(200, "GET", "/healthz", "", nil)
	})
}

// TestRenewingAKeyRevokesItsTokens: after PUT .../api_key, tokens issued
// with the old key are refused; the caller who renewed its own key gets a
// token of the new one.
func TestRenewingAKeyRevokesItsTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		old := ts.tA
		second := e.login(e.apiKey(ts.a))
		e.must(200, "GET", "/v2/accounts/"+ts.a, old, nil)
		// The reseller renews its customer's key: both of A's tokens die,
		// the reseller's own lives.
		e.must(201, "PUT", "/v2/accounts/"+ts.a+"/api_key", ts.tReseller, nil)
		for _, tok := range []string{old, second} {
			if r := e.do("GET", "/v2/accounts/"+ts.a, tok, nil); r.code != 401 {
				t.Fatalf("a token of the renewed key: %d %s", r.code, r.raw)
			}
		}
		e.must(200, "GET", "/v2/accounts/"+ts.a, ts.tReseller, nil)
		// A renews its own key: its session goes on with the new token.
		tok := e.login(e.apiKey(ts.a))
		r := e.must(201, "PUT", "/v2/accounts/"+ts.a+"/api_key", tok, nil)
		fresh, _ := r.env["auth_token"].(string)
		if fresh == "" || fresh == tok {
			t.Fatalf("no new token for the caller: %s", r.raw)
		}
		if r := e.do("GET", "/v2/accounts/"+ts.a, tok, nil); r.code != 401 {
			t.Fatalf("the old token after a self-renewal: %d", r.code)
		}
		e.must(200, "GET", "/v2/accounts/"+ts.a, fresh, nil)
	})
}

// apiKey is an account's API key, read by the master.
func (e *env) apiKey(id string) string {
	e.t.Helper()
	k, _ := e.must(200, "GET", "/v2/accounts/"+id+"/api_key", e.token, nil).dataMap()["api_key"].(string)
	return k
}

// replaceStore is the env's manager over st (same config, accounts, clock).
func replaceStore(e *env, st store.Store) *manager.Manager {
	return manager.New(st, e.srv.cfg, manager.Options{Now: e.clock.now, Accounts: e.srv.accounts})
}

// failingWrites is a store whose database refuses writes.
type failingWrites struct{ testStore }

func (f failingWrites) Ready(context.Context) error {
	return number.Errorf(number.KindInternal, "", "attempt to write a readonly database")
}

// TestTenantIsolation: reseller A with customers A1, A2 and reseller B
// with customer B1 each try every read and write on the others' numbers
// (identify included), accounts, keys, transactions, plans, credits,
// quotes and system configs. Every attempt is denied with a 4xx in the
// envelope, and nothing stored changes.
func TestTenantIsolation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.withBilling()
		type tenant struct {
			name, id, tok, num, plan string
			tree                     []string // names of the accounts it may act on
		}
		mk := func(name, parent string, reseller bool) *tenant {
			extra := []any{"wnm_allow_additions", true}
			if reseller {
				extra = append(extra, "is_reseller", true)
			}
			id, tok := e.child(parent, name, extra...)
			return &tenant{name: name, id: id, tok: tok}
		}
		a := mk("A", e.master, true)
		a1, a2 := mk("A1", a.id, false), mk("A2", a.id, false)
		b := mk("B", e.master, true)
		b1 := mk("B1", b.id, false)
		all := []*tenant{a, a1, a2, b, b1}
		a.tree = []string{"A", "A1", "A2"}
		a1.tree, a2.tree = []string{"A1"}, []string{"A2"}
		b.tree, b1.tree = []string{"B", "B1"}, []string{"B1"}
		for i, tn := range all {
			tn.num = fmt.Sprintf("+1415555%04d", 2000+i)
			e.seed(tn.id, number.InService, tn.num)
		}
		for _, r := range []*tenant{a, b} {
			r.plan = "plan-" + strings.ToLower(r.name)
			e.must(201, "PUT", "/v2/service_plans", r.tok, `{"data": {"id": "`+r.plan+`", "name": "`+r.name+`", "plan": {"phone_numbers": {"did_us": {"rate": "1"}}}}}`)
		}
		a1.plan, a2.plan, b1.plan = a.plan, a.plan, b.plan
		e.must(201, "PUT", "/v2/accounts/"+a1.id+"/credits", e.token, map[string]any{"data": map[string]any{"amount": "5.00"}})

		before := e.snapshot(t)
		attempts := 0
		for _, caller := range all {
			for _, target := range all {
				if slices.Contains(caller.tree, target.name) {
					continue
				}
				own := "/v2/accounts/" + caller.id
				acct := "/v2/accounts/" + target.id
				body := map[string]any{"data": map[string]any{"name": "pwned", "note": "pwned"}}
				coll := map[string]any{"data": map[string]any{"numbers": []string{target.num}, "note": "pwned"}}
				tries := []struct {
					method, path string
					body         any
				}{
					// Numbers: by the target's path and by the caller's own.
					{"GET", e.numPath(target.id, target.num), nil},
					{"GET", e.numPath(caller.id, target.num), nil},
					{"GET", e.numPath(target.id, target.num) + "/identify", nil},
					{"GET", e.numPath(caller.id, target.num) + "/identify", nil},
					{"PATCH", e.numPath(caller.id, target.num), body},
					{"POST", e.numPath(caller.id, target.num), body},
					{"DELETE", e.numPath(caller.id, target.num), nil},
					{"DELETE", e.numPath(caller.id, target.num) + "?hard=true", nil},
					{"PUT", e.numPath(caller.id, target.num) + "/activate", map[string]any{"accept_charges": true}},
					{"PUT", e.numPath(caller.id, target.num) + "/reserve", map[string]any{"accept_charges": true}},
					{"PUT", e.numPath(caller.id, target.num) + "/port", nil},
					{"PUT", e.numPath(caller.id, target.num), nil},
					{"PATCH", own + "/phone_numbers/collection", coll},
					{"DELETE", own + "/phone_numbers/collection", coll},
					{"PUT", own + "/phone_numbers/collection/activate", coll},
					{"PATCH", e.numPath(target.id, target.num), body},
					{"PUT", e.numPath(target.id, "+14155559999"), nil},
					{"GET", acct + "/phone_numbers", nil},
					{"POST", acct + "/phone_numbers/check", coll},
					// Accounts and keys.
					{"GET", acct, nil},
					{"PATCH", acct, body},
					{"POST", acct, body},
					{"DELETE", acct, nil},
					{"PUT", acct, body},
					{"GET", acct + "/children", nil},
					{"GET", acct + "/descendants", nil},
					{"GET", acct + "/api_key", nil},
					{"PUT", acct + "/api_key", nil},
					// Billing.
					{"GET", acct + "/transactions", nil},
					{"GET", acct + "/credits", nil},
					{"PUT", acct + "/credits", map[string]any{"data": map[string]any{"amount": 1000}}},
					{"POST", acct + "/quotes", coll},
					{"GET", acct + "/service_plans", nil},
					{"GET", acct + "/service_plans/current", nil},
					{"POST", acct + "/service_plans/" + caller.plan, nil},
					{"DELETE", acct + "/service_plans/" + target.plan, nil},
					// System configs.
					{"GET", "/v2/system_configs/number_manager", nil},
					{"PATCH", "/v2/system_configs/number_manager", map[string]any{"data": map[string]any{"carrier_modules": []string{}}}},
					{"DELETE", "/v2/system_configs/number_manager.fake", nil},
				}
				// Another reseller's plan (a customer may read its own
				// reseller's: that is its tree's, not another tenant's).
				if !slices.Contains(caller.tree, target.name) && target.plan != caller.plan {
					tries = append(tries,
						struct {
							method, path string
							body         any
						}{"GET", "/v2/service_plans/" + target.plan, nil},
						struct {
							method, path string
							body         any
						}{"POST", "/v2/service_plans/" + target.plan, map[string]any{"data": map[string]any{"name": "pwned", "plan": map[string]any{}}}},
						struct {
							method, path string
							body         any
						}{"DELETE", "/v2/service_plans/" + target.plan, nil},
					)
				}
				for _, try := range tries {
					attempts++
					r := e.do(try.method, try.path, caller.tok, try.body)
					if r.code < 400 || r.code > 499 || r.code == 402 {
						t.Errorf("%s on %s: %s %s answered %d: %.300s", caller.name, target.name, try.method, try.path, r.code, r.raw)
						continue
					}
					checkEnvelope(t, caller.name+" "+try.method+" "+try.path, r.code, r.header, r.raw)
					if bytes.Contains(r.raw, []byte(target.id)) && !strings.Contains(try.path, target.id) {
						t.Errorf("%s on %s: %s %s names the target account: %s", caller.name, target.name, try.method, try.path, r.raw)
					}
				}
			}
		}
		if after := e.snapshot(t); after != before {
			t.Errorf("cross-tenant attempts changed what is stored:\nbefore %s\nafter  %s", before, after)
		}
		// The listing of another tenant's numbers leaks nothing either:
		// an open search names no owner.
		t.Logf("%d cross-tenant attempts denied", attempts)
	})
}
