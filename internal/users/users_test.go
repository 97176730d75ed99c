package users

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// cheap are argon2id costs small enough for tests; the scheme is the same.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a service on a store with an account tree: the master, Acme
// (realm sip.acme.example.com, holding +14155550100) and Acme's child.
type fixture struct {
	st         store.Store
	svc        *Service
	clk        *clock
	master     *number.Account
	acme, kid  *number.Account
	admin      *User // Acme's admin, password "correct horse"
	adminActor Actor
}

const secret = "0123456789abcdef0123456789abcdef-test-secret"

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	keys, err := accounts.NewKeys([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	accs := accounts.New(st, accounts.Options{Now: clk.now, Keys: keys})
	master, _, err := accs.EnsureMaster(ctx, "master-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	name, realm := "Acme, Inc.", "sip.acme.example.com"
	acme, err := accs.Create(ctx, master, master, accounts.Changes{Name: &name,
		Public: number.Doc{"name": json.RawMessage(`"Acme, Inc."`), "realm": json.RawMessage(`"` + realm + `"`)}})
	if err != nil {
		t.Fatal(err)
	}
	kidName := "Acme Kid"
	kid, err := accs.Create(ctx, master, acme, accounts.Changes{Name: &kidName, Public: number.Doc{"name": json.RawMessage(`"Acme Kid"`)}})
	if err != nil {
		t.Fatal(err)
	}
	n := number.New("+14155550100", number.InService, "local", clk.now())
	n.AssignedTo = acme.ID
	if err := st.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, accs, []byte(secret), Options{Params: cheap, Now: clk.now, CacheTTL: time.Minute,
		Normalize: func(_ context.Context, raw string) (string, error) {
			return "+1" + strings.TrimPrefix(strings.TrimPrefix(raw, "+"), "1"), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, svc: svc, clk: clk, master: master, acme: acme, kid: kid}
	f.admin = f.mustCreate(t, Actor{Account: master}, acme, "Admin", "correct horse", true)
	f.adminActor = Actor{Account: acme, User: f.admin}
	return f
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) mustCreate(t *testing.T, by Actor, acc *number.Account, username, password string, admin bool) *User {
	t.Helper()
	u, err := f.svc.Create(t.Context(), by, acc, Changes{Username: ptr(username), Password: ptr(password),
		FirstName: ptr("First"), LastName: ptr("Last"), Admin: ptr(admin), Email: ptr(strings.ToLower(username) + "@example.com")})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, req LoginRequest) (*Login, error) {
	t.Helper()
	if req.Client == "" {
		req.Client = "192.0.2.1"
	}
	return f.svc.Login(t.Context(), req)
}

// Passwords are never stored: the record holds argon2id hashes of the
// credentials digests (salted: two users with one password differ) and
// tags, never the password or a digest.
func TestPasswordStorage(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		other := f.mustCreate(t, f.adminActor, f.acme, "other", "correct horse", false)
		for _, u := range []*User{f.admin, other} {
			stored, err := st.GetUser(t.Context(), u.AccountID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join([]string{stored.MD5Hash, stored.SHA1Hash, string(stored.Public), stored.Email, stored.Username, stored.Stamp}, "|")
			for _, secret := range []string{"correct horse", Digest(u.Username, "correct horse", false), Digest(u.Username, "correct horse", true)} {
				if strings.Contains(all, secret) {
					t.Errorf("the stored user holds %q", secret)
				}
			}
			for _, phc := range []string{stored.MD5Hash, stored.SHA1Hash} {
				if _, err := parsePHC(phc); err != nil || !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
					t.Errorf("hash %q is not argon2id with the service's parameters (%v)", phc, err)
				}
			}
			if stored.MD5Tag < 1 || stored.MD5Tag > 1<<16 || stored.SHA1Tag < 1 || stored.SHA1Tag > 1<<16 {
				t.Errorf("tags %d, %d: want 16-bit, non-zero", stored.MD5Tag, stored.SHA1Tag)
			}
		}
		a, _ := st.GetUser(t.Context(), f.acme.ID, f.admin.ID)
		b, _ := st.GetUser(t.Context(), f.acme.ID, other.ID)
		if a.MD5Hash == b.MD5Hash {
			t.Error("two users with one password have the same hash: no salt")
		}
	})
}

// The default parameters are OWASP's argon2id minimum, and a hash made
// with them verifies.
func TestDefaultParams(t *testing.T) {
	if DefaultParams.Memory < 19*1024 || DefaultParams.Time < 2 {
		t.Fatalf("DefaultParams %+v below OWASP's 19 MiB, 2 passes", DefaultParams)
	}
	h := newHasher(DefaultParams, 1, []byte(secret))
	phc, err := h.hash(t.Context(), Digest("alice", "pw", false))
	if err != nil {
		t.Fatal(err)
	}
	ok, stale, err := h.verify(t.Context(), phc, Digest("alice", "pw", false))
	if !ok || stale || err != nil {
		t.Fatalf("verify = %v, %v, %v", ok, stale, err)
	}
	if ok, _, _ := h.verify(t.Context(), phc, Digest("alice", "px", false)); ok {
		t.Fatal("a wrong digest verified")
	}
}

// Kazoo's sign-in: the MD5 or SHA-1 of "username:password" and the
// account by name (compared as Kazoo does), realm, a number it holds or
// its id.
func TestLogin(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		md5 := Digest("admin", "correct horse", false)
		for _, tc := range []struct {
			name string
			req  LoginRequest
		}{
			{"md5 and account name", LoginRequest{Credentials: md5, AccountName: "Acme, Inc."}},
			{"name compared as Kazoo does", LoginRequest{Credentials: md5, AccountName: "ACME inc"}},
			{"method md5", LoginRequest{Credentials: md5, Method: "md5", AccountName: "acmeinc"}},
			{"sha", LoginRequest{Credentials: Digest("Admin", "correct horse", true), Method: "sha", AccountName: "acmeinc"}},
			{"realm", LoginRequest{Credentials: md5, AccountRealm: "SIP.acme.example.com"}},
			{"phone number", LoginRequest{Credentials: md5, PhoneNumber: "4155550100"}},
			{"account id", LoginRequest{Credentials: md5, AccountID: f.acme.ID}},
			{"digest in capitals", LoginRequest{Credentials: strings.ToUpper(md5), AccountName: "acmeinc"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := f.login(t, tc.req)
				if err != nil || got.User.ID != f.admin.ID || got.Account.ID != f.acme.ID {
					t.Fatalf("login = %+v, %v", got, err)
				}
			})
		}
		for _, tc := range []struct {
			name string
			req  LoginRequest
		}{
			{"wrong password", LoginRequest{Credentials: Digest("admin", "wrong horse", false), AccountName: "acmeinc"}},
			{"another account", LoginRequest{Credentials: md5, AccountName: "Acme Kid"}},
			{"no such account", LoginRequest{Credentials: md5, AccountName: "nobody"}},
			{"no account named", LoginRequest{Credentials: md5}},
			{"sha digest as md5", LoginRequest{Credentials: Digest("admin", "correct horse", true), AccountName: "acmeinc"}},
			{"md5 digest as sha", LoginRequest{Credentials: md5, Method: "sha", AccountName: "acmeinc"}},
			{"not hex", LoginRequest{Credentials: "correct horse", AccountName: "acmeinc"}},
			{"number of no account", LoginRequest{Credentials: md5, PhoneNumber: "4155550199"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.login(t, tc.req)
				if !number.IsKind(err, number.KindUnauthenticated) {
					t.Fatalf("login = %v, want unauthenticated", err)
				}
			})
		}
		_, err := f.login(t, LoginRequest{Credentials: md5, Method: "sha256", AccountName: "acmeinc"})
		var fe *number.FieldError
		if !errors.As(err, &fe) || fe.Field != "method" {
			t.Errorf("unknown method: %v", err)
		}
	})
}

