package manager

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// creationStates are the states an account may create numbers in (Kazoo's
// allowed_creation_states).
func creationStates(by number.Requester, rel number.Accounts) []number.State {
	switch {
	case by.IsAdmin(rel):
		return []number.State{number.Aging, number.Available, number.InService, number.PortIn, number.Reserved}
	case rel[by.AccountID] != nil && rel[by.AccountID].AllowNumberAdditions:
		return []number.State{number.InService, number.Reserved}
	}
	return nil
}

// CreationStates is what the requester may create numbers in, for
// carriers_info.
func (m *Manager) CreationStates(ctx context.Context, by number.Requester) ([]number.State, error) {
	rel, err := m.Relations(ctx, by.AccountID)
	if err != nil {
		return nil, err
	}
	return creationStates(by, rel), nil
}

// stateForCreate checks the options of a create (Kazoo's
// ensure_can_create) and returns the state to create in.
func stateForCreate(op Op, rel number.Accounts) (number.State, error) {
	var st number.State
	switch {
	case op.State == number.PortIn:
		st = number.PortIn
	case op.PortedIn:
		st = number.InService
	case op.ModuleName != "" && number.ModuleOf(op.ModuleName).MDN:
		st = number.InService
	default:
		st = op.State
		if st == "" {
			st = number.InService
		}
		if !slices.Contains(creationStates(op.AuthBy, rel), st) {
			return "", &number.Error{Kind: number.KindForbidden, Cause: fmt.Sprintf("creating number in state '%s' is not allowed", st)}
		}
	}
	if !number.IsAccountID(op.AssignTo) {
		return "", &number.Error{Kind: number.KindAssignFailure, Cause: "field_undefined"}
	}
	switch {
	case op.AuthBy.System, op.PortedIn, st == number.PortIn, op.AuthBy.IsAdmin(rel):
	case rel[op.AuthBy.AccountID] != nil && rel[op.AuthBy.AccountID].AllowNumberAdditions:
	default:
		return "", &number.Error{Kind: number.KindForbidden, Cause: fmt.Sprintf("account '%s' is not allowed to create number", op.AuthBy.AccountID)}
	}
	return st, nil
}

// Create adds numbers to op.AssignTo in op.State (default in_service).
// Numbers already stored may be "created" only when aging, available or
// port_in; any other state is number_exists.
func (m *Manager) Create(ctx context.Context, nums []string, op Op) *Result {
	if err := number.CheckPublicFields(op.PublicFields); err != nil {
		return m.failAll(ctx, nums, err)
	}
	if r := m.preflight(ctx, nums, op, func(o Op) *Result { return m.Create(ctx, nums, o) }); r != nil {
		return r
	}
	if len(nums) > 1 && !op.DryRun && !op.retried {
		// A bulk load's numbers are new but for a few: reading them
		// first cost as much as writing them. Each batch the store
		// refuses for a number it holds is created again below, read.
		op.assumeNew = true
	}
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	st, err := stateForCreate(op, b.rel)
	if err != nil {
		for _, it := range b.items {
			b.res.fail(it.key, number.WithNumber(err, it.key))
		}
		return b.res
	}
	now := m.now().UTC()
	var todo []*item
	for _, it := range b.items {
		if it.n != nil {
			switch it.n.State {
			case number.Aging, number.Available, number.PortIn:
			default:
				b.res.fail(it.key, number.NewError(number.KindNumberExists, it.key))
				continue
			}
			if op.PortedIn {
				it.n.PortedIn = true
				it.n.SetModuleName(b.cfg.PortInModuleName)
			} else if op.ModuleName != "" {
				it.n.SetModuleName(op.ModuleName)
			}
		} else {
			module := b.cfg.AvailableModuleName
			switch {
			case op.PortedIn:
				module = b.cfg.PortInModuleName
			case st == number.PortIn:
				module = number.DefaultModule()
			case op.ModuleName != "":
				module = op.ModuleName
			}
			it.n = number.New(it.key, st, module, now)
			it.n.PortedIn = op.PortedIn
			if st == number.PortIn {
				// The port_in step only sets the state; a new port_in number
				// belongs to the account porting it (scenarios §3.2-7).
				it.n.SetAssignedTo(op.AssignTo)
			}
		}
		if op.PublicFields != nil {
			it.n.ResetPublic(op.PublicFields)
		}
		if err := m.transition(ctx, b, it, st, op); err != nil {
			b.res.fail(it.key, err)
			continue
		}
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{})
	if len(b.res.retry) > 0 {
		again := op
		again.assumeNew, again.retried = false, true
		r := m.Create(ctx, b.res.retry, again)
		b.res.retry = nil
		b.res.Succeeded = append(b.res.Succeeded, r.Succeeded...)
		sortNumbers(b.res.Succeeded)
		for k, err := range r.Failed {
			b.res.fail(k, err)
		}
	}
	return b.res
}

