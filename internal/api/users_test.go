package api

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func md5hex(s string) string  { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
func sha1hex(s string) string { sum := sha1.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }

// userWorld is an env with a reseller Acme (realm sip.acme.example.com,
// holding +14155550123) and two of its users: alice, an admin, and bob,
// who is not.
type userWorld struct {
	*env
	acme, acmeTok string
	alice, bob    string // user ids
}

func newUserWorld(t *testing.T, e *env) *userWorld {
	t.Helper()
	acme, acmeTok := e.child(e.master, "Acme, Inc.", "realm", "sip.acme.example.com", "is_reseller", true)
	w := &userWorld{env: e, acme: acme, acmeTok: acmeTok}
	e.seed(acme, "in_service", "+14155550123")
	w.alice = w.createUser(acmeTok, "Alice", "alice secret", "admin")
	w.bob = w.createUser(acmeTok, "bob", "bob secret!", "user")
	return w
}

func (w *userWorld) createUser(tok, username, password, priv string) string {
	w.t.Helper()
	r := w.must(201, "PUT", "/v2/accounts/"+w.acme+"/users", tok, map[string]any{"data": map[string]any{
		"username": username, "password": password, "first_name": username, "last_name": "Tester",
		"email": strings.ToLower(username) + "@example.com", "priv_level": priv, "timezone": "Europe/Paris",
	}})
	id, _ := r.dataMap()["id"].(string)
	return id
}

// userAuth signs in as Kazoo clients do and returns the reply.
func (w *userWorld) userAuth(data map[string]any) *resp {
	w.t.Helper()
	return w.do("PUT", "/v2/user_auth", "", map[string]any{"data": data})
}

// Kazoo's user_auth: the MD5 (or SHA-1) of "username:password" and the
// account's name, realm, a number it holds or its id; the reply carries
// the token in auth_token and Kazoo's fields in data.
func TestUserAuth(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newUserWorld(t, e)
		md5Creds := md5hex("alice:alice secret") // Kazoo keeps usernames in lower case
		for _, tc := range []struct {
			name string
			data map[string]any
		}{
			{"account name", map[string]any{"credentials": md5Creds, "account_name": "Acme, Inc."}},
			{"account name as typed", map[string]any{"credentials": md5Creds, "account_name": "acme inc"}},
			{"method md5", map[string]any{"credentials": md5Creds, "method": "md5", "account_name": "Acme, Inc."}},
			{"sha", map[string]any{"credentials": sha1hex("alice:alice secret"), "method": "sha", "account_name": "Acme, Inc."}},
			{"realm", map[string]any{"credentials": md5Creds, "account_realm": "sip.acme.example.com"}},
			{"phone number", map[string]any{"credentials": md5Creds, "phone_number": "+14155550123"}},
			{"account id", map[string]any{"credentials": md5Creds, "account_id": w.acme}},
			{"ui_metadata is ignored", map[string]any{"credentials": md5Creds, "account_name": "Acme, Inc.", "ui_metadata": map[string]any{"ui": "monster-ui"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := w.userAuth(tc.data)
				if r.code != 201 {
					t.Fatalf("user_auth: %d %s", r.code, r.raw)
				}
				tok, _ := r.env["auth_token"].(string)
				d := r.dataMap()
				if tok == "" || d["account_id"] != w.acme || d["owner_id"] != w.alice || d["account_name"] != "Acme, Inc." ||
					d["is_reseller"] != true || d["reseller_id"] != w.acme || d["language"] == nil || d["apps"] == nil || r.env["status"] != "success" {
					t.Fatalf("reply not Kazoo's: %s", r.raw)
				}
				for _, secret := range []string{"alice secret", md5Creds, "argon2", "credentials"} {
					if bytes.Contains(r.raw, []byte(secret)) {
						t.Errorf("the reply holds %q: %s", secret, r.raw)
					}
				}
				// The token works, as the user.
				e.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", tok, nil)
				info := e.must(200, "GET", "/v2/token_info", tok, nil).dataMap()
				if info["owner_id"] != w.alice || info["username"] != "alice" || info["priv_level"] != "admin" {
					t.Errorf("token_info of a user's token: %v", info)
				}
			})
		}
		for _, tc := range []struct {
			name string
			data map[string]any
			code int
		}{
			{"wrong password", map[string]any{"credentials": md5hex("alice:wrong"), "account_name": "Acme, Inc."}, 401},
			{"another account", map[string]any{"credentials": md5Creds, "account_name": "master"}, 401},
			{"no account", map[string]any{"credentials": md5Creds}, 401},
			{"no credentials", map[string]any{"account_name": "Acme, Inc."}, 400},
			{"credentials not a string", map[string]any{"credentials": 12, "account_name": "Acme, Inc."}, 400},
			{"unknown method", map[string]any{"credentials": md5Creds, "method": "rot13", "account_name": "Acme, Inc."}, 400},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := w.userAuth(tc.data)
				if r.code != tc.code || r.env["status"] != "error" {
					t.Fatalf("%d %s, want %d", r.code, r.raw, tc.code)
				}
				if tc.code == 401 && r.env["message"] != "invalid_credentials" {
					t.Errorf("401 reply: %s", r.raw)
				}
			})
		}
	})
}

