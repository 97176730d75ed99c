// Package accounts owns Numan's accounts: the rules of the account tree
// (who may create, change and delete which account, who may set the
// reseller and admin flags), API keys, authentication by key, and the one
// account cache every reader on a node shares: the API's authentication
// and the manager's authorization read through it, and every account write
// on the node goes through the service, which drops what it changes.
package accounts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Options configure a Service.
type Options struct {
	// CacheTTL bounds how stale an account read for authentication or
	// authorization may be when another node changed it (this node's
	// writes are seen at once); 0 means no cache.
	CacheTTL time.Duration
	// Now is the clock of the cache and of the accounts' timestamps; tests
	// inject one so nothing sleeps.
	Now func() time.Time
	// Keys protects API keys. Without it, accounts can be read and
	// authenticated but not created, and their keys not shown or renewed.
	Keys *Keys
}

// Service reads and writes accounts by the rules of the account tree.
type Service struct {
	st    store.Accounts
	cache *cache
	now   func() time.Time
	keys  *Keys
}

// New returns a Service over st.
func New(st store.Accounts, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{
		st:    st,
		cache: &cache{st: st, ttl: opts.CacheTTL, now: opts.Now, m: map[string]cachedAccount{}},
		now:   opts.Now,
		keys:  opts.Keys,
	}
}

var errNoKeys = errors.New("accounts: the service has no Keys to protect API keys with")

// Get returns an account as cached (at most Options.CacheTTL old); the
// account returned is a copy the caller may change.
func (s *Service) Get(ctx context.Context, id string) (*number.Account, error) {
	a, err := s.cache.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return copyAccount(a), nil
}

// GetLatest returns an account as stored now, bypassing the cache.
func (s *Service) GetLatest(ctx context.Context, id string) (*number.Account, error) {
	return s.st.GetAccount(ctx, id)
}

// Relations loads the accounts named so the authorization rules can be
// checked; unknown ids, "" and "system" are simply absent. The accounts
// are the cache's own: callers must not modify them.
func (s *Service) Relations(ctx context.Context, ids ...string) (number.Accounts, error) {
	want := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && id != "system" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return number.Accounts{}, nil
	}
	return s.cache.getMany(ctx, want)
}

// unauthenticated is the error of every failed authentication: it never
// says whether the account exists.
func unauthenticated() error { return number.NewError(number.KindUnauthenticated, "") }

func forbidden(cause string) error { return &number.Error{Kind: number.KindForbidden, Cause: cause} }

// Caller returns the account a verified token names, as the caller of a
// request. keyStamp is the stamp of the API key the token was issued with
// (KeyStamp): a token issued with a key the account no longer has (it was
// renewed) is unauthenticated, on every node once it reads the account
// again, as is one of an account that no longer exists or is disabled.
func (s *Service) Caller(ctx context.Context, id string, keyStamp []byte) (*number.Account, error) {
	acc, err := s.Get(ctx, id)
	if number.IsKind(err, number.KindNotFound) || (err == nil && (!acc.Enabled || !hmac.Equal(KeyStamp(acc), keyStamp))) {
		return nil, unauthenticated()
	}
	return acc, err
}

// Authenticate returns the enabled account whose API key is key.
func (s *Service) Authenticate(ctx context.Context, key string) (*number.Account, error) {
	acc, err := s.st.GetAccountByAPIKeyHash(ctx, HashAPIKey(key))
	if number.IsKind(err, number.KindNotFound) || (err == nil && (!acc.Enabled || !keyMatches(acc, key))) {
		return nil, unauthenticated()
	}
	return acc, err
}

// Reaches reports whether caller may act on account acc: itself, its
// descendants, or anything for the master.
func Reaches(caller, acc *number.Account) bool {
	if caller == nil {
		return false
	}
	return caller.SuperduperAdmin || caller.ID == acc.ID || slices.Contains(acc.Tree, caller.ID)
}

// Reach returns account id for a caller that reaches it. An account that
// does not exist is not_found for the master and forbidden for everyone
// else, who must not learn which ids exist.
func (s *Service) Reach(ctx context.Context, caller *number.Account, id string) (*number.Account, error) {
	acc, err := s.Get(ctx, id)
	if number.IsKind(err, number.KindNotFound) {
		if caller != nil && caller.SuperduperAdmin {
			return nil, number.NewError(number.KindNotFound, id)
		}
		return nil, forbidden("")
	}
	if err != nil {
		return nil, err
	}
	if !Reaches(caller, acc) {
		return nil, forbidden("")
	}
	return acc, nil
}

