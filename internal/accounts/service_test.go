package accounts_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlite"
)

// clock is a settable clock: cache entries expire by moving it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type world struct {
	st       *sqlite.Store
	svc      *accounts.Service
	clock    *clock
	master   *number.Account
	reseller *number.Account
	child    *number.Account
}

var secret = []byte("0123456789abcdef0123456789abcdef")

// newWorld is a service caching for an hour on an injected clock, over a
// store holding master > reseller > child.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := accounts.NewKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, clock: &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}}
	w.svc = accounts.New(st, accounts.Options{CacheTTL: time.Hour, Now: w.clock.now, Keys: keys})
	if w.master, _, err = w.svc.EnsureMaster(ctx, "master-key"); err != nil {
		t.Fatal(err)
	}
	yes := true
	if w.reseller, err = w.svc.Create(ctx, w.master, w.master, accounts.Changes{Name: ptr("reseller"), Reseller: &yes}); err != nil {
		t.Fatal(err)
	}
	if w.child, err = w.svc.Create(ctx, w.reseller, w.reseller, accounts.Changes{Name: ptr("child")}); err != nil {
		t.Fatal(err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// storeBehind changes an account straight in the store, as another node
// would.
func (w *world) storeBehind(t *testing.T, id string, change func(*number.Account)) {
	t.Helper()
	a, err := w.st.GetAccount(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	change(a)
	if err := w.st.UpdateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func TestCacheSeesThisNodesWritesAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	// Warm the cache through both readers: the API's Get and the
	// manager's Relations.
	if _, err := w.svc.Get(ctx, w.child.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Relations(ctx, w.child.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Update(ctx, w.reseller, w.child.ID, accounts.Changes{Enabled: ptr(false), Merge: true}); err != nil {
		t.Fatal(err)
	}
	rel, err := w.svc.Relations(ctx, w.child.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rel[w.child.ID].Enabled {
		t.Fatal("authorization still sees the disabled account enabled")
	}
	if _, err := w.svc.Caller(ctx, w.child.ID, accounts.KeyStamp(w.child)); !number.IsKind(err, number.KindUnauthenticated) {
		t.Fatalf("a disabled account authenticates: %v", err)
	}

	// A write on another node is seen once the entry expires on the
	// injected clock.
	if _, err := w.svc.Get(ctx, w.reseller.ID); err != nil {
		t.Fatal(err)
	}
	w.storeBehind(t, w.reseller.ID, func(a *number.Account) { a.Name = "renamed elsewhere" })
	if a, _ := w.svc.Get(ctx, w.reseller.ID); a.Name != "reseller" {
		t.Fatalf("not cached: %q", a.Name)
	}
	w.clock.advance(time.Hour)
	if a, _ := w.svc.Get(ctx, w.reseller.ID); a.Name != "renamed elsewhere" {
		t.Fatalf("stale after the TTL: %q", a.Name)
	}
	// A clock set back does not trust entries from the future.
	w.storeBehind(t, w.reseller.ID, func(a *number.Account) { a.Name = "renamed again" })
	w.clock.advance(-time.Minute)
	if a, _ := w.svc.Get(ctx, w.reseller.ID); a.Name != "renamed again" {
		t.Fatalf("trusted an entry from the future: %q", a.Name)
	}

	// Deleting drops the account too.
	if _, err := w.svc.Get(ctx, w.child.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Delete(ctx, w.reseller, w.child); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Get(ctx, w.child.ID); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("deleted account still read: %v", err)
	}
}

func TestGetReturnsCopies(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a, err := w.svc.Get(ctx, w.child.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Name, a.Tree[0] = "scribbled", "scribbled"
	b, _ := w.svc.Get(ctx, w.child.ID)
	if b.Name != "child" || b.Tree[0] != w.master.ID {
		t.Fatalf("a caller's change reached the cache: %+v", b)
	}
}

func TestAccountRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		do    func(w *world) error
		kind  number.Kind
		cause string
	}{
		{"a reseller may not make a reseller", func(w *world) error {
			_, err := w.svc.Create(ctx, w.reseller, w.child, accounts.Changes{Name: ptr("x"), Reseller: ptr(true)})
			return err
		}, number.KindForbidden, "only the master account may set is_reseller"},
		{"nor an admin", func(w *world) error {
			_, err := w.svc.Update(ctx, w.reseller, w.child.ID, accounts.Changes{SuperduperAdmin: ptr(true), Merge: true})
			return err
		}, number.KindForbidden, "only the master account may set superduper_admin"},
		{"nor allow additions", func(w *world) error {
			_, err := w.svc.Update(ctx, w.reseller, w.child.ID, accounts.Changes{AllowNumberAdditions: ptr(true), Merge: true})
			return err
		}, number.KindForbidden, "only the master account may set wnm_allow_additions"},
		{"a flag's current value is no change", func(w *world) error {
			_, err := w.svc.Update(ctx, w.reseller, w.reseller.ID, accounts.Changes{Reseller: ptr(true), Merge: true})
			return err
		}, "", ""},
		{"the master sets flags", func(w *world) error {
			_, err := w.svc.Update(ctx, w.master, w.child.ID, accounts.Changes{Reseller: ptr(true), Merge: true})
			return err
		}, "", ""},
		{"the flag is refused before the request's own errors", func(w *world) error {
			_, err := w.svc.Update(ctx, w.reseller, w.child.ID, accounts.Changes{Reseller: ptr(true), Merge: true,
				Invalid: number.Errorf(number.KindInvalid, "", "bad name")})
			return err
		}, number.KindForbidden, "only the master account may set is_reseller"},
		{"the request's own errors", func(w *world) error {
			_, err := w.svc.Update(ctx, w.master, w.child.ID, accounts.Changes{Merge: true, Invalid: number.Errorf(number.KindInvalid, "", "bad name")})
			return err
		}, number.KindInvalid, "bad name"},
		{"no self-disable", func(w *world) error {
			_, err := w.svc.Update(ctx, w.child, w.child.ID, accounts.Changes{Enabled: ptr(false), Merge: true})
			return err
		}, number.KindForbidden, "an account may not disable itself"},
		{"no self-delete", func(w *world) error { return w.svc.Delete(ctx, w.child, w.child) },
			number.KindForbidden, "an account may not delete itself"},
		{"no delete with children", func(w *world) error { return w.svc.Delete(ctx, w.master, w.reseller) },
			number.KindHasDescendants, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			err := tc.do(w)
			if tc.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := number.AsError(err)
			if e.Kind != tc.kind || e.Cause != tc.cause {
				t.Fatalf("got %v, want %s (%q)", err, tc.kind, tc.cause)
			}
		})
	}
}

func TestCreateBuildsTheTree(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a, err := w.svc.Create(ctx, w.reseller, w.child, accounts.Changes{Name: ptr("grandchild"), Public: number.Doc{
		"realm": json.RawMessage(`"x.example"`), "pvt_secret": json.RawMessage(`1`), "_read_only": json.RawMessage(`1`), "tree": json.RawMessage(`[]`)}})
	if err != nil {
		t.Fatal(err)
	}
	if a.ParentID != w.child.ID || len(a.Tree) != 3 || a.Tree[0] != w.master.ID || a.Tree[2] != w.child.ID {
		t.Fatalf("tree %v under %s", a.Tree, a.ParentID)
	}
	if len(a.Public) != 1 || string(a.Public["realm"]) != `"x.example"` {
		t.Fatalf("public %v", a.Public)
	}
	reseller, err := w.svc.ResellerOf(ctx, a)
	if err != nil || reseller != w.reseller.ID {
		t.Fatalf("reseller %q, %v", reseller, err)
	}
	key, err := w.svc.APIKey(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.svc.Authenticate(ctx, key); err != nil || got.ID != a.ID {
		t.Fatalf("authenticate with its key: %v", err)
	}
	renewed, err := w.svc.RenewAPIKey(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Authenticate(ctx, key); !number.IsKind(err, number.KindUnauthenticated) {
		t.Fatalf("the old key still works: %v", err)
	}
	if _, err := w.svc.Authenticate(ctx, renewed); err != nil {
		t.Fatal(err)
	}
}

func TestReach(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	unknown := "0000000000000000000000000000dead"
	tests := []struct {
		name   string
		caller *number.Account
		id     string
		kind   number.Kind
	}{
		{"itself", w.child, w.child.ID, ""},
		{"a descendant", w.reseller, w.child.ID, ""},
		{"the master anything", w.master, w.child.ID, ""},
		{"not its parent", w.child, w.reseller.ID, number.KindForbidden},
		{"nobody", nil, w.child.ID, number.KindForbidden},
		{"an unknown id, for the master", w.master, unknown, number.KindNotFound},
		{"an unknown id, for others", w.reseller, unknown, number.KindForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acc, err := w.svc.Reach(ctx, tc.caller, tc.id)
			if tc.kind == "" {
				if err != nil || acc.ID != tc.id {
					t.Fatalf("%v", err)
				}
				return
			}
			if !number.IsKind(err, tc.kind) {
				t.Fatalf("got %v, want %s", err, tc.kind)
			}
		})
	}
}

// Concurrent readers and writers: every write is conditional on the version
// read (a loser gets a conflict), and once the writes are done the cache
// holds no account older than the store's, although reads that began
// before a write ended after it.
func TestConcurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 20 {
				_, err := w.svc.Update(ctx, w.master, w.child.ID, accounts.Changes{Name: ptr("name " + string(rune('a'+i))), Merge: true})
				if err != nil && !number.IsKind(err, number.KindConflict) {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 40 {
				if _, err := w.svc.Relations(ctx, w.child.ID, w.reseller.ID); err != nil {
					t.Error(err)
				}
				if _, err := w.svc.Get(ctx, w.child.ID); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	stored, err := w.svc.GetLatest(ctx, w.child.ID)
	if err != nil {
		t.Fatal(err)
	}
	cached, _ := w.svc.Get(ctx, w.child.ID)
	rel, _ := w.svc.Relations(ctx, w.child.ID)
	if cached.Name != stored.Name || cached.Version != stored.Version || rel[w.child.ID].Version != stored.Version {
		t.Fatalf("cache holds version %d (%q), store %d (%q)", cached.Version, cached.Name, stored.Version, stored.Name)
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.svc.Update(ctx, w.master, w.child.ID, accounts.Changes{Name: ptr("cancelled"), Merge: true}); err == nil {
		t.Fatal("a cancelled update succeeded")
	}
	if _, err := w.svc.Create(ctx, w.master, w.child, accounts.Changes{Name: ptr("cancelled")}); err == nil {
		t.Fatal("a cancelled create succeeded")
	}
	a, err := w.svc.Get(context.Background(), w.child.ID)
	if err != nil || a.Name != "child" {
		t.Fatalf("%+v, %v", a, err)
	}
	kids, err := w.svc.Children(context.Background(), w.child.ID)
	if err != nil || len(kids) != 0 {
		t.Fatalf("children %d, %v", len(kids), err)
	}
}

func TestNoCache(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	svc := accounts.New(w.st, accounts.Options{Now: w.clock.now})
	if _, err := svc.Get(ctx, w.child.ID); err != nil {
		t.Fatal(err)
	}
	w.storeBehind(t, w.child.ID, func(a *number.Account) { a.Name = "changed" })
	if a, _ := svc.Get(ctx, w.child.ID); a.Name != "changed" {
		t.Fatalf("a TTL of 0 cached: %q", a.Name)
	}
	if _, err := svc.Create(ctx, w.master, w.master, accounts.Changes{Name: ptr("x")}); err == nil {
		t.Fatal("created an account without Keys for its API key")
	}
}

// pausingStore lets a test hold a read between the store's answer and the
// cache keeping it.
type pausingStore struct {
	*sqlite.Store
	read, resume chan struct{}
}

func (p *pausingStore) GetAccounts(ctx context.Context, ids []string) (number.Accounts, error) {
	got, err := p.Store.GetAccounts(ctx, ids)
	if p.read != nil {
		p.read <- struct{}{}
		<-p.resume
	}
	return got, err
}

// A read that began before a write and ends after it must not put the old
// account back in the cache.
func TestReadOverlappingAWriteKeepsNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ps := &pausingStore{Store: w.st, read: make(chan struct{}), resume: make(chan struct{})}
	keys, _ := accounts.NewKeys(secret)
	svc := accounts.New(ps, accounts.Options{CacheTTL: time.Hour, Now: w.clock.now, Keys: keys})
	done := make(chan number.Accounts)
	go func() {
		rel, err := svc.Relations(ctx, w.child.ID)
		if err != nil {
			t.Error(err)
		}
		done <- rel
	}()
	<-ps.read // the old account is read, not yet kept
	if _, err := svc.Update(ctx, w.master, w.child.ID, accounts.Changes{Enabled: ptr(false), Merge: true}); err != nil {
		t.Fatal(err)
	}
	ps.read = nil
	close(ps.resume)
	if old := <-done; !old[w.child.ID].Enabled {
		t.Fatal("the overlapping read should have read the old account")
	}
	rel, err := svc.Relations(ctx, w.child.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rel[w.child.ID].Enabled {
		t.Fatal("the cache kept the account read before the write")
	}
}

// Renewing an API key revokes the tokens issued with the old one: on this
// node at once, on another node (its own service and cache over the same
// store) once its cached copy of the account expires.
func TestRenewingAKeyRevokesItsTokens(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	keys, _ := accounts.NewKeys(secret)
	other := accounts.New(w.st, accounts.Options{CacheTTL: time.Hour, Now: w.clock.now, Keys: keys})
	stamp := accounts.KeyStamp(w.child)
	for name, svc := range map[string]*accounts.Service{"this node": w.svc, "other node": other} {
		if _, err := svc.Caller(ctx, w.child.ID, stamp); err != nil {
			t.Fatalf("%s: a token of the current key: %v", name, err)
		}
	}
	if _, err := w.svc.Caller(ctx, w.child.ID, make([]byte, accounts.KeyStampLen)); !number.IsKind(err, number.KindUnauthenticated) {
		t.Fatalf("a token of another key: %v", err)
	}
	if _, err := w.svc.RenewAPIKey(ctx, w.child.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Caller(ctx, w.child.ID, stamp); !number.IsKind(err, number.KindUnauthenticated) {
		t.Fatalf("this node: a token of the renewed key still works: %v", err)
	}
	w.clock.advance(time.Hour)
	if _, err := other.Caller(ctx, w.child.ID, stamp); !number.IsKind(err, number.KindUnauthenticated) {
		t.Fatalf("other node: a token of the renewed key still works: %v", err)
	}
	renewed, err := w.svc.GetLatest(ctx, w.child.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Caller(ctx, w.child.ID, accounts.KeyStamp(renewed)); err != nil {
		t.Fatalf("a token of the new key: %v", err)
	}
}
