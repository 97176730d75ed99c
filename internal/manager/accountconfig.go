package manager

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
)

// AccountSettings returns the number_manager settings in force for the
// numbers of account: system config (cfg) overlaid with the account
// documents of its ancestors and its own (number.ResolveAccountConfig). An
// unassigned number, or an account that no longer exists, has system
// config's.
func (m *Manager) AccountSettings(ctx context.Context, cfg number.Config, account string) (number.AccountSettings, error) {
	if account == "" {
		return number.ResolveAccountConfig(cfg, nil, nil), nil
	}
	acc, err := m.accounts.Get(ctx, account)
	if number.IsKind(err, number.KindNotFound) {
		return number.ResolveAccountConfig(cfg, nil, nil), nil
	}
	if err != nil {
		return number.AccountSettings{}, err
	}
	return m.settingsAlong(ctx, cfg, append(slices.Clone(acc.Tree), acc.ID))
}

// settingsAlong resolves the settings along ids: an account's tree, root
// first, ending with the account.
func (m *Manager) settingsAlong(ctx context.Context, cfg number.Config, ids []string) (number.AccountSettings, error) {
	var err error
	docs := make([]number.AccountConfig, len(ids))
	for i, id := range ids {
		if docs[i], err = m.accountConfig(ctx, id); err != nil {
			return number.AccountSettings{}, err
		}
	}
	return number.ResolveAccountConfig(cfg, ids, docs), nil
}

// accountConfig reads an account's own document through the config
// cache (an absent one is empty).
func (m *Manager) accountConfig(ctx context.Context, id string) (number.AccountConfig, error) {
	raw, err := m.cfg.Effective(ctx, config.AccountConfigID(id))
	if err != nil {
		return number.AccountConfig{}, err
	}
	// Every request reads its account's settings (rate limits), every
	// listing and save too: decode a document once, not on every read,
	// while its bytes stay the same.
	if d, ok := m.decodedConfigs.Load(id); ok && bytes.Equal(d.(*decodedConfig).raw, raw) {
		return d.(*decodedConfig).c, nil
	}
	c, err := number.DecodeAccountConfig(raw)
	if err == nil {
		m.decodedConfigs.Store(id, &decodedConfig{raw: bytes.Clone(raw), c: c})
	}
	if err != nil {
		// Written documents are validated; one that no longer decodes
		// (a key removed from Numan) must not stop every save.
		m.log.ErrorContext(ctx, "an account's number_manager document does not decode; ignored", "account", id, "err", err)
		return number.AccountConfig{}, nil
	}
	return c, nil
}

// decodedConfig is an account's number_manager document as last decoded.
type decodedConfig struct {
	raw []byte
	c   number.AccountConfig
}

// AccountConfigView is what an account's number_manager endpoint shows.
type AccountConfigView struct {
	// Stored is the account's own document, as stored.
	Stored map[string]json.RawMessage
	// Effective are the settings in force for the account's numbers.
	Effective number.AccountSettings
	// RoutingJob is the job started by a write that changed the routing.
	RoutingJob *RoutingJob
}

// mayReadAccountConfig: the account itself, its ancestors and admins.
func mayReadAccountConfig(by number.Requester, rel number.Accounts, account string) bool {
	return by.System || by.IsAdmin(rel) || rel.InHierarchy(by.AccountID, account)
}

// mayWriteAccountConfig: admins any document; a reseller the documents of
// the accounts below it, and the routing and port authority of its own (its features and
// providers are its own reseller's or the master's to decide, or a
// reseller could allow itself what it was denied).
func mayWriteAccountConfig(by number.Requester, rel number.Accounts, account string, keys []string) bool {
	if by.System || by.IsAdmin(rel) {
		return true
	}
	caller := rel[by.AccountID]
	if caller == nil || !caller.Reseller || !rel.InHierarchy(by.AccountID, account) {
		return false
	}
	if by.AccountID != account {
		return true
	}
	return !slices.ContainsFunc(keys, func(k string) bool { return k != "routing" && k != "port" })
}

// GetAccountConfig returns an account's number_manager document and the
// settings in force for its numbers.
func (m *Manager) GetAccountConfig(ctx context.Context, by number.Requester, account string) (*AccountConfigView, error) {
	rel, err := m.Relations(ctx, by.AccountID, account)
	if err != nil {
		return nil, err
	}
	if rel[account] == nil {
		return nil, number.NewError(number.KindNotFound, account)
	}
	if !mayReadAccountConfig(by, rel, account) {
		return nil, number.NewError(number.KindForbidden, "")
	}
	return m.accountConfigView(ctx, account)
}

func (m *Manager) accountConfigView(ctx context.Context, account string) (*AccountConfigView, error) {
	doc, err := m.cfg.Sections(ctx, config.AccountConfigID(account))
	if err != nil {
		return nil, err
	}
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	eff, err := m.AccountSettings(ctx, cfg, account)
	if err != nil {
		return nil, err
	}
	stored := config.Section(doc, config.DefaultSection)
	if stored == nil {
		stored = map[string]json.RawMessage{}
	}
	return &AccountConfigView{Stored: stored, Effective: eff}, nil
}

