// Package feature is the contract between Numan and its feature providers
// (Kazoo's knm_providers), and the registry they join, in the style of
// database/sql drivers and of Numan's carriers: each provider registers a
// Factory under its Kazoo name in init(), and Numan builds the configured
// ones by name from their settings in system config.
//
// A provider serves one or more number features (e911, cnam, sms, mms,
// failover, prepend, ...). It owns the feature's request rules (Validate),
// and carries the feature out at a third party or just records it
// (Provision), and undoes it (Deprovision). Providers never write to
// storage: they return what the number must hold, and the caller (the
// manager's save pipeline, see Save and Release) applies it.
package feature

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
)

// Status is a provider's provisioning status for a feature on a number:
// Kazoo's e911.status values, used for every feature, plus PENDING.
type Status string

// The provisioning statuses. GEOCODED means what it means at DASH: the
// request was accepted (the address is valid, the order is taken) but is
// not in effect yet; Refresh may later turn it into PROVISIONED or ERROR.
const (
	StatusInvalid     Status = "INVALID"
	StatusGeocoded    Status = "GEOCODED"
	StatusProvisioned Status = "PROVISIONED"
	StatusRemoved     Status = "REMOVED"
	StatusError       Status = "ERROR"
	// StatusPending is Numan's: the feature waits for an operator (the
	// CNAM notifier, a manually activated SMS) and is not e911's.
	StatusPending Status = "PENDING"
)

// Active reports whether a feature in status s counts as on: shown in the
// number's features and billed. A request the provider accepted but has
// not finished (GEOCODED, PENDING) is on; a failed or removed one is not.
func (s Status) Active() bool {
	return s == StatusProvisioned || s == StatusGeocoded || s == StatusPending
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusInvalid, StatusGeocoded, StatusProvisioned, StatusRemoved, StatusError, StatusPending:
		return true
	}
	return false
}

// Info describes a provider. It is given when the provider registers, so
// that Numan can check a configuration naming it (e911_provider) without
// building it, and a built provider's Info() must return the same.
type Info struct {
	// Name is the registry name, Kazoo's module name without knm_:
	// "dash_e911", "telnyx_cnam", "failover".
	Name string
	// Features are the public features it serves: "e911", "cnam", "sms",
	// "mms", "failover", ... (number.Feature* names).
	Features []string
	// Carriers are the carriers whose numbers it can serve, when it acts
	// through one carrier's API (Telnyx E911 works only on numbers held at
	// Telnyx); nil means any number.
	Carriers []string
	// Remote is true when the provider calls a third party. A local
	// provider only validates and records; it keeps no provisioning record.
	Remote bool
	// CarrierSettings names the carrier whose settings document
	// (number_manager.<carrier>) holds the credentials the provider shares,
	// as Kazoo's telnyx_* and vitelity_* providers read number_manager.telnyx
	// and number_manager.vitelity. The caller hands that document to the
	// Factory in Deps.CarrierSettings. Empty when the provider has its own.
	CarrierSettings string
}

// Serves reports whether the provider serves feature.
func (i Info) Serves(feature string) bool { return slices.Contains(i.Features, feature) }

// ServesCarrier reports whether the provider can act on numbers held by
// carrier (a registry name).
func (i Info) ServesCarrier(carrier string) bool {
	return len(i.Carriers) == 0 || slices.Contains(i.Carriers, number.CarrierName(carrier))
}

// Provider is what every feature provider implements.
//
// Validate never calls out. Provision and Deprovision may, with the
// context's deadline; the save pipeline never calls them on a dry run.
type Provider interface {
	// Info describes the provider; it equals what was registered.
	Info() Info
	// Validate checks the number's public request for req.Feature against
	// the feature's schema and the provider's own rules, and returns it
	// normalised with the private features it implies. A request that is
	// absent or asks for the feature off gives a Spec with a nil Value. A
	// bad request is a KindInvalid error whose chain holds FieldErrors.
	Validate(req Request) (Spec, error)
	// Provision carries out req.Spec for req.Feature (Spec.Value non-nil).
	// req.Record is what the provider reported last time, so it can update
	// rather than create, and clean up what it replaces.
	Provision(ctx context.Context, req Request) (Result, error)
	// Deprovision removes the feature at the provider. Deprovisioning what
	// was never provisioned succeeds and changes nothing remote.
	Deprovision(ctx context.Context, req Request) (Result, error)
}

// Request is one feature of one number, handed to a provider.
type Request struct {
	// Number is the number after the operation's state change. Providers
	// must not modify it.
	Number *number.Number
	// Feature is the public feature asked about: "e911", "cnam", "sms"...
	Feature string
	// Spec is what Validate returned (set for Provision).
	Spec Spec
	// Record is what this provider last reported for the feature on this
	// number (zero when it never acted on it).
	Record Record
	// AccountName is the name of the account the number is assigned to;
	// E911 and CNAM providers use it as the caller name when the request
	// names none, as Kazoo does.
	AccountName string
	// AuthBy is the account acting (Kazoo's Acquired-For), for notices.
	AuthBy string
}

