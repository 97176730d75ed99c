// Package mdn is Kazoo's knm_mdn: mobile numbers (MDNs) an operator's mobile
// core hands out. They are created only by MDN runs, never found by a
// search, and behave like local numbers (deleted on release).
package mdn

import (
	"context"
	"errors"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_mdn).
const Name = "mdn"

// info is Kazoo's figures for knm_mdn: not local (Kazoo's is_local is
// false), not billable, CNAM looked up, and a maximal prefix length of 0:
// there is nothing to search by (with mdn among the consulted carriers the
// maximal prefix length reported drops to 0, as in Kazoo). Its numbers are
// the system's own, and mobile.
var info = carrier.Info{
	Module:     number.Module{Name: Name, LocalNumbers: true, MDN: true},
	LookupCNAM: true, MaxPrefixLength: 0, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.mdn. Kazoo reads no keys for
// this carrier; the empty object is accepted and any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier is the MDN carrier. It needs no dependency: it never searches.
type Carrier struct{}

// New builds the carrier.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) { return &Carrier{}, nil }

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// ErrNotAvailable is what a search returns: MDNs cannot be searched for.
// Kazoo's {error, not_available}; the search fan-out ignores it.
var ErrNotAvailable = &number.Error{
	Kind:    number.KindUnspecified,
	Message: "not_available",
	Err:     &carrier.Failure{Unsent: true, Err: errors.New("mdn: numbers cannot be searched for")},
}

// FindNumbers returns ErrNotAvailable.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	return nil, ErrNotAvailable
}

// Acquire does nothing: MDNs are provisioned by the mobile core.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}

// Disconnect does nothing: MDNs are deprovisioned by the mobile core.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