// ResellerOf is the nearest reseller among acc and its ancestors.
func (s *Service) ResellerOf(ctx context.Context, acc *number.Account) (string, error) {
	if acc.Reseller || len(acc.Tree) == 0 {
		return acc.ResellerID(func(string) bool { return false }), nil
	}
	anc, err := s.cache.getMany(ctx, acc.Tree)
	if err != nil {
		return "", err
	}
	return acc.ResellerID(func(id string) bool { a := anc[id]; return a != nil && a.Reseller }), nil
}

// Changes are the fields a request sets on an account; nil leaves a field
// as it is.
type Changes struct {
	Name                 *string
	Enabled              *bool
	Reseller             *bool // is_reseller
	SuperduperAdmin      *bool // superduper_admin
	AllowNumberAdditions *bool // wnm_allow_additions
	// Public is the request's data: every key the service does not compute
	// or guard becomes a public field.
	Public number.Doc
	// Merge merges Public over the stored public fields, a null removing a
	// field (PATCH); otherwise Public replaces them (PUT, POST).
	Merge bool
	// Invalid is what the caller found wrong with the request's fields. It
	// is reported after the flag check, so a caller who may not set a flag
	// is told that first.
	Invalid error
}

// computedKeys are the account fields the service computes or guards;
// every other key of Changes.Public is kept as free-form public data.
var computedKeys = []string{"id", "name", "enabled", "is_reseller", "reseller_id", "superduper_admin",
	"wnm_allow_additions", "api_key", "accept_charges", "tree", "parent_id", "created", "modified"}

// apply writes ch into acc on behalf of by. Only the master changes the
// reseller, superduper and allow-additions flags; sending a flag's current
// value is no attempt to change it.
func apply(by, acc *number.Account, ch Changes) error {
	flags := []struct {
		key  string
		want *bool
		dst  *bool
	}{
		{"is_reseller", ch.Reseller, &acc.Reseller},
		{"superduper_admin", ch.SuperduperAdmin, &acc.SuperduperAdmin},
		{"wnm_allow_additions", ch.AllowNumberAdditions, &acc.AllowNumberAdditions},
	}
	for _, f := range flags {
		if f.want == nil || *f.want == *f.dst {
			continue
		}
		if by == nil || !by.SuperduperAdmin {
			return forbidden("only the master account may set " + f.key)
		}
		*f.dst = *f.want
	}
	if ch.Invalid != nil {
		return ch.Invalid
	}
	if ch.Name != nil {
		acc.Name = *ch.Name
	}
	if ch.Enabled != nil {
		acc.Enabled = *ch.Enabled
	}
	public := number.Doc{}
	if ch.Merge {
		public = acc.Public.Clone()
	}
	for k, raw := range ch.Public {
		if slices.Contains(computedKeys, k) || strings.HasPrefix(k, "_") || strings.HasPrefix(k, "pvt_") {
			continue
		}
		if ch.Merge && isNull(raw) {
			delete(public, k)
			continue
		}
		public[k] = raw
	}
	acc.Public = public
	return nil
}

// isNull reports whether a JSON value is null (or absent).
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || t[0] == 'n'
}

// Create makes a child of parent on behalf of by (who reaches parent), with
// a new API key.
func (s *Service) Create(ctx context.Context, by, parent *number.Account, ch Changes) (*number.Account, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	now := s.now()
	acc := &number.Account{
		ID:       NewID(),
		ParentID: parent.ID,
		Tree:     append(slices.Clone(parent.Tree), parent.ID),
		Enabled:  true,
		Public:   number.Doc{},
		Created:  now,
		Modified: now,
	}
	if err := apply(by, acc, ch); err != nil {
		return nil, err
	}
	if err := s.keys.SetAPIKey(acc, NewAPIKey()); err != nil {
		return nil, err
	}
	if err := s.st.InsertAccount(ctx, acc); err != nil {
		return nil, err
	}
	return acc, nil
}

// Update changes account id on behalf of by (who reaches it). An account
// may not disable itself.
func (s *Service) Update(ctx context.Context, by *number.Account, id string, ch Changes) (*number.Account, error) {
	acc, err := s.st.GetAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := apply(by, acc, ch); err != nil {
		return nil, err
	}
	if by != nil && acc.ID == by.ID && !acc.Enabled {
		return nil, forbidden("an account may not disable itself")
	}
	acc.Modified = s.now()
	if err := s.write(ctx, acc); err != nil {
		return nil, err
	}
	return acc, nil
}

