package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// recordingSleeper returns at once and remembers what it was asked to wait.
type recordingSleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *recordingSleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *recordingSleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

func testClient(url string, sl *recordingSleeper) *Client {
	return &Client{
		Carrier: "testcarrier",
		BaseURL: url,
		Auth:    BearerAuth{Token: "tok-SECRET-123"},
		Backoff: NoBackoff,
		Sleep:   sl.Sleep,
		Timeout: 5 * time.Second,
	}
}

// sequence replies with the given statuses in turn (the last repeats),
// counting calls.
func sequence(calls *atomic.Int32, statuses []int, header http.Header, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(calls.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(st)
		io.WriteString(w, body)
	}
}

func TestDoSendsAuthHeadersQueryAndBody(t *testing.T) {
	var gotAuth, gotCT, gotUA, gotPath, gotQuery, gotBody, gotAccept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotCT, gotUA = r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		gotAccept = r.Header.Get("Accept")
		gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	c := testClient(srv.URL+"/v2/", &recordingSleeper{})
	c.Header = http.Header{"Accept": {"application/json"}}
	resp, err := c.Do(context.Background(), &Request{
		Method: http.MethodPost, Path: "/number_orders", Query: map[string][]string{"filter[x]": {"1"}},
		Body: []byte(`{"a":1}`), ContentType: "application/json",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusCreated || string(resp.Body) != `{"ok":true}` {
		t.Errorf("resp = %d %q", resp.Status, resp.Body)
	}
	checks := map[string][2]string{
		"auth":   {gotAuth, "Bearer tok-SECRET-123"},
		"ct":     {gotCT, "application/json"},
		"ua":     {gotUA, DefaultUserAgent},
		"accept": {gotAccept, "application/json"},
		"path":   {gotPath, "/v2/number_orders"},
		"query":  {gotQuery, "filter%5Bx%5D=1"},
		"body":   {gotBody, `{"a":1}`},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		idempotent bool
		statuses   []int
		header     http.Header
		wantCalls  int32
		wantErr    bool
		wantStatus int
		wantDelays []time.Duration
	}{
		{name: "GET 500 then ok", method: "GET", statuses: []int{500, 200}, wantCalls: 2, wantDelays: []time.Duration{0}},
		{name: "GET 502 exhausts attempts", method: "GET", statuses: []int{502}, wantCalls: 3, wantErr: true, wantStatus: 502, wantDelays: []time.Duration{0, 0}},
		{name: "DELETE 503 then ok", method: "DELETE", statuses: []int{503, 204}, wantCalls: 2, wantDelays: []time.Duration{0}},
		{name: "PUT 504 then ok", method: "PUT", statuses: []int{504, 200}, wantCalls: 2, wantDelays: []time.Duration{0}},
		{name: "POST 500 not retried", method: "POST", statuses: []int{500, 200}, wantCalls: 1, wantErr: true, wantStatus: 500},
		{name: "POST 429 not retried", method: "POST", statuses: []int{429, 200}, header: http.Header{"Retry-After": {"1"}}, wantCalls: 1, wantErr: true, wantStatus: 429},
		{name: "POST marked idempotent retried", method: "POST", idempotent: true, statuses: []int{500, 200}, wantCalls: 2, wantDelays: []time.Duration{0}},
		{name: "GET 400 not retried", method: "GET", statuses: []int{400, 200}, wantCalls: 1, wantErr: true, wantStatus: 400},
		{name: "GET 404 not retried", method: "GET", statuses: []int{404, 200}, wantCalls: 1, wantErr: true, wantStatus: 404},
		{name: "GET 429 waits Retry-After", method: "GET", statuses: []int{429, 200}, header: http.Header{"Retry-After": {"2"}}, wantCalls: 2, wantDelays: []time.Duration{2 * time.Second}},
		{name: "GET 429 without Retry-After uses backoff", method: "GET", statuses: []int{429, 429, 429}, wantCalls: 3, wantErr: true, wantStatus: 429, wantDelays: []time.Duration{0, 0}},
		{name: "GET 429 Retry-After beyond bound gives up", method: "GET", statuses: []int{429, 200}, header: http.Header{"Retry-After": {"3600"}}, wantCalls: 1, wantErr: true, wantStatus: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(sequence(&calls, tt.statuses, tt.header, `{"m":"x"}`))
			defer srv.Close()
			sl := &recordingSleeper{}
			c := testClient(srv.URL, sl)
			_, err := c.Do(context.Background(), &Request{Method: tt.method, Path: "/x", Body: []byte("b"), Idempotent: tt.idempotent})
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if !number.IsKind(err, number.KindByCarrier) {
					t.Errorf("kind = %s, want by_carrier", number.KindOf(err))
				}
				if got := StatusCode(err); got != tt.wantStatus {
					t.Errorf("status = %d, want %d", got, tt.wantStatus)
				}
			}
			got := sl.got()
			if len(got) != len(tt.wantDelays) {
				t.Fatalf("delays = %v, want %v", got, tt.wantDelays)
			}
			for i := range got {
				if got[i] != tt.wantDelays[i] {
					t.Errorf("delay[%d] = %v, want %v", i, got[i], tt.wantDelays[i])
				}
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var calls atomic.Int32
	srv := httptest.NewServer(sequence(&calls, []int{429, 200},
		http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, ""))
	defer srv.Close()
	sl := &recordingSleeper{}
	c := testClient(srv.URL, sl)
	c.Now = func() time.Time { return now }
	if _, err := c.Get(context.Background(), "/", nil); err != nil {
		t.Fatal(err)
	}
	if got := sl.got(); len(got) != 1 || got[0] != 3*time.Second {
		t.Errorf("delays = %v, want [3s]", got)
	}
}

func TestRetryNotAttemptedPastDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(sequence(&calls, []int{429}, http.Header{"Retry-After": {"9"}}, ""))
	defer srv.Close()
	sl := &recordingSleeper{}
	c := testClient(srv.URL, sl)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Get(ctx, "/", nil)
	if StatusCode(err) != 429 || calls.Load() != 1 || len(sl.got()) != 0 {
		t.Errorf("err=%v calls=%d delays=%v; want one 429, no wait", err, calls.Load(), sl.got())
	}
	var ne *number.Error
	if !errors.As(err, &ne) || ne.Details.(map[string]any)["retry_after_s"] != int64(9) {
		t.Errorf("details = %#v, want retry_after_s 9", ne)
	}
}

func TestStatusReasons(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{401, "authentication failed (HTTP 401)"},
		{403, "authorization failed (HTTP 403)"},
		{404, "not found (HTTP 404)"},
		{422, "request rejected (HTTP 422)"},
		{500, "carrier server error (HTTP 500)"},
	}
	for _, tt := range tests {
		var calls atomic.Int32
		srv := httptest.NewServer(sequence(&calls, []int{tt.status}, nil, `{"detail":"bad thing"}`))
		c := testClient(srv.URL, &recordingSleeper{})
		c.MaxAttempts = 1
		c.ErrorMessage = func(status int, body []byte) string {
			if status != tt.status {
				t.Errorf("extractor got status %d", status)
			}
			return "carrier says: bad thing"
		}
		_, err := c.Get(context.Background(), "/", nil)
		srv.Close()
		ne := number.AsError(err)
		if ne.Kind != number.KindByCarrier {
			t.Errorf("%d: kind %s", tt.status, ne.Kind)
		}
		want := "testcarrier: " + tt.want + ": carrier says: bad thing"
		if ne.Cause != want {
			t.Errorf("%d: cause = %q, want %q", tt.status, ne.Cause, want)
		}
		if d := ne.Details.(map[string]any); d["message"] != "carrier says: bad thing" || d["status"] != tt.status {
			t.Errorf("%d: details = %v", tt.status, d)
		}
	}
}

func TestErrorMessageFallsBackOnPanicOrEmpty(t *testing.T) {
	for name, extract := range map[string]func(int, []byte) string{
		"panics": func(int, []byte) string { panic("boom") },
		"empty":  func(int, []byte) string { return "" },
		"nil":    nil,
	} {
		var calls atomic.Int32
		srv := httptest.NewServer(sequence(&calls, []int{400}, nil, "  plain failure  "))
		c := testClient(srv.URL, &recordingSleeper{})
		c.ErrorMessage = extract
		_, err := c.Get(context.Background(), "/", nil)
		srv.Close()
		if !strings.HasSuffix(number.AsError(err).Cause, ": plain failure") {
			t.Errorf("%s: cause = %q", name, number.AsError(err).Cause)
		}
	}
}

// blockUntilDone is a carrier that never answers.
func blockUntilDone(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// halfThenBlock starts a reply, flushes it, and never finishes it.
func halfThenBlock(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"data":[{"phone_number":"+1415`)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

func TestTimeoutsAreByCarrierErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		method  string
	}{
		{"no reply GET", blockUntilDone, "GET"},
		{"no reply POST", blockUntilDone, "POST"},
		{"reply hangs midway GET", halfThenBlock, "GET"},
		{"reply hangs midway POST", halfThenBlock, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := testClient(srv.URL, &recordingSleeper{})
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			resp, err := c.Do(ctx, &Request{Method: tt.method, Path: "/"})
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			if !number.IsKind(err, number.KindByCarrier) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want by_carrier wrapping deadline exceeded", err)
			}
		})
	}
}

func TestDefaultDeadlineWhenContextHasNone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(blockUntilDone))
	defer srv.Close()
	c := testClient(srv.URL, &recordingSleeper{})
	c.Timeout = 20 * time.Millisecond
	_, err := c.Get(context.Background(), "/", nil)
	if !number.IsKind(err, number.KindByCarrier) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want by_carrier deadline", err)
	}
}

func TestTransportErrorIsRetriedForGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	url := srv.URL
	srv.Close() // nothing listens any more
	sl := &recordingSleeper{}
	c := testClient(url, sl)
	_, err := c.Get(context.Background(), "/", map[string][]string{"api_key": {"abcdefgh"}})
	if !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v", err)
	}
	if len(sl.got()) != 2 {
		t.Errorf("retries = %d, want 2", len(sl.got()))
	}
	if strings.Contains(err.Error(), "abcdefgh") {
		t.Errorf("error leaks query secret: %v", err)
	}
}

func TestBodyLimit(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(sequence(&calls, []int{200}, nil, strings.Repeat("x", 101)))
	defer srv.Close()
	c := testClient(srv.URL, &recordingSleeper{})
	c.MaxBodyBytes = 100
	resp, err := c.Get(context.Background(), "/", nil)
	if resp != nil || !number.IsKind(err, number.KindByCarrier) || calls.Load() != 1 {
		t.Errorf("resp=%v err=%v calls=%d", resp, err, calls.Load())
	}
	c.MaxBodyBytes = 101
	if _, err := c.Get(context.Background(), "/", nil); err != nil {
		t.Errorf("body at the limit: %v", err)
	}
}

func TestSecretsNeverReachLogsOrErrors(t *testing.T) {
	const token = "tok-SECRET-123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":[{"detail":"token tok-SECRET-123 is invalid","password":"hunter22"}]}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := testClient(srv.URL, &recordingSleeper{})
	c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := c.Do(context.Background(), &Request{
		Method: "POST", Path: "/login",
		Query:       map[string][]string{"AuthToken": {"qsecret99"}, "area": {"415"}},
		Body:        []byte(`{"api_key":"bodysecret1","user":"bob"}<Password>xmlsecret7</Password>`),
		ContentType: "application/json",
	})
	if err == nil {
		t.Fatal("want error")
	}
	ne := number.AsError(err)
	texts := map[string]string{
		"log":     logs.String(),
		"error":   err.Error(),
		"cause":   ne.Cause,
		"details": ne.Details.(map[string]any)["message"].(string),
	}
	for where, text := range texts {
		for _, secret := range []string{token, "qsecret99", "bodysecret1", "xmlsecret7", "hunter22", "Bearer"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q: %s", where, secret, text)
			}
		}
	}
	for _, want := range []string{"area=415", `\"user\":\"bob\"`, "status", "401"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q: %s", want, logs.String())
		}
	}
}

func TestSleepHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep = %v, want canceled", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
}

func TestExponentialBackoffStaysInWindow(t *testing.T) {
	b := ExponentialBackoff(100*time.Millisecond, time.Second)
	windows := map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second}
	for attempt, top := range windows {
		for range 50 {
			d := b(attempt)
			if d < top/2 || d > top {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, top/2, top)
			}
		}
	}
	if ExponentialBackoff(0, time.Second)(3) != 0 {
		t.Error("zero base should not wait")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 5 ", 5 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", time.Duration(1<<31) * time.Second, true},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestValidateBaseURL(t *testing.T) {
	for in, ok := range map[string]bool{
		"https://dashboard.bandwidth.com/api": true,
		"http://127.0.0.1:8080":               true,
		"ftp://x":                             false,
		"dashboard.bandwidth.com":             false,
		"https://":                            false,
		"::":                                  false,
	} {
		err := ValidateBaseURL(in)
		if (err == nil) != ok {
			t.Errorf("ValidateBaseURL(%q) = %v", in, err)
		}
		if err != nil && !number.IsKind(err, number.KindInvalid) {
			t.Errorf("kind = %s", number.KindOf(err))
		}
	}
}

func TestCarrierError(t *testing.T) {
	c := &Client{Carrier: "bw", Auth: BasicAuth{User: "u", Password: "pw-secret"}}
	err := c.CarrierError("+14155550100", "order %s FAILED: %s", "o-1", "echo pw-secret")
	if err.Kind != number.KindByCarrier || err.Number != "+14155550100" || strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("err = %v", err)
	}
	if err.Cause != "bw: order o-1 FAILED: echo [REDACTED]" {
		t.Errorf("cause = %q", err.Cause)
	}
}

func TestRequestHeadersOverrideClientHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	c := testClient(srv.URL, &recordingSleeper{})
	c.Header = http.Header{"accept": {"application/xml"}, "User-Agent": {"numan-test"}, "X-Client": {"a"}}
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Header: http.Header{"Accept": {"application/json"}}}); err != nil {
		t.Fatal(err)
	}
	if v := got.Values("Accept"); len(v) != 1 || v[0] != "application/json" {
		t.Errorf("Accept = %v", v)
	}
	if v := got.Values("User-Agent"); len(v) != 1 || v[0] != "numan-test" {
		t.Errorf("User-Agent = %v", v)
	}
	if got.Get("X-Client") != "a" {
		t.Errorf("X-Client = %q", got.Get("X-Client"))
	}
}
