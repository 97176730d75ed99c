// Package users owns the people who sign in to accounts: their records
// and the rules on them (who may create, change and delete which user;
// non-admin users only read), how their passwords are kept (password.go),
// how a Kazoo client's sign-in finds and checks them (login.go), and the
// throttling of failed sign-ins (throttle.go). The API's user endpoints,
// user_auth, and the web console all go through this service.
package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// User is a user's record, as the store keeps it.
type User = store.User

// Options configure a Service.
type Options struct {
	// Params are argon2id's costs; zero means DefaultParams. Tests use
	// cheaper ones.
	Params Params
	// HashConcurrency bounds the argon2id computations running at once
	// (each takes Params.Memory); 0 means the number of CPUs.
	HashConcurrency int
	// Throttle bounds failed sign-ins.
	Throttle ThrottleOptions
	// CacheTTL bounds how stale a user read to authenticate a request may
	// be when another node changed it (this node's writes are seen at
	// once); 0 means no cache.
	CacheTTL time.Duration
	// Now is the clock of the cache, the throttle and the timestamps.
	Now func() time.Time
	// Normalize reads a phone number as a person types it into E.164
	// (the manager's normaliser), for sign-ins that name a number; nil
	// refuses them.
	Normalize func(ctx context.Context, raw string) (string, error)
}

// Store is what the service reads and writes: users, and numbers (a
// sign-in may name its account by a number the account holds).
type Store interface {
	store.Users
	GetNumber(ctx context.Context, e164 string) (*number.Number, error)
}

// Service reads and writes users by their rules and signs them in.
type Service struct {
	st        Store
	accs      *accounts.Service
	h         *hasher
	th        *throttle
	now       func() time.Time
	normalize func(ctx context.Context, raw string) (string, error)
	cacheTTL  time.Duration

	mu    sync.Mutex
	cache map[string]cachedUser
	// gen counts this node's user writes: a read that overlapped one
	// keeps nothing in the cache.
	gen uint64
}

type cachedUser struct {
	u  *store.User
	at time.Time
}

