package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Defaults and bounds of an audit.
const (
	// DefaultAuditLimit is how many numbers of each finding a report
	// lists; its counts are always complete.
	DefaultAuditLimit = 100
	// DefaultAuditMaxHeld bounds the numbers an audit remembers to find
	// the vanished ones (8 bytes each, about 10 with the slice's growth:
	// 10 million is some 100 MB).
	// Past it the audit still reports unknown and mismatched numbers, but
	// not vanished ones.
	DefaultAuditMaxHeld = 10_000_000
	// auditStorePage is how many of Numan's numbers are read at a time
	// while looking for vanished ones.
	auditStorePage = 500
	// maxAuditPages stops a carrier whose page tokens never end.
	maxAuditPages = 1_000_000
)

// heldStates are the states of a number Numan expects its carrier to hold:
// in the pool, sold, resting after a release, or still being ported away.
// A number in one of them that the carrier does not list has vanished.
var heldStates = []number.State{number.Available, number.Reserved, number.InService, number.Aging, number.PortOut}

// AuditOptions adjust Manager.Audit.
type AuditOptions struct {
	// Import adds the numbers the carrier holds and Numan does not know to
	// the pool: state available, the carrier's module, the carrier data
	// it listed. Each insert is conditional (only if absent), so an audit
	// run twice, or run while a number is bought, imports nothing twice.
	// Numbers the carrier says do not work (Held.Inactive) are not
	// imported.
	Import bool
	// Limit is how many numbers of each finding the report lists (0 =
	// DefaultAuditLimit); the counts are always complete.
	Limit int
	// MaxHeld bounds the numbers remembered to find vanished ones (0 =
	// DefaultAuditMaxHeld).
	MaxHeld int
	// CallTimeout is the deadline of each call to the carrier (0 = the
	// 60 s every carrier call has).
	CallTimeout time.Duration
	// Progress, when set, is called after each page the carrier lists and
	// each page of Numan's numbers read, from the audit's goroutine.
	Progress func(AuditProgress)
}

// AuditProgress is how far an audit is.
type AuditProgress struct {
	// Phase is "listing" while the carrier's pages are read and compared,
	// then "vanished" while Numan's numbers are looked for among them.
	Phase      string `json:"phase"`
	Pages      int    `json:"pages"`
	Held       int    `json:"held"`
	Checked    int    `json:"checked"`
	Unknown    int    `json:"unknown"`
	Vanished   int    `json:"vanished"`
	Mismatched int    `json:"mismatched"`
	Imported   int    `json:"imported"`
}

