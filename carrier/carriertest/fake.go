package carriertest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// FakeName is the registry name of the fake carrier.
const FakeName = "fake"

var registerFakeOnce sync.Once

// RegisterFake registers the fake carrier as "fake". It is not done in
// init so that production binaries, which never import this package's
// registration, do not list a fake carrier; tests that build carriers by
// name call it (any number of times) first.
func RegisterFake() {
	registerFakeOnce.Do(func() { carrier.Register(fakeInfo, newFakeFromSettings) })
}

// fakeInfo is what the fake registers with: a remote, billable carrier
// searching by up to 10 digits, and not usable (carriers_info does not
// offer a test carrier). A Fake's own Info follows its setters.
var fakeInfo = carrier.Info{
	Module:          number.Module{Name: FakeName},
	Billable:        true,
	MaxPrefixLength: 10,
}

// FakeConfig is the fake's settings document (system config
// number_manager.fake). Instance selects a Fake made by NewFake, so a test
// can script the carrier the manager builds by name; otherwise a fresh
// Fake offering Numbers is built.
type FakeConfig struct {
	Instance string   `json:"instance,omitempty"`
	Numbers  []string `json:"numbers,omitempty"`
}

var (
	instancesMu  sync.Mutex
	instances    = map[string]*Fake{}
	instanceSeq  atomic.Int64
	fakeOrderSeq atomic.Int64
)

func newFakeFromSettings(settings json.RawMessage, _ carrier.Deps) (carrier.Carrier, error) {
	var cfg FakeConfig
	if err := carrier.DecodeSettings(settings, &cfg); err != nil {
		return nil, err
	}
	if cfg.Instance != "" {
		instancesMu.Lock()
		f, ok := instances[cfg.Instance]
		instancesMu.Unlock()
		if !ok {
			return nil, number.Errorf(number.KindInvalid, "", "fake: no instance %q (made by NewFake and not yet cleaned up)", cfg.Instance)
		}
		return f, nil
	}
	f := newFake()
	f.Offer(cfg.Numbers...)
	return f, nil
}

// Op names one of the fake's operations, for delays, holds and counts.
type Op string

// The operations a Fake can delay, hold and count.
const (
	OpFind       Op = "find"
	OpAcquire    Op = "acquire"
	OpDisconnect Op = "disconnect"
	OpCheck      Op = "check"
	OpList       Op = "list"
)

// Fake is a scriptable carrier: it offers the numbers it is given, fails,
// waits or blocks when told to, and counts its calls. It is safe for
// concurrent use. Its zero configuration offers nothing, buys anything,
// is remote (not local), billable, with no CNAM lookup and a maximal prefix
// length of 10.
type Fake struct {
	instance string

	mu            sync.Mutex
	offered       map[string]carrier.Result
	findErr       error
	acquireErr    map[string]error // "" = every number
	lostReply     map[string]error // bought, but the reply is lost: "" = every number
	disconnectErr map[string]error
	checkStatus   map[string]string
	checkErr      error
	acquired      *carrier.Acquired
	delays        map[Op]time.Duration
	gates         map[Op]*Gate
	calls         map[Op]int
	acquiredNums  []string
	disconnected  []string
	local         bool
	billable      bool
	cnam          bool
	maxPrefix     int
	list          fakeList   // what ListNumbers lists (fake_list.go)
	routes        fakeRoutes // where Route sent numbers (fake_route.go)
	ports         fakePorts  // what porting is scripted with (fake_port.go)
}

func newFake() *Fake {
	return &Fake{
		offered:       map[string]carrier.Result{},
		acquireErr:    map[string]error{},
		lostReply:     map[string]error{},
		disconnectErr: map[string]error{},
		delays:        map[Op]time.Duration{},
		gates:         map[Op]*Gate{},
		calls:         map[Op]int{},
		billable:      true,
		maxPrefix:     10,
	}
}

// NewFake returns a Fake that carrier.New("fake", f.Settings(), deps) also
// returns, until tb's cleanup. Call RegisterFake before building it by name.
func NewFake(tb testing.TB) *Fake {
	f := newFake()
	f.instance = fmt.Sprintf("fake-%d", instanceSeq.Add(1))
	instancesMu.Lock()
	instances[f.instance] = f
	instancesMu.Unlock()
	tb.Cleanup(func() {
		instancesMu.Lock()
		delete(instances, f.instance)
		instancesMu.Unlock()
	})
	return f
}