// transition moves an item to state to, buying it at its carrier when the
// step requires (never on a dry run). A number a port request holds is
// number_is_porting: only the port request moves it.
func (m *Manager) transition(ctx context.Context, b *batch, it *item, to number.State, op Op) error {
	if err := porting(it.before); err != nil {
		return err
	}
	tr, err := number.Transition(it.n, to, op.AssignTo, op.AuthBy, b.rel)
	if err != nil {
		return err
	}
	if tr.Acquire && !op.DryRun {
		if op.unrehearsed && !m.buysLocally(ctx, it) {
			return b.rehearse()
		}
		if err := m.checkBeforeBuying(ctx, b, it, op); err != nil {
			return err
		}
		return m.acquire(ctx, b, it, op)
	}
	return nil
}

// buysLocally says acquiring it asks no remote carrier.
func (m *Manager) buysLocally(ctx context.Context, it *item) bool {
	c, err := m.carriers.Get(ctx, it.n.ModuleName)
	return err == nil && c.Info().Local
}

// Move gives numbers to account to and puts them in service (Kazoo's
// move, the API's activate). Numbers not stored are looked up among recent
// search results and bought from the carrier that offered them.
func (m *Manager) Move(ctx context.Context, nums []string, to string, op Op) *Result {
	op.AssignTo = to
	if err := number.CheckPublicFields(op.PublicFields); err != nil {
		return m.failAll(ctx, nums, err)
	}
	if r := m.preflight(ctx, nums, op, func(o Op) *Result { return m.Move(ctx, nums, to, o) }); r != nil {
		return r
	}
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	if !number.IsAccountID(to) {
		for _, it := range b.items {
			b.res.fail(it.key, &number.Error{Kind: number.KindAssignFailure, Number: it.key, Cause: "field_undefined"})
		}
		return b.res
	}
	m.discover(ctx, b)
	var todo []*item
	for _, it := range b.takeable(op) {
		if op.PublicFields != nil {
			it.n.ResetPublic(op.PublicFields)
		}
		if err := m.transition(ctx, b, it, number.InService, op); err != nil {
			b.res.fail(it.key, err)
			continue
		}
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{})
	return b.res
}

// discover fills the items not stored with their discovery records, when
// a carrier offered them in a recent search.
func (m *Manager) discover(ctx context.Context, b *batch) {
	for _, it := range b.items {
		if it.n != nil {
			continue
		}
		n, err := m.discoverNumber(ctx, it.key)
		if err == nil && n != nil {
			it.n, it.discovered = n, true
		}
	}
}

// UpdateMode says how an update treats the public fields.
type UpdateMode int

const (
	// Replace replaces the public fields with the body (POST).
	Replace UpdateMode = iota
	// Merge merges the body over the public fields (PATCH).
	Merge
)

