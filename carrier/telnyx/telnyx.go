// Package telnyx is Kazoo's knm_telnyx brought to Telnyx API v2: JSON over
// HTTPS with a bearer API key. Kazoo spoke Telnyx's retired origination
// API (x-api-user/x-api-token, POST number_searches); this module searches
// with GET /v2/available_phone_numbers, buys with asynchronous number
// orders followed for a bounded time, and, unlike Kazoo, releases numbers
// with DELETE /v2/phone_numbers/{id}.
package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/nanp"
)

// Name is the registry name (Kazoo's knm_telnyx).
const Name = "telnyx"

// DefaultAPIURL is Telnyx's production API host; request paths carry /v2.
const DefaultAPIURL = "https://api.telnyx.com"

// maxLimit is the most results Numan asks Telnyx for in one search; Kazoo
// truncated Telnyx replies to 100 too.
const maxLimit = 100

// info is Kazoo's figures for knm_telnyx: a remote API billing every
// number, CNAM looked up, searched by area code (3).
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.telnyx: Kazoo's keys, and
// what API v2 needs on top.
type Config struct {
	Debug                bool    `json:"debug"` // Kazoo wrote replies to /tmp; Numan logs exchanges at debug level, redacted
	EnableProvisioning   bool    `json:"enable_provisioning"`
	SandboxProvisioning  bool    `json:"sandbox_provisioning"`
	ShouldFilterRates    bool    `json:"should_filter_rates"`
	ShouldKeepBestEffort bool    `json:"should_keep_best_effort"`
	UpfrontCost          float64 `json:"upfront_cost"`
	MonthlyRecurringCost float64 `json:"monthly_recurring_cost"`
	// User and Token were the credentials of Telnyx's retired origination
	// API. They are accepted so that Kazoo's stored settings still load,
	// and otherwise unused: API v2 authenticates with APIKey.
	User  string `json:"user"`
	Token string `json:"token"`
	// APIKey is the Telnyx API v2 key, sent as a bearer token.
	APIKey string `json:"api_key"`
	// APIURL points the carrier at Telnyx or a test server.
	APIURL string `json:"api_url"`
	// ConnectionID and MessagingProfileID, when set, are attached to every
	// number ordered, so that it routes as soon as it is active.
	ConnectionID       string `json:"connection_id"`
	MessagingProfileID string `json:"messaging_profile_id"`
	// OrderPollIntervalMS is the wait between two looks at a pending order.
	OrderPollIntervalMS int `json:"order_poll_interval_ms"`
	// OrderMaxWaitMS bounds how long an order is followed.
	OrderMaxWaitMS int `json:"order_max_wait_ms"`
}

// DefaultConfig returns Kazoo's defaults and Telnyx's production URL.
func DefaultConfig() Config {
	return Config{
		EnableProvisioning:   true,
		UpfrontCost:          1.0,
		MonthlyRecurringCost: 1.0,
		APIURL:               DefaultAPIURL,
		OrderPollIntervalMS:  2000,
		OrderMaxWaitMS:       60000,
	}
}

// Carrier talks to one Telnyx account.
type Carrier struct {
	cfg    Config
	http   *httpx.Client
	poller httpx.Poller
	logger *slog.Logger
}

// New validates cfg and builds the carrier.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	if err := httpx.ValidateBaseURL(cfg.APIURL); err != nil {
		return nil, err
	}
	switch {
	case cfg.APIKey == "":
		return nil, number.Errorf(number.KindInvalid, "", "%s: api_key (a Telnyx API v2 key) is required", Name)
	case cfg.OrderPollIntervalMS < 0 || cfg.OrderMaxWaitMS <= 0:
		return nil, number.Errorf(number.KindInvalid, "", "%s: order_poll_interval_ms must be >= 0 and order_max_wait_ms > 0", Name)
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Carrier{
		cfg: cfg,
		http: &httpx.Client{
			Carrier:      Name,
			BaseURL:      cfg.APIURL,
			HTTP:         deps.HTTPClient,
			Auth:         httpx.BearerAuth{Token: cfg.APIKey},
			Logger:       deps.Logger,
			Header:       http.Header{"Accept": {"application/json"}},
			ErrorMessage: errorMessage,
			Classify:     httpx.RefineByMessage(errorMessage),
			Now:          deps.Now,
		},
		poller: httpx.Poller{
			Interval: time.Duration(cfg.OrderPollIntervalMS) * time.Millisecond,
			MaxWait:  time.Duration(cfg.OrderMaxWaitMS) * time.Millisecond,
		},
		logger: logger,
	}, nil
}

