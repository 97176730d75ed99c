// Package manager holds Numan's use cases: the only code that changes a
// number's state. It reads and writes through a store.Store, asks carriers
// to search, buy and release, and applies the domain rules of package
// number. Every bulk operation returns, for each number, either its new
// record or its error: one bad number never spoils the others.
package manager

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Manager runs the number operations.
type Manager struct {
	store    store.Store
	cfg      *config.Source
	carriers *CarrierSet
	log      *slog.Logger
	now      func() time.Time
	hooks    Hooks
	accounts *accountCache
	numbers  *numberCache
	// remembered is what this node last wrote for each search query id
	// (rememberedSearch), so an unchanged answer is not written again.
	remembered sync.Map
}

// Options configure a Manager.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; tests inject one so nothing sleeps.
	Now func() time.Time
	// HTTPClient is handed to carriers that speak HTTP; nil = a client with
	// sane timeouts.
	HTTPClient *http.Client
	// Hooks extend the operations (discovery, purchase records, billing).
	Hooks Hooks
	// AccountCacheTTL bounds how stale the accounts that authorization
	// reads may be; 0 means no cache (every operation reads the store).
	AccountCacheTTL time.Duration
	// NumberCacheTTL bounds how stale a number shown by Get may be when
	// another node changed it (this node's writes are seen at once); 0
	// means no cache. Writes never use the cache.
	NumberCacheTTL time.Duration
}

// Hooks let other parts of Numan take part in operations without the
// manager knowing them. Every hook is optional.
type Hooks struct {
	// Discover returns the discovery record of a number a carrier offered in
	// a recent search (state discovery, module and carrier data set), or a
	// not_found error. Move uses it for numbers not yet stored.
	Discover func(ctx context.Context, e164 string) (*number.Number, error)
	// Remember keeps a search's merged results (in discovery) for paging
	// and for buying a found number from the carrier that offered it.
	Remember func(ctx context.Context, req SearchRequest, found []Found) error
	// Charges computes what a write would cost the account; a non-nil quote
	// on a dry run is returned in Result.Charges. In each Change, Before is
	// nil for new numbers and After is nil for numbers going away. Before a
	// real run of create, move, update or reserve buys or writes anything,
	// Charges is called again with the real (not dry) options and the
	// changes a dry run of the operation computed: an error (e.g.
	// not_enough_credit) fails every number and nothing is done.
	Charges func(ctx context.Context, op Op, changes []Change) (any, error)
	// Commit runs after the numbers of a real (not dry) run are written,
	// with the changes that were written (e.g. to record ledger entries).
	Commit func(ctx context.Context, op Op, changes []Change) error
	// QueueDisconnect records a carrier disconnect that failed, to be
	// retried later; without it a failed disconnect fails the release.
	QueueDisconnect func(ctx context.Context, n *number.Number, cause error) error
}

// Change is one number's before and after within an operation.
type Change struct {
	Before *number.Number // nil when the number is new
	After  *number.Number // nil when the number was deleted
}

// New returns a Manager over st reading configuration from src.
func New(st store.Store, src *config.Source, opts Options) *Manager {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	m := &Manager{store: st, cfg: src, log: opts.Logger, now: opts.Now, hooks: opts.Hooks}
	m.numbers = &numberCache{ttl: opts.NumberCacheTTL, entries: map[string]cachedNumber{}}
	m.accounts = &accountCache{store: st, ttl: opts.AccountCacheTTL, now: time.Now, entries: map[string]cachedAccount{}}
	m.carriers = newCarrierSet(src, st, opts.Logger, opts.HTTPClient, opts.Now)
	return m
}

// SetHooks replaces the manager's hooks; call it before serving.
func (m *Manager) SetHooks(h Hooks) { m.hooks = h }

// Store returns the manager's store.
func (m *Manager) Store() store.Store { return m.store }

// Config returns the effective number_manager configuration and its normaliser.
func (m *Manager) Config(ctx context.Context) (number.Config, *number.Normalizer, error) {
	return m.cfg.NumberManager(ctx)
}

// Op are the options of one operation (Kazoo's knm_options).
type Op struct {
	AuthBy       number.Requester // who asks; number.SystemRequester bypasses every check
	AssignTo     string           // target account
	DryRun       bool             // compute everything, write nothing, call no carrier
	PortedIn     bool             // create numbers that were ported in
	ModuleName   string           // carrier for new numbers ("" = available_module_name)
	State        number.State     // target state of create ("" = in_service)
	PublicFields number.Doc       // replace the public fields (nil = leave them)
	MDNRun       bool             // the operation is on mobile (MDN) numbers
	RequestID    string           // for logs and ledger entries
}

// Result is the outcome of an operation on many numbers.
type Result struct {
	// Succeeded are the numbers as they are now (or would be, on a dry run),
	// in number order.
	Succeeded []*number.Number
	// Failed maps each failed number (normalised; the raw input when it does
	// not normalise) to its error.
	Failed map[string]error
	// Charges is the quote of what the operation costs, set on dry runs by
	// the Charges hook; nil when it costs nothing.
	Charges any

	// changes are, on a dry run, what a real run would write: the real
	// run's charges check (preflight) is asked about them.
	changes []Change
}

// OK reports whether nothing failed.
func (r *Result) OK() bool { return len(r.Failed) == 0 }

func (r *Result) fail(key string, err error) {
	if r.Failed == nil {
		r.Failed = map[string]error{}
	}
	r.Failed[key] = err
}

// failAll fails every input with err, keyed as fetch would key it.
func (m *Manager) failAll(ctx context.Context, nums []string, err error) *Result {
	r := &Result{}
	_, norm, cerr := m.cfg.NumberManager(ctx)
	for _, raw := range nums {
		key := raw
		if cerr == nil {
			if e, nerr := norm.Normalize(raw); nerr == nil {
				key = e
			}
		}
		r.fail(key, err)
	}
	return r
}

// Normalize returns raw in E.164 under the current configuration.
func (m *Manager) Normalize(ctx context.Context, raw string) (string, error) {
	_, norm, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return "", err
	}
	return norm.Normalize(raw)
}

// ListQuery and Page are the store's listing types, re-exported for callers
// of List.
type (
	ListQuery = store.ListQuery
	Page      = store.Page
)
