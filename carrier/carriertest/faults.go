package carriertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Number sets the number RunFaults buys, releases and asks about (default:
// the prefix padded with 5s to eleven digits).
func Number(e164 string) Option { return func(s *suite) { s.number = e164 } }

// Malformed adds a fault to RunFaults: a 200 reply with body, a broken reply
// in the carrier's own format (a JSON or XML document cut off midway).
func Malformed(body string) Option { return func(s *suite) { s.malformed = body } }

// faultDeadline bounds a call under a fault that ends only when the caller
// gives up (a server that never answers); every other call gets a deadline
// it never reaches, so no expectation depends on timing.
const (
	faultDeadline  = 200 * time.Millisecond
	normalDeadline = 30 * time.Second
)

// fault is one way a carrier's server can fail, and what a call that meets
// it must report.
type fault struct {
	name    string
	handler http.HandlerFunc // nil: nothing listens at the carrier's URL
	// class and definite are what the error must say: its Failure's class,
	// and whether it is a definite refusal (the carrier did not act).
	class    carrier.Class
	definite bool
	// anyClass accepts any class that is not a definite refusal (a reply
	// that cannot be read may fail to decode anywhere).
	anyClass bool
	// answers reports whether the call may succeed under the fault: a 404
	// is an answer to a release or a question, and a 2xx one to a call
	// that reads no reply. A search that succeeds must still offer nothing.
	answers func(op string) bool
	// hangs marks faults that end only at the call's deadline.
	hangs bool
}

func never(string) bool  { return false }
func always(string) bool { return true }

// notFoundAnswers: a 404 may mean "nothing to release", "not held",
// "nothing found" or "nothing to cancel", never "bought" or "submitted".
func notFoundAnswers(op string) bool { return op != opAcquire && op != opPortSubmit }

// The calls RunFaults makes.
const (
	opFind       = "FindNumbers"
	opAcquire    = "Acquire"
	opDisconnect = "Disconnect"
	opHolds      = "Holds"
	opCheck      = "CheckNumbers"
	opList       = "ListNumbers"
	opPortCheck  = "CheckPortability"
	opPortSubmit = "SubmitPort"
	opPortStatus = "PortStatus"
	opPortCancel = "CancelPort"
)

// ops are the calls RunFaults makes, in order.
var ops = []string{opFind, opAcquire, opDisconnect, opHolds, opCheck, opList, opPortCheck, opPortSubmit, opPortStatus, opPortCancel}

// statusFault replies status with body and the given header.
func statusFault(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// standardFaults are the faults every remote carrier meets. Bodies are
// plain text or HTML, which no carrier's API sends on purpose, so each
// carrier classifies them by status alone.
func standardFaults(malformed string) []fault {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	faults := []fault{
		{name: "500", handler: statusFault(http.StatusInternalServerError, "internal error"), class: carrier.Transient, answers: never},
		{name: "502 HTML", handler: statusFault(http.StatusBadGateway, "<html><body>Bad gateway</body></html>"), class: carrier.Transient, answers: never},
		{name: "503 Retry-After an hour", handler: statusFault(http.StatusServiceUnavailable, "down for maintenance", "Retry-After", "3600"), class: carrier.Transient, answers: never},
		{name: "no reply before the deadline", handler: hang, class: carrier.Transient, answers: never, hangs: true},
		{name: "reply hangs midway", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"data":[{"phone_number":"+1415`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, class: carrier.Transient, answers: never, hangs: true},
		{name: "reply cut off", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `<?xml version="1.0"?><reply><status>succ`)
		}, class: carrier.Transient, answers: never},
		{name: "200 with a document of another kind", handler: statusFault(http.StatusOK, "<html><body>Welcome to nginx</body></html>"), anyClass: true, answers: always},
		{name: "400", handler: statusFault(http.StatusBadRequest, "bad request"), class: carrier.Rejected, definite: true, answers: never},
		{name: "401", handler: statusFault(http.StatusUnauthorized, "unauthorized"), class: carrier.Auth, definite: true, answers: never},
		{name: "403", handler: statusFault(http.StatusForbidden, "forbidden"), class: carrier.Auth, definite: true, answers: never},
		{name: "404", handler: statusFault(http.StatusNotFound, "not found"), class: carrier.NotFound, definite: true, answers: notFoundAnswers},
		{name: "409", handler: statusFault(http.StatusConflict, "conflict"), class: carrier.Taken, definite: true, answers: never},
		{name: "429 Retry-After an hour", handler: statusFault(http.StatusTooManyRequests, "slow down", "Retry-After", "3600"), class: carrier.RateLimited, definite: true, answers: never},
		{name: "nothing listening", class: carrier.Transient, definite: true, answers: never},
	}
	if malformed != "" {
		faults = append(faults, fault{name: "malformed reply", handler: statusFault(http.StatusOK, malformed), anyClass: true, answers: always})
	}
	return faults
}

// RunFaults checks that a remote carrier classifies every way its server
// can fail: each call it makes (FindNumbers, Acquire, Disconnect, and
// Holds, CheckNumbers, ListNumbers, and the porting calls CheckPortability,
// SubmitPort, PortStatus and CancelPort when it offers them) meets each
// standard fault and must fail with a by_carrier error whose
// carrier.Failure says what happened; a listing must fail under every
// fault, even a 200 it cannot read. Above all, IsDefiniteRefusal must be
// true only when the carrier certainly did not act: a 500, a hang past
// the deadline or a reply cut off are not definite, a 404, 409, 401, 403,
// 429 or a server nobody listens at are. A call that sends nothing to the server (a release the
// carrier has no API for) is not checked.
//
// newCarrier builds the carrier pointed at baseURL; it is called once per
// case. Prefix, Search, Number and Malformed adjust the calls:
//
//	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
//		return newTestCarrier(t, url)
//	}, carriertest.Malformed(`{"data":[{"phone_number":"+1415`))
func RunFaults(t *testing.T, newCarrier func(t *testing.T, baseURL string) carrier.Carrier, opts ...Option) {
	t.Helper()
	s := &suite{
		prefix: "+1415",
		opts: carrier.SearchOptions{
			Country:    "US",
			Dialcode:   "+1",
			AccountID:  "carriertest-account",
			ResellerID: "carriertest-account",
		},
	}
	for _, o := range opts {
		o(s)
	}
	if s.number == "" {
		digits := strings.TrimRight(strings.TrimPrefix(s.prefix, "+"), "*")
		for len(digits) < 11 {
			digits += "5"
		}
		s.number = "+" + digits
	}
	for _, f := range standardFaults(s.malformed) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			for _, op := range ops {
				s.runFault(t, newCarrier, f, op)
			}
		})
	}
	t.Run("cancelled before the call", func(t *testing.T) {
		t.Parallel()
		for _, op := range ops {
			srv, count := FaultServer(t, statusFault(http.StatusOK, "{}"))
			c := newCarrier(t, srv.URL)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, offered, err := s.call(ctx, c, op)
			if !offered {
				continue
			}
			if count() != 0 {
				t.Errorf("%s with a cancelled context sent %d request(s)", op, count())
			}
			if err != nil && !carrier.IsDefiniteRefusal(err) {
				t.Errorf("%s with a cancelled context: %v is not a definite refusal, but nothing was sent", op, err)
			}
		}
	})
}