// SetRetryPolicy replaces the HTTP backoff, the sleeper used by retries and
// order polling, and the poll bounds; tests use it to run without waiting.
func (c *Carrier) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper, poller httpx.Poller) {
	c.http.Backoff = backoff
	c.http.Sleep = sleep
	if poller.Sleep == nil {
		poller.Sleep = sleep
	}
	c.poller = poller
}

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// FindNumbers searches Telnyx's inventory. The normalised prefix decides
// the filters: +1 NPA[NXX...] searches by national destination code and
// the digits after it; a toll-free NPA or an 8 wildcard (+180*, +18**)
// searches toll_free numbers; any other country searches by the country
// of the search options and the national digits. Telnyx supports no
// wildcards, so they are matched here, as is the prefix itself.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if quantity <= 0 {
		return nil, nil
	}
	q, err := searchQuery(prefix, opts)
	if err != nil || q == nil {
		return nil, err
	}
	limit := min(quantity, maxLimit)
	q.Set("filter[limit]", strconv.Itoa(limit))
	if !c.cfg.ShouldKeepBestEffort {
		q.Set("filter[best_effort]", "false")
	}
	resp, err := c.http.Get(ctx, "v2/available_phone_numbers", q)
	if err != nil {
		return nil, err
	}
	offers, err := parseAvailable(resp.Body)
	if err != nil {
		return nil, err
	}
	results := make([]carrier.Result, 0, min(len(offers), limit))
	seen := map[string]bool{}
	for _, o := range offers {
		if len(results) == limit {
			break
		}
		switch {
		case !nanp.MatchesPattern(o.PhoneNumber, prefix), seen[o.PhoneNumber]:
			continue
		case o.BestEffort && !c.cfg.ShouldKeepBestEffort:
			continue
		case c.cfg.ShouldFilterRates && !(costIs(o.Cost.Upfront, c.cfg.UpfrontCost) && costIs(o.Cost.Monthly, c.cfg.MonthlyRecurringCost)):
			continue
		}
		seen[o.PhoneNumber] = true
		results = append(results, carrier.Result{
			Number:      o.PhoneNumber,
			Carrier:     Name,
			State:       number.Discovery,
			CarrierData: o.raw,
			Details:     o.details(),
		})
	}
	return results, nil
}

// searchQuery builds the filter parameters for a normalised prefix; nil
// with no error means Telnyx cannot be asked (no country to ask in).
func searchQuery(prefix string, opts carrier.SearchOptions) (url.Values, error) {
	digits, ok := strings.CutPrefix(prefix, "+")
	if !ok {
		return nil, number.Errorf(number.KindInvalid, "", "%s: prefix %q is not normalised (+ and digits)", Name, prefix)
	}
	fixed, wildcard := nanp.TrimWildcard(digits)
	if fixed == "" || strings.Trim(fixed, "0123456789") != "" {
		return nil, number.Errorf(number.KindInvalid, "", "%s: prefix %q must be digits, optionally ending in *", Name, prefix)
	}
	q := url.Values{}
	if national, ok := strings.CutPrefix(fixed, "1"); ok {
		if len(national) > 10 {
			return nil, nil // longer than any NANP number
		}
		country := strings.ToUpper(opts.Country)
		if country == "" || opts.Dialcode != "" && opts.Dialcode != "+1" {
			country = "US"
		}
		q.Set("filter[country_code]", country)
		if nanp.IsTollFreeSearch(national, wildcard) {
			q.Set("filter[phone_number_type]", "toll_free")
		}
		if len(national) >= 3 {
			q.Set("filter[national_destination_code]", national[:3])
			if len(national) > 3 {
				q.Set("filter[phone_number][starts_with]", national[3:])
			}
		}
		return q, nil
	}
	dial := strings.TrimPrefix(opts.Dialcode, "+")
	country := strings.ToUpper(opts.Country)
	if dial == "" || len(country) != 2 || !strings.HasPrefix(fixed, dial) {
		return nil, nil
	}
	q.Set("filter[country_code]", country)
	if national := fixed[len(dial):]; national != "" {
		q.Set("filter[phone_number][starts_with]", national)
	}
	return q, nil
}

// costIs compares a Telnyx price ("1.00000") with a configured one.
func costIs(price string, want float64) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(price), 64)
	return err == nil && f == want
}

