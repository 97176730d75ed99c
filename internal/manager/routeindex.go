package manager

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// routeIndex answers identify, the lookup a switch makes on every call,
// from memory (issue 13): every number a call can be routed to (assigned,
// and in service, reserved, porting in or out) with what the switch needs.
//
// It is kept current through the store's store.NumberWatcher: this node's
// writes are applied after their commit, before the writing request
// answers; other nodes' writes (PostgreSQL) are heard by the store
// following the event outbox, and their numbers are read again (unless the
// index already holds them at that version: its own writes); the index is
// read whole at start and again whenever the store says writes may have
// been missed. While it cannot vouch for being current (not built yet, the
// store's follower failing) it is not ready, and identify reads the store
// as before.
//
// Memory: an entry is 8 bytes of key (the E.164 digits as an integer) and
// 32 of value; strings (accounts, modules, used_by, states) are interned,
// and features are kept once per distinct set. See docs/scaling.md for the
// measured figure per million numbers.
type routeIndex struct {
	st  store.Store
	log func(msg string, args ...any)

	mu    sync.RWMutex
	data  *routeData
	ready bool
	// pending are the changes heard while a rebuild reads the store; they
	// are applied again to the rebuilt data.
	pending []store.NumberChange
	// rebuilding counts the rebuilds running (0 or 1).
	rebuilding int
	// wanted and done count the rebuilds asked for and the last one a
	// finished rebuild covered; running is set while one goroutine
	// rebuilds until done catches up with wanted.
	wanted, done uint64
	running      bool
	ctx          context.Context
	// losses counts the times the store stopped hearing other nodes: a
	// rebuild that began before the last one cannot make the index ready.
	losses uint64

	// afterApply, when set (tests), is called after every change applied.
	afterApply func()
}

// routeData is one generation of the index.
type routeData struct {
	byKey   map[uint64]route // E.164 numbers, by their digits
	other   map[string]route // anything that is not +digits
	names   []string         // interned strings, by index
	nameIx  map[string]uint32
	extras  []*routeExtra     // shared feature sets, by index (0: none)
	extraIx map[string]uint32 // a feature set's signature -> its index
}

// route is one routable number. Its strings are indexes into
// routeData.names, its features one into routeData.extras: a route holds
// no pointer, so the garbage collector does not scan the million of them
// on every cycle (it did, a sixth of the server's time under a bulk
// import).
type route struct {
	version                     int64
	account, module, usedBy, st uint32
	extra                       uint32 // 0: no features
}

// routeExtra is what a switch needs of a number's features; numbers with
// the same features share one.
type routeExtra struct {
	features      []string
	failover      json.RawMessage
	prepend       string
	ringback      string
	transfer      string
	inboundCNAM   bool
	forceOutbound int8 // -1: not set; 0 false; 1 true
}

func newRouteData() *routeData { return newRouteDataSized(0) }

// newRouteDataSized is newRouteData sized for about n numbers (a rebuild
// sizes it for the numbers the index held, so the map is not grown and
// copied a dozen times on the way to a million).
func newRouteDataSized(n int) *routeData {
	return &routeData{byKey: make(map[uint64]route, n), other: map[string]route{}, nameIx: map[string]uint32{},
		extras: []*routeExtra{nil}, extraIx: map[string]uint32{}}
}

// routable reports whether a call can be routed to n (identify answers
// for it); identify's errors for the others come from the store.
func routable(n *number.Number) bool {
	if n.AssignedTo == "" {
		return false
	}
	switch n.State {
	case number.PortIn, number.InService, number.PortOut, number.Reserved:
		return true
	}
	return false
}

func (d *routeData) intern(s string) uint32 {
	if i, ok := d.nameIx[s]; ok {
		return i
	}
	i := uint32(len(d.names))
	d.names = append(d.names, s)
	d.nameIx[s] = i
	return i
}

func (d *routeData) get(e164 string) (route, bool) {
	if k, ok := e164Key(e164); ok {
		r, ok := d.byKey[k]
		return r, ok
	}
	r, ok := d.other[e164]
	return r, ok
}

