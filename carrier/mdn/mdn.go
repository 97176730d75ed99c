// Package mdn is Kazoo's knm_mdn: mobile numbers (MDNs) an operator's mobile
// core hands out. They are created only by MDN runs, never found by a
// search, and behave like local numbers (deleted on release).
package mdn

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_mdn).
const Name = "mdn"

func init() {
	carrier.Register(Name, func(settings json.RawMessage, deps carrier.Deps) (carrier.Carrier, error) {
		cfg := DefaultConfig()
		if err := carrier.DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		return New(cfg, deps)
	})
}

// Config is the system config number_manager.mdn. Kazoo reads no keys for
// this carrier; the empty object is accepted and any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier is the MDN carrier. It needs no dependency: it never searches.
type Carrier struct{}

// New builds the carrier.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) { return &Carrier{}, nil }

// Name returns "mdn".
func (c *Carrier) Name() string { return Name }

// ErrNotAvailable is what a search returns: MDNs cannot be searched for.
// Kazoo's {error, not_available}; the search fan-out ignores it.
var ErrNotAvailable = &number.Error{
	Kind:    number.KindUnspecified,
	Message: "not_available",
	Err:     errors.New("mdn: numbers cannot be searched for"),
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

// IsLocal reports false, as Kazoo does.
func (c *Carrier) IsLocal() bool { return false }

// IsNumberBillable reports false, as in Kazoo.
func (c *Carrier) IsNumberBillable(n *number.Number) bool { return false }

// ShouldLookupCNAM reports true: Numan routes the number itself.
func (c *Carrier) ShouldLookupCNAM() bool { return true }

// CheckNumbers is not implemented, as in Kazoo.
func (c *Carrier) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	return nil, carrier.NotImplemented(Name, "check_numbers")
}

// MaxPrefixLength returns 0: there is nothing to search by. (With mdn among
// the consulted carriers, the maximal prefix length reported drops to 0, as
// in Kazoo.)
func (c *Carrier) MaxPrefixLength() int { return 0 }

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
