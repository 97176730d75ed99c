package api

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/numan-dev/numan/internal/users"
)

// userPath is one user of an account.
const userPath = acct + "/users/{USER_ID}"

// usersService is the users service, or nil after answering 404 when the
// server has none.
func (c *call) usersService() *users.Service {
	if c.s.users == nil {
		c.fail(errPathNotFound())
	}
	return c.s.users
}

// privLevel is Kazoo's priv_level of a user.
func privLevel(u *users.User) string {
	if u.Admin {
		return "admin"
	}
	return "user"
}

// userJSON is a user as the API shows it (Kazoo's user document): the
// public fields and the service's own, never a password, a hash or a
// credentials digest.
func userJSON(u *users.User) map[string]any {
	out := map[string]any{}
	var pub map[string]json.RawMessage
	if json.Unmarshal(u.Public, &pub) == nil {
		for k, v := range pub {
			out[k] = v
		}
	}
	out["id"] = u.ID
	out["username"] = u.Username
	out["email"] = u.Email
	out["first_name"] = u.FirstName
	out["last_name"] = u.LastName
	out["priv_level"] = privLevel(u)
	out["enabled"] = u.Enabled
	out["created"] = gregorian(u.Created)
	out["modified"] = gregorian(u.Modified)
	return out
}

// userSummary is a user as the listing shows it.
func userSummary(u *users.User) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "email": u.Email, "first_name": u.FirstName,
		"last_name": u.LastName, "priv_level": privLevel(u), "enabled": u.Enabled,
	}
}

// userChanges reads a request's data as the changes it asks of a user.
// The fields' types are checked here; their values and who may change
// what are the users service's to say.
func userChanges(data map[string]json.RawMessage, merge bool) users.Changes {
	ch := users.Changes{Public: data, Merge: merge}
	var v validationErrors
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"username", &ch.Username}, {"password", &ch.Password}, {"email", &ch.Email},
		{"first_name", &ch.FirstName}, {"last_name", &ch.LastName},
	} {
		raw, ok := data[f.key]
		if !ok || string(raw) == "null" && merge {
			continue
		}
		if v.typeRule(f.key, raw, "string") {
			var s string
			_ = json.Unmarshal(raw, &s)
			*f.dst = &s
		}
	}
	if raw, ok := data["priv_level"]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil || s != "admin" && s != "user" {
			v.add("priv_level", "enum", "Value not found in enumerated list of values", "target", []string{"admin", "user"})
		} else {
			admin := s == "admin"
			ch.Admin = &admin
		}
	}
	if raw, ok := data["enabled"]; ok && v.typeRule("enabled", raw, "boolean") {
		var b bool
		_ = json.Unmarshal(raw, &b)
		ch.Enabled = &b
	}
	ch.Invalid = v.err()
	return ch
}