// POST /v2/auth/tokeninfo {"data":{"token":...}} and GET ?token= say
// whose a token is, Kazoo's way; a bad token is 401.
func TestAuthTokenInfo(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newUserWorld(t, e)
		tok, _ := w.userAuth(map[string]any{"credentials": md5hex("bob:bob secret!"), "account_name": "Acme, Inc."}).env["auth_token"].(string)
		check := func(r *resp) {
			t.Helper()
			d := r.dataMap()
			if r.code != 200 || d["owner_id"] != w.bob || d["account_id"] != w.acme || d["account_name"] != "Acme, Inc." ||
				d["reseller_id"] != w.acme || d["language"] == nil || d["apps"] == nil {
				t.Fatalf("tokeninfo: %d %s", r.code, r.raw)
			}
		}
		check(e.do("POST", "/v2/auth/tokeninfo", "", map[string]any{"data": map[string]any{"token": tok}}))
		check(e.do("GET", "/v2/auth/tokeninfo?token="+tok, "", nil))
		// An API key's token has no owner.
		r := e.must(200, "POST", "/v2/auth/tokeninfo", "", map[string]any{"data": map[string]any{"token": w.acmeTok}})
		if _, ok := r.dataMap()["owner_id"]; ok || r.dataMap()["account_id"] != w.acme {
			t.Errorf("tokeninfo of an API key's token: %s", r.raw)
		}
		if r := e.do("POST", "/v2/auth/tokeninfo", "", map[string]any{"data": map[string]any{"token": tok[:len(tok)-2] + "xx"}}); r.code != 401 {
			t.Errorf("a forged token: %d %s", r.code, r.raw)
		}
		if r := e.do("POST", "/v2/auth/tokeninfo", "", map[string]any{"data": map[string]any{}}); r.code != 400 {
			t.Errorf("no token in the body: %d %s", r.code, r.raw)
		}
		if r := e.do("GET", "/v2/auth/tokeninfo", "", nil); r.code != 404 || r.env["message"] != "missing token in params" {
			t.Errorf("no token in the query: %d %s", r.code, r.raw)
		}
	})
}

