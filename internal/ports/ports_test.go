package ports_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/carrier/storesearch" // the local carrier, number_manager's default module
	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

const (
	masterID   = "00000000000000000000000000000001"
	resellerID = "00000000000000000000000000000002"
	childID    = "00000000000000000000000000000003"
)

// clock is a settable clock: nothing sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// world is a ports service over a fresh store: the master, a reseller
// below it and the reseller's child; the fake carrier ports numbers in
// when portCarrier is set.
type world struct {
	t      testing.TB
	st     store.Store
	mgr    *manager.Manager
	svc    *ports.Service
	fake   *carriertest.Fake
	clock  *clock
	master *number.Account
	child  *number.Account
	keys   *secrets.Keyring
	rawKey []byte // the key keys holds, to build a rotated keyring
}

func newWorld(t testing.TB, st store.Store, portCarrier bool) *world {
	ctx := context.Background()
	carriertest.RegisterFake()
	fake := carriertest.NewFake(t)
	clk := &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	nm := map[string]any{"carrier_modules": []string{"fake"}, "port_check_interval_s": 600}
	if portCarrier {
		nm["port_carrier"] = "knm_fake"
	}
	for id, doc := range map[string]any{"number_manager": map[string]any{"default": nm}, "number_manager.fake": map[string]json.RawMessage{"default": fake.Settings()}} {
		raw, _ := json.Marshal(doc)
		if err := st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	accs := []*number.Account{
		{ID: masterID, Name: "master", Enabled: true, Reseller: true, SuperduperAdmin: true},
		{ID: resellerID, Name: "reseller", ParentID: masterID, Tree: []string{masterID}, Enabled: true, Reseller: true},
		{ID: childID, Name: "child", ParentID: resellerID, Tree: []string{masterID, resellerID}, Enabled: true},
	}
	for _, a := range accs {
		a.Created, a.Modified, a.Public = clk.now(), clk.now(), number.Doc{}
		if err := st.InsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	rawKey := secrets.GenerateKey()
	kr, err := secrets.NewKeyring(rawKey)
	if err != nil {
		t.Fatal(err)
	}
	src := config.NewSource(st, "", 0, config.SealWith(kr))
	mgr := manager.New(st, src, manager.Options{Now: clk.now, Accounts: accounts.New(st, accounts.Options{Now: clk.now})})
	svc := ports.New(mgr, ports.Options{Now: clk.now, Keys: kr})
	return &world{t: t, st: st, mgr: mgr, svc: svc, fake: fake, clock: clk, master: accs[0], child: accs[2], keys: kr, rawKey: rawKey}
}

func eachWorld(t *testing.T, portCarrier bool, fn func(t *testing.T, w *world)) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) { fn(t, newWorld(t, st, portCarrier)) })
}

// create makes a port request of the child with nums.
func (w *world) create(nums ...string) string {
	w.t.Helper()
	numbers := map[string]any{}
	for _, n := range nums {
		numbers[n] = map[string]any{}
	}
	body := number.Doc{}
	body.Set("name", "port")
	body.Set("numbers", numbers)
	body.Set("bill", map[string]string{"name": "Acme", "btn": "4155550000", "account_number": "A-1", "pin": "9999",
		"street_number": "1", "street_address": "Main", "street_type": "St", "locality": "Springfield", "region": "IL", "postal_code": "62701", "carrier": "Old Telco"})
	body.Set("signee_name", "Jane Doe")
	v, err := w.svc.Create(context.Background(), ports.Caller(w.child), childID, body)
	if err != nil {
		w.t.Fatal(err)
	}
	return v["id"].(string)
}

func (w *world) move(id string, to ports.State, by *number.Account) error {
	_, err := w.svc.Transition(context.Background(), ports.Caller(by), childID, id, to, nil, "")
	return err
}

func (w *world) get(id string) ports.View {
	w.t.Helper()
	v, err := w.svc.Get(context.Background(), ports.Caller(w.master), "", id)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *world) state(id string) ports.State { return w.get(id)["port_state"].(ports.State) }

// follow runs one pass of the follower and fails on errors other than
// those expected.
func (w *world) follow() ports.FollowReport {
	return w.svc.FollowCarriers(context.Background())
}

