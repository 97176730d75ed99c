// Package ports is Numan's port requests: Kazoo's porting workflow
// (cb_port_requests, knm_port_request) as a service. A port request is a
// document naming numbers to port in from another provider; it moves
// through unconfirmed, submitted, pending, scheduled to completed (or
// rejected, canceled) by the transition table and the port authority
// rules of Kazoo (reference B.3, B.4). Its numbers are held: a number is
// in one active request at a time, and from submission on it is a port_in
// number of the porting account that only the request moves (the manager
// answers number_is_porting to anyone else). Completion puts the numbers
// in service, ported in, in the same transaction as the request's state;
// cancellation or rejection removes them.
//
// When number_manager.port_carrier names a carrier that ports numbers in
// (carrier.Porter), requests the master handles are submitted to it and
// followed there by a background job (FollowCarriers), which moves them
// from the carrier's status and records its messages as comments.
// Otherwise the port authority moves them by hand, as in Kazoo.
package ports

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// DefaultMaxAttachmentBytes is the largest attachment stored unless
// Options say otherwise.
const DefaultMaxAttachmentBytes = 5 << 20

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; tests inject one so nothing sleeps.
	Now func() time.Time
	// MaxAttachmentBytes bounds an attachment (LOA, bill); 0 means
	// DefaultMaxAttachmentBytes.
	MaxAttachmentBytes int64
	// Keys seals the losing carrier's account PIN at rest (the config
	// source's keyring); without it a request with a PIN is refused.
	Keys *secrets.Keyring
}

// Service runs port requests. Numbers move only through the manager, in
// the request's own transaction.
type Service struct {
	st       store.Store
	mgr      *manager.Manager
	accounts *accounts.Service
	log      *slog.Logger
	now      func() time.Time
	maxAtt   int64
	keys     *secrets.Keyring
}

// New returns a Service over the manager's store and accounts.
func New(mgr *manager.Manager, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	return &Service{st: mgr.Store(), mgr: mgr, accounts: mgr.Accounts(), log: opts.Logger, now: opts.Now, maxAtt: opts.MaxAttachmentBytes, keys: opts.Keys}
}

// MaxAttachmentBytes is the largest attachment the service stores.
func (s *Service) MaxAttachmentBytes() int64 { return s.maxAtt }

// By is who acts on a port request: an account (the API's caller), or the
// system (the carrier follower), which every rule lets through.
type By struct {
	Account *number.Account
	// System names the system actor ("" for an account).
	System string
}

// Caller is an account acting on port requests.
func Caller(acc *number.Account) By { return By{Account: acc} }

// System is Numan itself acting, under name.
func System(name string) By { return By{System: name} }

func (b By) id() string {
	if b.Account == nil {
		return "system"
	}
	return b.Account.ID
}

func (b By) name() string {
	if b.Account == nil {
		return b.System
	}
	return b.Account.Name
}

func (b By) admin() bool { return b.Account == nil || b.Account.SuperduperAdmin }

// scope is a port request with the accounts the rules ask about.
type scope struct {
	p   *Port
	acc *number.Account // the port's account
}

// seePrivate reports whether by sees private comments: the port
// authority, the master and superduper admins (B.6.1).
func (sc scope) seePrivate(by By) bool {
	return by.admin() || by.id() == sc.p.AuthorityID || by.id() == master(sc.acc)
}

// load reads a port request for by through the URL's account: the request
// must be that account's or one of its descendants' (the API checked that
// by reaches the account). Anything else is not found, so no one learns
// the ids of other tenants' requests.
func (s *Service) load(ctx context.Context, by By, accountID, id string) (scope, error) {
	r, err := s.st.GetPort(ctx, id)
	if err != nil {
		return scope{}, err
	}
	return s.scopeOf(ctx, r, accountID)
}

// scopeOf reads a stored request seen through account accountID ("" for
// the system).
func (s *Service) scopeOf(ctx context.Context, r *store.PortRequest, accountID string) (scope, error) {
	p, err := fromRecord(r)
	if err != nil {
		return scope{}, err
	}
	acc, err := s.accounts.Get(ctx, p.AccountID)
	if number.IsKind(err, number.KindNotFound) {
		acc = &number.Account{ID: p.AccountID, Name: p.AccountName}
	} else if err != nil {
		return scope{}, err
	}
	if accountID != "" && p.AccountID != accountID && !slices.Contains(acc.Tree, accountID) {
		return scope{}, notFound(p.ID)
	}
	return scope{p: p, acc: acc}, nil
}

