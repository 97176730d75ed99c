package httpx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]carrier.Class{
		400: carrier.Rejected, 401: carrier.Auth, 402: carrier.Rejected, 403: carrier.Auth, 404: carrier.NotFound,
		405: carrier.Rejected, 408: carrier.Transient, 409: carrier.Taken, 410: carrier.NotFound, 422: carrier.Rejected,
		429: carrier.RateLimited, 500: carrier.Transient, 502: carrier.Transient, 503: carrier.Transient,
		504: carrier.Transient, 599: carrier.Transient, 304: carrier.Unclassified, 600: carrier.Unclassified,
	} {
		if got := StatusClass(status); got != want {
			t.Errorf("StatusClass(%d) = %v, want %v", status, got, want)
		}
	}
}

// checkClass fails t unless err is a by_carrier error of class want whose
// definiteness is definite.
func checkClass(t *testing.T, err error, want carrier.Class, definite bool) {
	t.Helper()
	if !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
	if got := carrier.ClassOf(err); got != want {
		t.Errorf("class = %v, want %v (err %v)", got, want, err)
	}
	if got := carrier.IsDefiniteRefusal(err); got != definite {
		t.Errorf("IsDefiniteRefusal = %v, want %v (err %v)", got, definite, err)
	}
}

// Every status reply is classified the way StatusClass says, and only the
// 4xx ones are definite refusals, for calls that may and may not be retried.
func TestReplyStatusesAreClassified(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(method+" "+strconv.Itoa(status), func(t *testing.T) {
				var calls atomic.Int32
				srv := httptest.NewServer(sequence(&calls, []int{status}, http.Header{"Retry-After": {"3600"}}, `{"message":"no"}`))
				defer srv.Close()
				_, err := testClient(srv.URL, &recordingSleeper{}).Do(t.Context(), &Request{Method: method, Path: "/"})
				checkClass(t, err, StatusClass(status), status < 500)
				if StatusCode(err) != status {
					t.Errorf("StatusCode = %d, want %d", StatusCode(err), status)
				}
			})
		}
	}
}

// A retried call whose first attempt may have reached the carrier cannot
// end in a definite refusal: the 409 after a 500 may be the carrier saying
// the first attempt bought the number. A definite first refusal (429) does
// not taint the answer that follows it.
func TestRetryAfterUncertainAttemptIsNeverDefinite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		class    carrier.Class
		definite bool
	}{
		{"500 then 409", []int{500, 409}, carrier.Transient, false},
		{"503 then 404", []int{503, 404}, carrier.Transient, false},
		{"429 then 409", []int{429, 409}, carrier.Taken, true},
		{"429 then 429 then 404", []int{429, 429, 404}, carrier.NotFound, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(sequence(&calls, tc.statuses, nil, `{}`))
			defer srv.Close()
			_, err := testClient(srv.URL, &recordingSleeper{}).Do(t.Context(), &Request{Method: http.MethodPut, Path: "/n"})
			checkClass(t, err, tc.class, tc.definite)
			if StatusCode(err) != tc.statuses[len(tc.statuses)-1] {
				t.Errorf("StatusCode = %d, want the last reply's", StatusCode(err))
			}
			if int(calls.Load()) != len(tc.statuses) {
				t.Errorf("calls = %d, want %d", calls.Load(), len(tc.statuses))
			}
		})
	}
}

func TestClassifyRefinesStatusClass(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(sequence(&calls, []int{400}, nil, `{"code":21422}`))
	defer srv.Close()
	c := testClient(srv.URL, &recordingSleeper{})
	c.Classify = func(status int, body []byte) carrier.Class {
		if string(body) == `{"code":21422}` {
			return carrier.Taken
		}
		return carrier.Unclassified
	}
	_, err := c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/"})
	checkClass(t, err, carrier.Taken, true)

	c.Classify = func(int, []byte) carrier.Class { return carrier.Unclassified }
	_, err = c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/"})
	checkClass(t, err, carrier.Rejected, true)

	c.Classify = func(int, []byte) carrier.Class { panic("unexpected reply") }
	_, err = c.Do(t.Context(), &Request{Method: http.MethodPost, Path: "/"})
	checkClass(t, err, carrier.Rejected, true)
}

// Transport failures are transient; only those that cannot have reached
// the carrier (nothing listening, a context ended before sending, a bad
// URL) are definite.
func TestTransportFailuresAreClassified(t *testing.T) {
	closed := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	closedURL := closed.URL
	closed.Close()
	truncated := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4096")
		io.WriteString(w, `{"data":[{"phone_number":"+1415`)
	}
	for _, tc := range []struct {
		name     string
		url      string
		handler  http.HandlerFunc
		ctx      func(t *testing.T) context.Context
		class    carrier.Class
		definite bool
	}{
		{name: "nothing listens", url: closedURL, class: carrier.Transient, definite: true},
		{name: "bad URL", url: "ftp://example.invalid", class: carrier.Unclassified, definite: true},
		{name: "cancelled before sending", handler: blockUntilDone, ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, class: carrier.Transient, definite: true},
		{name: "no reply before the deadline", handler: blockUntilDone, class: carrier.Transient},
		{name: "reply hangs midway", handler: halfThenBlock, class: carrier.Transient},
		{name: "reply cut off", handler: truncated, class: carrier.Transient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				defer srv.Close()
				url = srv.URL
			}
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if tc.ctx != nil {
				ctx = tc.ctx(t)
			}
			_, err := testClient(url, &recordingSleeper{}).Do(ctx, &Request{Method: http.MethodPost, Path: "/"})
			checkClass(t, err, tc.class, tc.definite)
		})
	}
}

func TestRepliesThatCannotBeReadAreTransient(t *testing.T) {
	_, err := DecodeJSON[map[string]any]("testcarrier", []byte(`{"a":`))
	checkClass(t, err, carrier.Transient, false)
	_, err = DecodeXML[struct{}]("testcarrier", []byte(`<a>`))
	checkClass(t, err, carrier.Transient, false)

	var calls atomic.Int32
	srv := httptest.NewServer(sequence(&calls, []int{200}, nil, "0123456789"))
	defer srv.Close()
	c := testClient(srv.URL, &recordingSleeper{})
	c.MaxBodyBytes = 5
	_, err = c.Get(t.Context(), "/", nil)
	checkClass(t, err, carrier.Transient, false)
}

func TestCarrierErrorAndRefusal(t *testing.T) {
	c := testClient("http://example.invalid", &recordingSleeper{})
	e := c.CarrierError("+14155550100", "order reply carries no id")
	checkClass(t, e, carrier.Unclassified, false)
	r := c.Refusal(carrier.Taken, "+14155550100", "number %s is not available", "+14155550100")
	checkClass(t, r, carrier.Taken, true)
	if r.Cause != "testcarrier: number +14155550100 is not available" || r.Number != "+14155550100" {
		t.Errorf("refusal = %+v", r)
	}
}