// PutAccountConfig replaces (or, with merge, merges into: a null removes a
// key) an account's number_manager document, after checking it names only
// registered carriers and providers that serve the right feature, and
// routes its carriers can take. A change of routing re-points the numbers
// in service under the account (StartRouting), and the view names the job.
func (m *Manager) PutAccountConfig(ctx context.Context, by number.Requester, account string, data map[string]json.RawMessage, merge bool) (*AccountConfigView, error) {
	rel, err := m.Relations(ctx, by.AccountID, account)
	if err != nil {
		return nil, err
	}
	if rel[account] == nil {
		return nil, number.NewError(number.KindNotFound, account)
	}
	id := config.AccountConfigID(account)
	doc, err := m.cfg.Sections(ctx, id)
	if err != nil {
		return nil, err
	}
	stored := config.Section(doc, config.DefaultSection)
	next := map[string]json.RawMessage{}
	if merge {
		maps.Copy(next, stored)
	}
	for k, v := range data {
		if k == "id" || k == "_read_only" {
			continue
		}
		if merge && string(bytes.TrimSpace(v)) == "null" {
			delete(next, k)
			continue
		}
		next[k] = v
	}
	var touched []string
	for k := range next {
		if !bytes.Equal(next[k], stored[k]) {
			touched = append(touched, k)
		}
	}
	for k := range stored {
		if _, ok := next[k]; !ok {
			touched = append(touched, k)
		}
	}
	if !mayWriteAccountConfig(by, rel, account, touched) {
		return nil, &number.Error{Kind: number.KindForbidden, Cause: "only the master and the resellers above an account set its number_manager (a reseller sets its own routing)"}
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return nil, err
	}
	c, err := number.DecodeAccountConfig(raw)
	if err != nil {
		return nil, err
	}
	if err := m.validateAccountConfig(ctx, c); err != nil {
		return nil, err
	}
	before, err := m.accountConfig(ctx, account)
	if err != nil {
		return nil, err
	}
	if err := m.cfg.WriteSection(ctx, id, config.DefaultSection, next); err != nil {
		return nil, err
	}
	view, err := m.accountConfigView(ctx, account)
	if err != nil {
		return nil, err
	}
	if changed := changedRoutes(before.Routing, c.Routing); len(changed) > 0 {
		job, err := m.StartRouting(ctx, by, account, changed)
		if err != nil {
			return nil, err
		}
		view.RoutingJob = job
	}
	return view, nil
}

// DeleteAccountConfig removes an account's document: its accounts fall
// back on their resellers' and system config. Routing it set is re-pointed.
func (m *Manager) DeleteAccountConfig(ctx context.Context, by number.Requester, account string) (*AccountConfigView, error) {
	return m.PutAccountConfig(ctx, by, account, map[string]json.RawMessage{}, false)
}

// changedRoutes lists the carriers whose route differs between two
// routing maps, sorted.
func changedRoutes(before, after map[string]json.RawMessage) []string {
	var out []string
	for c, r := range after {
		if !jsonSame(before[c], r) {
			out = append(out, c)
		}
	}
	for c := range before {
		if _, ok := after[c]; !ok {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func jsonSame(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// validateAccountConfig checks what only the registries know: carriers
// registered, providers registered and serving their feature, routes a
// carrier can take.
func (m *Manager) validateAccountConfig(ctx context.Context, c number.AccountConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	for _, n := range c.CarrierModules {
		if !carrier.Registered(n) {
			return number.Errorf(number.KindInvalid, "", "number_manager.carrier_modules: unknown carrier %q (known: %s)", n, strings.Join(carrier.Names(), ", "))
		}
	}
	if err := checkProviderKey("e911_provider", c.E911Provider, number.FeatureE911); err != nil {
		return err
	}
	if err := checkProviderKey("cnam_provider", c.CNAMProvider, number.FeatureCNAM); err != nil {
		return err
	}
	for name, route := range c.Routing {
		if !carrier.Registered(name) {
			return number.Errorf(number.KindInvalid, "", "number_manager.routing: unknown carrier %q", name)
		}
		cr, err := m.carriers.Get(ctx, name)
		if err != nil {
			return number.Errorf(number.KindInvalid, "", "number_manager.routing.%s: the carrier is not usable: %v", name, err)
		}
		r, ok := cr.(carrier.Router)
		if !ok {
			return number.Errorf(number.KindInvalid, "", "number_manager.routing.%s: the carrier cannot route numbers", name)
		}
		if err := r.CheckRoute(route); err != nil {
			return err
		}
	}
	return nil
}

// checkProviderKey checks that e911_provider or cnam_provider names a
// registered provider serving feat.
func checkProviderKey(key, name, feat string) error {
	if name == "" {
		return nil
	}
	info, ok := feature.Lookup(name)
	if !ok || !info.Serves(feat) {
		return number.Errorf(number.KindInvalid, "", "number_manager.%s: %q is not a registered %s provider (known: %s)",
			key, name, feat, strings.Join(feature.Serving(feat, ""), ", "))
	}
	return nil
}

// RateLimits returns the API rate limits in force for the callers of acc
// (an authenticated account, its Tree set): the nearest number_manager
// document's on its tree, else system config's; nil when there are none.
func (m *Manager) RateLimits(ctx context.Context, acc *number.Account) (*number.RateLimits, error) {
	cfg, _, err := m.Config(ctx)
	if err != nil {
		return nil, err
	}
	s, err := m.settingsAlong(ctx, cfg, append(slices.Clone(acc.Tree), acc.ID))
	if err != nil {
		return nil, err
	}
	return s.RateLimits, nil
}