func (d *routeData) put(e164 string, r route) {
	if k, ok := e164Key(e164); ok {
		d.byKey[k] = r
		return
	}
	d.other[e164] = r
}

func (d *routeData) del(e164 string) {
	if k, ok := e164Key(e164); ok {
		delete(d.byKey, k)
		return
	}
	delete(d.other, e164)
}

func (d *routeData) len() int { return len(d.byKey) + len(d.other) }

// extraOf returns the index of the shared routeExtra of n's features (0
// when none).
func (d *routeData) extraOf(n *number.Number) uint32 {
	if len(n.Features) == 0 {
		return 0
	}
	keys := n.Features.Keys()
	var sig strings.Builder
	for _, k := range keys {
		sig.WriteString(k)
		sig.WriteByte(0)
		sig.Write(n.Features[k])
		sig.WriteByte(0)
	}
	if i, ok := d.extraIx[sig.String()]; ok {
		return i
	}
	e := &routeExtra{features: keys, forceOutbound: -1}
	if raw, ok := n.Features[number.FeatureFailover]; ok {
		e.failover = slices.Clone(raw)
	}
	var prepend struct {
		Enabled bool   `json:"enabled"`
		Name    string `json:"name"`
	}
	if n.Features.Get(number.FeaturePrepend, &prepend) && prepend.Enabled {
		e.prepend = prepend.Name
	}
	var ringback struct {
		Early    string `json:"early"`
		Transfer string `json:"transfer"`
	}
	if n.Features.Get(number.FeatureRingback, &ringback) {
		e.ringback, e.transfer = ringback.Early, ringback.Transfer
	}
	_, e.inboundCNAM = n.Features[number.FeatureInboundCNAM]
	var fo bool
	if raw, ok := n.Features[number.FeatureForceOutbound]; ok && json.Unmarshal(raw, &fo) == nil {
		e.forceOutbound = 0
		if fo {
			e.forceOutbound = 1
		}
	}
	i := uint32(len(d.extras))
	d.extras = append(d.extras, e)
	d.extraIx[sig.String()] = i
	return i
}

// holds says the index has e164's route at version or later; never for a
// version of 0 (unknown, or the number is gone).
func (d *routeData) holds(e164 string, version int64) bool {
	if version == 0 {
		return false
	}
	r, ok := d.get(e164)
	return ok && r.version >= version
}

// set applies what is stored of n: its route if routable, else none.
// Unless force, a route already held at a later version stays (a late
// report of an earlier write).
func (d *routeData) set(n *number.Number, force bool) {
	cur, had := d.get(n.Number)
	if had && !force && cur.version > n.Version {
		return
	}
	if !routable(n) {
		if had {
			d.del(n.Number)
		}
		return
	}
	d.put(n.Number, route{
		version: n.Version,
		account: d.intern(n.AssignedTo),
		module:  d.intern(n.ModuleName),
		usedBy:  d.intern(n.UsedBy),
		st:      d.intern(string(n.State)),
		extra:   d.extraOf(n),
	})
}

// routeEntry is a route with its strings.
type routeEntry struct {
	account, module, usedBy string
	state                   number.State
	extra                   *routeExtra
}

func newRouteIndex(st store.Store, log func(string, ...any)) *routeIndex {
	return &routeIndex{st: st, log: log, data: newRouteData()}
}

// start registers the index with the store's watch and reads the store
// whole; it returns once the index is ready (or the first read failed).
func (x *routeIndex) start(ctx context.Context) error {
	w, ok := x.st.(store.NumberWatcher)
	if !ok {
		return errors.New("the store reports no number writes")
	}
	x.mu.Lock()
	x.ctx = ctx
	x.running = true
	x.mu.Unlock()
	if err := w.WatchNumbers(ctx, store.NumberWatch{Changed: x.changed, Resync: x.resync, Lost: x.lost}); err != nil {
		return err
	}
	x.mu.Lock()
	target := x.wanted
	x.mu.Unlock()
	err := x.rebuild(ctx)
	x.mu.Lock()
	if err == nil {
		x.done = max(x.done, target)
	}
	x.mu.Unlock()
	go x.runRebuilds()
	return err
}

