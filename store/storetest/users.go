package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runUsers is the conformance suite of store.Users: users of accounts
// with optimistic versions, usernames unique within an account, look-ups
// by credentials tag across accounts, accounts found by name key and
// realm, and users going with their account.
func runUsers(t *testing.T, open Opener) {
	suite{
		{"create, get, list", testUsersCRUD},
		{"usernames unique per account", testUsernameUnique},
		{"version conflicts", testUserConflicts},
		{"find by tag", testUsersByTag},
		{"accounts by name and realm", testFindAccountIDs},
		{"deleted with their account", testUsersCascade},
		{"concurrent updates", testUserRace},
	}.run(t, open)
}

func user(i int, account, username string) *store.User {
	return &store.User{
		ID: fmt.Sprintf("%032x", 1000+i), AccountID: account, Username: username, Email: username + "@example.com",
		FirstName: "First " + username, LastName: "Last", Enabled: true, MD5Tag: int64(100 + i), SHA1Tag: int64(200 + i),
		MD5Hash: "$argon2id$md5-" + username, SHA1Hash: "$argon2id$sha1-" + username, Stamp: "0011223344556677",
		Public: json.RawMessage(`{"timezone":"Europe/Paris","ui":{"x":1}}`), Created: at, Modified: at,
	}
}

func usersWorld(t *testing.T, s store.Store) (a, b *number.Account) {
	t.Helper()
	a, b = account(1, "Acme, Inc."), account(2, "Other")
	mustInsertAccounts(t, s, a, b)
	return a, b
}

func diffUser(want, got *store.User) string {
	w, g := *want, *got
	var wp, gp any
	_ = json.Unmarshal(w.Public, &wp)
	_ = json.Unmarshal(g.Public, &gp)
	w.Public, g.Public = nil, nil
	if !w.Created.Equal(g.Created) || !w.Modified.Equal(g.Modified) {
		return fmt.Sprintf("times: got %v %v, want %v %v", g.Created, g.Modified, w.Created, w.Modified)
	}
	w.Created, w.Modified = g.Created, g.Modified
	if fmt.Sprint(w) != fmt.Sprint(g) || fmt.Sprint(wp) != fmt.Sprint(gp) {
		return fmt.Sprintf("got %+v %v, want %+v %v", g, gp, w, wp)
	}
	return ""
}

