package api

import (
	"encoding/json"
	"net/http"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/number"
)

// accountJSON is the account as the API shows it: its public fields, plus
// the flags Kazoo leaks from its private ones.
func (c *call) accountJSON(acc *number.Account) (map[string]any, error) {
	out := make(map[string]any, len(acc.Public)+8)
	for k, v := range acc.Public {
		out[k] = v
	}
	reseller, err := c.s.accounts.ResellerOf(c.ctx, acc)
	if err != nil {
		return nil, err
	}
	out["id"] = acc.ID
	out["name"] = acc.Name
	out["enabled"] = acc.Enabled
	out["is_reseller"] = acc.Reseller
	out["reseller_id"] = reseller
	out["superduper_admin"] = acc.SuperduperAdmin
	out["wnm_allow_additions"] = acc.AllowNumberAdditions
	out["parent_id"] = acc.ParentID
	out["created"] = gregorian(acc.Created)
	out["modified"] = gregorian(acc.Modified)
	return out, nil
}

// accountChanges reads a request's data as the changes it asks of an
// account: replacing the public fields (POST, PUT) or merging over them
// (PATCH). The fields' shapes are checked here; who may change what is the
// accounts service's to say.
func accountChanges(data number.Doc, merge bool) accounts.Changes {
	ch := accounts.Changes{Public: data, Merge: merge}
	var v validationErrors
	if raw, ok := data["name"]; ok {
		v.stringRule("name", raw, 1, 128)
		var name string
		if json.Unmarshal(raw, &name) == nil {
			ch.Name = &name
		}
	} else if !merge {
		v.add("name", "required", "Field is required but missing")
	}
	flags := []struct {
		key string
		dst **bool
	}{
		{"enabled", &ch.Enabled},
		{"is_reseller", &ch.Reseller},
		{"superduper_admin", &ch.SuperduperAdmin},
		{"wnm_allow_additions", &ch.AllowNumberAdditions},
	}
	for _, f := range flags {
		if raw, ok := data[f.key]; ok && v.typeRule(f.key, raw, "boolean") {
			var b bool
			_ = json.Unmarshal(raw, &b)
			*f.dst = &b
		}
	}
	ch.Invalid = v.err()
	return ch
}

// handleAccountCreate is PUT /v2/accounts/{ACCOUNT_ID} (a child of that
// account) and PUT /v2/accounts (a child of the caller).
func handleAccountCreate(c *call) {
	parent := c.account
	if parent == nil {
		parent = c.auth
	}
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
	acc, err := c.s.accounts.Create(c.ctx, c.auth, parent, accountChanges(data, false))
	if err != nil {
		c.fail(err)
		return
	}
	out, err := c.accountJSON(acc)
	if err != nil {
		c.fail(err)
		return
	}
	c.created(out)
}

// handleAccountGet is GET /v2/accounts/{ACCOUNT_ID}.
func handleAccountGet(c *call) {
	acc, err := c.s.accounts.GetLatest(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	out, err := c.accountJSON(acc)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handleAccountUpdate is POST (replace) and PATCH (merge) /v2/accounts/{ACCOUNT_ID}.
func handleAccountUpdate(c *call) {
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
	acc, err := c.s.accounts.Update(c.ctx, c.auth, c.account.ID, accountChanges(data, c.r.Method == http.MethodPatch))
	if err != nil {
		c.fail(err)
		return
	}
	out, err := c.accountJSON(acc)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handleAccountDelete is DELETE /v2/accounts/{ACCOUNT_ID}; it answers the
// account as it was.
func handleAccountDelete(c *call) {
	acc := c.account
	out, err := c.accountJSON(acc)
	if err != nil {
		c.fail(err)
		return
	}
	release, err := boolParam(c.r.URL.Query(), "release_numbers")
	if err != nil {
		c.fail(err)
		return
	}
	if _, err := c.s.mgr.DeleteAccount(c.ctx, c.auth, acc, release, c.requestID); err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handleAccountChildren is GET /v2/accounts/{ACCOUNT_ID}/children.
func handleAccountChildren(c *call) {
	list, err := c.s.accounts.Children(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountSummaries(list))
}

// handleAccountDescendants is GET /v2/accounts/{ACCOUNT_ID}/descendants.
func handleAccountDescendants(c *call) {
	list, err := c.s.accounts.Descendants(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountSummaries(list))
}

func accountSummaries(list []*number.Account) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		m := map[string]any{"id": a.ID, "name": a.Name, "tree": a.Tree, "enabled": a.Enabled}
		if a.Tree == nil {
			m["tree"] = []string{}
		}
		if realm, ok := a.Public["realm"]; ok {
			m["realm"] = realm
		}
		out = append(out, m)
	}
	return out
}

// handleAPIKeyGet is GET /v2/accounts/{ACCOUNT_ID}/api_key: the account's
// API key, for the account itself or an ancestor, as Kazoo.
func handleAPIKeyGet(c *call) {
	key, err := c.s.accounts.APIKey(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{"api_key": key})
}

// handleAPIKeyRenew is PUT /v2/accounts/{ACCOUNT_ID}/api_key: a new key;
// the old one stops working at once (tokens issued with it run out).
//
// Every token issued with the old key stops working (accounts.Caller); a
// caller renewing its own account's key gets a token of the new key in the
// envelope's auth_token, so its session goes on.
func handleAPIKeyRenew(c *call) {
	key, err := c.s.accounts.RenewAPIKey(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	rp := reply{status: http.StatusCreated, data: map[string]any{"api_key": key}}
	if c.auth != nil && c.auth.ID == c.account.ID {
		acc, err := c.s.accounts.GetLatest(c.ctx, c.account.ID)
		if err != nil {
			c.fail(err)
			return
		}
		tok, _, err := c.s.auth.IssueToken(acc)
		if err != nil {
			c.fail(err)
			return
		}
		c.token = tok
		rp.authToken = &tok
	}
	c.write(rp)
}