// lookup returns the route of e164 when the index is ready.
func (x *routeIndex) lookup(e164 string) (routeEntry, bool, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.ready {
		return routeEntry{}, false, false
	}
	r, ok := x.data.get(e164)
	if !ok {
		return routeEntry{}, false, true
	}
	n := x.data.names
	return routeEntry{account: n[r.account], module: n[r.module], usedBy: n[r.usedBy], state: number.State(n[r.st]), extra: x.data.extras[r.extra]}, true, true
}

// size is how many numbers the index holds.
func (x *routeIndex) size() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.data.len()
}

// changed implements store.NumberWatch.Changed.
func (x *routeIndex) changed(changes []store.NumberChange) {
	var reread []string
	x.mu.Lock()
	if x.rebuilding > 0 {
		x.pending = append(x.pending, changes...)
	}
	for _, c := range changes {
		switch {
		case c.Written != nil:
			x.data.set(c.Written, false)
		case x.data.holds(c.Number, c.Version):
			// This node's own write, heard again from the store.
		default:
			reread = append(reread, c.Number)
		}
	}
	x.mu.Unlock()
	if len(reread) > 0 {
		x.reread(reread)
	}
	if x.afterApply != nil {
		x.afterApply()
	}
}

// reread reads numbers again and applies what is stored (their absence:
// deleted). A failed read makes the index rebuild.
func (x *routeIndex) reread(e164s []string) {
	ctx := x.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	got, err := x.st.GetNumbers(ctx, e164s)
	if err != nil {
		x.log("route index: reading numbers again failed; rebuilding", "err", err)
		x.lost()
		x.resync()
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range e164s {
		if n, ok := got[e]; ok {
			x.data.set(n, false)
		} else {
			x.data.del(e)
		}
	}
}

// lost implements store.NumberWatch.Lost: until the next rebuild the index
// cannot vouch for other nodes' writes.
func (x *routeIndex) lost() {
	x.mu.Lock()
	x.ready = false
	x.losses++
	x.mu.Unlock()
}

// resync implements store.NumberWatch.Resync: a rebuild, in the
// background, coalesced with any other asked for meanwhile.
func (x *routeIndex) resync() {
	x.mu.Lock()
	x.wanted++
	start := !x.running
	x.running = true
	x.mu.Unlock()
	if start {
		go x.runRebuilds()
	}
}

// runRebuilds rebuilds until every rebuild asked for is covered.
func (x *routeIndex) runRebuilds() {
	for {
		x.mu.Lock()
		if x.done >= x.wanted || (x.ctx != nil && x.ctx.Err() != nil) {
			x.running = false
			x.mu.Unlock()
			return
		}
		target := x.wanted
		ctx := x.ctx
		x.mu.Unlock()
		if err := x.rebuild(ctx); err != nil {
			// The store is failing: the next Resync (the listener
			// connecting again) or failed read retries.
			x.log("route index: rebuild failed; identify reads the store", "err", err)
			x.mu.Lock()
			x.running = false
			x.mu.Unlock()
			return
		}
		x.mu.Lock()
		x.done = max(x.done, target)
		x.mu.Unlock()
	}
}

// rebuildPage is how many numbers a rebuild reads per query.
const rebuildPage = 5000

// rebuild reads every routable number into new data, then applies the
// changes heard meanwhile and makes it current.
func (x *routeIndex) rebuild(ctx context.Context) error {
	x.mu.Lock()
	x.rebuilding++
	losses := x.losses
	hint := x.data.len()
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		x.rebuilding--
		if x.rebuilding == 0 {
			x.pending = nil
		}
		x.mu.Unlock()
	}()
	d := newRouteDataSized(hint + hint/8)
	// Every number, in key order: a filter on state would let the
	// database pick the state index and sort every routable number for
	// each page (SQLite did, at a million numbers); the key order pages
	// in one pass.
	q := store.ListQuery{Limit: rebuildPage}
	for {
		page, err := x.st.ListNumbers(ctx, q)
		if err != nil {
			return err
		}
		for _, n := range page.Numbers {
			d.set(n, true)
		}
		if page.NextStartKey == "" {
			break
		}
		q.StartKey = page.NextStartKey
	}
	x.mu.Lock()
	pending := x.pending
	x.pending = nil
	var reread []string
	for _, c := range pending {
		if c.Written != nil {
			d.set(c.Written, false)
		} else {
			reread = append(reread, c.Number)
		}
	}
	x.data = d
	x.ready = x.losses == losses
	x.mu.Unlock()
	if len(reread) > 0 {
		x.reread(reread)
	}
	// A rebuild leaves the former index and every number it decoded as
	// garbage, hundreds of MB at a million numbers, which the runtime
	// would give back to the system only slowly: resident memory stayed
	// near 500 MB after a few rebuilds on SQLite. Rebuilds are rare.
	debug.FreeOSMemory()
	if x.afterApply != nil {
		x.afterApply()
	}
	return nil
}