// runFault makes call op meet fault f and checks what it reports.
func (s *suite) runFault(t *testing.T, newCarrier func(t *testing.T, baseURL string) carrier.Carrier, f fault, op string) {
	t.Helper()
	var url string
	var count func() int
	if f.handler != nil {
		srv, n := FaultServer(t, f.handler)
		url, count = srv.URL, n
	} else {
		// Port 1 (tcpmux) is privileged and unused: a connection is
		// refused. (A test server closed for the purpose could see its
		// port taken by another subtest's server meanwhile.)
		url = "http://127.0.0.1:1"
		// Whether the call would have sent anything is asked of a server
		// that fails every request.
		count = func() int { return s.requests(t, newCarrier, op) }
	}
	c := newCarrier(t, url)
	deadline := normalDeadline
	if f.hangs {
		deadline = faultDeadline
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	got, offered, err := s.call(ctx, c, op)
	if !offered || count() == 0 {
		return // the carrier has no such call, or makes no request for it
	}
	if err == nil {
		// A listing answers only with a page it read: under any fault,
		// "holds nothing" would make an audit report every number gone.
		if op == opList || !f.answers(op) {
			t.Errorf("%s: no error under the fault (answered %v)", op, got)
		}
		if got != nil && (op == opFind || op == opHolds && !f.anyClass) {
			// A 2xx may say "held" where the status alone is the answer.
			t.Errorf("%s: answered %v from a failing server", op, got)
		}
		return
	}
	if got != nil {
		t.Errorf("%s: a result (%v) with the error %v", op, got, err)
	}
	if !number.IsKind(err, number.KindByCarrier) {
		t.Errorf("%s: err = %v, want kind by_carrier", op, err)
	}
	class, definite := carrier.ClassOf(err), carrier.IsDefiniteRefusal(err)
	switch {
	case f.anyClass && definite:
		t.Errorf("%s: err = %v is a definite refusal (%v), but the carrier may have acted", op, err, class)
	case !f.anyClass && (class != f.class || definite != f.definite):
		t.Errorf("%s: err = %v is %v (definite %v), want %v (definite %v)", op, err, class, definite, f.class, f.definite)
	}
}

// requests counts the requests call op sends to a server that fails each
// with a 500.
func (s *suite) requests(t *testing.T, newCarrier func(t *testing.T, baseURL string) carrier.Carrier, op string) int {
	srv, count := FaultServer(t, statusFault(http.StatusInternalServerError, "internal error"))
	ctx, cancel := context.WithTimeout(t.Context(), normalDeadline)
	defer cancel()
	_, _, _ = s.call(ctx, newCarrier(t, srv.URL), op)
	return count()
}

// call makes call op on c. It reports the call's result when there is one
// worth reporting (nil otherwise: no numbers, not held), whether c offers
// the call at all, and the call's error.
func (s *suite) call(ctx context.Context, c carrier.Carrier, op string) (any, bool, error) {
	n := number.New(s.number, number.Discovery, c.Info().Name, testTime)
	switch op {
	case opFind:
		r, err := c.FindNumbers(ctx, s.prefix, 5, s.opts)
		if len(r) == 0 {
			return nil, true, err
		}
		return r, true, err
	case opAcquire:
		a, err := c.Acquire(ctx, n)
		if a.CarrierData == nil && a.Locality == nil {
			return nil, true, err
		}
		return a, true, err
	case opDisconnect:
		n.State = number.InService
		return nil, true, c.Disconnect(ctx, n)
	case opHolds:
		h, ok := c.(carrier.Holder)
		if !ok {
			return nil, false, nil
		}
		held, err := h.Holds(ctx, s.number)
		if !held {
			return nil, true, err
		}
		return fmt.Sprintf("holds %s", s.number), true, err
	case opList:
		l, ok := c.(carrier.Lister)
		if !ok {
			return nil, false, nil
		}
		page, err := l.ListNumbers(ctx, "")
		if len(page.Numbers) == 0 && page.Next == "" {
			return nil, true, err
		}
		return page, true, err
	case opPortCheck:
		pc, ok := c.(carrier.PortabilityChecker)
		if !ok {
			return nil, false, nil
		}
		res, err := pc.CheckPortability(ctx, []string{s.number})
		if len(res) == 0 {
			return nil, true, err
		}
		return res, true, err
	case opPortSubmit, opPortStatus, opPortCancel:
		p, ok := c.(carrier.Porter)
		if !ok {
			return nil, false, nil
		}
		ref := carrier.PortRef{IDs: []string{"carriertest-order"}}
		switch op {
		case opPortSubmit:
			got, err := p.SubmitPort(ctx, carrier.PortSubmission{Reference: "carriertest-port", Numbers: []string{s.number},
				EntityName: "Carriertest", AuthorizedBy: "Carrier Test", BillingNumber: s.number,
				Documents: []carrier.PortDocument{{Kind: carrier.DocumentLOA, Name: "loa.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n")}}})
			if len(got.IDs) == 0 {
				return nil, true, err
			}
			return got, true, err
		case opPortStatus:
			st, err := p.PortStatus(ctx, ref)
			if st.State == "" {
				return nil, true, err
			}
			return st, true, err
		}
		return nil, true, p.CancelPort(ctx, ref)
	case opCheck:
		ch, ok := c.(carrier.Checker)
		if !ok {
			return nil, false, nil
		}
		st, err := ch.CheckNumbers(ctx, []string{s.number})
		if len(st) == 0 {
			return nil, true, err
		}
		return st, true, err
	}
	panic("carriertest: unknown call " + op)
}

// CheckFailure fails t unless err is a by_carrier error whose Failure is of
// class class and, as IsDefiniteRefusal tells, definite or not: the check a
// carrier's own tests make of the replies only it understands (its "number
// not available", its order that failed after it was placed).
func CheckFailure(t testing.TB, err error, class carrier.Class, definite bool) {
	t.Helper()
	if !number.IsKind(err, number.KindByCarrier) {
		t.Errorf("err = %v, want kind by_carrier", err)
		return
	}
	if got := carrier.ClassOf(err); got != class {
		t.Errorf("err = %v is %v, want %v", err, got, class)
	}
	if got := carrier.IsDefiniteRefusal(err); got != definite {
		t.Errorf("err = %v: IsDefiniteRefusal = %v, want %v", err, got, definite)
	}
}
