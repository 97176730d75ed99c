package manager

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// ManualActionsKey is the key of a number's carrier data under which the
// manual actions its feature providers asked for wait for an operator
// ({id: feature.ManualAction}). They are written with the number, in the
// same conditional write, so an action is never lost nor recorded for a
// save that did not happen.
const ManualActionsKey = "manual_actions"

// featureOf maps a public feature key or a private one to the public
// feature its provider serves: inbound_cnam and outbound_cnam are cnam's.
func featureOf(f string) string { return feature.FeatureOf(f) }

// applyFeatures is Kazoo's provider step (knm_providers:save), run on
// every save but assign_to_app, after the state transition and before the
// write:
//
//   - carrier_name (admins only) renames the number's carrier;
//   - a feature requested in the public fields that the number may not
//     have (features.allow/deny of system config and the account's
//     resellers, used_by for failover, local numbers) fails the number
//     403, as in Kazoo; sms and mms are skipped instead;
//   - every other requested or held feature is saved through the provider
//     that serves it (feature.Save), in provider-name order: on a dry run
//     no provider is called and the number shows what the request implies,
//     for the quote.
//
// A provider error fails the number, and the feature stays as it was: not
// active, not billed. keep is true when the number must be written all
// the same: it was bought from its carrier in this operation, and losing
// that purchase would be worse than a feature that failed (the number is
// written in service without it, and reported failed with the error).
func (m *Manager) applyFeatures(ctx context.Context, b *batch, it *item, op Op) (keep bool, err error) {
	n := it.n
	if raw, ok := n.Public[number.FeatureCarrierName]; ok {
		if !op.AuthBy.IsAdmin(b.rel) {
			return false, number.NewError(number.KindForbidden, n.Number)
		}
		var name string
		if json.Unmarshal(raw, &name) != nil || !carrier.Registered(name) {
			return false, &number.Error{Kind: number.KindInvalid, Number: n.Number, Cause: "'" + strings.Trim(string(raw), `"`) + "' is not known by the system"}
		}
		n.SetModuleName(name)
		delete(n.Public, number.FeatureCarrierName)
	}
	requested, records := number.RequestedFeatures(n), feature.Records(n)
	if len(requested) == 0 && !anyHeld(records) {
		// No feature asked for, none held: nothing to check or run (a
		// bulk load's numbers, most moves).
		return false, nil
	}
	settings, err := m.settingsFor(ctx, b, n.AssignedTo)
	if err != nil {
		return false, err
	}
	policy := settings.Policy(b.cfg.LocalFeatureOverride)
	available := map[string]bool{}
	for _, f := range number.AvailableFeatures(n, policy, op.AuthBy, b.rel) {
		available[featureOf(f)] = true
	}
	if slices.Contains(number.DeniedFeatures(n, policy, op.AuthBy, b.rel), number.FeatureCNAM) {
		// Denying cnam denies both halves (Kazoo still let outbound_cnam
		// and inbound_cnam through, which reach the same provider).
		available[number.FeatureCNAM] = false
	}
	for _, k := range number.FeatureRootKeys {
		if _, ok := n.Public[k]; !ok || k == number.FeatureLocal || k == number.FeatureSMS || k == number.FeatureMMS {
			continue
		}
		if !available[featureOf(k)] {
			return false, number.NewError(number.KindForbidden, n.Number)
		}
	}

	type job struct{ feature, provider string }
	var jobs []job
	seen := map[string]bool{}
	add := func(f string) {
		f = featureOf(f)
		if seen[f] || !feature.Known(f) {
			return
		}
		seen[f] = true
		jobs = append(jobs, job{f, chooseProvider(f, n, settings)})
	}
	for _, f := range requested {
		add(f)
	}
	for f, rec := range records {
		if rec.Holds() {
			add(f)
		}
	}
	if op.unrehearsed && len(jobs) > 0 {
		// A provider would act: not before the operation is priced.
		return false, b.rehearse()
	}
	slices.SortFunc(jobs, func(a, b job) int {
		return strings.Compare(a.provider+"\x00"+a.feature, b.provider+"\x00"+b.feature)
	})

	collected := &manualActions{}
	fctx := context.WithValue(ctx, manualActionsKey{}, collected)
	var cancel context.CancelFunc = func() {}
	if !op.DryRun {
		fctx, cancel = context.WithTimeout(context.WithoutCancel(fctx), featureDeadline)
	}
	defer cancel()
	opts := feature.Options{AccountName: accountName(b, n.AssignedTo), AuthBy: op.AuthBy.String(), DryRun: op.DryRun, Now: m.now}
	for _, j := range jobs {
		if err = m.saveFeature(fctx, n, j.feature, j.provider, available[j.feature], opts); err != nil {
			break
		}
	}
	keepManualActions(n, collected.list)
	if !op.DryRun && !recordsSame(it.before, n) {
		it.providerActed = true
	}
	if err == nil || op.DryRun {
		return false, err
	}
	if it.before != nil && it.before.CarrierData[PurchaseKey] != nil {
		return true, err
	}
	m.keepRecords(ctx, it, err)
	return false, err
}

