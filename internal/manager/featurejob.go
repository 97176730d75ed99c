package manager

import (
	"context"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// FeatureReport says what SettleFeatures did.
type FeatureReport struct {
	Refreshed     int // asynchronous provisionings whose status was asked again
	Deprovisioned int // failed deprovisions retried successfully
	Failed        int // retries or refreshes that failed again (tried next time)
}

// SettleFeatures is the feature providers' background job. It finishes
// what a save left open at a provider:
//
//   - a provisioning still GEOCODED (DASH geocoded it, Bandwidth or Twilio
//     took the order) is asked again (feature.Refresher); PROVISIONED
//     makes it final, ERROR removes the feature (it stops being billed)
//     and the record says why;
//   - a deprovision that failed (a release whose provider was down: the
//     record is unsettled while the number no longer asks for the
//     feature) is retried.
//
// Records live on the numbers (carrier data), so the job reads every
// number page by page; each change is a conditional write, and a number
// changed meanwhile is left for the next pass.
func (m *Manager) SettleFeatures(ctx context.Context) (FeatureReport, error) {
	var rep FeatureReport
	q := store.ListQuery{Limit: 500}
	for {
		page, err := m.store.ListNumbers(ctx, q)
		if err != nil {
			return rep, err
		}
		for _, n := range page.Numbers {
			if len(feature.Records(n)) > 0 {
				m.settleNumber(ctx, n, &rep)
			}
		}
		if page.NextStartKey == "" {
			return rep, nil
		}
		q.StartKey = page.NextStartKey
	}
}

func (m *Manager) settleNumber(ctx context.Context, stored *number.Number, rep *FeatureReport) {
	n := stored.Clone()
	changed := false
	fctx, cancel := context.WithTimeout(ctx, featureDeadline)
	defer cancel()
	opts := feature.Options{Now: m.now}
	for f, rec := range feature.Records(n) {
		p, err := m.providers.Get(fctx, rec.Provider)
		if err != nil {
			continue
		}
		asked := false
		if spec, err := p.Validate(feature.Request{Number: n, Feature: f}); err == nil && spec.Value != nil && feature.ActsIn(f, n.State) {
			asked = true
		}
		switch {
		case rec.Unsettled && !asked:
			if _, err := feature.Release(fctx, p, n, f, opts); err != nil {
				rep.Failed++
			} else {
				rep.Deprovisioned++
			}
			changed = true
		case rec.Status == feature.StatusGeocoded && asked:
			r, ok := p.(feature.Refresher)
			if !ok {
				continue
			}
			res, err := r.Refresh(fctx, feature.Request{Number: n, Feature: f, Record: rec})
			if err != nil {
				rep.Failed++
				continue
			}
			rep.Refreshed++
			if res.Status == rec.Status {
				continue
			}
			next := rec
			next.Status, next.Message, next.Updated = res.Status, res.Message, m.now().UTC()
			if res.Data != nil {
				next.Data = res.Data
			}
			if !res.Status.Active() {
				for _, k := range feature.PrivateKeys(f) {
					delete(n.Features, k)
				}
				next.Applied = nil
				m.log.WarnContext(ctx, "a feature's provisioning failed at its provider; the feature is off", "number", n.Number,
					"feature", f, "provider", rec.Provider, "status", res.Status, "message", res.Message)
			}
			if f == number.FeatureE911 {
				setE911Status(n, res.Status)
			}
			feature.SetRecord(n, f, next)
			changed = true
		}
	}
	if !changed {
		return
	}
	n.Modified = m.now().UTC()
	defer m.numbers.forget(n.Number)
	if err := m.updateWithEvents(ctx, stored, n); err != nil {
		if !number.IsKind(err, number.KindConflict) {
			m.log.ErrorContext(ctx, "writing a settled feature", "number", n.Number, "err", err)
		}
		return
	}
	if n.State == number.Released && !unsettledFeatures(n) {
		// A released number kept for its provider records: once its
		// carrier has it back too (no disconnect waits), its record goes.
		if _, err := m.store.PendingDisconnect(ctx, n.Number); number.IsKind(err, number.KindNotFound) {
			if _, err := m.disconnected(ctx, n.Number, n); err != nil {
				m.log.ErrorContext(ctx, "removing a released number", "number", n.Number, "err", err)
			}
		}
	}
}

// setE911Status writes the provisioning status into the number's e911
// objects, as Kazoo's e911 carries its own status.
func setE911Status(n *number.Number, st feature.Status) {
	for _, d := range []number.Doc{n.Public, n.Features} {
		obj, ok := feature.Object(d[number.FeatureE911])
		if !ok {
			continue
		}
		obj["status"] = feature.JSON(st)
		d[number.FeatureE911] = feature.JSON(obj)
	}
}