// Get returns a port request as by sees it.
func (s *Service) Get(ctx context.Context, by By, accountID, id string) (View, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	return sc.p.view(sc.seePrivate(by)), nil
}

// Create makes a port request of account accountID from a request body
// (B.6): it is checked, its numbers normalised and checked for
// portability, and it starts unconfirmed with the authority of B.4.
func (s *Service) Create(ctx context.Context, by By, accountID string, body number.Doc) (View, error) {
	acc, err := s.accounts.Get(ctx, accountID)
	if err != nil {
		return nil, err
	}
	doc := publicPart(body)
	nums, err := s.checkDoc(ctx, doc, false)
	if err != nil {
		return nil, err
	}
	authority, err := s.authorityOf(ctx, acc)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	p := &Port{
		ID: newID(), AccountID: acc.ID, AccountName: acc.Name, AuthorityID: authority,
		AuthorityName: s.accountName(ctx, authority), State: Unconfirmed,
		Created: now, Modified: now, Uploads: map[string]Upload{},
	}
	p.Transitions = []Transition{{
		Authorization: Authorization{Account: AccountRef{ID: by.id(), Name: by.name()}},
		Timestamp:     manager.Gregorian(now), Transition: Move{New: Unconfirmed}, Type: "transition",
	}}
	sc := scope{p: p, acc: acc}
	comments, err := newComments(p, doc["comments"], by, sc.seePrivate(by), now)
	if err != nil {
		return nil, err
	}
	delete(doc, "comments")
	if err := s.setDoc(ctx, sc, doc, nums); err != nil {
		return nil, err
	}
	n := &notifier{s: s, ctx: ctx, p: p, by: by, ts: manager.Gregorian(now)}
	addComments(p, comments)
	for _, c := range comments {
		n.comment(c)
	}
	rec, err := p.record()
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		// The request and its first event (no previous state) are one
		// write.
		err = s.st.InTx(ctx, func(tx store.Tx) error {
			if err := tx.InsertPort(ctx, rec); err != nil {
				return err
			}
			return tx.AppendEvents(ctx, []*event.Event{event.New(ctx, event.PortChanged, p.AccountID, "", map[string]any{
				"port_request_id": p.ID, "state": p.State, "previous_state": "", "numbers": p.Numbers})})
		})
		if err == nil || attempt == 2 || !number.IsKind(err, number.KindConflict) {
			break
		}
	}
	if err != nil {
		return nil, s.numberTaken(ctx, p, err)
	}
	p.Version = rec.Version
	return p.view(sc.seePrivate(by)), nil
}

// setDoc replaces p's public document with doc whose numbers are nums,
// after the portability check (B.6.2), and computes scheduled_date.
func (s *Service) setDoc(ctx context.Context, sc scope, doc number.Doc, nums map[string]json.RawMessage) error {
	p := sc.p
	keys := make([]string, 0, len(nums))
	for k := range nums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, p.Numbers) {
		if err := s.checkPortability(ctx, p, keys); err != nil {
			return err
		}
	}
	if err := s.sealPIN(doc, p.Public); err != nil {
		return err
	}
	raw, err := json.Marshal(nums)
	if err != nil {
		return number.Wrap(number.KindInternal, p.ID, err)
	}
	doc["numbers"] = raw
	if d, ok := scheduledDate(doc, accountTimezone(sc.acc)); ok {
		doc.Set("scheduled_date", d)
	}
	p.Public, p.Numbers = doc, keys
	return nil
}

// checkPortability refuses numbers another active request holds or that
// exist on the system already (Kazoo's check_number_portability). The
// store's unique index and the claim at submission are the guards; this
// names the problem early. Another tenant's request is not named.
func (s *Service) checkPortability(ctx context.Context, p *Port, nums []string) error {
	v := violations{}
	stored, err := s.st.GetNumbers(ctx, nums)
	if err != nil {
		return err
	}
	for _, e164 := range nums {
		holders, err := s.st.ListPorts(ctx, store.PortQuery{Number: e164})
		if err != nil {
			return err
		}
		var other *store.PortRequest
		for _, h := range holders {
			if h.Active && h.ID != p.ID {
				other = h
			}
		}
		switch n := stored[e164]; {
		case other != nil && other.AccountID == p.AccountID:
			v.add(e164, "type", "Number is on a port request already: "+other.ID, "cause", e164)
		case other != nil:
			v.add(e164, "type", "Number is on a port request already", "cause", e164)
		case n == nil:
		case n.State == number.PortIn && n.AssignedTo == p.AccountID && manager.PortOf(n) == "":
			// The account's own port_in number (PUT .../port): the
			// request adopts it when submitted.
		default:
			v.add(e164, "type", "Number exists on the system already", "cause", e164)
		}
	}
	return v.err()
}

