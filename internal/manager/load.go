package manager

import (
	"context"
	"errors"
	"slices"

	"github.com/numan-dev/numan/number"
)

// item is one number going through an operation.
type item struct {
	key    string         // normalised number
	n      *number.Number // the working copy; nil when not stored
	before *number.Number // as stored (nil when new); the write is conditional on its version
	// discovered is set for numbers offered by a carrier's search and not
	// stored: anyone may see them, the transition decides who may buy.
	discovered bool
	// featureErr is a feature provider's failure on a number that is
	// written all the same (it was just bought): it is reported failed.
	featureErr error
	// providerActed is set when a remote feature provider was called for
	// the number in this operation: its write must not be cancelled.
	providerActed bool
	// purchased is set once the carrier sold the number to this operation:
	// its write must happen even if the request is cancelled meanwhile.
	purchased bool
	// disconnect is set when the write gives the number back to a remote
	// carrier: the disconnect is queued in the write's transaction and
	// carried out after it (see Release).
	disconnect bool
}

// batch is the shared state of one operation.
type batch struct {
	cfg   number.Config
	norm  *number.Normalizer
	rel   number.Accounts
	items []*item
	res   *Result
	// settings are the number_manager settings of each account the
	// operation met (settingsFor).
	settings map[string]number.AccountSettings
	// needsRehearsal: an unrehearsed run (Op.unrehearsed) met a step it
	// may not take unpriced; save writes nothing.
	needsRehearsal bool
}

// load normalises the inputs (dropping duplicates, failing what does not
// normalise), reads the stored numbers, and loads the accounts the
// authorization rules will ask about. Numbers not stored get an item with a
// nil n.
func (m *Manager) load(ctx context.Context, nums []string, op Op) (*batch, error) {
	return m.loadFrom(ctx, nums, op, m.store.GetNumber)
}

// loadFrom is load reading single numbers with get.
func (m *Manager) loadFrom(ctx context.Context, nums []string, op Op, get func(context.Context, string) (*number.Number, error)) (*batch, error) {
	cfg, norm, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	b := &batch{cfg: cfg, norm: norm, res: &Result{}}
	var keys []string
	for _, raw := range nums {
		e164, err := norm.Normalize(raw)
		if err != nil {
			b.res.fail(raw, err)
			continue
		}
		keys = append(keys, e164)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	stored := map[string]*number.Number{}
	switch {
	case op.assumeNew:
		// A bulk create taking every number for new (Op.assumeNew).
	case len(keys) == 0:
	case len(keys) == 1:
		// The common case (one number per request) takes the store's
		// prepared point read.
		n, err := get(ctx, keys[0])
		switch {
		case err == nil:
			stored[n.Number] = n
		case !number.IsKind(err, number.KindNotFound):
			return nil, err
		}
	default:
		if stored, err = m.store.GetNumbers(ctx, keys); err != nil {
			return nil, err
		}
	}
	ids := []string{op.AuthBy.AccountID, op.AssignTo}
	for _, k := range keys {
		it := &item{key: k}
		if n, ok := stored[k]; ok {
			it.before = n
			it.n = n.Clone()
			ids = append(ids, n.AssignedTo)
		}
		b.items = append(b.items, it)
	}
	if b.rel, err = m.Relations(ctx, ids...); err != nil {
		return nil, err
	}
	return b, nil
}

// readable keeps the stored items the requester may see; the others fail
// not_found (not stored) or forbidden.
func (b *batch) readable(op Op) []*item { return b.visible(op, false) }

// takeable is readable for operations that take numbers (activate): a
// number another account already has in service fails number_exists, so a
// buyer who lost a race learns the number is taken.
func (b *batch) takeable(op Op) []*item { return b.visible(op, true) }

func (b *batch) visible(op Op, taking bool) []*item {
	var out []*item
	for _, it := range b.items {
		switch {
		case it.n == nil:
			b.res.fail(it.key, number.NewError(number.KindNotFound, it.key))
		case it.discovered:
			out = append(out, it)
		case it.n.State == number.Discovery && it.n.CarrierData[PurchaseKey] != nil:
			b.res.fail(it.key, &number.Error{Kind: number.KindConflict, Number: it.key, Cause: "purchase in progress"})
		case taking && PortOf(it.n) != "":
			b.res.fail(it.key, number.NewError(number.KindNumberIsPorting, it.key))
		case taking && it.n.State == number.InService && it.n.AssignedTo != op.AssignTo && !number.CanRead(it.n, op.AuthBy, b.rel):
			b.res.fail(it.key, number.NewError(number.KindNumberExists, it.key))
		case !number.CanRead(it.n, op.AuthBy, b.rel):
			b.res.fail(it.key, number.NewError(number.KindForbidden, it.key))
		default:
			out = append(out, it)
		}
	}
	return out
}

// Get reads numbers: available numbers are visible to anyone; the rest to
// their owner, its ancestors, admins, and (reserved ones) descendants.
func (m *Manager) Get(ctx context.Context, nums []string, op Op) *Result {
	b, err := m.loadFrom(ctx, nums, op, m.readNumber)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	for _, it := range b.readable(op) {
		b.res.Succeeded = append(b.res.Succeeded, it.n)
	}
	return b.res
}

// errNeedsRehearsal stops an unrehearsed run (Op.unrehearsed).
var errNeedsRehearsal = errors.New("the operation must be rehearsed first")

// rehearse stops an unrehearsed run: nothing is written, and the
// operation is rehearsed (Manager.preflight).
func (b *batch) rehearse() error {
	b.needsRehearsal = true
	return errNeedsRehearsal
}