func TestLoginDisabled(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		md5 := Digest("admin", "correct horse", false)
		// A disabled user cannot sign in, and is not told why.
		if _, err := f.svc.Update(t.Context(), Actor{Account: f.master}, f.acme, f.admin.ID, Changes{Merge: true, Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.login(t, LoginRequest{Credentials: md5, AccountName: "acmeinc"}); !number.IsKind(err, number.KindUnauthenticated) {
			t.Fatalf("disabled user: %v", err)
		}
		if _, err := f.svc.Update(t.Context(), Actor{Account: f.master}, f.acme, f.admin.ID, Changes{Merge: true, Enabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		// A disabled account is said so, to someone whose credentials are right.
		f.acme.Enabled = false
		if err := st.UpdateAccount(t.Context(), f.acme); err != nil {
			t.Fatal(err)
		}
		_, err := f.login(t, LoginRequest{Credentials: md5, AccountName: "acmeinc"})
		var fe *number.FieldError
		if !errors.As(err, &fe) || fe.Field != "account" || fe.Rule != "disabled" {
			t.Fatalf("disabled account: %v", err)
		}
		if _, err := f.login(t, LoginRequest{Credentials: Digest("admin", "wrong", false), AccountName: "acmeinc"}); !number.IsKind(err, number.KindUnauthenticated) {
			t.Fatalf("disabled account, wrong password: %v", err)
		}
	})
}

// Failed sign-ins are throttled per client address and per account named;
// a throttled sign-in is refused without being checked, even with the
// right credentials, until the window ends.
func TestLoginThrottling(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t))
	right := LoginRequest{Credentials: Digest("admin", "correct horse", false), AccountName: "acmeinc", Client: "198.51.100.7"}
	wrong := right
	wrong.Credentials = Digest("admin", "guess", false)
	for i := range 10 {
		if _, err := f.login(t, wrong); !number.IsKind(err, number.KindUnauthenticated) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	_, err := f.login(t, right)
	var te *ThrottledError
	if !errors.As(err, &te) || !number.IsKind(err, number.KindTooManyRequests) || te.Wait <= 0 || te.Wait > 15*time.Minute {
		t.Fatalf("the 11th sign-in from one address, right credentials: %v", err)
	}
	// Another address is not throttled by this one's failures.
	other := right
	other.Client = "198.51.100.8"
	if _, err := f.login(t, other); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// The window ends.
	f.clk.advance(15 * time.Minute)
	if _, err := f.login(t, right); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// Spread over many addresses, failures naming one account stop at
	// the account's limit, for every address.
	for i := range 50 {
		w := wrong
		w.Client = "203.0.113." + strconv.Itoa(i)
		if _, err := f.login(t, w); !number.IsKind(err, number.KindUnauthenticated) {
			t.Fatalf("spread failure %d: %v", i+1, err)
		}
	}
	fresh := right
	fresh.Client = "203.0.113.250"
	if _, err := f.login(t, fresh); !number.IsKind(err, number.KindTooManyRequests) {
		t.Fatalf("after 50 failures naming the account, from a new address: %v", err)
	}
	// Another account is not affected.
	kidAdmin := f.mustCreate(t, Actor{Account: f.master}, f.kid, "kidadmin", "kid password", true)
	if _, err := f.login(t, LoginRequest{Credentials: Digest(kidAdmin.Username, "kid password", false), AccountName: "Acme Kid", Client: fresh.Client}); err != nil {
		t.Fatalf("another account: %v", err)
	}
}

// Who may do what to users.
func TestRules(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ctx := t.Context()
		plain := f.mustCreate(t, f.adminActor, f.acme, "plain", "plain password", false)
		plainActor := Actor{Account: f.acme, User: plain}
		forbidden := func(what string, err error) {
			t.Helper()
			if !number.IsKind(err, number.KindForbidden) {
				t.Errorf("%s: %v, want forbidden", what, err)
			}
		}
		_, err := f.svc.Create(ctx, plainActor, f.acme, Changes{Username: ptr("x"), FirstName: ptr("X"), LastName: ptr("Y")})
		forbidden("a user who is not an admin creates a user", err)
		_, err = f.svc.Update(ctx, plainActor, f.acme, f.admin.ID, Changes{Merge: true, Email: ptr("x@example.com")})
		forbidden("a user who is not an admin changes another", err)
		_, err = f.svc.Update(ctx, plainActor, f.acme, plain.ID, Changes{Merge: true, Admin: ptr(true)})
		forbidden("a user makes themselves admin", err)
		_, err = f.svc.Get(ctx, plainActor, f.acme, f.admin.ID)
		forbidden("a user who is not an admin reads another", err)
		_, err = f.svc.Delete(ctx, plainActor, f.acme, f.admin.ID)
		forbidden("a user who is not an admin deletes one", err)
		if list, err := f.svc.List(ctx, plainActor, f.acme); err != nil || len(list) != 1 || list[0].ID != plain.ID {
			t.Errorf("a user who is not an admin lists %v, %v; want themselves", list, err)
		}
		// A user changes their own name and password.
		u, err := f.svc.Update(ctx, plainActor, f.acme, plain.ID, Changes{Merge: true, FirstName: ptr("Plain"), Password: ptr("new password")})
		if err != nil || u.FirstName != "Plain" || u.Stamp == plain.Stamp {
			t.Fatalf("own change: %+v, %v (the stamp must change with the password)", u, err)
		}
		// Nobody disables, demotes or deletes themselves.
		_, err = f.svc.Update(ctx, f.adminActor, f.acme, f.admin.ID, Changes{Merge: true, Admin: ptr(false)})
		forbidden("an admin demotes themselves", err)
		_, err = f.svc.Update(ctx, f.adminActor, f.acme, f.admin.ID, Changes{Merge: true, Enabled: ptr(false)})
		forbidden("an admin disables themselves", err)
		_, err = f.svc.Delete(ctx, f.adminActor, f.acme, f.admin.ID)
		forbidden("an admin deletes themselves", err)
		// A username cannot change without the password.
		_, err = f.svc.Update(ctx, f.adminActor, f.acme, plain.ID, Changes{Merge: true, Username: ptr("renamed")})
		var fe *number.FieldError
		if !errors.As(err, &fe) || fe.Field != "password" {
			t.Errorf("a new username without the password: %v", err)
		}
		// Usernames are unique within an account, in any case.
		_, err = f.svc.Create(ctx, f.adminActor, f.acme, Changes{Username: ptr("PLAIN"), Password: ptr("whatever1"), FirstName: ptr("A"), LastName: ptr("B")})
		if !errors.As(err, &fe) || fe.Field != "username" || fe.Rule != "unique" {
			t.Errorf("a second plain: %v", err)
		}
		for _, tc := range []struct {
			name  string
			ch    Changes
			field string
		}{
			{"short password", Changes{Username: ptr("a1"), Password: ptr("short"), FirstName: ptr("A"), LastName: ptr("B")}, "password"},
			{"password without username", Changes{Password: ptr("long enough"), FirstName: ptr("A"), LastName: ptr("B")}, "username"},
			{"bad email", Changes{Email: ptr("not an email"), FirstName: ptr("A"), LastName: ptr("B")}, "email"},
			{"no first name", Changes{LastName: ptr("B")}, "first_name"},
		} {
			_, err := f.svc.Create(ctx, f.adminActor, f.acme, tc.ch)
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%s: %v, want a refusal of %s", tc.name, err, tc.field)
			}
		}
	})
}