// Acquire orders the number and follows the order until Telnyx settles
// it. An order waiting on regulatory requirements stays pending; when the
// wait runs out it is reported as a carrier fault naming the order.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if skip, err := carrier.Provisioning(Name, n.Number, c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip || err != nil {
		return carrier.Acquired{}, err
	}
	req := orderRequest{
		PhoneNumbers:       []orderNumber{{PhoneNumber: n.Number}},
		ConnectionID:       c.cfg.ConnectionID,
		MessagingProfileID: c.cfg.MessagingProfileID,
		CustomerReference:  n.AssignedTo,
	}
	body, err := json.Marshal(req)
	if err != nil {
		return carrier.Acquired{}, number.Wrap(number.KindInternal, n.Number, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        "v2/number_orders",
		Body:        body,
		ContentType: "application/json",
		Number:      n.Number,
	})
	if err != nil {
		return carrier.Acquired{}, err
	}
	o, err := parseOrder(resp.Body)
	if err != nil {
		return carrier.Acquired{}, number.WithNumber(err, n.Number)
	}
	if o.ID == "" {
		return carrier.Acquired{}, c.http.CarrierError(n.Number, "number order reply carries no id (status %q)", o.Status)
	}
	orderID := o.ID
	err = c.poller.Poll(ctx, func(ctx context.Context) (bool, error) {
		if o.final() {
			return true, nil
		}
		resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodGet, Path: "v2/number_orders/" + url.PathEscape(orderID), Number: n.Number})
		if err != nil {
			return false, err
		}
		next, err := parseOrder(resp.Body)
		if err != nil {
			return false, number.WithNumber(err, n.Number)
		}
		o = next
		return o.final(), nil
	})
	if err != nil {
		return carrier.Acquired{}, c.pollError(n.Number, orderID, o, err)
	}
	if o.Status != statusSuccess || o.numberStatus(n.Number) == statusFailure {
		// A settled order that failed: Telnyx did not sell the number.
		e := c.http.Refusal(carrier.Rejected, n.Number, "number order %s ended %s (number %s)", orderID, o.Status, o.numberStatus(n.Number))
		e.Details.(map[string]any)["order_id"] = orderID
		return carrier.Acquired{}, e
	}
	data := number.Doc{}
	data.Set("order_id", orderID)
	return carrier.Acquired{CarrierData: data}, nil
}

// pollError is the failure to follow an order that was placed: whatever
// failed, the order may yet complete, so it is never a definite refusal.
func (c *Carrier) pollError(num, orderID string, o order, err error) error {
	return carrier.Uncertain(c.describePollError(num, orderID, o, err))
}

func (c *Carrier) describePollError(num, orderID string, o order, err error) error {
	if errors.Is(err, httpx.ErrStillPending) {
		why := ""
		if !o.RequirementsMet {
			why = "; its regulatory requirements are not met"
		}
		e := c.http.CarrierError(num, "number order %s still %s when Numan stopped following it (after at most %v)%s; it may yet complete at Telnyx",
			orderID, o.Status, time.Duration(c.cfg.OrderMaxWaitMS)*time.Millisecond, why)
		e.Details.(map[string]any)["order_id"] = orderID
		e.Err = err
		return e
	}
	var e *number.Error
	if errors.As(err, &e) {
		cp := *e
		if d, ok := cp.Details.(map[string]any); ok {
			d["order_id"] = orderID
		}
		cp.Cause = fmt.Sprintf("%s (while following number order %s)", cp.Cause, orderID)
		return &cp
	}
	return err
}

// Disconnect deletes the number from the Telnyx account. The phone
// number's Telnyx id comes from carrier data (phone_number_id) or, as for
// numbers Kazoo bought, from a lookup by number. A number Telnyx no
// longer has is already released, which is what was asked.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	// Kazoo never released numbers at the carrier with provisioning off;
	// Numan does not either, and says the carrier keeps the number.
	if skip, err := carrier.DisconnectOff(c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip {
		return err
	}
	var id string
	if !n.CarrierData.Get("phone_number_id", &id) || id == "" {
		var err error
		if id, err = c.lookupID(ctx, n.Number); err != nil {
			return err
		}
		if id == "" {
			c.logger.DebugContext(ctx, "telnyx: number not on the account; nothing to release", "number", n.Number)
			return nil
		}
	}
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodDelete, Path: "v2/phone_numbers/" + url.PathEscape(id), Number: n.Number})
	if httpx.StatusCode(err) == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	deleted, err := parsePhoneNumber(resp.Body)
	if err != nil {
		return number.WithNumber(err, n.Number)
	}
	if deleted.Status != "" && deleted.Status != "deleted" {
		return c.http.CarrierError(n.Number, "delete of phone number %s left it %s", id, deleted.Status)
	}
	return nil
}

// lookupID returns Telnyx's id of e164 on the account, or "" when the
// account does not hold it.
func (c *Carrier) lookupID(ctx context.Context, e164 string) (string, error) {
	resp, err := c.http.Get(ctx, "v2/phone_numbers", url.Values{"filter[phone_number]": {e164}})
	if err != nil {
		return "", number.WithNumber(err, e164)
	}
	owned, err := parsePhoneNumbers(resp.Body)
	if err != nil {
		return "", number.WithNumber(err, e164)
	}
	for _, p := range owned {
		if p.PhoneNumber == e164 {
			return p.ID, nil
		}
	}
	return "", nil
}

// Holds reports whether the account holds e164 (phone_numbers filtered by
// number), for reconciling an interrupted purchase.
func (c *Carrier) Holds(ctx context.Context, e164 string) (bool, error) {
	id, err := c.lookupID(ctx, e164)
	return id != "", err
}

// Interface guards
var (
	_ carrier.Carrier = (*Carrier)(nil)
	_ carrier.Holder  = (*Carrier)(nil)
)
