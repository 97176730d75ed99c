package users

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// LoginRequest is Kazoo's user_auth: a credentials digest and what names
// the account (an id, a phone number it holds, its realm or its name, in
// Kazoo's order of preference after the id).
type LoginRequest struct {
	// Credentials is the hex MD5 (or SHA-1) of "username:password".
	Credentials string
	// Method is "md5" (the default) or "sha".
	Method       string
	AccountID    string
	PhoneNumber  string
	AccountRealm string
	AccountName  string
	// Client is the client's address, for throttling.
	Client string
}

// Login is a successful sign-in.
type Login struct {
	User    *store.User
	Account *number.Account
}

// ThrottledError is a sign-in refused, without being checked, because its
// client or its account failed too often lately.
type ThrottledError struct {
	// Wait is how long until the client may try again.
	Wait time.Duration
}

func (e *ThrottledError) Error() string { return e.Unwrap().Error() }

// Unwrap is the error's kind: too many requests.
func (e *ThrottledError) Unwrap() error {
	return &number.Error{Kind: number.KindTooManyRequests,
		Cause: fmt.Sprintf("too many failed sign-ins; try again in %d seconds", int(e.Wait.Round(time.Second)/time.Second))}
}

// maxCandidates bounds the users whose hash one sign-in checks (users of
// the named accounts sharing the credentials' 16-bit tag).
const maxCandidates = 16

// Login checks a Kazoo sign-in. Every failure is the same
// unauthenticated error, whether the account, the user or the password
// was wrong, and takes about as long. A client or an account with too many
// recent failures is refused without a check (ThrottledError). An
// account that is disabled is said so, but only to someone whose
// credentials are right (as Kazoo does).
func (s *Service) Login(ctx context.Context, req LoginRequest) (*Login, error) {
	client := s.th.client(req.Client)
	if blocked, wait := s.th.blocked(client); blocked {
		return nil, &ThrottledError{Wait: wait}
	}
	sha := false
	switch strings.ToLower(req.Method) {
	case "", "md5":
	case "sha", "sha1":
		sha = true
	default:
		return nil, fieldErr("method", "enum", "Value not found in enumerated list of values")
	}
	digest := strings.ToLower(strings.TrimSpace(req.Credentials))
	ids, err := s.accountsNamed(ctx, req)
	if err != nil {
		return nil, err
	}
	keys := []throttleKey{client}
	for _, id := range ids {
		keys = append(keys, s.th.account(id))
	}
	if blocked, wait := s.th.blocked(keys...); blocked {
		return nil, &ThrottledError{Wait: wait}
	}
	var found *store.User
	if validDigest(digest, sha) && len(ids) > 0 {
		cands, err := s.st.FindUsersByTag(ctx, ids, sha, s.h.tag(digest, sha))
		if err != nil {
			return nil, err
		}
		if len(cands) > maxCandidates {
			cands = cands[:maxCandidates]
		}
		for _, u := range cands {
			phc := u.MD5Hash
			if sha {
				phc = u.SHA1Hash
			}
			if phc == "" {
				continue
			}
			ok, stale, err := s.h.verify(ctx, phc, digest)
			if err != nil {
				return nil, err
			}
			if ok {
				found = u
				if stale {
					s.rehash(ctx, u, digest, sha)
				}
				break
			}
		}
		if len(cands) == 0 {
			s.h.dummy(ctx)
		}
	} else {
		s.h.dummy(ctx)
	}
	if found == nil || !found.Enabled {
		s.th.fail(keys...)
		return nil, unauthenticated()
	}
	acc, err := s.accs.GetLatest(ctx, found.AccountID)
	if number.IsKind(err, number.KindNotFound) {
		s.th.fail(keys...)
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	s.th.succeed(client)
	if !acc.Enabled {
		return nil, fieldErr("account", "disabled", "account disabled")
	}
	return &Login{User: found, Account: acc}, nil
}

// accountsNamed returns the accounts a sign-in names; none is no error
// (the sign-in then fails like any other).
func (s *Service) accountsNamed(ctx context.Context, req LoginRequest) ([]string, error) {
	switch {
	case req.AccountID != "":
		if !number.IsAccountID(req.AccountID) {
			return nil, nil
		}
		return []string{req.AccountID}, nil
	case strings.TrimSpace(req.PhoneNumber) != "":
		// The account holding the number (Kazoo: the number's account).
		if s.normalize == nil {
			return nil, nil
		}
		e164, err := s.normalize(ctx, req.PhoneNumber)
		if err != nil {
			return nil, nil //nolint:nilerr // an unreadable number names no account
		}
		n, err := s.st.GetNumber(ctx, e164)
		if number.IsKind(err, number.KindNotFound) || err == nil && (!n.State.Holds() || n.AssignedTo == "") {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []string{n.AssignedTo}, nil
	case strings.TrimSpace(req.AccountRealm) != "":
		return s.st.FindAccountIDs(ctx, "", strings.ToLower(strings.TrimSpace(req.AccountRealm)))
	case number.AccountNameKey(req.AccountName) != "":
		return s.st.FindAccountIDs(ctx, number.AccountNameKey(req.AccountName), "")
	}
	return nil, nil
}

// rehash stores the digest's hash with the current parameters after a
// sign-in found it made with older ones. A failure changes nothing: the
// old hash still works.
func (s *Service) rehash(ctx context.Context, u *store.User, digest string, sha bool) {
	phc, err := s.h.hash(ctx, digest)
	if err != nil {
		return
	}
	cp := *u
	if sha {
		cp.SHA1Hash = phc
	} else {
		cp.MD5Hash = phc
	}
	if s.st.UpdateUser(ctx, &cp) == nil {
		s.forget(u.ID)
	}
}