// A token's stamp: a new password, a change of rights or a disabled user
// ends the user's sessions; the account disabled ends them too.
func TestCaller(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ctx := t.Context()
		u := f.mustCreate(t, f.adminActor, f.acme, "bob", "bob password", false)
		if got, err := f.svc.Caller(ctx, f.acme.ID, u.ID, u.Stamp); err != nil || got.User.ID != u.ID || got.Account.ID != f.acme.ID {
			t.Fatalf("Caller = %+v, %v", got, err)
		}
		if _, err := f.svc.Caller(ctx, f.kid.ID, u.ID, u.Stamp); !number.IsKind(err, number.KindUnauthenticated) {
			t.Errorf("the user in another account: %v", err)
		}
		changed, err := f.svc.Update(ctx, f.adminActor, f.acme, u.ID, Changes{Merge: true, Password: ptr("other password")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Caller(ctx, f.acme.ID, u.ID, u.Stamp); !number.IsKind(err, number.KindUnauthenticated) {
			t.Errorf("the old stamp after a new password: %v", err)
		}
		if _, err := f.svc.Caller(ctx, f.acme.ID, u.ID, changed.Stamp); err != nil {
			t.Errorf("the new stamp: %v", err)
		}
		// A user edit that touches neither credentials nor rights keeps sessions.
		same, err := f.svc.Update(ctx, f.adminActor, f.acme, u.ID, Changes{Merge: true, LastName: ptr("Other")})
		if err != nil || same.Stamp != changed.Stamp {
			t.Errorf("a name change changed the stamp: %v", err)
		}
		if _, err := f.svc.Delete(ctx, f.adminActor, f.acme, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Caller(ctx, f.acme.ID, u.ID, changed.Stamp); !number.IsKind(err, number.KindUnauthenticated) {
			t.Errorf("a deleted user: %v", err)
		}
	})
}

// Of N concurrent creations of one username, one wins; the others get the
// uniqueness refusal and nothing half-made stays.
func TestConcurrentCreate(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.svc.Create(t.Context(), f.adminActor, f.acme, Changes{Username: ptr("same"), Password: ptr("same password"),
					FirstName: ptr("A"), LastName: ptr("B")})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var fe *number.FieldError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &fe) || fe.Rule != "unique":
				t.Errorf("a loser: %v", err)
			}
		}
		list, _ := st.ListUsers(t.Context(), f.acme.ID)
		if wins != 1 || len(list) != 2 {
			t.Fatalf("%d won, %d users stored; want 1 and 2 (with the admin)", wins, len(list))
		}
	})
}

