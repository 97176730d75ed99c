package carriertest

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// OpRoute is a call of Route.
const OpRoute Op = "route"

// fakeRoutes is where the fake routes its numbers.
type fakeRoutes struct {
	dest map[string]string // number -> destination
	errs map[string]error  // "" = every number
}

// FakeRoute is the route object the fake takes: {"destination": "..."}.
type FakeRoute struct {
	Destination string `json:"destination"`
}

// CheckRoute accepts {"destination": "..."} and nothing else.
func (f *Fake) CheckRoute(route json.RawMessage) error {
	var r FakeRoute
	if err := carrier.DecodeRoute(FakeName, route, &r); err != nil {
		return err
	}
	if r.Destination == "" {
		return number.Errorf(number.KindInvalid, "", "routing.%s: destination is required", FakeName)
	}
	return nil
}

// Route points n at the route's destination, counting the call (OpRoute).
func (f *Fake) Route(ctx context.Context, n *number.Number, route json.RawMessage) (number.Doc, error) {
	if err := f.enter(ctx, OpRoute); err != nil {
		return nil, err
	}
	var r FakeRoute
	if err := json.Unmarshal(route, &r); err != nil {
		return nil, number.Wrap(number.KindInvalid, n.Number, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := firstErr(f.routes.errs, n.Number); err != nil {
		return nil, err
	}
	if f.routes.dest == nil {
		f.routes.dest = map[string]string{}
	}
	f.routes.dest[n.Number] = r.Destination
	return nil, nil
}

// FailRoute makes Route fail with err for e164 ("" = every number; a nil
// err clears it).
func (f *Fake) FailRoute(e164 string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.routes.errs == nil {
		f.routes.errs = map[string]error{}
	}
	if err == nil {
		delete(f.routes.errs, e164)
		return
	}
	f.routes.errs[e164] = err
}

// Routed returns where each number was last routed.
func (f *Fake) Routed() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.routes.dest)
}

var _ carrier.Router = (*Fake)(nil)