// Settings is the settings document that selects f: store it as system
// config number_manager.fake, or pass it to carrier.New.
func (f *Fake) Settings() json.RawMessage {
	raw, _ := json.Marshal(FakeConfig{Instance: f.instance})
	return raw
}

// Offer makes f offer each number, in state discovery, with carrier data
// {"fake_ref": <number>} so tests can see it carried to the bought number.
func (f *Fake) Offer(e164s ...string) {
	rs := make([]carrier.Result, 0, len(e164s))
	for _, n := range e164s {
		d := number.Doc{}
		d.Set("fake_ref", n)
		rs = append(rs, carrier.Result{Number: n, State: number.Discovery, CarrierData: d})
	}
	f.OfferResults(rs...)
}

// OfferResults makes f offer the given results (Carrier is set to "fake").
func (f *Fake) OfferResults(rs ...carrier.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range rs {
		r.Carrier = FakeName
		f.offered[r.Number] = r
	}
}

// Withdraw stops offering the numbers.
func (f *Fake) Withdraw(e164s ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range e164s {
		delete(f.offered, n)
	}
}

// FailFind makes every search fail with err (nil: searches succeed again).
func (f *Fake) FailFind(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.findErr = err
}

// FailAcquire makes buying e164 fail with err; e164 "" means every number.
// A nil err clears the failure.
func (f *Fake) FailAcquire(e164 string, err error) { f.setErr(f.acquireErr, e164, err) }

// LoseAcquireReply makes buying e164 succeed at the carrier (Holds then
// reports it held) while the caller gets err, as when the carrier's reply
// is lost on the way back; e164 "" means every number. A nil err clears it.
func (f *Fake) LoseAcquireReply(e164 string, err error) { f.setErr(f.lostReply, e164, err) }

// FailDisconnect makes disconnecting e164 fail with err; e164 "" means every
// number. A nil err clears the failure.
func (f *Fake) FailDisconnect(e164 string, err error) { f.setErr(f.disconnectErr, e164, err) }

func (f *Fake) setErr(m map[string]error, e164 string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(m, e164)
		return
	}
	m[e164] = err
}

// SetCheck sets what CheckNumbers answers: the status of each number asked
// for that statuses holds, or err. By default the check is not implemented.
func (f *Fake) SetCheck(statuses map[string]string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkStatus, f.checkErr = statuses, err
}

// SetAcquired sets what Acquire reports. By default it reports carrier data
// {"order_id": "fake-order-<n>"}, n counting up from 1 across all fakes.
func (f *Fake) SetAcquired(a carrier.Acquired) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acquired = &a
}

// SetDelay makes op take d, or until its context ends: a slow carrier, for
// code that must give up on one. Tests should prefer a short context
// deadline with Hold over a delay they wait out.
func (f *Fake) SetDelay(op Op, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays[op] = d
}

// SetLocal sets Info().Local.
func (f *Fake) SetLocal(local bool) { f.mu.Lock(); f.local = local; f.mu.Unlock() }

// SetBillable sets Info().Billable.
func (f *Fake) SetBillable(billable bool) { f.mu.Lock(); f.billable = billable; f.mu.Unlock() }

// SetLookupCNAM sets Info().LookupCNAM.
func (f *Fake) SetLookupCNAM(cnam bool) { f.mu.Lock(); f.cnam = cnam; f.mu.Unlock() }

// SetMaxPrefixLength sets Info().MaxPrefixLength.
func (f *Fake) SetMaxPrefixLength(n int) { f.mu.Lock(); f.maxPrefix = n; f.mu.Unlock() }

// Gate holds calls of one operation until released, so a test can act
// while a call is in flight (a crash between buying and recording, two
// concurrent buyers) without sleeping.
type Gate struct {
	entered     chan struct{}
	enteredOnce sync.Once
	release     chan struct{}
	releaseOnce sync.Once
}

// Entered is closed once the first held call has arrived.
func (g *Gate) Entered() <-chan struct{} { return g.entered }

// Release lets every held call, and every later one, proceed.
func (g *Gate) Release() { g.releaseOnce.Do(func() { close(g.release) }) }

// Hold makes calls of op wait, from now on, until the returned gate is
// released or their context ends. Release it (t.Cleanup(g.Release) is a
// good habit) or the calls stay blocked.
func (f *Fake) Hold(op Op) *Gate {
	g := &Gate{entered: make(chan struct{}), release: make(chan struct{})}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gates[op] = g
	return g
}

