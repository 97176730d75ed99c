package feature

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/numan-dev/numan/number"
)

// RecordsKey is the key of a number's carrier data under which the
// provisioning records of its features are kept, one per public feature:
// {"e911": Record, "cnam": Record}. Carrier data is private to Numan and
// survives a release, so a record still tells what a provider holds after
// the number's features are reset.
const RecordsKey = "feature_providers"

// Record is what a remote provider last reported for one feature of one
// number: the provider-side truth Numan keeps, so that it calls the
// provider only when the request changes, can undo what it did, and can
// show the provisioning status (Kazoo's e911.status).
type Record struct {
	Provider string `json:"provider"`
	Status   Status `json:"status"`
	// Applied is the Spec.Value in effect at the provider (after a failed
	// update, still the previous one).
	Applied json.RawMessage `json:"applied,omitempty"`
	// Data is the provider's own: ids it needs to update or remove.
	Data    json.RawMessage `json:"data,omitempty"`
	Message string          `json:"message,omitempty"`
	// Unsettled is true after a failure that may have left something at
	// the provider (a timeout, a failed removal): a retry or a
	// reconciliation must deprovision or provision again.
	Unsettled bool      `json:"unsettled,omitempty"`
	Updated   time.Time `json:"updated"`
}

// Holds reports whether the provider may hold something for the feature:
// the request is in effect or pending, or a failure left it unsettled.
func (r Record) Holds() bool { return r.Status.Active() || r.Unsettled }

// RecordOf returns the provisioning record of feature on n (zero if none).
func RecordOf(n *number.Number, feature string) Record {
	var all map[string]Record
	if n.CarrierData.Get(RecordsKey, &all) {
		return all[feature]
	}
	return Record{}
}

// Records returns every provisioning record on n, by feature.
func Records(n *number.Number) map[string]Record {
	var all map[string]Record
	n.CarrierData.Get(RecordsKey, &all)
	return all
}

// SetRecord stores rec as the provisioning record of feature on n; a zero
// Provider removes it.
func SetRecord(n *number.Number, feature string, rec Record) {
	all := Records(n)
	if all == nil {
		all = map[string]Record{}
	}
	if rec.Provider == "" {
		delete(all, feature)
	} else {
		all[feature] = rec
	}
	if n.CarrierData == nil {
		n.CarrierData = number.Doc{}
	}
	if len(all) == 0 {
		delete(n.CarrierData, RecordsKey)
		return
	}
	n.CarrierData.Set(RecordsKey, all)
}

// HeldBy returns the provider that may hold feature for n according to its
// record, or "". When configuration moves the feature to another provider,
// the caller releases it at this one (Release with HeldBy's provider)
// before saving with the new one.
func HeldBy(n *number.Number, feature string) string {
	if rec := RecordOf(n, feature); rec.Holds() {
		return rec.Provider
	}
	return ""
}

// Step is what the save pipeline did with one provider.
type Step string

// The steps.
const (
	StepNone        Step = "none"
	StepProvision   Step = "provision"
	StepDeprovision Step = "deprovision"
)

// Options tune Save and Release.
type Options struct {
	// AccountName is the name of the account the number is assigned to.
	AccountName string
	// AuthBy is the account acting.
	AuthBy string
	// DryRun applies what the request implies to the number (for the
	// quote) and calls no provider.
	DryRun bool
	// Now stamps records; nil means time.Now.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now().UTC()
	}
	return o.Now().UTC()
}

// Outcome is what Save or Release did.
type Outcome struct {
	Step Step
	// Called is true when the provider's Provision or Deprovision ran.
	Called bool
	// Status is the feature's provisioning status after the step ("" for a
	// local provider that was not called).
	Status Status
}