// numberTaken turns the store's refusal of a number another request holds
// into the validation error a client reads.
func (s *Service) numberTaken(ctx context.Context, p *Port, err error) error {
	var ne *number.Error
	if !number.IsKind(err, number.KindNumberIsPorting) || !errors.As(err, &ne) || ne.Number == "" {
		return err
	}
	if verr := s.checkPortability(ctx, p, []string{ne.Number}); verr != nil {
		return verr
	}
	return invalid(ne.Number, "type", "Number is on a port request already", "cause", ne.Number)
}

// accountName is an account's name, or "" when it is unknown.
func (s *Service) accountName(ctx context.Context, id string) string {
	acc, err := s.accounts.Get(ctx, id)
	if err != nil {
		return ""
	}
	return acc.Name
}

// accountTimezone is the account's timezone public field (Kazoo's
// default for schedule_on), or "".
func accountTimezone(acc *number.Account) string {
	var tz string
	if acc != nil {
		acc.Public.Get("timezone", &tz)
	}
	return tz
}

// UpdateMode says how an update treats the document.
type UpdateMode int

const (
	// Replace replaces the public document with the body (POST).
	Replace UpdateMode = iota
	// Merge merges the body over it, a null removing a key (PATCH).
	Merge
)

// Update changes a port request's document. A replace (POST) is allowed
// only while the request is unconfirmed or rejected, unless by is a
// superduper admin (Kazoo); a merge (PATCH) in any state, but its numbers
// may change only while unconfirmed or rejected (Kazoo let a PATCH change
// the numbers of a submitted request; here they are held as port_in
// numbers then).
func (s *Service) Update(ctx context.Context, by By, accountID, id string, mode UpdateMode, body number.Doc) (View, error) {
	var view View
	err := s.mutate(ctx, by, accountID, id, func(sc scope, m *mutation) error {
		p := sc.p
		editable := p.State == Unconfirmed || p.State == Rejected
		if mode == Replace && !editable && !by.admin() {
			return invalid(string(p.State), "type", "Updating port requests not allowed in current port state", "cause", string(p.State))
		}
		doc := mergeDoc(p, mode, publicPart(body))
		if err := s.apply(ctx, sc, m, by, doc, editable); err != nil {
			return err
		}
		m.after = func() { view = p.view(sc.seePrivate(by)) }
		return nil
	})
	return view, err
}

// mergeDoc is the document an update asks for: body (replace) or body
// merged over the stored document (merge).
func mergeDoc(p *Port, mode UpdateMode, body number.Doc) number.Doc {
	if mode == Replace {
		return body
	}
	doc := p.Public.Clone()
	for k, v := range body {
		if number.JSONType(v) == "null" {
			delete(doc, k)
			continue
		}
		doc[k] = v
	}
	return doc
}

