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

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Manager runs the number operations.
type Manager struct {
	// decodedConfigs keeps each account's number_manager document
	// decoded (accountConfig), keyed by account id.
	decodedConfigs sync.Map

	store    store.Store
	cfg      *config.Source
	carriers *CarrierSet
	// providers are the feature providers, built like the carriers.
	providers *ProviderSet
	// jobs tracks the background work the manager started (routing
	// changes), so a server can wait for it before it stops.
	jobs sync.WaitGroup
	// bg is the context of that work; Close cancels it.
	bg       context.Context
	stopBG   context.CancelFunc
	log      *slog.Logger
	now      func() time.Time
	billing  Billing
	accounts *accounts.Service
	numbers  *numberCache
	// routes, when set (StartRouteIndex), answers Identify from memory.
	routes *routeIndex
	// remembered is what this node last wrote for each search query id
	// (rememberedSearch), so an unchanged answer is not written again.
	remembered sync.Map
	// purchases counts the purchases still running after their buyer's
	// request ended (see acquire and Drain).
	purchases sync.WaitGroup
}

// Options configure a Manager.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; tests inject one so nothing sleeps.
	Now func() time.Time
	// HTTPClient is handed to carriers that speak HTTP; nil = a client with
	// sane timeouts.
	HTTPClient *http.Client
	// Accounts reads the accounts authorization asks about: the node's one
	// account service, whose cache every account write on the node clears.
	// nil gives the manager a service of its own over st, caching for
	// AccountCacheTTL.
	Accounts *accounts.Service
	// AccountCacheTTL bounds how stale the accounts that authorization
	// reads may be when Accounts is nil; 0 means no cache (every operation
	// reads the store).
	AccountCacheTTL time.Duration
	// NumberCacheTTL bounds how stale a number shown by Get may be when
	// another node changed it (this node's writes are seen at once); 0
	// means no cache. Writes never use the cache.
	NumberCacheTTL time.Duration
	// NumberCacheSize bounds the numbers that cache holds (about 1 KB
	// each); 0 means DefaultNumberCacheSize.
	NumberCacheSize int
}

// DefaultNumberCacheSize is the default bound of the number cache: about
// 20 MB.
const DefaultNumberCacheSize = 20_000

// Billing prices number writes and records their charges; internal/billing
// implements it. A manager without one charges nothing.
type Billing interface {
	// Quote prices changes (a nil Before is a new number, a nil After one
	// going away); the quote is empty when they cost nothing.
	Quote(ctx context.Context, changes []number.Change) (billing.Quote, error)
	// CheckCredit refuses a quote an account cannot pay today
	// (not_enough_credit). It is the early, friendly refusal: what really
	// keeps a balance above its limit is that every charge is debited, or
	// held, conditionally on the balance in the write's own transaction.
	CheckCredit(ctx context.Context, q billing.Quote) error
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
	if opts.Accounts == nil {
		opts.Accounts = accounts.New(st, accounts.Options{CacheTTL: opts.AccountCacheTTL, Now: opts.Now})
	}
	m := &Manager{store: st, cfg: src, log: opts.Logger, now: opts.Now, accounts: opts.Accounts}
	m.bg, m.stopBG = context.WithCancel(context.Background())
	if opts.NumberCacheSize <= 0 {
		opts.NumberCacheSize = DefaultNumberCacheSize
	}
	m.numbers = &numberCache{ttl: opts.NumberCacheTTL, max: opts.NumberCacheSize, entries: map[string]cachedNumber{}}
	m.carriers = newCarrierSet(src, st, opts.Logger, opts.HTTPClient, opts.Now)
	m.providers = newProviderSet(src, opts.Logger, opts.HTTPClient, opts.Now, m.notify)
	return m
}

// SetBilling prices the manager's writes with b (nil: nothing is charged);
// call it before serving.
func (m *Manager) SetBilling(b Billing) { m.billing = b }

// Accounts returns the account service the manager authorizes with.
func (m *Manager) Accounts() *accounts.Service { return m.accounts }

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
	// QuoteFirst is a caller that has not accepted charges (Kazoo's
	// accept_charges absent): an operation that costs anything is only
	// quoted and nothing is done (Result.NeedsAcceptance).
	QuoteFirst bool

	// priced marks the real run that follows the dry run which priced it;
	// quote is that dry run's quote, from which purchases hold credit.
	priced bool
	quote  billing.Quote
	// plans are the service plans the rehearsal and the real run price
	// with: resolved once, the same for both (billing.Plans).
	plans *billing.Plans
	// unrehearsed marks the real run of a one-number operation tried
	// before any rehearsal (see preflight): it stops, with nothing done,
	// before anything that cannot be taken back unpriced.
	unrehearsed bool
	// assumeNew marks a bulk create that does not read its numbers first:
	// it takes them all for new, and the numbers of any batch the store
	// refuses as already stored are created again by a Create that reads
	// them (Result.retry).
	assumeNew bool
	// retried marks that Create: it reads its numbers.
	retried bool
}

// Result is the outcome of an operation on many numbers.
type Result struct {
	// Succeeded are the numbers as they are now (or would be, on a dry run),
	// in number order.
	Succeeded []*number.Number
	// Failed maps each failed number (normalised; the raw input when it does
	// not normalise) to its error.
	Failed map[string]error
	// Charges is the quote of what the operation costs, set on dry runs
	// (and with NeedsAcceptance); nil when it costs nothing.
	Charges billing.Quote
	// NeedsAcceptance says nothing was done: the operation costs Charges,
	// which the caller has not accepted (Op.QuoteFirst).
	NeedsAcceptance bool

	// pricingErr is why a dry run could not be priced.
	pricingErr error
	// needsRehearsal says an unrehearsed run stopped before doing
	// anything: the operation must be rehearsed.
	needsRehearsal bool
	// retry are the numbers an assumeNew create left alone, because their
	// batch met a number already stored.
	retry []string
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
