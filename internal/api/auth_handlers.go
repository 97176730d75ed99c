package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/numan-dev/numan/internal/users"
	"github.com/numan-dev/numan/number"
)

// handleAPIAuth is PUT /v2/api_auth: trade an account's API key for an
// auth token.
func handleAPIAuth(c *call) {
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return
	}
	data, err := env.data()
	if err != nil {
		c.fail(err)
		return
	}
	var key string
	if raw, ok := data["api_key"]; !ok {
		var v validationErrors
		v.add("api_key", "required", "Field is required but missing")
		c.fail(v.err())
		return
	} else if number.JSONType(raw) != "string" || json.Unmarshal(raw, &key) != nil || key == "" {
		var v validationErrors
		v.stringRule("api_key", raw, 1, -1)
		c.fail(v.err())
		return
	}
	acc, err := c.s.accounts.Authenticate(c.ctx, key)
	if err != nil {
		c.fail(err)
		return
	}
	tok, exp, err := c.s.auth.IssueToken(acc)
	if err != nil {
		c.fail(err)
		return
	}
	c.auth, c.token = acc, tok
	out, err := c.s.tokenData(c.ctx, acc, nil, exp)
	if err != nil {
		c.fail(err)
		return
	}
	out["auth_token"] = tok
	c.write(reply{status: http.StatusCreated, data: out, authToken: &tok})
}

// handleTokenInfo is GET /v2/token_info: who the caller's token belongs to.
func handleTokenInfo(c *call) {
	claims, err := c.s.auth.VerifyToken(c.token)
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

// tokenData is what Kazoo says of a token (crossbar_util:response_auth):
// the account, its reseller, the user it was issued to (owner_id; absent
// for an API key's token), the language and the apps (none: Numan has no
// app store). Numan adds superduper_admin, expires_at and, for a user,
// the username and priv_level.
func (s *Server) tokenData(ctx context.Context, acc *number.Account, u *users.User, exp time.Time) (map[string]any, error) {
	reseller, err := s.accounts.ResellerOf(ctx, acc)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"account_id":       acc.ID,
		"account_name":     acc.Name,
		"is_reseller":      acc.Reseller,
		"reseller_id":      reseller,
		"superduper_admin": acc.SuperduperAdmin,
		"expires_at":       exp.UTC().Format(time.RFC3339),
		"language":         "en-us",
		"apps":             []any{},
	}
	if u != nil {
		out["owner_id"] = u.ID
		out["username"] = u.Username
		out["priv_level"] = privLevel(u)
	}
	return out, nil
}

// handleHealth is GET /healthz: the process answers.
func handleHealth(c *call) { c.ok(map[string]any{"status": "ok"}) }

// handleReady is GET /readyz: the database serves a read and, on a
// primary, a write (a read-only file or database is not ready).
func handleReady(c *call) {
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
	defer cancel()
	if err := c.s.mgr.Ready(ctx); err != nil {
		c.s.log.Warn("readiness check failed", "err", err)
		c.fail(errUnavailable("the database cannot serve requests"))
		return
	}
	c.ok(map[string]any{"status": "ready"})
}

// handleMetrics is GET /metrics, in Prometheus' text format.
func handleMetrics(c *call) {
	c.status = http.StatusOK
	c.s.metrics.handler().ServeHTTP(c.w, c.r)
}