// Calls counts the calls of op made so far, including failed ones.
func (f *Fake) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Acquired returns the numbers bought successfully, in order.
func (f *Fake) Acquired() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.acquiredNums)
}

// Disconnected returns the numbers disconnected successfully, in order.
func (f *Fake) Disconnected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.disconnected)
}

// enter counts a call of op, then waits out its delay and its gate. It
// returns a typed error when ctx ends first.
func (f *Fake) enter(ctx context.Context, op Op) error {
	f.mu.Lock()
	f.calls[op]++
	delay, gate := f.delays[op], f.gates[op]
	f.mu.Unlock()
	if gate != nil {
		gate.enteredOnce.Do(func() { close(gate.entered) })
		select {
		case <-gate.release:
		case <-ctx.Done():
			return ctxError(op, ctx.Err())
		}
	}
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return ctxError(op, ctx.Err())
		}
	}
	if err := ctx.Err(); err != nil {
		return ctxError(op, err)
	}
	return nil
}

func ctxError(op Op, err error) error {
	return number.Wrap(number.KindByCarrier, "", fmt.Errorf("fake: %s: %w", op, err))
}

// Info is the fake's registered Info with what the setters set (remote,
// billable, no CNAM lookup and a maximal prefix length of 10 by default).
// Unlike a real carrier's it changes when a setter is called: tests script
// it before the manager reads it.
func (f *Fake) Info() carrier.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := fakeInfo
	i.Local, i.Billable, i.LookupCNAM, i.MaxPrefixLength = f.local, f.billable, f.cnam, f.maxPrefix
	return i
}

// FindNumbers returns up to quantity offered numbers starting with prefix
// (a trailing "*" is ignored), in number order, skipping opts.Offset.
func (f *Fake) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if err := f.enter(ctx, OpFind); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findErr != nil {
		return nil, f.findErr
	}
	prefix = strings.TrimSuffix(prefix, "*")
	var matching []carrier.Result
	for n, r := range f.offered {
		if strings.HasPrefix(n, prefix) {
			r.CarrierData = r.CarrierData.Clone()
			matching = append(matching, r)
		}
	}
	slices.SortFunc(matching, func(a, b carrier.Result) int { return strings.Compare(a.Number, b.Number) })
	offset := min(max(opts.Offset, 0), len(matching))
	matching = matching[offset:]
	return matching[:min(max(quantity, 0), len(matching))], nil
}

// Acquire buys n unless told to fail.
func (f *Fake) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if err := f.enter(ctx, OpAcquire); err != nil {
		return carrier.Acquired{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := firstErr(f.acquireErr, n.Number); err != nil {
		return carrier.Acquired{}, err
	}
	f.acquiredNums = append(f.acquiredNums, n.Number)
	if err := firstErr(f.lostReply, n.Number); err != nil {
		return carrier.Acquired{}, err
	}
	if f.acquired != nil {
		a := *f.acquired
		a.CarrierData = a.CarrierData.Clone()
		if a.Locality != nil {
			a.Locality = a.Locality.Clone()
		}
		return a, nil
	}
	d := number.Doc{}
	d.Set("order_id", fmt.Sprintf("fake-order-%d", fakeOrderSeq.Add(1)))
	return carrier.Acquired{CarrierData: d}, nil
}

// Disconnect releases n unless told to fail.
func (f *Fake) Disconnect(ctx context.Context, n *number.Number) error {
	if err := f.enter(ctx, OpDisconnect); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := firstErr(f.disconnectErr, n.Number); err != nil {
		return err
	}
	f.disconnected = append(f.disconnected, n.Number)
	return nil
}

func firstErr(m map[string]error, e164 string) error {
	if err, ok := m[e164]; ok {
		return err
	}
	return m[""]
}

// CheckNumbers answers as SetCheck said; by default it answers
// not_implemented, as a carrier's check that cannot answer would.
func (f *Fake) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	if err := f.enter(ctx, OpCheck); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.checkErr != nil {
		return nil, f.checkErr
	}
	if f.checkStatus == nil {
		return nil, &number.Error{Kind: number.KindUnspecified, Message: "not_implemented"}
	}
	out := map[string]string{}
	for _, n := range nums {
		if st, ok := f.checkStatus[n]; ok {
			out[n] = st
		}
	}
	return out, nil
}

// Interface guards
var (
	_ carrier.Carrier = (*Fake)(nil)
	_ carrier.Checker = (*Fake)(nil)
)