// AuditReport is what an audit found.
type AuditReport struct {
	Carrier  string    `json:"carrier"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Pages and Held are the pages the carrier listed and the distinct
	// numbers on them.
	Pages int `json:"pages"`
	Held  int `json:"held"`
	// Checked is how many of Numan's numbers of this carrier, in a state
	// the carrier should hold them in, were looked for in its listing.
	Checked int `json:"checked"`
	// Skipped are numbers changed after the audit started (bought,
	// released, imported by another run): not judged either way.
	Skipped int `json:"skipped"`
	// VanishedChecked is false when vanished numbers were not looked for:
	// the carrier holds more than AuditOptions.MaxHeld numbers.
	VanishedChecked bool `json:"vanished_checked"`
	// Unknown are numbers the carrier holds (and bills) that Numan does
	// not record; Vanished, numbers Numan records as held (and sells) that
	// the carrier does not list; Mismatched, numbers both know that they
	// describe differently.
	Unknown    AuditFindings `json:"unknown"`
	Vanished   AuditFindings `json:"vanished"`
	Mismatched AuditFindings `json:"mismatched"`
	// Imported is how many unknown numbers this audit added to the pool.
	Imported int `json:"imported"`
}

// AuditFindings are the numbers of one finding: all of them counted, the
// first AuditOptions.Limit listed.
type AuditFindings struct {
	Count   int          `json:"count"`
	Numbers []AuditEntry `json:"numbers"`
}

// AuditEntry is one number an audit reports.
type AuditEntry struct {
	Number string `json:"number"`
	// State, Module and AssignedTo are Numan's record (vanished and
	// mismatched numbers).
	State      number.State `json:"state,omitempty"`
	Module     string       `json:"module,omitempty"`
	AssignedTo string       `json:"assigned_to,omitempty"`
	// CarrierStatus is the carrier's word for the number, when it gives one.
	CarrierStatus string `json:"carrier_status,omitempty"`
	// CarrierData is what the carrier listed for an unknown number.
	CarrierData number.Doc `json:"carrier_data,omitempty"`
	// Differences are what Numan and the carrier disagree on.
	Differences []AuditDifference `json:"differences,omitempty"`
	// Imported says this audit added the unknown number to the pool.
	Imported bool `json:"imported,omitempty"`
}

// AuditDifference is one thing Numan and the carrier disagree on: field
// is "module", "state", "status", "route" or "carrier_data.<key>". For a
// route, Numan's side is the route its carrier settings give.
type AuditDifference struct {
	Field   string `json:"field"`
	Numan   string `json:"numan"`
	Carrier string `json:"carrier"`
}

func (f *AuditFindings) add(e AuditEntry, limit int) {
	f.Count++
	if len(f.Numbers) < limit {
		f.Numbers = append(f.Numbers, e)
	}
}

// Audit compares what the carrier registered as name holds for the
// operator's account with what Numan records, and reports numbers paid for
// but unknown to Numan, numbers Numan sells that the carrier no longer
// holds, and numbers they describe differently. The carrier must be a
// carrier.Lister.
//
// Memory stays bounded: the carrier's listing is read one page at a time
// (each call on its own deadline) and each page is compared with a batched
// lookup of the same numbers in the store; only the listed numbers
// themselves are remembered, packed in 8-byte keys in one slice (heldSet),
// so that Numan's numbers of the carrier can then be read page by page in
// number order and looked up among them. The report
// lists at most Limit numbers of each finding.
//
// If the listing fails midway, Audit returns the report so far with an
// error that says where it stopped: vanished numbers are not looked for
// (the numbers not yet listed would all look vanished), and numbers
// imported from the pages already read stay imported; running the audit
// again imports none of them twice.
func (m *Manager) Audit(ctx context.Context, name string, opts AuditOptions) (*AuditReport, error) {
	if opts.Limit <= 0 {
		opts.Limit = DefaultAuditLimit
	}
	if opts.MaxHeld <= 0 {
		opts.MaxHeld = DefaultAuditMaxHeld
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = carrierDeadline
	}
	c, err := m.carriers.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	info := c.Info()
	lister, ok := c.(carrier.Lister)
	if !ok || info.Local {
		return nil, number.Errorf(number.KindInvalid, "", "carrier %s cannot list the numbers its account holds, so it cannot be audited", info.Name)
	}
	a := &audit{
		m: m, opts: opts, lister: lister, carrier: info.Name,
		held: newHeldSet(opts.MaxHeld),
		rep:  &AuditReport{Carrier: info.Name, Started: m.now().UTC()},
	}
	a.rep.Unknown.Numbers, a.rep.Vanished.Numbers, a.rep.Mismatched.Numbers = []AuditEntry{}, []AuditEntry{}, []AuditEntry{}
	err = a.list(ctx)
	if err == nil && !a.held.overflow {
		a.held.seal()
		err = a.vanished(ctx)
		a.rep.VanishedChecked = err == nil
	}
	a.rep.Finished = m.now().UTC()
	a.progress("done")
	return a.rep, err
}

// audit is one run of Manager.Audit.
type audit struct {
	m       *Manager
	opts    AuditOptions
	lister  carrier.Lister
	carrier string
	rep     *AuditReport
	// held is every number listed so far.
	held *heldSet
}

func (a *audit) progress(phase string) {
	if a.opts.Progress == nil {
		return
	}
	r := a.rep
	a.opts.Progress(AuditProgress{
		Phase: phase, Pages: r.Pages, Held: r.Held, Checked: r.Checked,
		Unknown: r.Unknown.Count, Vanished: r.Vanished.Count, Mismatched: r.Mismatched.Count, Imported: r.Imported,
	})
}

// list reads the carrier's listing to its end, comparing each page.
func (a *audit) list(ctx context.Context) error {
	token := ""
	for {
		if a.rep.Pages >= maxAuditPages {
			return a.stopped(number.Errorf(number.KindByCarrier, "", "%s: the listing did not end after %d pages", a.carrier, maxAuditPages))
		}
		cctx, cancel := context.WithTimeout(ctx, a.opts.CallTimeout)
		page, err := a.lister.ListNumbers(cctx, token)
		cancel()
		if err != nil {
			return a.stopped(err)
		}
		a.rep.Pages++
		if err := a.compare(ctx, page.Numbers); err != nil {
			return a.stopped(err)
		}
		a.progress("listing")
		if page.Next == "" {
			return nil
		}
		if page.Next == token {
			return a.stopped(number.Errorf(number.KindByCarrier, "", "%s: page %q of the listing names itself as the next", a.carrier, token))
		}
		token = page.Next
	}
}

// stopped is the error of an audit whose listing did not finish.
func (a *audit) stopped(err error) error {
	return &number.Error{
		Kind: number.KindOf(err),
		Cause: fmt.Sprintf("audit of %s stopped after %s (%s listed, %d imported): %s; vanished numbers were not looked for",
			a.carrier, plural(a.rep.Pages, "page"), plural(a.rep.Held, "number"), a.rep.Imported, causeOf(err)),
		Details: map[string]any{"carrier": a.carrier, "pages": a.rep.Pages, "held": a.rep.Held, "imported": a.rep.Imported},
		Err:     err,
	}
}

// plural is n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// causeOf is the most telling text of err: its cause, else its message.
func causeOf(err error) string {
	if e := number.AsError(err); e.Cause != "" {
		return e.Cause
	}
	return err.Error()
}

// compare judges one page of the carrier's listing against the store.
func (a *audit) compare(ctx context.Context, page []carrier.Held) error {
	defer a.held.endPage()
	warned := a.held.overflow
	fresh := make([]carrier.Held, 0, len(page))
	nums := make([]string, 0, len(page))
	for _, h := range page {
		key, ok := e164Key(h.Number)
		if !ok {
			continue // a carrier lists E.164 only; anything else is not judged
		}
		if !a.held.add(key) {
			continue // listed again (a page boundary moved)
		}
		if a.held.overflow && !warned {
			warned = true
			a.m.log.WarnContext(ctx, "audit: the carrier holds more numbers than an audit remembers; vanished numbers will not be looked for",
				"carrier", a.carrier, "max_held", a.opts.MaxHeld)
		}
		a.rep.Held++
		fresh = append(fresh, h)
		nums = append(nums, h.Number)
	}
	if len(nums) == 0 {
		return nil
	}
	stored, err := a.m.store.GetNumbers(ctx, nums)
	if err != nil {
		return err
	}
	var unknown []carrier.Held
	for _, h := range fresh {
		n := stored[h.Number]
		switch {
		case n == nil:
			unknown = append(unknown, h)
		case n.Modified.After(a.rep.Started):
			a.rep.Skipped++
		default:
			if diffs := a.differences(n, h); len(diffs) > 0 {
				a.rep.Mismatched.add(AuditEntry{
					Number: n.Number, State: n.State, Module: n.ModuleName, AssignedTo: n.AssignedTo,
					CarrierStatus: h.Status, Differences: diffs,
				}, a.opts.Limit)
			}
		}
	}
	imported := map[string]bool{}
	if a.opts.Import && len(unknown) > 0 {
		var err error
		if imported, err = a.importNumbers(ctx, unknown); err != nil {
			return err
		}
	}
	for _, h := range unknown {
		a.rep.Unknown.add(AuditEntry{Number: h.Number, CarrierStatus: h.Status, CarrierData: h.CarrierData, Imported: imported[h.Number]}, a.opts.Limit)
	}
	return nil
}

// differences is what Numan's record n and the carrier's h disagree on.
func (a *audit) differences(n *number.Number, h carrier.Held) []AuditDifference {
	if mod := number.CarrierName(n.ModuleName); mod != a.carrier {
		// Numan would release it at another carrier, and its carrier data
		// is that carrier's: nothing else compares.
		return []AuditDifference{{Field: "module", Numan: mod, Carrier: a.carrier}}
	}
	var d []AuditDifference
	switch n.State {
	case number.Discovery, number.PortIn, number.Released:
		state := string(n.State)
		if _, ok := n.CarrierData[PurchaseKey]; ok {
			state += " (purchase not settled)"
		}
		d = append(d, AuditDifference{Field: "state", Numan: state, Carrier: "held"})
	}
	for _, k := range h.CarrierData.Keys() {
		mine, ok := n.CarrierData[k]
		if ok && jsonText(mine) != jsonText(h.CarrierData[k]) {
			d = append(d, AuditDifference{Field: "carrier_data." + k, Numan: jsonText(mine), Carrier: jsonText(h.CarrierData[k])})
		}
	}
	if h.WantRoute != "" && h.Route != h.WantRoute {
		got := h.Route
		if got == "" {
			got = "(none)"
		}
		d = append(d, AuditDifference{Field: "route", Numan: h.WantRoute, Carrier: got})
	}
	if h.Inactive {
		switch n.State {
		case number.Available, number.Reserved, number.InService:
			d = append(d, AuditDifference{Field: "status", Numan: string(n.State), Carrier: h.Status})
		}
	}
	return d
}

// jsonText is a carrier-data value as text: a string's contents, any
// other value's JSON, so that "42" and 42 compare equal.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// importNumbers adds the unknown numbers the carrier says work to the
// pool, each only if still absent, and returns those it added.
func (a *audit) importNumbers(ctx context.Context, hs []carrier.Held) (map[string]bool, error) {
	now := a.m.now().UTC()
	var ns []*number.Number
	for _, h := range hs {
		if h.Inactive {
			continue
		}
		n := number.New(h.Number, number.Available, a.carrier, now)
		n.CarrierData = h.CarrierData.Clone()
		ns = append(ns, n)
	}
	done := map[string]bool{}
	if len(ns) == 0 {
		return done, nil
	}
	defer func() {
		for _, n := range ns {
			a.m.numbers.forget(n.Number)
		}
	}()
	err := a.m.store.InsertNumbers(ctx, ns)
	if err == nil {
		for _, n := range ns {
			done[n.Number] = true
		}
		a.rep.Imported += len(ns)
		return done, nil
	}
	if !number.IsKind(err, number.KindNumberExists) {
		return nil, err
	}
	// One of them was recorded since the lookup (bought, or imported by
	// another run): insert them one by one, leaving the recorded ones be.
	for _, n := range ns {
		n.Version = 0
		switch err := a.m.store.InsertNumber(ctx, n); {
		case err == nil:
			done[n.Number] = true
			a.rep.Imported++
		case number.IsKind(err, number.KindNumberExists):
		default:
			return done, err
		}
	}
	return done, nil
}

// vanished reads Numan's numbers of the carrier in a held state, in number
// order, page by page, and reports those the carrier did not list.
func (a *audit) vanished(ctx context.Context) error {
	q := store.ListQuery{States: heldStates, Limit: auditStorePage}
	for {
		page, err := a.m.store.ListNumbers(ctx, q)
		if err != nil {
			return err
		}
		for _, n := range page.Numbers {
			if number.CarrierName(n.ModuleName) != a.carrier {
				continue
			}
			a.rep.Checked++
			if key, ok := e164Key(n.Number); ok && a.held.has(key) {
				continue // judged when its page was listed
			}
			if n.Modified.After(a.rep.Started) {
				a.rep.Skipped++
				continue
			}
			a.rep.Vanished.add(AuditEntry{Number: n.Number, State: n.State, Module: n.ModuleName, AssignedTo: n.AssignedTo}, a.opts.Limit)
		}
		a.progress("vanished")
		if page.NextStartKey == "" {
			return nil
		}
		q.StartKey = page.NextStartKey
	}
}

// heldSet is the numbers a carrier listed, as e164Keys: 8 bytes a number
// in one slice (plus the slice's growth), sorted once the listing is over
// and searched by bisection. A number listed twice on neighbouring pages
// (an offset page boundary that moved while the listing was read) is
// recognised by the keys of the previous and the current page; the slice
// is deduplicated when sealed. Past max numbers it stops growing and
// overflow is set: vanished numbers cannot be told then.
type heldSet struct {
	keys      []uint64
	prev, cur map[uint64]struct{}
	max       int
	overflow  bool
}

func newHeldSet(max int) *heldSet {
	return &heldSet{max: max, prev: map[uint64]struct{}{}, cur: map[uint64]struct{}{}}
}

// add records key and reports whether it is new (not on this page or the
// previous one).
func (s *heldSet) add(key uint64) bool {
	if _, dup := s.cur[key]; dup {
		return false
	}
	if _, dup := s.prev[key]; dup {
		return false
	}
	s.cur[key] = struct{}{}
	if len(s.keys) < s.max {
		s.keys = append(s.keys, key)
	} else {
		s.overflow = true
	}
	return true
}

// endPage forgets the page before the one just compared.
func (s *heldSet) endPage() {
	s.prev, s.cur = s.cur, s.prev
	clear(s.cur)
}

// seal sorts the keys for has, once every page was added.
func (s *heldSet) seal() {
	slices.Sort(s.keys)
	s.keys = slices.Compact(s.keys)
	s.prev, s.cur = nil, nil
}

// has reports whether key was listed; only after seal.
func (s *heldSet) has(key uint64) bool {
	_, found := slices.BinarySearch(s.keys, key)
	return found
}

// e164Key packs an E.164 number into an integer: its digits (at most 15,
// never starting with 0) read as a decimal number, which no two numbers
// share.
func e164Key(e164 string) (uint64, bool) {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || len(digits) < 2 || len(digits) > 15 || digits[0] == '0' || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	k, err := strconv.ParseUint(digits, 10, 64)
	return k, err == nil
}