// The users of an account: Kazoo's shapes, never a password or hash, and
// who may do what.
func TestUsersAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newUserWorld(t, e)
		base := "/v2/accounts/" + w.acme + "/users"
		list := e.must(200, "GET", base, w.acmeTok, nil)
		items, _ := list.data().([]any)
		if len(items) != 2 {
			t.Fatalf("list: %s", list.raw)
		}
		first, _ := items[0].(map[string]any)
		for _, k := range []string{"id", "username", "email", "first_name", "last_name", "priv_level", "enabled"} {
			if _, ok := first[k]; !ok {
				t.Errorf("listing lacks %s: %v", k, first)
			}
		}
		one := e.must(200, "GET", base+"/"+w.alice, w.acmeTok, nil)
		d := one.dataMap()
		if d["username"] != "alice" || d["priv_level"] != "admin" || d["enabled"] != true || d["timezone"] != "Europe/Paris" || d["created"] == nil {
			t.Errorf("user: %s", one.raw)
		}
		for _, r := range []*resp{list, one} {
			for _, secret := range []string{"alice secret", "password", "argon2", "md5", "sha1", `"stamp"`} {
				if bytes.Contains(bytes.ToLower(r.raw), []byte(secret)) {
					t.Errorf("a reply holds %q: %s", secret, r.raw)
				}
			}
		}
		// PATCH merges, POST replaces (the password stays unless sent).
		e.must(200, "PATCH", base+"/"+w.bob, w.acmeTok, map[string]any{"data": map[string]any{"email": "robert@example.com"}})
		r := e.must(200, "POST", base+"/"+w.bob, w.acmeTok, map[string]any{"data": map[string]any{"first_name": "Robert", "last_name": "Tester", "username": "bob", "priv_level": "user"}})
		if r.dataMap()["first_name"] != "Robert" || r.dataMap()["email"] != "" || r.dataMap()["timezone"] != nil {
			t.Errorf("POST replaces: %s", r.raw)
		}
		if w.userAuth(map[string]any{"credentials": md5hex("bob:bob secret!"), "account_name": "Acme, Inc."}).code != 201 {
			t.Error("the password went with a POST that did not send it")
		}
		// Refusals in Kazoo's validation shape.
		for _, body := range []map[string]any{
			{"username": "alice", "password": "whatever1", "first_name": "A", "last_name": "B"}, // taken
			{"username": "carol", "password": "short", "first_name": "A", "last_name": "B"},
			{"username": "carol", "first_name": "A", "last_name": "B", "priv_level": "god"},
			{"username": "carol", "last_name": "B"},
			{"username": 7, "first_name": "A", "last_name": "B"},
		} {
			if r := e.do("PUT", base, w.acmeTok, map[string]any{"data": body}); r.code != 400 || r.env["message"] != "validation error" {
				t.Errorf("PUT %v: %d %s", body, r.code, r.raw)
			}
		}
		// Another account's users are out of reach.
		other, otherTok := e.child(e.master, "Other")
		e.must(403, "GET", base, otherTok, nil)
		e.must(403, "PUT", "/v2/accounts/"+w.acme+"/users", otherTok, map[string]any{"data": map[string]any{"first_name": "A", "last_name": "B"}})
		e.must(404, "GET", "/v2/accounts/"+other+"/users/"+w.alice, e.token, nil)
		// Delete.
		carol := w.createUser(w.acmeTok, "carol", "carol secret", "user")
		e.must(200, "DELETE", base+"/"+carol, w.acmeTok, nil)
		e.must(404, "GET", base+"/"+carol, w.acmeTok, nil)
	})
}

