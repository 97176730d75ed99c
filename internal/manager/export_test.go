package manager

import (
	"context"
	"fmt"
	"reflect"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// CheckRouteIndex compares the route index with the store: every routable
// number is in it and identifies as the store says, nothing else is.
func (m *Manager) CheckRouteIndex(ctx context.Context) error {
	if m.routes == nil {
		return fmt.Errorf("no route index")
	}
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return err
	}
	page, err := m.store.ListNumbers(ctx, store.ListQuery{})
	if err != nil {
		return err
	}
	want := 0
	for _, n := range page.Numbers {
		_, found, ready := m.routes.lookup(n.Number)
		if !ready {
			return fmt.Errorf("route index not ready")
		}
		if found != routable(n) {
			return fmt.Errorf("%s (%s, assigned to %q): in the index %v", n.Number, n.State, n.AssignedTo, found)
		}
		if !found {
			continue
		}
		want++
		got, _, err := m.identifyFromIndex(ctx, cfg, n.Number, number.SystemRequester)
		if err != nil {
			return fmt.Errorf("%s from the index: %w", n.Number, err)
		}
		exp, err := m.identifyFromStore(ctx, cfg, n.Number, number.SystemRequester)
		if err != nil {
			return fmt.Errorf("%s from the store: %w", n.Number, err)
		}
		if !reflect.DeepEqual(got, exp) {
			return fmt.Errorf("%s: index says %+v, store %+v", n.Number, got, exp)
		}
	}
	if size := m.routes.size(); size != want {
		return fmt.Errorf("index holds %d numbers, the store %d routable", size, want)
	}
	return nil
}

// SetRouteIndexHook calls fn after the route index applied each batch of
// changes.
func (m *Manager) SetRouteIndexHook(fn func()) { m.routes.afterApply = fn }

// RouteIndexChanged hands changes to the route index as the store's watch
// would.
func (m *Manager) RouteIndexChanged(changes []store.NumberChange) { m.routes.changed(changes) }