func (w *world) number(e164 string) *number.Number {
	n, err := w.st.GetNumber(context.Background(), e164)
	if number.IsKind(err, number.KindNotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// comments returns the comments as who sees them.
func (w *world) comments(id string, who *number.Account) []ports.Comment {
	v, err := w.svc.Get(context.Background(), ports.Caller(who), "", id)
	if err != nil {
		w.t.Fatal(err)
	}
	cs, _ := v["comments"].([]ports.Comment)
	return cs
}

func TestFollowedToCompletion(t *testing.T) {
	eachWorld(t, true, func(t *testing.T, w *world) {
		ctx := context.Background()
		id := w.create("+14155550101", "+14155550102")
		bill := append([]byte("%PDF-1.4\n"), "a bill"...)
		if _, err := w.svc.PutAttachment(ctx, ports.Caller(w.child), childID, id, "bill.pdf", "application/pdf", bill); err != nil {
			t.Fatal(err)
		}
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		if rep := w.follow(); rep.Submitted != 1 || len(rep.Errors) != 0 {
			t.Fatalf("first pass: %+v", rep)
		}
		subs := w.fake.PortSubmissions()
		if len(subs) != 1 {
			t.Fatalf("%d submissions", len(subs))
		}
		s := subs[0]
		var kinds []string
		for _, d := range s.Documents {
			kinds = append(kinds, d.Kind)
		}
		if s.PIN != "9999" {
			t.Errorf("the carrier was sent PIN %q", s.PIN)
		}
		if s.Reference != id+"-1" || !slices.Equal(s.Numbers, []string{"+14155550101", "+14155550102"}) || s.EntityName != "Acme" ||
			s.BillingNumber != "+14155550000" || s.AuthorizedBy != "Jane Doe" || s.Address.Street != "Main St" || s.LosingCarrier != "Old Telco" ||
			!slices.Equal(kinds, []string{carrier.DocumentInvoice, carrier.DocumentLOA}) || !strings.HasPrefix(string(s.Documents[1].Data), "%PDF-") {
			t.Fatalf("submission: %+v", s)
		}
		if v := w.get(id); v["sent"] != true || v["port_state"] != ports.Submitted {
			t.Fatalf("after submission: %v", v)
		}
		if rep := w.follow(); rep.Submitted+rep.Moved != 0 {
			t.Fatalf("a pass before the next check: %+v", rep)
		}

		// pending, with a message from the carrier.
		w.fake.SetPortStatus(carrier.PortStatus{State: carrier.PortPending, Status: "in-process",
			Messages: []carrier.PortMessage{{ID: "m1", Author: "porting ops", Text: "LOA received"}}})
		w.clock.advance(11 * time.Minute)
		if rep := w.follow(); rep.Moved != 1 || len(rep.Errors) != 0 {
			t.Fatalf("pending pass: %+v", rep)
		}
		if st := w.state(id); st != ports.Pending {
			t.Fatalf("state %s", st)
		}
		// The carrier's messages are private comments, recorded once.
		w.clock.advance(11 * time.Minute)
		w.follow()
		has := func(cs []ports.Comment, text string) int {
			n := 0
			for _, c := range cs {
				if strings.Contains(c.Content, text) {
					n++
				}
			}
			return n
		}
		if n := has(w.comments(id, w.master), "LOA received"); n != 1 {
			t.Errorf("the carrier's message is recorded %d times", n)
		}
		if n := has(w.comments(id, w.child), "LOA received"); n != 0 {
			t.Errorf("the submitter sees the carrier's message")
		}

		// scheduled, with the date the losing carrier agreed.
		foc := time.Date(2026, 5, 20, 15, 0, 0, 0, time.UTC)
		w.fake.SetPortStatus(carrier.PortStatus{State: carrier.PortScheduled, Status: "foc-date-confirmed", Date: foc})
		w.clock.advance(11 * time.Minute)
		w.follow()
		v := w.get(id)
		var sd int64
		_ = json.Unmarshal(v["scheduled_date"].(json.RawMessage), &sd)
		if v["port_state"] != ports.Scheduled || sd != manager.Gregorian(foc) {
			t.Fatalf("scheduled: %v %v", v["port_state"], sd)
		}

		// completed: the numbers are the child's, in service, ported in.
		w.fake.SetPortStatus(carrier.PortStatus{State: carrier.PortCompleted, Status: "ported"})
		w.clock.advance(11 * time.Minute)
		w.follow()
		if st := w.state(id); st != ports.Completed {
			t.Fatalf("state %s", st)
		}
		for _, e164 := range []string{"+14155550101", "+14155550102"} {
			if n := w.number(e164); n.State != number.InService || n.AssignedTo != childID || !n.PortedIn {
				t.Errorf("%s: %+v", e164, n)
			}
		}
		// No longer followed.
		w.clock.advance(time.Hour)
		if due, _ := w.st.DuePorts(ctx, w.clock.now(), 10); len(due) != 0 {
			t.Errorf("a completed request is still due: %v", due)
		}
		// The timeline says who moved it: the carrier.
		tl, _ := w.svc.Timeline(ctx, ports.Caller(w.master), "", id)
		var moves []string
		for _, e := range tl {
			if tr, ok := e.(ports.Transition); ok {
				moves = append(moves, string(tr.Transition.New)+" by "+tr.Authorization.Account.Name)
			}
		}
		want := []string{"unconfirmed by child", "submitted by child", "pending by fake", "scheduled by fake", "completed by fake"}
		if !slices.Equal(moves, want) {
			t.Errorf("timeline: %v, want %v", moves, want)
		}
		// Its creation and each change of state are events, written with
		// them.
		es, err := w.st.ListEvents(ctx, event.Query{Types: []string{event.PortChanged}})
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, e := range es {
			var d struct {
				State         string `json:"state"`
				PreviousState string `json:"previous_state"`
			}
			_ = json.Unmarshal(e.Data, &d)
			states = append(states, d.PreviousState+">"+d.State)
		}
		if got := strings.Join(states, " "); got != ">unconfirmed unconfirmed>submitted submitted>pending pending>scheduled scheduled>completed" {
			t.Errorf("port_request.changed events: %s", got)
		}
	})
}

func TestCarrierRejects(t *testing.T) {
	eachWorld(t, true, func(t *testing.T, w *world) {
		id := w.create("+14155550201")
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.follow()
		w.fake.SetPortStatus(carrier.PortStatus{State: carrier.PortRejected, Status: "exception", Reason: "LOA signature does not match the account holder"})
		w.clock.advance(11 * time.Minute)
		if rep := w.follow(); rep.Moved != 1 {
			t.Fatalf("pass: %+v", rep)
		}
		if st := w.state(id); st != ports.Rejected {
			t.Fatalf("state %s", st)
		}
		if n := w.number("+14155550201"); n != nil {
			t.Errorf("the port_in number stayed: %+v", n)
		}
		// The submitter reads why.
		found := false
		for _, c := range w.comments(id, w.child) {
			found = found || strings.Contains(c.Content, "LOA signature does not match the account holder")
		}
		if !found {
			t.Errorf("the carrier's reason is not in the submitter's comments: %v", w.comments(id, w.child))
		}
		ns, _ := w.svc.Notifications(context.Background(), ports.Caller(w.child), childID, id)
		if last := ns[len(ns)-1]; last.Type != "port_rejected" || !strings.Contains(last.Reason, "LOA signature") {
			t.Errorf("last notification: %+v", last)
		}
		// Fixed and submitted again: a new order, under a new reference.
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.follow()
		subs := w.fake.PortSubmissions()
		if len(subs) != 2 || subs[1].Reference != id+"-2" || w.fake.PortOrders() != 2 {
			t.Errorf("resubmission: %d submissions, %d orders", len(subs), w.fake.PortOrders())
		}
	})
}

func TestNotPortable(t *testing.T) {
	eachWorld(t, true, func(t *testing.T, w *world) {
		w.fake.SetNotPortable("+14155550302", "no coverage")
		id := w.create("+14155550301", "+14155550302")
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.follow()
		if st := w.state(id); st != ports.Rejected || len(w.fake.PortSubmissions()) != 0 {
			t.Fatalf("state %s, %d submissions", st, len(w.fake.PortSubmissions()))
		}
		if cs := w.comments(id, w.child); len(cs) == 0 || !strings.Contains(cs[len(cs)-1].Content, "+14155550302: no coverage") {
			t.Errorf("comments: %v", cs)
		}
	})
}

func TestSubmissionThatMayHaveActedIsRetried(t *testing.T) {
	eachWorld(t, true, func(t *testing.T, w *world) {
		id := w.create("+14155550401")
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		// The carrier made the order, and the reply was lost.
		w.fake.FailSubmitPort(carrier.Classify(number.NewError(number.KindByCarrier, ""), carrier.Transient))
		if rep := w.follow(); len(rep.Errors) != 1 || rep.Submitted != 0 {
			t.Fatalf("pass: %+v", rep)
		}
		if v := w.get(id); v["sent"] != false || v["port_state"] != ports.Submitted {
			t.Fatalf("after a lost reply: %v", v)
		}
		// Retried soon, not at once.
		w.fake.FailSubmitPort(nil)
		if rep := w.follow(); rep.Submitted != 0 {
			t.Fatalf("retried at once: %+v", rep)
		}
		w.clock.advance(3 * time.Minute)
		if rep := w.follow(); rep.Submitted != 1 {
			t.Fatalf("retry: %+v", rep)
		}
		if subs := w.fake.PortSubmissions(); len(subs) != 2 || subs[0].Reference != subs[1].Reference || w.fake.PortOrders() != 1 {
			t.Errorf("%d submissions make %d orders; want the same order found again", len(subs), w.fake.PortOrders())
		}
		if v := w.get(id); v["sent"] != true {
			t.Errorf("not sent: %v", v)
		}

		// A definite refusal rejects the request, with the carrier's words.
		id2 := w.create("+14155550402")
		if err := w.move(id2, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.fake.FailSubmitPort(carrier.Classify(&number.Error{Kind: number.KindByCarrier, Cause: "fake: 422 phone number already in a porting order"}, carrier.Rejected))
		w.follow()
		if st := w.state(id2); st != ports.Rejected {
			t.Fatalf("state %s", st)
		}
		if cs := w.comments(id2, w.child); !strings.Contains(cs[len(cs)-1].Content, "already in a porting order") {
			t.Errorf("comments: %v", cs)
		}
	})
}

func TestCanceledAtTheCarrier(t *testing.T) {
	eachWorld(t, true, func(t *testing.T, w *world) {
		id := w.create("+14155550501")
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.follow()
		if err := w.move(id, ports.Canceled, w.master); err != nil {
			t.Fatal(err)
		}
		if n := w.number("+14155550501"); n != nil {
			t.Errorf("the number stayed: %+v", n)
		}
		// The request cannot go before the carrier is told.
		if _, err := w.svc.Delete(context.Background(), ports.Caller(w.child), childID, id); !errors.Is(err, ports.ErrNotModifiable) {
			t.Errorf("delete before the carrier canceled: %v", err)
		}
		w.fake.FailCancelPort(carrier.Classify(number.NewError(number.KindByCarrier, ""), carrier.Transient))
		w.follow()
		if len(w.fake.CanceledPorts()) != 0 {
			t.Fatal("canceled despite the failure")
		}
		w.fake.FailCancelPort(nil)
		w.clock.advance(3 * time.Minute)
		if rep := w.follow(); rep.Canceled != 1 || len(w.fake.CanceledPorts()) != 1 {
			t.Fatalf("cancel pass: %+v %v", rep, w.fake.CanceledPorts())
		}
		if _, err := w.svc.Delete(context.Background(), ports.Caller(w.child), childID, id); err != nil {
			t.Errorf("delete once canceled: %v", err)
		}
	})
}

func TestMovedByHandWithoutAPortingCarrier(t *testing.T) {
	eachWorld(t, false, func(t *testing.T, w *world) {
		id := w.create("+14155550601")
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		if rep := w.follow(); rep.Submitted != 0 || len(w.fake.PortSubmissions()) != 0 {
			t.Fatalf("submitted to a carrier: %+v", rep)
		}
		if _, ok := w.get(id)["_read_only"].(map[string]any)["carrier"]; ok {
			t.Errorf("a carrier on a request moved by hand")
		}
		for _, to := range []ports.State{ports.Pending, ports.Completed} {
			if err := w.move(id, to, w.master); err != nil {
				t.Fatal(err)
			}
		}
	})
	// A request a reseller handles is moved by its authority by hand.
	eachWorld(t, true, func(t *testing.T, w *world) {
		raw, _ := json.Marshal(map[string]any{"default": map[string]any{"port": map[string]any{"authority": resellerID}}})
		if err := w.st.PutConfig(context.Background(), config.AccountConfigID(resellerID), raw); err != nil {
			t.Fatal(err)
		}
		id := w.create("+14155550602")
		if a := w.get(id)["_read_only"].(map[string]any)["port_authority"]; a != resellerID {
			t.Fatalf("authority %v", a)
		}
		if err := w.move(id, ports.Submitted, w.child); err != nil {
			t.Fatal(err)
		}
		w.follow()
		if len(w.fake.PortSubmissions()) != 0 {
			t.Errorf("a reseller's request went to the master's carrier")
		}
	})
}

// The write paths: a failure between steps, a cancelled context, N
// concurrent callers.
func TestPortWritePaths(t *testing.T) {
	eachWorld(t, false, func(t *testing.T, w *world) {
		ctx := context.Background()
		// A number taken after creation fails the submission: nothing of
		// it is stored, and the request stays unconfirmed.
		id := w.create("+14155550701", "+14155550702")
		taken := number.New("+14155550702", number.InService, "local", w.clock.now())
		taken.AssignedTo = masterID
		if err := w.st.InsertNumber(ctx, taken); err != nil {
			t.Fatal(err)
		}
		if err := w.move(id, ports.Submitted, w.child); !number.IsKind(err, number.KindNumberExists) {
			t.Fatalf("submission with a taken number: %v", err)
		}
		if n := w.number("+14155550701"); n != nil {
			t.Errorf("half a claim was stored: %+v", n)
		}
		if st := w.state(id); st != ports.Unconfirmed {
			t.Errorf("state %s", st)
		}

		// A cancelled context changes nothing.
		id = w.create("+14155550703")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := w.svc.Transition(cctx, ports.Caller(w.child), childID, id, ports.Submitted, nil, ""); err == nil {
			t.Fatal("a cancelled transition succeeded")
		}
		if st := w.state(id); st != ports.Unconfirmed || w.number("+14155550703") != nil {
			t.Errorf("after a cancelled transition: %s, %+v", st, w.number("+14155550703"))
		}

		// Concurrent submissions: exactly one moves it.
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if w.move(id, ports.Submitted, w.child) == nil {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d submissions won", wins.Load())
		}
		if tr := len(w.get(id)); tr == 0 {
			t.Fatal("no view")
		}
		tl, _ := w.svc.Timeline(ctx, ports.Caller(w.master), "", id)
		if len(tl) != 2 {
			t.Errorf("timeline: %d entries, want 2", len(tl))
		}

		// Concurrent comments: none lost.
		var errs atomic.Int64
		for i := range 10 {
			wg.Go(func() {
				body := number.Doc{}
				body.Set("comments", []map[string]any{{"content": fmt.Sprintf("comment %d", i)}})
				if _, err := w.svc.Update(ctx, ports.Caller(w.child), childID, id, ports.Merge, body); err != nil {
					t.Log(err)
					errs.Add(1)
				}
			})
		}
		wg.Wait()
		if errs.Load() != 0 || len(w.comments(id, w.child)) != 10 {
			t.Errorf("%d failed, %d comments, want 10", errs.Load(), len(w.comments(id, w.child)))
		}
	})
}

// ResealPINs (numan secrets rotate) seals every port PIN sealed under an
// older key again under the current one; the PIN opens the same.
func TestResealPINs(t *testing.T) {
	eachWorld(t, false, func(t *testing.T, w *world) {
		id := w.create("+14155550140")
		rotated, err := secrets.NewKeyring(secrets.GenerateKey(), w.rawKey)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ports.ResealPINs(context.Background(), w.st, rotated)
		if err != nil || n != 1 {
			t.Fatalf("resealed %d, %v", n, err)
		}
		p, err := w.st.GetPort(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Public struct {
				Bill struct {
					Pin string `json:"pin"`
				} `json:"bill"`
			} `json:"public"`
		}
		if err := json.Unmarshal(p.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		pin := doc.Public.Bill.Pin
		if !secrets.IsSealed(pin) || rotated.NeedsReseal(pin) {
			t.Fatalf("not sealed under the new key: %s", pin)
		}
		if plain, err := rotated.Open(pin); err != nil || string(plain) != "9999" {
			t.Fatalf("opens to %q, %v", plain, err)
		}
		if n, err := ports.ResealPINs(context.Background(), w.st, rotated); err != nil || n != 0 {
			t.Fatalf("second pass resealed %d, %v", n, err)
		}
	})
}