// Spec is a validated request.
type Spec struct {
	// Value is the request normalised: two requests that ask the same of
	// the provider give equal bytes, so the save pipeline calls the
	// provider only when it changes. nil means the feature is off.
	Value json.RawMessage
	// Features are the private features (number.Features) the number holds
	// once the request is carried out: on a dry run they are applied as
	// they are, for the quote. Only the feature's PrivateKeys may appear.
	Features number.Doc
}

// Result is what a provider reports after acting.
type Result struct {
	// Status is the provisioning status now.
	Status Status
	// Features are the private features the number holds now; the
	// feature's PrivateKeys missing here are removed.
	Features number.Doc
	// Public, when not nil, replaces the public request object (DASH
	// replaces the address with the one it geocoded), so that saving the
	// number again as read asks for nothing new.
	Public json.RawMessage
	// Data is the provider's own (address ids, order ids, location ids),
	// kept in the record and handed back in Request.Record next time.
	Data json.RawMessage
	// Message is the provider's word on the status, shown to operators.
	Message string
}

// Factory builds a provider from its settings document
// (number_manager.<name>; nil when none is stored). It decodes strictly,
// fills defaults and validates, as carrier factories do.
type Factory func(settings json.RawMessage, deps Deps) (Provider, error)

// Deps is what Numan hands every provider: no provider reaches for globals.
type Deps struct {
	Logger     *slog.Logger
	HTTPClient *http.Client
	Now        func() time.Time
	// CarrierSettings is the document number_manager.<Info.CarrierSettings>
	// when the provider shares a carrier's credentials; nil otherwise.
	CarrierSettings json.RawMessage
	// Notify receives the manual actions a provider asks an operator to
	// perform (the CNAM notifier, manually activated SMS). nil discards
	// them with a warning in the log.
	Notify Notifier
}

// Clock returns d.Now, or time.Now.
func (d Deps) Clock() func() time.Time {
	if d.Now == nil {
		return time.Now
	}
	return d.Now
}

// Log returns the logger to use: d.Logger or one that discards.
func (d Deps) Log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

type registration struct {
	info    Info
	factory Factory
}

var (
	mu        sync.RWMutex
	providers = map[string]registration{}
)

// Register makes a provider available under info.Name. It panics on an
// empty name, no features, an unknown feature, a nil factory or a
// duplicate: those are programming errors.
func Register(info Info, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if info.Name == "" || f == nil || len(info.Features) == 0 {
		panic("feature: Register with empty name, no features or nil factory")
	}
	if Canonical(info.Name) != info.Name {
		panic("feature: Register " + info.Name + ": not a registry name")
	}
	for _, feat := range info.Features {
		if _, ok := rules[feat]; !ok {
			panic("feature: Register " + info.Name + ": unknown feature " + feat)
		}
	}
	if _, dup := providers[info.Name]; dup {
		panic("feature: Register called twice for " + info.Name)
	}
	info.Features = slices.Clone(info.Features)
	info.Carriers = slices.Clone(info.Carriers)
	providers[info.Name] = registration{info: info, factory: f}
}

// Canonical turns any spelling of a provider module into its registry
// name: "knm_dash_e911", "wnm_dash_e911" and "dash_e911" are "dash_e911".
func Canonical(name string) string {
	name = strings.TrimSpace(name)
	for {
		trimmed := strings.TrimPrefix(strings.TrimPrefix(name, "knm_"), "wnm_")
		if trimmed == name {
			return name
		}
		name = trimmed
	}
}

// New builds the provider registered as name (Kazoo's knm_ prefix is
// accepted) from its settings.
func New(name string, settings json.RawMessage, deps Deps) (Provider, error) {
	name = Canonical(name)
	mu.RLock()
	r, ok := providers[name]
	mu.RUnlock()
	if !ok {
		return nil, number.Errorf(number.KindInvalid, "", "unknown feature provider %q", name)
	}
	p, err := r.factory(settings, deps)
	if err != nil {
		return nil, fmt.Errorf("feature provider %s: %w", name, err)
	}
	return p, nil
}

// Lookup returns what the provider registered as name says of itself.
func Lookup(name string) (Info, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := providers[Canonical(name)]
	if !ok {
		return Info{}, false
	}
	info := r.info
	info.Features = slices.Clone(info.Features)
	info.Carriers = slices.Clone(info.Carriers)
	return info, true
}

// Names returns the registered provider names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(providers))
	for n := range providers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Serving returns the names of the providers that serve feature on numbers
// of carrier ("" for any carrier), sorted.
func Serving(feature, carrier string) []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for n, r := range providers {
		if r.info.Serves(feature) && (carrier == "" || r.info.ServesCarrier(carrier)) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// AddressValidator is implemented by E911 providers that can check an
// address at the provider without changing anything there. Numan calls it
// before buying a number that asks for E911, so an address the provider
// refuses fails the purchase before anything is bought or billed.
type AddressValidator interface {
	// ValidateAddress returns the address as the provider would record it.
	// An address the provider refuses is a KindInvalid error whose Details
	// hold the provider's suggestions (see InvalidAddress).
	ValidateAddress(ctx context.Context, req Request, addr Address) (Address, error)
}

// Refresher is implemented by providers whose provisioning completes later
// (an order taken, an address being registered): Refresh asks the provider
// where a GEOCODED or PENDING request stands now.
type Refresher interface {
	Refresh(ctx context.Context, req Request) (Result, error)
}