// identifyFromIndex answers Identify from the route index: ok false when
// the index cannot answer (not ready, or the number is not routable: the
// store says why).
func (m *Manager) identifyFromIndex(ctx context.Context, cfg number.Config, e164 string, by number.Requester) (*Lookup, bool, error) {
	if m.routes == nil {
		return nil, false, nil
	}
	r, found, ready := m.routes.lookup(e164)
	if !ready || !found {
		return nil, false, nil
	}
	ids := []string{r.account}
	if !by.System {
		ids = append(ids, by.AccountID)
	}
	rel, err := m.Relations(ctx, ids...)
	if !by.System {
		if err != nil {
			return nil, true, err
		}
		if !by.IsAdmin(rel) && !rel.InHierarchy(by.AccountID, r.account) {
			return nil, true, number.NewError(number.KindForbidden, e164)
		}
	}
	if acc := rel[r.account]; err == nil && acc != nil && !acc.Enabled {
		return nil, true, &number.Error{Kind: number.KindInvalid, Number: e164, Message: "account_disabled", Cause: "account_disabled", Details: map[string]any{"account_id": r.account, "number": e164, "cause": "account_disabled"}}
	}
	l := &Lookup{
		AccountID:   r.account,
		Number:      e164,
		PendingPort: r.state == number.PortIn,
		Local:       r.module == number.DefaultModule(),
		UsedBy:      r.usedBy,
		Features:    []string{},
	}
	fo := int8(-1)
	if e := r.extra; e != nil {
		l.Features = slices.Clone(e.features)
		l.Failover = e.failover
		l.Prepend = e.prepend
		l.RingbackMedia, l.TransferMedia = e.ringback, e.transfer
		fo = e.forceOutbound
		if e.inboundCNAM {
			l.InboundCNAM = true
			if c, err := m.carriers.Get(ctx, r.module); err == nil {
				l.InboundCNAM = c.Info().LookupCNAM
			}
		}
	}
	l.ForceOutbound = forceOutboundOf(r.state, r.module, fo, cfg)
	return l, true, nil
}

// forceOutboundOf is forceOutbound on a route (fo: the number's
// force_outbound feature, -1 when unset).
func forceOutboundOf(st number.State, module string, fo int8, cfg number.Config) bool {
	localish := number.IsLocalModule(module) && cfg.ForceLocalOutbound
	switch {
	case st == number.PortIn:
		return cfg.ForcePortInOutbound || localish
	case st == number.PortOut:
		return cfg.ForcePortOutOutbound || localish
	case number.IsLocalModule(module):
		return cfg.ForceLocalOutbound
	}
	if fo >= 0 {
		return fo == 1
	}
	return cfg.DefaultForceOutbound
}

// StartRouteIndex makes Identify answer from an in-memory index of the
// routable numbers (see routeIndex), kept current until ctx ends. It
// reads the store whole before it returns; the store must implement
// store.NumberWatcher (store/sqlstore does).
func (m *Manager) StartRouteIndex(ctx context.Context) error {
	x := newRouteIndex(m.store, func(msg string, args ...any) { m.log.Warn(msg, args...) })
	if err := x.start(ctx); err != nil {
		return err
	}
	m.routes = x
	return nil
}

// RouteIndexSize is how many numbers the route index holds (0 without
// one).
func (m *Manager) RouteIndexSize() int {
	if m.routes == nil {
		return 0
	}
	return m.routes.size()
}