// apply writes an updated document into the mutation: checks, new
// comments, numbers (only when numbersEditable), scheduled date.
func (s *Service) apply(ctx context.Context, sc scope, m *mutation, by By, doc number.Doc, numbersEditable bool) error {
	p := sc.p
	nums, err := s.checkDoc(ctx, doc, p.State == Completed)
	if err != nil {
		return err
	}
	comments, err := newComments(p, doc["comments"], by, sc.seePrivate(by), m.now)
	if err != nil {
		return err
	}
	delete(doc, "comments")
	if !numbersEditable && !slices.Equal(sortedKeys(nums), p.Numbers) {
		return invalid("numbers", "type", "The numbers of a port request change only while it is unconfirmed or rejected", "cause", string(p.State))
	}
	before := scheduledOf(p)
	if err := s.setDoc(ctx, sc, doc, nums); err != nil {
		return err
	}
	addComments(p, comments)
	for _, c := range comments {
		m.notify.comment(c)
	}
	if p.State == Scheduled && scheduledOf(p) != before {
		m.notify.rescheduled()
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Delete removes a port request, only while unconfirmed, rejected or
// canceled (Kazoo's 405 otherwise): then it holds no port_in numbers.
// It returns the request as it was.
func (s *Service) Delete(ctx context.Context, by By, accountID, id string) (View, error) {
	for attempt := 0; ; attempt++ {
		sc, err := s.load(ctx, by, accountID, id)
		if err != nil {
			return nil, err
		}
		switch sc.p.State {
		case Unconfirmed, Rejected, Canceled:
		default:
			return nil, ErrNotModifiable
		}
		if sc.p.Carrier != nil && sc.p.Carrier.Phase == phaseCancel {
			// The carrier must still be told: the follower needs the
			// request until it is.
			return nil, ErrNotModifiable
		}
		err = s.st.DeletePort(ctx, id, sc.p.Version)
		if number.IsKind(err, number.KindConflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return sc.p.view(sc.seePrivate(by)), nil
	}
}

// maxAttempts bounds the retries of a write that lost to a concurrent
// one: each round, one of the writers wins.
const maxAttempts = 30

// mutation is one change of a port request: the number moves to run in
// its transaction and the notifications it makes.
type mutation struct {
	now    time.Time
	notify *notifier
	// claim, drop and complete move the request's numbers (manager).
	claim, drop, complete bool
	// after runs once the change committed.
	after func()
	// noop: fn decided there is nothing to write.
	noop bool
	// inTx, when set, writes more in the request's transaction
	// (attachments).
	inTx func(tx store.Tx) error
	// prev is the request's state before fn: a change of state appends
	// a port_request.changed event in the request's transaction.
	prev State
}

// mutate changes a port request: it reads it, lets fn change it, then
// writes it with its number moves in one transaction, conditional on the
// version read; when another write won, it starts again from a fresh
// read. fn runs outside the transaction (it reads accounts, settings and
// other requests through the pools), and the transaction only writes
// through tx: a transaction that waited for a second connection of the
// pool could wait forever under load.
func (s *Service) mutate(ctx context.Context, by By, accountID, id string, fn func(sc scope, m *mutation) error) error {
	for attempt := 0; ; attempt++ {
		sc, err := s.load(ctx, by, accountID, id)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		m := &mutation{now: now, notify: &notifier{s: s, ctx: ctx, p: sc.p, by: by, ts: manager.Gregorian(now)}, prev: sc.p.State}
		if err := fn(sc, m); err != nil {
			return err
		}
		if m.noop {
			return nil
		}
		err = s.write(ctx, sc, m)
		if number.IsKind(err, number.KindConflict) && attempt < maxAttempts {
			continue
		}
		if number.IsKind(err, number.KindNumberIsPorting) {
			return s.numberTaken(ctx, sc.p, err)
		}
		if err != nil {
			return err
		}
		if m.claim || m.drop || m.complete {
			s.mgr.PortCommitted(sc.p.Numbers)
		}
		if m.after != nil {
			m.after()
		}
		return nil
	}
}

// write stores a changed request and moves its numbers, in one
// transaction.
func (s *Service) write(ctx context.Context, sc scope, m *mutation) error {
	p := sc.p
	p.Modified = m.now
	if sc.acc != nil && sc.acc.Name != "" {
		p.AccountName = sc.acc.Name
	}
	rec, err := p.record()
	if err != nil {
		return err
	}
	mv := manager.PortMove{PortID: p.ID, AccountID: p.AccountID, Numbers: p.Numbers}
	var moves *manager.PortMoves
	if m.claim || m.drop || m.complete {
		// What the moves read (number_manager; a completion's numbers and
		// their charges) is read before the transaction.
		if moves, err = s.mgr.PortMoves(ctx, mv, m.complete, "port_request:"+p.ID); err != nil {
			return err
		}
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdatePort(ctx, rec); err != nil {
			return err
		}
		if m.inTx != nil {
			if err := m.inTx(tx); err != nil {
				return err
			}
		}
		if p.State != m.prev {
			e := event.New(ctx, event.PortChanged, p.AccountID, "", map[string]any{
				"port_request_id": p.ID, "state": p.State, "previous_state": m.prev, "numbers": p.Numbers})
			if err := tx.AppendEvents(ctx, []*event.Event{e}); err != nil {
				return err
			}
		}
		switch {
		case m.claim:
			return moves.Claim(ctx, tx, mv)
		case m.drop:
			return moves.Drop(ctx, tx, mv)
		case m.complete:
			return moves.Complete(ctx, tx, mv)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.Version = rec.Version
	return nil
}