// Save carries out one provider's part of saving n, as Kazoo's
// knm_providers:save does for one module, on n as the operation left it
// (state changed, public fields written):
//
//  1. Validate the public request (a bad one fails the number, 400).
//  2. Decide: in a state where the feature does not act, deprovision (or,
//     for cnam, leave it); a request that is off deprovisions what is held;
//     a request equal to what the record says is applied does nothing;
//     otherwise provision.
//  3. On a dry run, apply the request's private features and stop: no
//     provider is called.
//  4. Call the provider and apply its result to n: private features,
//     public replacement, e911.status, and the provisioning record.
//
// On a provider error n's features are left as they were, and the record
// (remote providers only) says ERROR with the provider's message, keeping
// what is still applied; the caller fails the number, and may write just
// the record (see RecordOf) when MayHaveActed(err), so that a retry or a
// reconciliation knows what the provider may hold.
func Save(ctx context.Context, p Provider, n *number.Number, feature string, opts Options) (Outcome, error) {
	info := p.Info()
	if !info.Serves(feature) {
		return Outcome{Step: StepNone}, number.Errorf(number.KindInternal, n.Number, "feature provider %s does not serve %s", info.Name, feature)
	}
	req := Request{Number: n, Feature: feature, AccountName: opts.AccountName, AuthBy: opts.AuthBy}
	spec, err := p.Validate(req)
	if err != nil {
		return Outcome{Step: StepNone}, number.WithNumber(err, n.Number)
	}
	if !ActsIn(feature, n.State) {
		if rules[feature].keepElsewhere {
			return Outcome{Step: StepNone}, nil
		}
		spec = Spec{}
	}
	if spec.Value != nil && !info.ServesCarrier(n.ModuleName) {
		return Outcome{Step: StepNone}, number.Errorf(number.KindInvalid, n.Number,
			"%s: %s is not available for numbers of carrier %s", info.Name, feature, n.ModuleName)
	}
	rec := RecordOf(n, feature)
	step := plan(info, n, feature, spec, rec)
	if opts.DryRun {
		switch {
		case spec.Value == nil:
			setFeatures(n, feature, nil)
		case step == StepProvision:
			setFeatures(n, feature, spec.Features)
		}
		return Outcome{Step: step}, nil
	}
	req.Record = rec
	switch step {
	case StepNone:
		if spec.Value == nil {
			setFeatures(n, feature, nil)
		}
		return Outcome{Step: StepNone, Status: rec.Status}, nil
	case StepDeprovision:
		return deprovision(ctx, p, n, feature, req, opts)
	}
	req.Spec = spec
	res, err := p.Provision(ctx, req)
	if err != nil {
		if info.Remote {
			failed := rec
			failed.Provider, failed.Status, failed.Message, failed.Updated = info.Name, StatusError, errorMessage(err), opts.now()
			failed.Unsettled = rec.Holds() || MayHaveActed(err)
			if number.IsKind(err, number.KindInvalid) {
				failed.Status = StatusInvalid
			}
			if res.Data != nil {
				failed.Data = res.Data
			}
			SetRecord(n, feature, failed)
		}
		return Outcome{Step: StepProvision, Called: true, Status: StatusError}, number.WithNumber(err, n.Number)
	}
	if !res.Status.Active() {
		res.Features = nil
	}
	setFeatures(n, feature, res.Features)
	applied := spec.Value
	if res.Public != nil {
		if n.Public == nil {
			n.Public = number.Doc{}
		}
		n.Public[feature] = res.Public
		if again, err := p.Validate(Request{Number: n, Feature: feature, AccountName: opts.AccountName}); err == nil && again.Value != nil {
			applied = again.Value
		}
	}
	if feature == number.FeatureE911 && res.Status.Active() {
		setStatus(n.Public, feature, res.Status)
		setStatus(n.Features, feature, res.Status)
	}
	if info.Remote {
		SetRecord(n, feature, Record{Provider: info.Name, Status: res.Status, Applied: applied, Data: res.Data,
			Message: res.Message, Updated: opts.now()})
	}
	return Outcome{Step: StepProvision, Called: true, Status: res.Status}, nil
}

