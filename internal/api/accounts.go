package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/numan-dev/numan/number"
)

// Account fields the API computes or guards; everything else a client sends
// is kept as free-form public data.
var accountComputedKeys = []string{"id", "name", "enabled", "is_reseller", "reseller_id", "superduper_admin",
	"wnm_allow_additions", "api_key", "accept_charges", "tree", "parent_id", "created", "modified"}

// accountJSON is the account as the API shows it: its public fields, plus
// the flags Kazoo leaks from its private ones.
func (c *call) accountJSON(acc *number.Account) (map[string]any, error) {
	out := make(map[string]any, len(acc.Public)+8)
	for k, v := range acc.Public {
		out[k] = v
	}
	reseller, err := c.s.resellerOf(c.ctx, acc)
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

// applyAccountData writes a request's data into acc: replacing the public
// fields (POST, PUT) or merging over them (PATCH). Only the master changes
// the reseller, allow-additions and superduper flags.
func (c *call) applyAccountData(acc *number.Account, data number.Doc, merge bool) error {
	var v validationErrors
	if raw, ok := data["name"]; ok {
		v.stringRule("name", raw, 1, 128)
		_ = json.Unmarshal(raw, &acc.Name)
	} else if !merge {
		v.add("name", "required", "Field is required but missing")
	}
	if raw, ok := data["enabled"]; ok && v.typeRule("enabled", raw, "boolean") {
		_ = json.Unmarshal(raw, &acc.Enabled)
	}
	flags := []struct {
		key string
		dst *bool
	}{{"is_reseller", &acc.Reseller}, {"superduper_admin", &acc.SuperduperAdmin}, {"wnm_allow_additions", &acc.AllowNumberAdditions}}
	for _, f := range flags {
		raw, ok := data[f.key]
		if !ok || !v.typeRule(f.key, raw, "boolean") {
			continue
		}
		var want bool
		_ = json.Unmarshal(raw, &want)
		if want == *f.dst {
			continue
		}
		if !c.auth.SuperduperAdmin {
			return errForbidden("only the master account may set " + f.key)
		}
		*f.dst = want
	}
	if err := v.err(); err != nil {
		return err
	}
	public := number.Doc{}
	if merge {
		public = acc.Public.Clone()
	}
	for k, raw := range data {
		if slices.Contains(accountComputedKeys, k) || strings.HasPrefix(k, "_") || strings.HasPrefix(k, "pvt_") {
			continue
		}
		if merge && jsonType(raw) == "null" {
			delete(public, k)
			continue
		}
		public[k] = raw
	}
	acc.Public = public
	return nil
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
	now := c.s.now()
	acc := &number.Account{
		ID:       NewAccountID(),
		ParentID: parent.ID,
		Tree:     append(slices.Clone(parent.Tree), parent.ID),
		Enabled:  true,
		Public:   number.Doc{},
		Created:  now,
		Modified: now,
	}
	if err := c.applyAccountData(acc, data, false); err != nil {
		c.fail(err)
		return
	}
	if err := c.s.auth.SetAPIKey(acc, NewAPIKey()); err != nil {
		c.fail(err)
		return
	}
	if err := c.s.store.InsertAccount(c.ctx, acc); err != nil {
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
	acc, err := c.s.store.GetAccount(c.ctx, c.account.ID)
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
	acc, err := c.s.store.GetAccount(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	if err := c.applyAccountData(acc, data, c.r.Method == http.MethodPatch); err != nil {
		c.fail(err)
		return
	}
	if acc.ID == c.auth.ID && !acc.Enabled {
		c.fail(errForbidden("an account may not disable itself"))
		return
	}
	acc.Modified = c.s.now()
	if err := c.s.accounts.UpdateAccount(c.ctx, acc); err != nil {
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

// handleAccountDelete is DELETE /v2/accounts/{ACCOUNT_ID}. An account with
// children, and the caller's own account, are not deleted.
func handleAccountDelete(c *call) {
	acc := c.account
	if acc.ID == c.auth.ID {
		c.fail(errForbidden("an account may not delete itself"))
		return
	}
	children, err := c.s.store.ListChildren(c.ctx, acc.ID)
	if err != nil {
		c.fail(err)
		return
	}
	if len(children) > 0 {
		c.fail(&apiError{http.StatusBadRequest, "account_has_descendants",
			map[string]any{"message": "account has descendants; delete them first", "cause": acc.ID}})
		return
	}
	out, err := c.accountJSON(acc)
	if err != nil {
		c.fail(err)
		return
	}
	if err := c.s.accounts.DeleteAccount(c.ctx, acc.ID); err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handleAccountChildren is GET /v2/accounts/{ACCOUNT_ID}/children.
func handleAccountChildren(c *call) {
	list, err := c.s.store.ListChildren(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(accountSummaries(list))
}

// handleAccountDescendants is GET /v2/accounts/{ACCOUNT_ID}/descendants.
func handleAccountDescendants(c *call) {
	list, err := c.s.store.ListDescendants(c.ctx, c.account.ID)
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
	acc, err := c.s.store.GetAccount(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	key, err := c.s.auth.Open(acc.APIKeySealed)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{"api_key": key})
}

// handleAPIKeyRenew is PUT /v2/accounts/{ACCOUNT_ID}/api_key: a new key;
// the old one stops working at once (tokens issued with it run out).
func handleAPIKeyRenew(c *call) {
	acc, err := c.s.store.GetAccount(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	key := NewAPIKey()
	if err := c.s.auth.SetAPIKey(acc, key); err != nil {
		c.fail(err)
		return
	}
	acc.Modified = c.s.now()
	if err := c.s.accounts.UpdateAccount(c.ctx, acc); err != nil {
		c.fail(err)
		return
	}
	c.created(map[string]any{"api_key": key})
}