// Update changes numbers' public fields (feature requests and user data).
// Only the owner, its ancestors and admins may.
func (m *Manager) Update(ctx context.Context, nums []string, mode UpdateMode, body number.Doc, op Op) *Result {
	if err := number.CheckPublicFields(body); err != nil {
		return m.failAll(ctx, nums, err)
	}
	if r := m.preflight(ctx, nums, op, func(o Op) *Result { return m.Update(ctx, nums, mode, body, o) }); r != nil {
		return r
	}
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	var todo []*item
	for _, it := range b.readable(op) {
		if !number.IsAuthorized(it.n, "", op.AuthBy, b.rel) {
			b.res.fail(it.key, number.NewError(number.KindForbidden, it.key))
			continue
		}
		if mode == Replace {
			it.n.ResetPublic(body)
		} else {
			it.n.MergePublic(body)
		}
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{})
	return b.res
}

// Reserve reserves numbers for op.AssignTo.
func (m *Manager) Reserve(ctx context.Context, nums []string, op Op) *Result {
	if r := m.preflight(ctx, nums, op, func(o Op) *Result { return m.Reserve(ctx, nums, o) }); r != nil {
		return r
	}
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	if !number.IsAccountID(op.AssignTo) {
		for _, it := range b.items {
			b.res.fail(it.key, &number.Error{Kind: number.KindAssignFailure, Number: it.key, Cause: "field_undefined"})
		}
		return b.res
	}
	m.discover(ctx, b)
	var todo []*item
	for _, it := range b.readable(op) {
		if err := m.transition(ctx, b, it, number.Reserved, op); err != nil {
			b.res.fail(it.key, err)
			continue
		}
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{})
	return b.res
}

// Release gives numbers back: to the previous reserver if there is one,
// else to the released state (or aging, or deletion). A number of a remote
// carrier that nobody holds any more follows the carrier's release policy
// (carrier.Policy): kept, it stays in the pool, still held at the carrier;
// disconnected, it is given back to the carrier (at once, or when aging
// ends) and leaves the pool. The disconnect is recorded with the release in
// one transaction before the carrier is called, so a crash or a failing
// carrier leaves a number in state released (which nobody can buy) and a
// retry, never a number shown available that no carrier holds. A dry run
// calls no carrier.
func (m *Manager) Release(ctx context.Context, nums []string, op Op) *Result {
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	policy := number.ReleasePolicy{ReleasedState: b.cfg.ReleasedState, ShouldAge: b.cfg.ShouldAge, ShouldPermanentlyDelete: b.cfg.ShouldPermanentlyDelete}
	var todo []*item
	for _, it := range b.readable(op) {
		if err := porting(it.before); err != nil {
			b.res.fail(it.key, err) // the port request alone removes it
			continue
		}
		held := it.n.Clone()
		rr, err := number.Release(it.n, op.AuthBy, b.rel, policy)
		if err != nil {
			b.res.fail(it.key, err)
			continue
		}
		if !op.DryRun {
			// Deprovision what providers hold; a failure releases the
			// number all the same and leaves its record unsettled, for
			// the feature job to retry.
			_ = m.releaseFeatures(ctx, b, held, op)
			keepFeatureState(it.n, held)
			it.providerActed = !recordsSame(it.before, it.n)
		}
		if rr.Disconnect {
			m.planDisconnect(ctx, it)
		}
		todo = append(todo, it)
	}
	// The feature step has nothing to do on a released number: its
	// features were reset and deprovisioned above.
	m.save(ctx, b, todo, op, saveOpts{skipFeatures: true})
	if !op.DryRun {
		m.disconnectReleased(ctx, b, todo)
	}
	return b.res
}