// Release deprovisions feature at p because n is being released or
// deleted, whatever its public fields ask (Kazoo ran no provider on
// release; Numan does, so no E911 address outlives its number). It is
// called before the number's features are reset. Nothing held, nothing
// called. On a dry run nothing is called either. On an error the record
// says ERROR and the caller decides: the number may still be released
// locally as long as the record is written, for a later retry.
func Release(ctx context.Context, p Provider, n *number.Number, feature string, opts Options) (Outcome, error) {
	info := p.Info()
	rec := RecordOf(n, feature)
	if !holds(info, n, feature, rec) {
		setFeatures(n, feature, nil)
		return Outcome{Step: StepNone, Status: rec.Status}, nil
	}
	if opts.DryRun {
		setFeatures(n, feature, nil)
		return Outcome{Step: StepDeprovision}, nil
	}
	req := Request{Number: n, Feature: feature, Record: rec, AccountName: opts.AccountName, AuthBy: opts.AuthBy}
	return deprovision(ctx, p, n, feature, req, opts)
}

func deprovision(ctx context.Context, p Provider, n *number.Number, feature string, req Request, opts Options) (Outcome, error) {
	info := p.Info()
	res, err := p.Deprovision(ctx, req)
	if err != nil {
		if info.Remote {
			failed := req.Record
			failed.Provider, failed.Status, failed.Message, failed.Updated = info.Name, StatusError, errorMessage(err), opts.now()
			failed.Unsettled = true
			SetRecord(n, feature, failed)
		}
		return Outcome{Step: StepDeprovision, Called: true, Status: StatusError}, number.WithNumber(err, n.Number)
	}
	setFeatures(n, feature, nil)
	if info.Remote {
		SetRecord(n, feature, Record{Provider: info.Name, Status: StatusRemoved, Data: res.Data, Message: res.Message, Updated: opts.now()})
	}
	return Outcome{Step: StepDeprovision, Called: true, Status: StatusRemoved}, nil
}

// plan decides what the provider must do.
func plan(info Info, n *number.Number, feature string, spec Spec, rec Record) Step {
	if spec.Value == nil {
		if holds(info, n, feature, rec) {
			return StepDeprovision
		}
		return StepNone
	}
	if !info.Remote {
		return StepProvision
	}
	if rec.Provider == info.Name && rec.Status.Active() && bytes.Equal(rec.Applied, spec.Value) {
		return StepNone
	}
	if rec.Provider == "" && hasKeys(n, feature) && sameFeatures(n, feature, spec.Features) {
		// A number Kazoo provisioned: its private features equal the
		// request, which is how Kazoo decided nothing had changed.
		return StepNone
	}
	return StepProvision
}

func holds(info Info, n *number.Number, feature string, rec Record) bool {
	if hasKeys(n, feature) {
		return true
	}
	return info.Remote && rec.Provider == info.Name && rec.Holds()
}

func hasKeys(n *number.Number, feature string) bool {
	for _, k := range rules[feature].keys {
		if _, ok := n.Features[k]; ok {
			return true
		}
	}
	return false
}

func sameFeatures(n *number.Number, feature string, want number.Doc) bool {
	for _, k := range rules[feature].keys {
		have, ok := n.Features[k]
		w, wok := want[k]
		if ok != wok || (ok && !jsonEqual(have, w)) {
			return false
		}
	}
	return true
}

// setFeatures makes n hold exactly the private keys of feature found in d.
func setFeatures(n *number.Number, feature string, d number.Doc) {
	if n.Features == nil {
		n.Features = number.Doc{}
	}
	for _, k := range rules[feature].keys {
		if v, ok := d[k]; ok {
			n.Features[k] = v
		} else {
			delete(n.Features, k)
		}
	}
}

// setStatus writes status into the object d[key], as Kazoo's e911 object
// carries its own status.
func setStatus(d number.Doc, key string, st Status) {
	m, ok := object(d[key])
	if !ok {
		return
	}
	m["status"] = mustJSON(st)
	d[key] = mustJSON(m)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func errorMessage(err error) string {
	var ne *number.Error
	if errors.As(err, &ne) {
		if ne.Cause != "" {
			return ne.Cause
		}
		return ne.Msg()
	}
	return err.Error()
}