// A creation whose context ends while it hashes stores nothing.
func TestCreateCancelled(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t))
	// Hold every hashing slot, so the creation waits for one.
	for range cap(f.svc.h.slots) {
		f.svc.h.slots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.svc.Create(ctx, f.adminActor, f.acme, Changes{Username: ptr("late"), Password: ptr("late password"), FirstName: ptr("A"), LastName: ptr("B")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("create with an ended context: %v", err)
	}
	if _, err := f.st.GetUserByUsername(t.Context(), f.acme.ID, "late"); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("a cancelled creation stored a user: %v", err)
	}
}

// A hash made with older (cheaper) parameters is redone at sign-in with
// the current ones.
func TestRehashAtLogin(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite(t))
	f.svc.h.p = Params{Memory: 128, Time: 1, Threads: 1}
	if _, err := f.login(t, LoginRequest{Credentials: Digest("admin", "correct horse", false), AccountName: "acmeinc"}); err != nil {
		t.Fatal(err)
	}
	u, _ := f.st.GetUser(t.Context(), f.acme.ID, f.admin.ID)
	if !strings.HasPrefix(u.MD5Hash, "$argon2id$v=19$m=128,") {
		t.Fatalf("MD5 hash after sign-in: %s", u.MD5Hash)
	}
	if _, err := f.login(t, LoginRequest{Credentials: Digest("admin", "correct horse", false), AccountName: "acmeinc"}); err != nil {
		t.Fatalf("sign-in after the rehash: %v", err)
	}
}