// New returns a Service over st. secret is the server secret: the tags
// that find a sign-in's user are keyed from it.
func New(st Store, accs *accounts.Service, secret []byte, o Options) (*Service, error) {
	if len(secret) < 32 {
		return nil, errors.New("users: server secret shorter than 32 bytes")
	}
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	if o.HashConcurrency <= 0 {
		o.HashConcurrency = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{
		st: st, accs: accs, h: newHasher(o.Params, o.HashConcurrency, secret), th: newThrottle(o.Throttle, o.Now),
		now: o.Now, normalize: o.Normalize, cacheTTL: o.CacheTTL, cache: map[string]cachedUser{},
	}, nil
}

// Actor is who asks: the account of a token and, for a user's token, the
// user. A token got with an API key acts as the account itself, with an
// admin's rights.
type Actor struct {
	Account *number.Account
	User    *store.User
}

// Admin reports whether the actor may change things: an API key's token
// or an admin user.
func (a Actor) Admin() bool { return a.User == nil || a.User.Admin }

// MayWrite reports whether a request by a user may change anything
// (anything but GET, HEAD and OPTIONS): admins may; users who are not
// admins only read, but for their own user document, whose rules Update
// checks.
func MayWrite(u *store.User, ownDocument bool) bool { return u == nil || u.Admin || ownDocument }

func forbidden(cause string) error { return &number.Error{Kind: number.KindForbidden, Cause: cause} }

func unauthenticated() error { return number.NewError(number.KindUnauthenticated, "") }

// Changes are the fields a request sets on a user; nil leaves a field as
// it is.
type Changes struct {
	Username  *string
	Password  *string
	Email     *string
	FirstName *string
	LastName  *string
	Admin     *bool // priv_level
	Enabled   *bool
	// Public is the request's other fields, kept as sent.
	Public map[string]json.RawMessage
	// Merge merges Public over the stored fields, a null removing one
	// (PATCH); otherwise the request replaces the user's fields (PUT,
	// POST), the credentials excepted: a password is never shown, so a
	// replace without one keeps it.
	Merge bool
	// Invalid is what the API found wrong with the shape of the request;
	// it is reported after the permission checks.
	Invalid error
}

// computedKeys are the user fields the service keeps itself: never public
// data.
var computedKeys = []string{"id", "username", "password", "email", "first_name", "last_name", "priv_level", "enabled",
	"credentials", "pvt_md5_auth", "pvt_sha1_auth", "created", "modified", "account_id"}

// IsComputedKey reports whether a user field is one the service keeps.
func IsComputedKey(k string) bool {
	for _, c := range computedKeys {
		if c == k {
			return true
		}
	}
	return strings.HasPrefix(k, "pvt_") || strings.HasPrefix(k, "_")
}

// MinPasswordLen and MaxPasswordLen bound a password.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

func fieldErr(field, rule, msg string) error {
	return &number.FieldError{Field: field, Rule: rule, Message: msg}
}

// validate checks the values of ch (their shapes: the API checked types).
func validate(ch Changes) error {
	if ch.Username != nil {
		u := NormalizeUsername(*ch.Username)
		if len(u) > 256 {
			return fieldErr("username", "maxLength", "String must not be more than 256 characters")
		}
	}
	if ch.Password != nil {
		n := len([]rune(*ch.Password))
		if n < MinPasswordLen {
			return fieldErr("password", "minLength", "String must be at least 8 characters")
		}
		if n > MaxPasswordLen {
			return fieldErr("password", "maxLength", "String must not be more than 256 characters")
		}
	}
	if ch.Email != nil && *ch.Email != "" {
		e := *ch.Email
		at := strings.LastIndexByte(e, '@')
		if len(e) > 254 || at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>") {
			return fieldErr("email", "format", "Value is not a valid email address")
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", ch.FirstName}, {"last_name", ch.LastName}} {
		if f.v != nil && (strings.TrimSpace(*f.v) == "" || len(*f.v) > 128) {
			return fieldErr(f.name, "minLength", "String must be 1 to 128 characters")
		}
	}
	return nil
}

func newStamp() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Create creates a user of account acc. Only admins create users.
func (s *Service) Create(ctx context.Context, by Actor, acc *number.Account, ch Changes) (*store.User, error) {
	if !by.Admin() {
		return nil, forbidden("only admins create users")
	}
	if ch.Invalid != nil {
		return nil, ch.Invalid
	}
	if ch.FirstName == nil {
		return nil, fieldErr("first_name", "required", "Field is required but missing")
	}
	if ch.LastName == nil {
		return nil, fieldErr("last_name", "required", "Field is required but missing")
	}
	if err := validate(ch); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &store.User{ID: newID(), AccountID: acc.ID, Enabled: true, Stamp: newStamp(), Created: now, Modified: now}
	if err := s.apply(ctx, u, ch, true); err != nil {
		return nil, err
	}
	if err := s.st.InsertUser(ctx, u); err != nil {
		return nil, uniqueUsername(err)
	}
	return u, nil
}

// apply writes ch into u: the fields, and the credentials' hashes when the
// password (or, with it, the username) changes. A username cannot change
// without the password: the credentials digests bind the two.
func (s *Service) apply(ctx context.Context, u *store.User, ch Changes, replace bool) error {
	oldUsername := u.Username
	if ch.Username != nil {
		u.Username = NormalizeUsername(*ch.Username)
	}
	if u.Username != oldUsername && ch.Password == nil && u.MD5Hash != "" {
		return fieldErr("password", "required", "A new username needs the password too: the credentials are made of both")
	}
	if ch.Password != nil && u.Username == "" {
		return fieldErr("username", "required", "A password needs a username")
	}
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		} else if replace {
			*dst = ""
		}
	}
	str(&u.Email, ch.Email)
	if ch.FirstName != nil || replace {
		str(&u.FirstName, ch.FirstName)
	}
	if ch.LastName != nil || replace {
		str(&u.LastName, ch.LastName)
	}
	if ch.Admin != nil && *ch.Admin != u.Admin {
		u.Admin = *ch.Admin
		u.Stamp = newStamp()
	}
	if ch.Enabled != nil && *ch.Enabled != u.Enabled {
		u.Enabled = *ch.Enabled
		u.Stamp = newStamp()
	}
	if ch.Password != nil {
		md5d, sha1d := Digest(u.Username, *ch.Password, false), Digest(u.Username, *ch.Password, true)
		mh, err := s.h.hash(ctx, md5d)
		if err != nil {
			return err
		}
		sh, err := s.h.hash(ctx, sha1d)
		if err != nil {
			return err
		}
		u.MD5Hash, u.SHA1Hash = mh, sh
		u.MD5Tag, u.SHA1Tag = s.h.tag(md5d, false), s.h.tag(sha1d, true)
		u.Stamp = newStamp()
	}
	pub := map[string]json.RawMessage{}
	if !replace && len(u.Public) > 0 {
		_ = json.Unmarshal(u.Public, &pub)
	}
	for k, v := range ch.Public {
		if IsComputedKey(k) {
			continue
		}
		if ch.Merge && string(v) == "null" {
			delete(pub, k)
			continue
		}
		pub[k] = v
	}
	raw, err := json.Marshal(pub)
	if err != nil {
		return err
	}
	u.Public = raw
	return nil
}

// uniqueUsername turns the store's refusal of a username the account
// already has into Kazoo's validation error.
func uniqueUsername(err error) error {
	var ne *number.Error
	if errors.As(err, &ne) && ne.Kind == number.KindConflict && ne.Cause == "username_not_unique" {
		return fieldErr("username", "unique", "Username must be unique within the account")
	}
	return err
}

