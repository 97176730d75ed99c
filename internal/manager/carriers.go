package manager

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// CarrierSet builds carriers from their settings in system config and
// keeps each until its settings change, so a new API key takes effect
// without a restart.
type CarrierSet struct {
	src  *config.Source
	deps carrier.Deps

	mu    sync.Mutex
	built map[string]builtCarrier
}

type builtCarrier struct {
	settings string
	c        carrier.Carrier
	policy   carrier.Policy
}

func newCarrierSet(src *config.Source, st store.Numbers, log *slog.Logger, hc *http.Client, now func() time.Time) *CarrierSet {
	return &CarrierSet{
		src:   src,
		deps:  carrier.Deps{Logger: log, HTTPClient: hc, Now: now, Numbers: CarrierNumbers(st)},
		built: map[string]builtCarrier{},
	}
}

// CarrierNumbers adapts the store to the read-only view the store-backed
// carriers search (carrier.NumberSearcher), so that package carrier
// depends on no storage package.
func CarrierNumbers(st store.Numbers) carrier.NumberSearcher { return carrierNumbers{st} }

type carrierNumbers struct{ st store.Numbers }

func (c carrierNumbers) SearchNumbers(ctx context.Context, q carrier.NumberQuery) ([]*number.Number, error) {
	return c.st.SearchNumbers(ctx, store.SearchQuery{
		Prefix:     q.Prefix,
		States:     q.States,
		Modules:    q.Modules,
		AssignedTo: q.AssignedTo,
		Pool:       q.Pool,
		Offset:     q.Offset,
		Limit:      q.Limit,
	})
}

// Get returns the carrier registered as name, built from its current
// settings. An unknown carrier is an invalid error.
func (s *CarrierSet) Get(ctx context.Context, name string) (carrier.Carrier, error) {
	name = number.CarrierName(name)
	if !carrier.Registered(name) {
		return nil, number.Errorf(number.KindInvalid, "", "unknown carrier %q", name)
	}
	settings, err := s.src.Carrier(ctx, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	b, ok := s.built[name]
	s.mu.Unlock()
	if ok && b.settings == string(settings) {
		return b.c, nil
	}
	deps := s.deps
	if deps.Logger != nil {
		deps.Logger = deps.Logger.With("carrier", name)
	}
	c, p, err := carrier.NewWithPolicy(name, settings, deps)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.built[name] = builtCarrier{settings: string(settings), c: c, policy: p}
	s.mu.Unlock()
	return c, nil
}

// Policy returns the policy number_manager.<name> sets for the carrier's
// numbers; a carrier that cannot be built has the default policy.
func (s *CarrierSet) Policy(ctx context.Context, name string) carrier.Policy {
	if _, err := s.Get(ctx, name); err != nil {
		return carrier.Policy{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.built[number.CarrierName(name)].policy
}

// Carrier returns the carrier registered as name, built from its settings.
func (m *Manager) Carrier(ctx context.Context, name string) (carrier.Carrier, error) {
	return m.carriers.Get(ctx, name)
}