// A user who is not an admin only reads: every write is 403, but for
// their own user document (not their rights). A new password ends the
// user's old token and the reply carries a new one.
func TestReadOnlyUser(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newUserWorld(t, e)
		bobTok, _ := w.userAuth(map[string]any{"credentials": md5hex("bob:bob secret!"), "account_name": "Acme, Inc."}).env["auth_token"].(string)
		e.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", bobTok, nil)
		e.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers?prefix=415", bobTok, nil)
		for _, req := range []struct{ method, path string }{
			{"PATCH", e.numPath(w.acme, "+14155550123")},
			{"DELETE", e.numPath(w.acme, "+14155550123")},
			{"PUT", "/v2/accounts/" + w.acme + "/phone_numbers/collection/activate"},
			{"PUT", "/v2/accounts/" + w.acme},
			{"PATCH", "/v2/accounts/" + w.acme},
			{"PUT", "/v2/accounts/" + w.acme + "/users"},
			{"PATCH", "/v2/accounts/" + w.acme + "/users/" + w.alice},
		} {
			if r := e.do(req.method, req.path, bobTok, map[string]any{"data": map[string]any{"numbers": []string{"+14155550123"}, "note": "x", "name": "x", "first_name": "x", "last_name": "x"}}); r.code != 403 {
				t.Errorf("%s %s by a read-only user: %d %s", req.method, req.path, r.code, r.raw)
			}
		}
		if n, _ := e.st.GetNumber(t.Context(), "+14155550123"); n == nil || n.State != "in_service" {
			t.Fatalf("a refused write changed the number: %+v", n)
		}
		self := "/v2/accounts/" + w.acme + "/users/" + w.bob
		e.must(403, "PATCH", self, bobTok, map[string]any{"data": map[string]any{"priv_level": "admin"}})
		e.must(200, "PATCH", self, bobTok, map[string]any{"data": map[string]any{"first_name": "Bobby"}})
		r := e.must(200, "PATCH", self, bobTok, map[string]any{"data": map[string]any{"password": "a new secret"}})
		newTok, _ := r.env["auth_token"].(string)
		if newTok == "" || newTok == bobTok {
			t.Fatalf("no new token after a new password: %s", r.raw)
		}
		e.must(401, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", bobTok, nil)
		e.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", newTok, nil)
		// An admin disables bob: his token ends.
		aliceTok, _ := w.userAuth(map[string]any{"credentials": md5hex("alice:alice secret"), "account_name": "Acme, Inc."}).env["auth_token"].(string)
		e.must(200, "PATCH", self, aliceTok, map[string]any{"data": map[string]any{"enabled": false}})
		e.must(401, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", newTok, nil)
		// Renewing the account's API key does not sign its users out.
		e.must(201, "PUT", "/v2/accounts/"+w.acme+"/api_key", e.token, nil)
		e.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers", aliceTok, nil)
	})
}

// Failed sign-ins from one address are throttled: 429 with Retry-After,
// even for the right credentials, until the window ends.
func TestUserAuthThrottled(t *testing.T) {
	e := newEnv(t)
	w := newUserWorld(t, e)
	for range 10 {
		if r := w.userAuth(map[string]any{"credentials": md5hex("alice:guess"), "account_name": "Acme, Inc."}); r.code != 401 {
			t.Fatalf("a failure: %d %s", r.code, r.raw)
		}
	}
	r := w.userAuth(map[string]any{"credentials": md5hex("alice:alice secret"), "account_name": "Acme, Inc."})
	if r.code != 429 || r.header.Get("Retry-After") == "" || r.env["status"] != "error" {
		t.Fatalf("after 10 failures: %d %v %s", r.code, r.header, r.raw)
	}
	e.clock.advance(16 * 60e9)
	if r := w.userAuth(map[string]any{"credentials": md5hex("alice:alice secret"), "account_name": "Acme, Inc."}); r.code != 201 {
		t.Fatalf("after the window: %d %s", r.code, r.raw)
	}
}

// Neither passwords nor credentials digests reach the log, at any level.
func TestUserSecretsNotLogged(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	e.srv.log = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := newUserWorld(t, e)
	w.userAuth(map[string]any{"credentials": md5hex("alice:alice secret"), "account_name": "Acme, Inc."})
	w.userAuth(map[string]any{"credentials": md5hex("alice:wrong secret"), "account_name": "Acme, Inc."})
	e.do("PATCH", "/v2/accounts/"+w.acme+"/users/"+w.bob, w.acmeTok, map[string]any{"data": map[string]any{"password": "planted password"}})
	if buf.Len() == 0 {
		t.Fatal("nothing was logged")
	}
	for _, secret := range []string{"alice secret", "wrong secret", "planted password", md5hex("alice:alice secret"), md5hex("alice:wrong secret"), "argon2id"} {
		if bytes.Contains(buf.Bytes(), []byte(secret)) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if !slices.ContainsFunc(strings.Split(buf.String(), "\n"), func(l string) bool { return strings.Contains(l, "user_auth") }) {
		t.Errorf("the sign-ins were not logged at all:\n%s", buf.String())
	}
}