// handleUsersList is GET /v2/accounts/{ACCOUNT_ID}/users.
func handleUsersList(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	list, err := svc.List(c.ctx, c.actor(), c.account)
	if err != nil {
		c.fail(err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, u := range list {
		out = append(out, userSummary(u))
	}
	c.ok(out)
}

// handleUserCreate is PUT /v2/accounts/{ACCOUNT_ID}/users.
func handleUserCreate(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	data, ok := c.userData()
	if !ok {
		return
	}
	u, err := svc.Create(c.ctx, c.actor(), c.account, userChanges(data, false))
	if err != nil {
		c.fail(err)
		return
	}
	c.created(userJSON(u))
}

// handleUserGet is GET /v2/accounts/{ACCOUNT_ID}/users/{USER_ID}.
func handleUserGet(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	u, err := svc.Get(c.ctx, c.actor(), c.account, c.param("USER_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(userJSON(u))
}

// handleUserUpdate is POST (replace) and PATCH (merge)
// /v2/accounts/{ACCOUNT_ID}/users/{USER_ID}.
func handleUserUpdate(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	data, ok := c.userData()
	if !ok {
		return
	}
	u, err := svc.Update(c.ctx, c.actor(), c.account, c.param("USER_ID"), userChanges(data, c.r.Method == http.MethodPatch))
	if err != nil {
		c.fail(err)
		return
	}
	if c.user != nil && c.user.ID == u.ID && u.Stamp != c.user.Stamp {
		// The caller changed their own password or username: their
		// token ended with it; the reply carries a new one.
		if tok, _, err := c.s.auth.IssueUserToken(c.auth, u.ID, u.Stamp); err == nil {
			c.token = tok
		}
	}
	c.ok(userJSON(u))
}

// handleUserDelete is DELETE /v2/accounts/{ACCOUNT_ID}/users/{USER_ID}.
func handleUserDelete(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	u, err := svc.Delete(c.ctx, c.actor(), c.account, c.param("USER_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(userJSON(u))
}

// userData is the request's data object.
func (c *call) userData() (map[string]json.RawMessage, bool) {
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return nil, false
	}
	data, err := env.data()
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return data, true
}

// handleUserAuth is PUT /v2/user_auth: a Kazoo sign-in. data.credentials
// is the MD5 (or, with data.method "sha", SHA-1) of "username:password";
// data.account_name, account_realm, phone_number or account_id names the
// account. The reply is Kazoo's: the token in auth_token, and account_id,
// owner_id, account_name, is_reseller, reseller_id, language and apps.
func handleUserAuth(c *call) {
	svc := c.usersService()
	if svc == nil {
		return
	}
	data, ok := c.userData()
	if !ok {
		return
	}
	var v validationErrors
	str := func(k string, max int) string {
		raw, ok := data[k]
		if !ok || string(raw) == "null" {
			return ""
		}
		v.stringRule(k, raw, 1, max)
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	req := users.LoginRequest{
		Credentials: str("credentials", 64), Method: str("method", 8), AccountID: str("account_id", 32),
		AccountName: str("account_name", 128), AccountRealm: str("account_realm", 253), PhoneNumber: str("phone_number", 64),
		Client: clientAddr(c.r),
	}
	if req.AccountRealm == "" {
		req.AccountRealm = str("realm", 253)
	}
	if _, ok := data["credentials"]; !ok {
		v.add("credentials", "required", "Field is required but missing")
	}
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	login, err := svc.Login(c.ctx, req)
	var te *users.ThrottledError
	if errors.As(err, &te) {
		c.w.Header().Set("Retry-After", strconv.Itoa(int((te.Wait+time.Second-1)/time.Second)))
	}
	if err != nil {
		c.fail(err)
		return
	}
	tok, exp, err := c.s.auth.IssueUserToken(login.Account, login.User.ID, login.User.Stamp)
	if err != nil {
		c.fail(err)
		return
	}
	c.auth, c.user, c.token = login.Account, login.User, tok
	out, err := c.s.tokenData(c.ctx, login.Account, login.User, exp)
	if err != nil {
		c.fail(err)
		return
	}
	c.write(reply{status: http.StatusCreated, data: out, authToken: &tok})
}

// handleAuthTokenInfo is GET /v2/auth/tokeninfo?token= and POST
// /v2/auth/tokeninfo {"data":{"token":...}} (Kazoo's cb_auth): what a
// token says, if it is valid. The token asked about is the credential: a
// forged, expired or revoked one is 401.
func handleAuthTokenInfo(c *call) {
	tok := c.r.URL.Query().Get("token")
	if c.r.Method == http.MethodPost {
		data, ok := c.userData()
		if !ok {
			return
		}
		var v validationErrors
		raw, has := data["token"]
		if !has {
			v.add("token", "required", "Field is required but missing")
		} else {
			v.stringRule("token", raw, 1, 1024)
			_ = json.Unmarshal(raw, &tok)
		}
		if err := v.err(); err != nil {
			c.fail(err)
			return
		}
	}
	if tok == "" {
		c.fail(&apiError{http.StatusNotFound, "missing token in params", map[string]any{"message": "missing token in params"}})
		return
	}
	if err := c.s.authenticateToken(c, tok); err != nil {
		c.fail(err)
		return
	}
	claims, err := c.s.auth.VerifyToken(tok)
	if err != nil {
		c.fail(err)
		return
	}
	out, err := c.s.tokenData(c.ctx, c.auth, c.user, claims.Expires)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// clientAddr is the client's address, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