// planDisconnect decides what a release does at the carrier of a number
// nobody holds any more: nothing for a carrier with no remote API or whose
// policy keeps numbers, nothing yet for a number that ages first (the
// disconnect happens when aging ends), else a disconnect now, recorded with
// the release (the number goes to state released until the carrier
// confirms, then its record goes).
func (m *Manager) planDisconnect(ctx context.Context, it *item) {
	c, err := m.carriers.Get(ctx, it.n.ModuleName)
	if err != nil || c.Info().Local {
		return
	}
	if it.n.State == number.Deleted {
		// The record goes (should_permanently_delete): whatever the
		// policy, the carrier must take the number back.
		it.disconnect = true
		return
	}
	if m.carriers.Policy(ctx, it.n.ModuleName).ReleasePolicy() == carrier.ReleaseKeep {
		return
	}
	if it.n.State == number.Aging {
		return
	}
	it.n.State = number.Released
	it.disconnect = true
}

// disconnectReleased calls the carriers of the items released with a
// disconnect recorded, once their release is written, and removes the
// numbers the carriers confirm; the result shows them deleted. A carrier
// that fails leaves the number released for the retry job.
func (m *Manager) disconnectReleased(ctx context.Context, b *batch, items []*item) {
	for _, it := range items {
		if !it.disconnect || b.res.Failed[it.key] != nil {
			continue
		}
		if gone, err := m.finishDisconnect(ctx, it.n); err != nil {
			m.log.WarnContext(ctx, "carrier release failed; will retry", "number", it.n.Number, "carrier", it.n.ModuleName, "err", err)
		} else if gone {
			it.n.State = number.Deleted
		}
	}
}

// Delete removes numbers for good (admins only). A number a remote carrier
// may hold is given back to it: the disconnect is recorded with the
// deletion in one transaction, then the carrier is called, so no number
// Numan pays for is forgotten.
func (m *Manager) Delete(ctx context.Context, nums []string, op Op) *Result {
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	if !op.AuthBy.IsAdmin(b.rel) {
		for _, it := range b.items {
			b.res.fail(it.key, number.NewError(number.KindForbidden, it.key))
		}
		return b.res
	}
	var todo []*item
	for _, it := range b.readable(op) {
		if !op.DryRun && it.n.State != number.Discovery {
			// A hard delete takes the record with the row: a feature a
			// provider still holds must be deprovisioned first, or the
			// number stays (and says what is held) for a retry.
			if err := m.releaseFeatures(ctx, b, it.n.Clone(), op); err != nil {
				b.res.fail(it.key, err)
				continue
			}
		}
		if it.n.State != number.Discovery {
			if c, err := m.carriers.Get(ctx, it.n.ModuleName); err == nil && !c.Info().Local {
				it.disconnect = true
			}
		}
		it.n.ResetFeatures()
		it.n.State = number.Deleted
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{skipFeatures: true})
	if !op.DryRun {
		m.disconnectReleased(ctx, b, todo)
	}
	return b.res
}

// AssignToApp records which application routes the numbers (Kazoo's
// assign_to_app: callflow, trunkstore, ...); "" clears it. Only the owner,
// its ancestors and admins (and the system, as Kazoo's apps call it) may;
// anyone who may only see a number may not. As in Kazoo, feature providers do not
// run and nothing is charged; a number leaving trunkstore loses failover
// (number.SetUsedBy).
func (m *Manager) AssignToApp(ctx context.Context, nums []string, app string, op Op) *Result {
	if !number.ValidUsedBy(app) {
		return m.failAll(ctx, nums, &number.FieldError{Field: "used_by", Rule: "pattern",
			Message: "an application name: lower-case letters, digits, _ . - (callflow, trunkstore, ...)", Value: app})
	}
	b, err := m.load(ctx, nums, op)
	if err != nil {
		return m.failAll(ctx, nums, err)
	}
	var todo []*item
	for _, it := range b.readable(op) {
		if !number.IsAuthorized(it.n, "", op.AuthBy, b.rel) {
			b.res.fail(it.key, number.NewError(number.KindForbidden, it.key))
			continue
		}
		it.n.SetUsedBy(app)
		todo = append(todo, it)
	}
	m.save(ctx, b, todo, op, saveOpts{skipFeatures: true})
	return b.res
}

// carrierDeadline bounds a single buy or release at a carrier.
const carrierDeadline = 60 * time.Second