// Get returns a user of account acc. Users who are not admins see only
// themselves.
func (s *Service) Get(ctx context.Context, by Actor, acc *number.Account, id string) (*store.User, error) {
	if !by.Admin() && by.User.ID != id {
		return nil, forbidden("users who are not admins see only themselves")
	}
	u, err := s.st.GetUser(ctx, acc.ID, id)
	if number.IsKind(err, number.KindNotFound) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	return u, err
}

// List returns the users of account acc: all of them for admins, the user
// alone for a user who is not.
func (s *Service) List(ctx context.Context, by Actor, acc *number.Account) ([]*store.User, error) {
	if !by.Admin() {
		if by.User.AccountID != acc.ID {
			return []*store.User{}, nil
		}
		u, err := s.st.GetUser(ctx, acc.ID, by.User.ID)
		if err != nil {
			return nil, err
		}
		return []*store.User{u}, nil
	}
	return s.st.ListUsers(ctx, acc.ID)
}

// Update changes a user of account acc. Admins change any user; a user
// who is not an admin changes their own names, email, username and
// password, never their rights. Nobody disables or demotes themselves, so
// an account cannot lock its last admin out by mistake.
func (s *Service) Update(ctx context.Context, by Actor, acc *number.Account, id string, ch Changes) (*store.User, error) {
	self := by.User != nil && by.User.ID == id
	if !by.Admin() {
		if !self {
			return nil, forbidden("users who are not admins change only themselves")
		}
		if ch.Admin != nil && *ch.Admin != by.User.Admin || ch.Enabled != nil && *ch.Enabled != by.User.Enabled {
			return nil, forbidden("only admins change a user's rights")
		}
	}
	if self && (ch.Admin != nil && !*ch.Admin && by.User.Admin || ch.Enabled != nil && !*ch.Enabled) {
		return nil, forbidden("a user cannot disable or demote themselves")
	}
	if ch.Invalid != nil {
		return nil, ch.Invalid
	}
	if !ch.Merge {
		if ch.FirstName == nil {
			return nil, fieldErr("first_name", "required", "Field is required but missing")
		}
		if ch.LastName == nil {
			return nil, fieldErr("last_name", "required", "Field is required but missing")
		}
	}
	if err := validate(ch); err != nil {
		return nil, err
	}
	u, err := s.st.GetUser(ctx, acc.ID, id)
	if number.IsKind(err, number.KindNotFound) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.apply(ctx, u, ch, !ch.Merge); err != nil {
		return nil, err
	}
	u.Modified = s.now().UTC()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return nil, uniqueUsername(err)
	}
	s.forget(u.ID)
	return u, nil
}

// Delete removes a user of account acc; admins only, and not themselves.
func (s *Service) Delete(ctx context.Context, by Actor, acc *number.Account, id string) (*store.User, error) {
	if !by.Admin() {
		return nil, forbidden("only admins delete users")
	}
	if by.User != nil && by.User.ID == id {
		return nil, forbidden("a user cannot delete themselves")
	}
	u, err := s.st.GetUser(ctx, acc.ID, id)
	if number.IsKind(err, number.KindNotFound) {
		return nil, number.NewError(number.KindNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.st.DeleteUser(ctx, acc.ID, id); err != nil {
		return nil, err
	}
	s.forget(id)
	return u, nil
}

// Caller returns the user a verified token names, and the user's
// account, as the caller of a request: the user must still be the
// account's, enabled, and have the stamp the token was issued with (a new
// password, a change of rights or a disabled user ends every session, on
// every node once it reads the user again, within CacheTTL), and the
// account must exist and be enabled.
func (s *Service) Caller(ctx context.Context, accountID, userID, stamp string) (*Login, error) {
	u, err := s.cached(ctx, accountID, userID)
	if number.IsKind(err, number.KindNotFound) {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	if !u.Enabled || !hmac.Equal([]byte(u.Stamp), []byte(stamp)) {
		return nil, unauthenticated()
	}
	acc, err := s.accs.Get(ctx, accountID)
	if number.IsKind(err, number.KindNotFound) || err == nil && !acc.Enabled {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	return &Login{User: u, Account: acc}, nil
}

func (s *Service) cached(ctx context.Context, accountID, userID string) (*store.User, error) {
	if s.cacheTTL > 0 {
		s.mu.Lock()
		c, ok := s.cache[userID]
		s.mu.Unlock()
		if ok && s.now().Sub(c.at) < s.cacheTTL && c.u.AccountID == accountID {
			return c.u, nil
		}
	}
	at := s.now()
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	u, err := s.st.GetUser(ctx, accountID, userID)
	if err != nil {
		return nil, err
	}
	if s.cacheTTL > 0 {
		s.mu.Lock()
		if len(s.cache) > 100_000 {
			clear(s.cache)
		}
		if s.gen == gen {
			s.cache[userID] = cachedUser{u: u, at: at}
		}
		s.mu.Unlock()
	}
	return u, nil
}

// forget drops a user from the cache after a write on this node.
func (s *Service) forget(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.gen++
	s.mu.Unlock()
}