// write updates an account, conditional on its version, dropping it from
// the cache before and after so no reader keeps the old one.
func (s *Service) write(ctx context.Context, acc *number.Account) error {
	s.cache.forget(acc.ID)
	defer s.cache.forget(acc.ID)
	return s.st.UpdateAccount(ctx, acc)
}

// Delete deletes acc on behalf of by (who reaches it). An account may not
// delete itself, and an account with children is not deleted.
func (s *Service) Delete(ctx context.Context, by, acc *number.Account) error {
	if by != nil && acc.ID == by.ID {
		return forbidden("an account may not delete itself")
	}
	children, err := s.st.ListChildren(ctx, acc.ID)
	if err != nil {
		return err
	}
	if len(children) > 0 {
		return number.NewError(number.KindHasDescendants, acc.ID)
	}
	held, err := s.st.CountAccountNumbers(ctx, acc.ID)
	if err != nil {
		return err
	}
	if held > 0 {
		return holdsNumbers(acc.ID, held)
	}
	s.cache.forget(acc.ID)
	defer s.cache.forget(acc.ID)
	err = s.st.DeleteAccount(ctx, acc.ID)
	if number.IsKind(err, number.KindAccountHasNumbers) {
		// A number was given to it meanwhile: the store refused.
		held, _ = s.st.CountAccountNumbers(ctx, acc.ID)
		return holdsNumbers(acc.ID, held)
	}
	return err
}

// holdsNumbers is the refusal to delete an account that holds numbers,
// saying how many and what to do.
func holdsNumbers(id string, held int64) error {
	return &number.Error{Kind: number.KindAccountHasNumbers, Number: id,
		Message: fmt.Sprintf("account %s holds %d numbers; release them first, or delete with release_numbers=true", id, held),
		Cause:   fmt.Sprintf("%d numbers", held), Details: map[string]any{"numbers": held}}
}

// Children lists an account's children.
func (s *Service) Children(ctx context.Context, id string) ([]*number.Account, error) {
	return s.st.ListChildren(ctx, id)
}

// Descendants lists every account below an account.
func (s *Service) Descendants(ctx context.Context, id string) ([]*number.Account, error) {
	return s.st.ListDescendants(ctx, id)
}

// APIKey returns an account's API key, opened from its sealed copy.
func (s *Service) APIKey(ctx context.Context, id string) (string, error) {
	if s.keys == nil {
		return "", errNoKeys
	}
	acc, err := s.st.GetAccount(ctx, id)
	if err != nil {
		return "", err
	}
	return s.keys.Open(acc.APIKeySealed)
}

// RenewAPIKey gives an account a new API key and returns it; the old one
// stops working at once.
func (s *Service) RenewAPIKey(ctx context.Context, id string) (string, error) {
	if s.keys == nil {
		return "", errNoKeys
	}
	acc, err := s.st.GetAccount(ctx, id)
	if err != nil {
		return "", err
	}
	key := NewAPIKey()
	if err := s.keys.SetAPIKey(acc, key); err != nil {
		return "", err
	}
	acc.Modified = s.now()
	if err := s.write(ctx, acc); err != nil {
		return "", err
	}
	return key, nil
}

// EnsureMaster creates the master account (the system's superduper admin)
// when the database has no account. Its API key is masterKey, or a random
// one when masterKey is empty. acc is the master made now (nil when
// accounts existed), and key its API key.
func (s *Service) EnsureMaster(ctx context.Context, masterKey string) (acc *number.Account, key string, err error) {
	if s.keys == nil {
		return nil, "", errNoKeys
	}
	n, err := s.st.CountAccounts(ctx)
	if err != nil {
		return nil, "", err
	}
	if n > 0 {
		return nil, "", nil
	}
	key = masterKey
	if key == "" {
		key = NewAPIKey()
	}
	now := s.now()
	acc = &number.Account{
		ID:                   NewID(),
		Name:                 "master",
		Enabled:              true,
		Reseller:             true,
		AllowNumberAdditions: true,
		SuperduperAdmin:      true,
		Public:               number.Doc{},
		Created:              now,
		Modified:             now,
	}
	if err := s.keys.SetAPIKey(acc, key); err != nil {
		return nil, "", err
	}
	if err := s.st.InsertAccount(ctx, acc); err != nil {
		return nil, "", err
	}
	return acc, key, nil
}