func testUsersCRUD(t *testing.T, s store.Store) {
	a, b := usersWorld(t, s)
	u1, u2, u3 := user(1, a.ID, "alice"), user(2, a.ID, "bob"), user(3, b.ID, "carol")
	u2.Admin, u2.Enabled = true, false
	for _, u := range []*store.User{u2, u1, u3} {
		if err := s.InsertUser(ctxT(t), u); err != nil || u.Version != 1 {
			t.Fatalf("InsertUser(%s): %v, version %d", u.Username, err, u.Version)
		}
	}
	got, err := s.GetUser(ctxT(t), a.ID, u2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffUser(u2, got); d != "" {
		t.Errorf("GetUser: %s", d)
	}
	if got, err := s.GetUserByUsername(ctxT(t), a.ID, "alice"); err != nil || got.ID != u1.ID {
		t.Errorf("GetUserByUsername = %v, %v", got, err)
	}
	_, err = s.GetUser(ctxT(t), b.ID, u1.ID)
	wantKind(t, "GetUser in another account", err, number.KindNotFound)
	_, err = s.GetUserByUsername(ctxT(t), b.ID, "alice")
	wantKind(t, "GetUserByUsername in another account", err, number.KindNotFound)
	_, err = s.GetUserByUsername(ctxT(t), a.ID, "")
	wantKind(t, "GetUserByUsername of no name", err, number.KindNotFound)

	list, err := s.ListUsers(ctxT(t), a.ID)
	if err != nil || len(list) != 2 || list[0].Username != "alice" || list[1].Username != "bob" {
		t.Fatalf("ListUsers = %v, %v", list, err)
	}
	if list, err := s.ListUsers(ctxT(t), accountID(9)); err != nil || list == nil || len(list) != 0 {
		t.Errorf("ListUsers of an account without users = %v, %v; want []", list, err)
	}

	got.Username, got.Email, got.Enabled, got.Stamp = "robert", "", true, "8899aabbccddeeff"
	got.Modified = at.Add(3600e9)
	if err := s.UpdateUser(ctxT(t), got); err != nil || got.Version != 2 {
		t.Fatalf("UpdateUser: %v, version %d", err, got.Version)
	}
	again, err := s.GetUser(ctxT(t), a.ID, u2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffUser(got, again); d != "" {
		t.Errorf("after UpdateUser: %s", d)
	}

	if err := s.DeleteUser(ctxT(t), b.ID, u1.ID); !number.IsKind(err, number.KindNotFound) {
		t.Errorf("DeleteUser in another account: %v", err)
	}
	if err := s.DeleteUser(ctxT(t), a.ID, u1.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteUser twice", s.DeleteUser(ctxT(t), a.ID, u1.ID), number.KindNotFound)
	_, err = s.GetUser(ctxT(t), a.ID, u1.ID)
	wantKind(t, "GetUser after DeleteUser", err, number.KindNotFound)

	orphan := user(9, accountID(77), "nobody")
	wantKind(t, "InsertUser of an account that does not exist", s.InsertUser(ctxT(t), orphan), number.KindNotFound)
}

func testUsernameUnique(t *testing.T, s store.Store) {
	a, b := usersWorld(t, s)
	if err := s.InsertUser(ctxT(t), user(1, a.ID, "alice")); err != nil {
		t.Fatal(err)
	}
	err := s.InsertUser(ctxT(t), user(2, a.ID, "alice"))
	wantKind(t, "a second alice", err, number.KindConflict)
	if ne := number.AsError(err); ne == nil || ne.Cause != "username_not_unique" {
		t.Errorf("cause of a repeated username: %v", err)
	}
	if err := s.InsertUser(ctxT(t), user(3, b.ID, "alice")); err != nil {
		t.Errorf("alice in another account: %v", err)
	}
	// Users without a username may be many.
	for i := 4; i < 6; i++ {
		if err := s.InsertUser(ctxT(t), user(i, a.ID, "")); err != nil {
			t.Errorf("user without a username: %v", err)
		}
	}
	bob := user(6, a.ID, "bob")
	if err := s.InsertUser(ctxT(t), bob); err != nil {
		t.Fatal(err)
	}
	bob.Username = "alice"
	err = s.UpdateUser(ctxT(t), bob)
	if ne := number.AsError(err); ne == nil || ne.Kind != number.KindConflict || ne.Cause != "username_not_unique" {
		t.Errorf("renaming bob to alice: %v", err)
	}
	wantKind(t, "the same id twice", s.InsertUser(ctxT(t), user(6, a.ID, "bobby")), number.KindConflict)
}

func testUserConflicts(t *testing.T, s store.Store) {
	a, _ := usersWorld(t, s)
	u := user(1, a.ID, "alice")
	if err := s.InsertUser(ctxT(t), u); err != nil {
		t.Fatal(err)
	}
	one, _ := s.GetUser(ctxT(t), a.ID, u.ID)
	two, _ := s.GetUser(ctxT(t), a.ID, u.ID)
	one.Email = "one@example.com"
	if err := s.UpdateUser(ctxT(t), one); err != nil {
		t.Fatal(err)
	}
	two.Email = "two@example.com"
	wantKind(t, "a stale update", s.UpdateUser(ctxT(t), two), number.KindConflict)
	ghost := user(9, a.ID, "ghost")
	ghost.Version = 1
	wantKind(t, "an update of a user never stored", s.UpdateUser(ctxT(t), ghost), number.KindNotFound)
}

func testUsersByTag(t *testing.T, s store.Store) {
	a, b := usersWorld(t, s)
	c := account(3, "Third")
	mustInsertAccounts(t, s, c)
	u1, u2, u3, u4 := user(1, a.ID, "alice"), user(2, a.ID, "bob"), user(3, b.ID, "carol"), user(4, c.ID, "dan")
	u2.MD5Tag = u1.MD5Tag // two users of one account share a tag
	u3.MD5Tag = u1.MD5Tag // and one of another account
	u4.MD5Tag = u1.MD5Tag // and one of an account not asked about
	u2.Enabled = false
	for _, u := range []*store.User{u1, u2, u3, u4} {
		if err := s.InsertUser(ctxT(t), u); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(us []*store.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Username)
		}
		slices.Sort(out)
		return out
	}
	got, err := s.FindUsersByTag(ctxT(t), []string{a.ID, b.ID}, false, u1.MD5Tag)
	if err != nil || !slices.Equal(ids(got), []string{"alice", "bob", "carol"}) {
		t.Errorf("by MD5 tag in a and b = %v, %v", ids(got), err)
	}
	got, err = s.FindUsersByTag(ctxT(t), []string{a.ID}, true, u1.SHA1Tag)
	if err != nil || !slices.Equal(ids(got), []string{"alice"}) {
		t.Errorf("by SHA-1 tag = %v, %v", ids(got), err)
	}
	if got, err := s.FindUsersByTag(ctxT(t), []string{a.ID}, true, u1.MD5Tag); err != nil || len(got) != 0 {
		t.Errorf("an MD5 tag looked up as a SHA-1 tag = %v, %v", ids(got), err)
	}
	if got, err := s.FindUsersByTag(ctxT(t), []string{a.ID}, false, 0); err != nil || got == nil || len(got) != 0 {
		t.Errorf("tag 0 (no credentials) = %v, %v; want []", got, err)
	}
	if got, err := s.FindUsersByTag(ctxT(t), nil, false, u1.MD5Tag); err != nil || len(got) != 0 {
		t.Errorf("no accounts = %v, %v", got, err)
	}
}

func testFindAccountIDs(t *testing.T, s store.Store) {
	a, b := usersWorld(t, s) // "Acme, Inc." at acme, inc..example.com; "Other" at other.example.com
	twin := account(3, "ACME inc")
	twin.Public = number.Doc{"realm": json.RawMessage(`"SIP.Acme.example.com"`)}
	mustInsertAccounts(t, s, twin)
	got, err := s.FindAccountIDs(ctxT(t), number.AccountNameKey("acme inc."), "")
	if err != nil || !slices.Equal(got, []string{a.ID, twin.ID}) {
		t.Errorf("by name key = %v, %v", got, err)
	}
	got, err = s.FindAccountIDs(ctxT(t), "", "sip.acme.example.com")
	if err != nil || !slices.Equal(got, []string{twin.ID}) {
		t.Errorf("by realm = %v, %v", got, err)
	}
	if got, err := s.FindAccountIDs(ctxT(t), "", ""); err != nil || got == nil || len(got) != 0 {
		t.Errorf("nothing named = %v, %v; want []", got, err)
	}
	// A rename and a new realm are found at once.
	b.Name = "Renamed Ltd"
	b.Public = number.Doc{"realm": json.RawMessage(`"new.example.com"`)}
	if err := s.UpdateAccount(ctxT(t), b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindAccountIDs(ctxT(t), "renamedltd", ""); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("after a rename = %v", got)
	}
	if got, _ := s.FindAccountIDs(ctxT(t), "other", ""); len(got) != 0 {
		t.Errorf("the old name still finds %v", got)
	}
	if got, _ := s.FindAccountIDs(ctxT(t), "", "new.example.com"); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("after a new realm = %v", got)
	}
}

func testUsersCascade(t *testing.T, s store.Store) {
	a, b := usersWorld(t, s)
	if err := s.InsertUser(ctxT(t), user(1, a.ID, "alice")); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertUser(ctxT(t), user(2, b.ID, "bob")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctxT(t), a.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := s.ListUsers(ctxT(t), a.ID); err != nil || len(list) != 0 {
		t.Errorf("users of a deleted account = %v, %v", list, err)
	}
	if list, err := s.ListUsers(ctxT(t), b.ID); err != nil || len(list) != 1 {
		t.Errorf("users of another account = %v, %v", list, err)
	}
}

// testUserRace: of N writers updating the same version, exactly one wins.
func testUserRace(t *testing.T, s store.Store) {
	a, _ := usersWorld(t, s)
	u := user(1, a.ID, "alice")
	if err := s.InsertUser(ctxT(t), u); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cp := *u
			cp.Email = fmt.Sprintf("w%d@example.com", i)
			err := s.UpdateUser(ctxT(t), &cp)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !number.IsKind(err, number.KindConflict):
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d writers won, want 1", wins)
	}
}