// anyHeld says a provisioning record may hold something at a provider.
func anyHeld(records map[string]feature.Record) bool {
	for _, r := range records {
		if r.Holds() {
			return true
		}
	}
	return false
}

// saveFeature runs one feature of n through its provider. A feature the
// number may no longer have is released where it is held (sms and mms are
// left alone, as in Kazoo); a feature held by another provider than the
// one configured now is released there first.
func (m *Manager) saveFeature(ctx context.Context, n *number.Number, f, provider string, allowed bool, opts feature.Options) error {
	if !allowed {
		if f == number.FeatureSMS || f == number.FeatureMMS {
			return nil
		}
		return m.releaseFeature(ctx, n, f, provider, opts)
	}
	if held := feature.HeldBy(n, f); held != "" && held != provider {
		p, err := m.providers.Get(ctx, held)
		if err != nil {
			return number.WithNumber(err, n.Number)
		}
		if _, err := feature.Release(ctx, p, n, f, opts); err != nil {
			return err
		}
	}
	p, err := m.providers.Get(ctx, provider)
	if err != nil {
		return number.WithNumber(err, n.Number)
	}
	_, err = feature.Save(ctx, p, n, f, opts)
	return err
}

// releaseFeature deprovisions f on n at the provider that holds it (or
// provider, for what Kazoo provisioned without a record).
func (m *Manager) releaseFeature(ctx context.Context, n *number.Number, f, provider string, opts feature.Options) error {
	if held := feature.HeldBy(n, f); held != "" {
		provider = held
	}
	p, err := m.providers.Get(ctx, provider)
	if err != nil {
		return number.WithNumber(err, n.Number)
	}
	_, err = feature.Release(ctx, p, n, f, opts)
	return err
}

