package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// PortKey is the carrier-data key that ties a port_in number to the port
// request porting it in: {"id": <port request id>}. While a number carries
// it, creating, activating, buying, reserving or releasing the number
// fails number_is_porting; the port request alone moves it (completion
// puts it in service, cancellation or rejection removes it).
const PortKey = "numan_port_request"

// PortOf returns the id of the port request a number is being ported in
// by, or "".
func PortOf(n *number.Number) string {
	if n == nil || n.State != number.PortIn {
		return ""
	}
	var ref struct {
		ID string `json:"id"`
	}
	if !n.CarrierData.Get(PortKey, &ref) {
		return ""
	}
	return ref.ID
}

// porting refuses to act on a number an active port request holds: only
// the port request moves it.
func porting(n *number.Number) error {
	if PortOf(n) == "" {
		return nil
	}
	return number.NewError(number.KindNumberIsPorting, n.Number)
}

// PortMove is what a port request does to its numbers, in the port
// request's own transaction (the ports service's InTx), so the numbers and
// the request's state change together or not at all.
type PortMove struct {
	PortID    string
	AccountID string   // the account porting the numbers in
	Numbers   []string // E.164
}

// PortMoves moves the numbers of a port request. It is made (PortMoves)
// before the request's transaction and reads there what the moves need
// (number_manager; for a completion, the numbers as stored and the
// charges of putting them in service), so that its methods, which run
// inside that transaction, read and write through tx only: a transaction
// that waited for a second pooled connection could wait forever.
type PortMoves struct {
	m   *Manager
	cfg number.Config
	now time.Time
	// For a completion: the version each number was priced at (0: not
	// stored) and the ledger entries of the numbers it puts in service.
	priced  map[string]int64
	entries map[string]*store.LedgerEntry
}

// PortMoves prepares the number moves of one change of port request mv.
// A completion (complete) is priced now, as a creation of its numbers
// (Kazoo billed ported numbers for real): Complete charges each number in
// the transaction that puts it in service, and fails KindConflict when a
// number changed since it was priced (the caller starts again).
func (m *Manager) PortMoves(ctx context.Context, mv PortMove, complete bool, requestID string) (*PortMoves, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	pm := &PortMoves{m: m, cfg: cfg, now: m.now().UTC()}
	if !complete {
		return pm, nil
	}
	stored, err := m.store.GetNumbers(ctx, mv.Numbers)
	if err != nil {
		return nil, err
	}
	pm.priced = map[string]int64{}
	var changes []number.Change
	for _, e164 := range sorted(mv.Numbers) {
		before := stored[e164]
		after, keep, err := pm.complete(e164, before, mv)
		if err != nil || keep {
			continue // refused or left as it is: Complete says so
		}
		if before != nil {
			pm.priced[e164] = before.Version
		} else {
			pm.priced[e164] = 0
		}
		changes = append(changes, number.Change{Before: before, After: after})
	}
	if m.billing != nil && len(changes) > 0 {
		q, err := m.billing.Quote(ctx, changes)
		if err != nil {
			return nil, err
		}
		if pm.entries, err = q.Entries(requestID, pm.now); err != nil {
			return nil, err
		}
	}
	return pm, nil
}

// owner checks the porting account exists and keeps it until the
// transaction ends: nothing is ever owned by a missing account.
func owner(ctx context.Context, tx store.Tx, mv PortMove) error {
	err := tx.LockAccount(ctx, mv.AccountID)
	if number.IsKind(err, number.KindNotFound) {
		return &number.Error{Kind: number.KindAssignFailure, Cause: "account " + mv.AccountID + " does not exist"}
	}
	return err
}

// Claim puts the numbers of a port request being submitted in
// port_in for its account, tied to the request (PortKey): a number not
// stored is created; a port_in number of the same account not tied to any
// request (PUT .../port) is adopted. Any other stored number fails the
// whole claim: number_is_porting when another request holds it,
// number_exists otherwise. Every write is conditional on the version read
// inside tx, so an activation racing the claim makes one of them fail.
func (pm *PortMoves) Claim(ctx context.Context, tx store.Tx, mv PortMove) error {
	if err := owner(ctx, tx, mv); err != nil {
		return err
	}
	now := pm.now
	for _, e164 := range sorted(mv.Numbers) {
		n, err := tx.GetNumberForUpdate(ctx, e164)
		switch {
		case number.IsKind(err, number.KindNotFound):
			n = number.New(e164, number.PortIn, number.DefaultModule(), now)
			n.SetAssignedTo(mv.AccountID)
			tiePort(n, mv.PortID)
			if err := tx.InsertNumber(ctx, n); err != nil {
				return claimError(e164, err)
			}
			continue
		case err != nil:
			return err
		}
		switch id := PortOf(n); {
		case id == mv.PortID:
			continue // claimed already
		case id != "":
			return &number.Error{Kind: number.KindNumberIsPorting, Number: e164, Cause: "the number is on another port request"}
		case n.State == number.PortIn && n.AssignedTo == mv.AccountID:
			tiePort(n, mv.PortID)
			n.Modified = now
			if err := tx.UpdateNumber(ctx, n); err != nil {
				return claimError(e164, err)
			}
		default:
			return &number.Error{Kind: number.KindNumberExists, Number: e164, Cause: "the number exists on the system already"}
		}
	}
	return nil
}