// heldFeatures are the public features n holds: private feature keys of a
// provider's feature, or a provisioning record that may hold something.
func heldFeatures(n *number.Number) []string {
	var out []string
	for k := range n.Features {
		if f := featureOf(k); feature.Known(f) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for f, rec := range feature.Records(n) {
		if rec.Holds() && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// releaseFeatures deprovisions every feature n holds, because n is being
// released or deleted (Kazoo ran no provider on release, so E911 addresses
// outlived their numbers). It works on held, the number as it was before
// the release reset its features, and returns the first error; the
// records it leaves on held say what each provider still holds.
func (m *Manager) releaseFeatures(ctx context.Context, b *batch, held *number.Number, op Op) error {
	feats := heldFeatures(held)
	if len(feats) == 0 {
		return nil
	}
	settings, err := m.settingsFor(ctx, b, held.AssignedTo)
	if err != nil {
		return err
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), featureDeadline)
	defer cancel()
	collected := &manualActions{}
	fctx = context.WithValue(fctx, manualActionsKey{}, collected)
	opts := feature.Options{AccountName: accountName(b, held.AssignedTo), AuthBy: op.AuthBy.String(), Now: m.now}
	var first error
	for _, f := range feats {
		if err := m.releaseFeature(fctx, held, f, chooseProvider(f, held, settings), opts); err != nil {
			m.log.WarnContext(ctx, "feature not deprovisioned; a background job retries", "number", held.Number, "feature", f, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	keepManualActions(held, collected.list)
	return first
}

// keepRecords writes, after a provider failed, what the providers may
// hold onto the number as stored, so that a retry or the feature job
// finds it: the failed feature's record (Save marked it unsettled when the
// provider may have acted) and the records of features provisioned
// earlier in the same save, with their applied request cleared so the
// next save provisions them again (the number's private features were not
// written). A number not stored yet has nowhere to keep a record: what
// was provisioned for it is deprovisioned at once.
func (m *Manager) keepRecords(ctx context.Context, it *item, cause error) {
	ctx = context.WithoutCancel(ctx)
	changed := map[string]feature.Record{}
	for f, rec := range feature.Records(it.n) {
		prev := feature.RecordOf(orEmpty(it.before), f)
		if recordsEqual(prev, rec) {
			continue
		}
		if rec.Status.Active() {
			rec.Applied = nil
			rec.Unsettled = true
		}
		if rec.Holds() || prev.Holds() {
			changed[f] = rec
		}
	}
	if len(changed) == 0 {
		return
	}
	if it.before == nil || it.before.State == number.Deleted {
		fctx, cancel := context.WithTimeout(ctx, featureDeadline)
		defer cancel()
		for f, rec := range changed {
			if err := m.releaseFeature(fctx, it.n, f, rec.Provider, feature.Options{Now: m.now}); err != nil {
				m.log.ErrorContext(ctx, "a provider may hold a feature of a number that was not stored: deprovision it by hand",
					"number", it.n.Number, "feature", f, "provider", rec.Provider, "err", err, "cause", cause)
			}
		}
		return
	}
	stored := it.before.Clone()
	for f, rec := range changed {
		feature.SetRecord(stored, f, rec)
	}
	stored.Modified = m.now().UTC()
	defer m.numbers.forget(stored.Number)
	if err := m.updateWithEvents(ctx, it.before, stored); err != nil {
		m.log.ErrorContext(ctx, "keeping a feature provider's record failed", "number", stored.Number, "err", err, "cause", cause)
	}
}

func orEmpty(n *number.Number) *number.Number {
	if n == nil {
		return &number.Number{}
	}
	return n
}

func recordsEqual(a, b feature.Record) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// keepManualActions stores the manual actions asked for while saving n on
// n itself, under ManualActionsKey.
func keepManualActions(n *number.Number, actions []feature.ManualAction) {
	if len(actions) == 0 {
		return
	}
	all := map[string]feature.ManualAction{}
	n.CarrierData.Get(ManualActionsKey, &all)
	for _, a := range actions {
		all[a.ID] = a
	}
	if n.CarrierData == nil {
		n.CarrierData = number.Doc{}
	}
	n.CarrierData.Set(ManualActionsKey, all)
}

// accountName is the name of the account the number is assigned to, when
// the operation loaded it.
func accountName(b *batch, id string) string {
	if a := b.rel[id]; a != nil {
		return a.Name
	}
	return ""
}

// settingsFor returns the number_manager settings in force for account's
// numbers, once per operation.
func (m *Manager) settingsFor(ctx context.Context, b *batch, account string) (number.AccountSettings, error) {
	if s, ok := b.settings[account]; ok {
		return s, nil
	}
	s, err := m.AccountSettings(ctx, b.cfg, account)
	if err != nil {
		return number.AccountSettings{}, err
	}
	if b.settings == nil {
		b.settings = map[string]number.AccountSettings{}
	}
	b.settings[account] = s
	return s, nil
}

// reportFeatureErrors moves the numbers written despite a feature that
// failed (just bought: see applyFeatures) from the successes to the
// failures, with the provider's error.
func reportFeatureErrors(b *batch, items []*item) {
	for _, it := range items {
		if it.featureErr == nil {
			continue
		}
		b.res.Succeeded = slices.DeleteFunc(b.res.Succeeded, func(n *number.Number) bool { return n.Number == it.key })
		b.res.fail(it.key, it.featureErr)
	}
}

// checkBeforeBuying runs, before a number is bought from its carrier,
// every check of the feature step that needs no provider call (carrier
// name, features denied, each feature's request rules: applyFeatures on a
// copy, dry), then asks the E911 provider to validate the address when it
// can. So a request that would fail after the purchase fails before it:
// an address the provider refuses is a 400 with its suggestions, and
// nothing is bought or billed.
func (m *Manager) checkBeforeBuying(ctx context.Context, b *batch, it *item, op Op) error {
	dry := op
	dry.DryRun = true
	probe := &item{key: it.key, n: it.n.Clone(), before: it.before}
	if _, err := m.applyFeatures(ctx, b, probe, dry); err != nil {
		return err
	}
	n := probe.n
	raw, ok := n.Public[number.FeatureE911]
	if !ok || feature.IsNull(raw) || !feature.ActsIn(number.FeatureE911, n.State) {
		return nil
	}
	settings, err := m.settingsFor(ctx, b, n.AssignedTo)
	if err != nil {
		return err
	}
	p, err := m.providers.Get(ctx, chooseProvider(number.FeatureE911, n, settings))
	if err != nil {
		return number.WithNumber(err, n.Number)
	}
	av, ok := p.(feature.AddressValidator)
	if !ok {
		return nil
	}
	addr, err := feature.ParseAddress(n.Number, raw)
	if err != nil {
		return err
	}
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), featureDeadline)
	defer cancel()
	req := feature.Request{Number: n, Feature: number.FeatureE911, AccountName: accountName(b, n.AssignedTo), AuthBy: op.AuthBy.String()}
	_, err = av.ValidateAddress(vctx, req, addr)
	return err
}

// keepFeatureState copies onto a released number what the release of its
// features left in held: the provisioning records and the manual actions.
func keepFeatureState(n, held *number.Number) {
	for _, k := range []string{feature.RecordsKey, ManualActionsKey} {
		if v, ok := held.CarrierData[k]; ok {
			if n.CarrierData == nil {
				n.CarrierData = number.Doc{}
			}
			n.CarrierData[k] = v
		}
	}
}

// recordsSame reports whether n's provisioning records are those stored
// (before): no remote provider was called for it.
func recordsSame(before, n *number.Number) bool {
	a, b := feature.Records(orEmpty(before)), feature.Records(n)
	if len(a) != len(b) {
		return false
	}
	for f, rec := range b {
		if !recordsEqual(a[f], rec) {
			return false
		}
	}
	return true
}