// claimError is the failure of a claim's write: a number another request
// stored or changed meanwhile exists.
func claimError(e164 string, err error) error {
	if number.IsKind(err, number.KindNumberExists) || number.IsKind(err, number.KindConflict) {
		return &number.Error{Kind: number.KindNumberExists, Number: e164, Cause: "the number was taken while the port was submitted", Err: err}
	}
	return err
}

// Drop removes the port_in numbers tied to a port request that
// was canceled or rejected (Kazoo: their port_in records go away). Numbers
// the request does not hold (another request's, or taken since) are left
// alone.
func (pm *PortMoves) Drop(ctx context.Context, tx store.Tx, mv PortMove) error {
	for _, e164 := range sorted(mv.Numbers) {
		n, err := tx.GetNumberForUpdate(ctx, e164)
		if number.IsKind(err, number.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if PortOf(n) != mv.PortID {
			continue
		}
		if err := tx.DeleteNumber(ctx, e164, n.Version); err != nil {
			return err
		}
	}
	return nil
}

// complete is what completion makes of a number stored as before (nil:
// not stored): the number in service for the account, ported in; keep
// when it is in service for the account already; an error when another
// account or request has it.
func (pm *PortMoves) complete(e164 string, before *number.Number, mv PortMove) (after *number.Number, keep bool, err error) {
	switch {
	case before == nil:
		after = number.New(e164, number.InService, pm.cfg.PortInModuleName, pm.now)
	case before.State == number.InService && before.AssignedTo == mv.AccountID:
		return nil, true, nil
	case before.State == number.PortIn && (PortOf(before) == mv.PortID || PortOf(before) == "" && before.AssignedTo == mv.AccountID),
		before.State == number.Aging, before.State == number.Available:
		after = before.Clone()
		after.State = number.InService
		after.SetModuleName(pm.cfg.PortInModuleName)
		delete(after.CarrierData, PortKey)
	default:
		return nil, false, &number.Error{Kind: number.KindNumberExists, Number: e164,
			Cause: fmt.Sprintf("the number is %s for another account or another port request: the port cannot complete", before.State)}
	}
	portID, _ := json.Marshal(mv.PortID)
	after.SetAssignedTo(mv.AccountID)
	after.PortedIn = true
	if after.Public == nil {
		after.Public = number.Doc{}
	}
	after.Public["port_id"] = portID
	after.Modified = pm.now
	return after, false, nil
}

// Complete puts a completed port request's numbers in service
// for its account, ported in (Kazoo's completion: knm_ops:create with
// ported_in, assign_to the port account and public port_id): a number not
// stored is created; one in port_in (this request's, or the account's own
// not tied to any request), aging or available is taken over; one already
// in service for the account is left as it is. Each is charged, in tx, as
// priced by PortMoves. Any other number fails the whole completion, and
// tx with it: nothing is half done.
func (pm *PortMoves) Complete(ctx context.Context, tx store.Tx, mv PortMove) error {
	if err := owner(ctx, tx, mv); err != nil {
		return err
	}
	var entries []*store.LedgerEntry
	for _, e164 := range sorted(mv.Numbers) {
		before, err := tx.GetNumberForUpdate(ctx, e164)
		if number.IsKind(err, number.KindNotFound) {
			before, err = nil, nil
		}
		if err != nil {
			return err
		}
		n, keep, err := pm.complete(e164, before, mv)
		if err != nil {
			return err
		}
		if keep {
			continue
		}
		var version int64
		if before != nil {
			version = before.Version
		}
		if v, ok := pm.priced[e164]; !ok || v != version {
			return &number.Error{Kind: number.KindConflict, Number: e164, Message: "number " + e164 + " changed while its port completed"}
		}
		if before == nil {
			err = tx.InsertNumber(ctx, n)
		} else {
			err = tx.UpdateNumber(ctx, n)
		}
		if err != nil {
			return claimError(e164, err)
		}
		if e := pm.entries[e164]; e != nil {
			entries = append(entries, e)
		}
	}
	if len(entries) > 0 {
		return tx.AppendLedger(ctx, entries)
	}
	return nil
}

// PortCommitted is called once the transaction that moved a port
// request's numbers committed: it drops them from this node's cache.
func (m *Manager) PortCommitted(nums []string) {
	for _, n := range nums {
		m.numbers.forget(n)
	}
}

// tiePort marks n as held by port request id.
func tiePort(n *number.Number, id string) {
	if n.CarrierData == nil {
		n.CarrierData = number.Doc{}
	}
	n.CarrierData.Set(PortKey, map[string]string{"id": id})
}

func sorted(nums []string) []string {
	s := slices.Clone(nums)
	slices.Sort(s)
	return slices.Compact(s)
}

// AccountPortSettings returns the port settings of an account's own
// number_manager document (Kazoo's whitelabel port object), unresolved:
// the ports service walks the tree itself (reference B.4).
func (m *Manager) AccountPortSettings(ctx context.Context, id string) (number.PortSettings, error) {
	c, err := m.accountConfig(ctx, id)
	if err != nil || c.Port == nil {
		return number.PortSettings{}, err
	}
	return *c.Port, nil
}
