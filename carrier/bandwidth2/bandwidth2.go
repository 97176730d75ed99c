// Package bandwidth2 is Kazoo's knm_bandwidth2: US numbers from Bandwidth
// through its Dashboard (Iris) XML API, with HTTP Basic authentication.
//
// Unlike Kazoo it really gives numbers back: a disconnect is a Bandwidth
// disconnect order, followed until it settles. Orders and disconnects are
// asynchronous at Bandwidth; both are followed for a bounded time, and an
// order still pending then is reported as a carrier fault naming the
// order, so that reconciliation can settle it later.
package bandwidth2

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/nanp"
)

// Name is the registry name (Kazoo's knm_bandwidth2).
const Name = "bandwidth2"

// DefaultAPIURL is Bandwidth's production Dashboard API as Bandwidth's
// documentation gives it today; Kazoo used the older host
// https://api.inetwork.com/v1.0, which api_url can still name.
const DefaultAPIURL = "https://dashboard.bandwidth.com/api"

// maxQuantity is the most numbers Bandwidth returns from one search.
const maxQuantity = 5000

// info is Kazoo's figures for knm_bandwidth2: a remote API billing every
// number, CNAM looked up, searched by area code (3). Kazoo's legacy
// "bandwidth" module is this one.
var info = carrier.Info{
	Module:   number.Module{Name: Name, Aliases: []string{"bandwidth"}},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.bandwidth2, with Kazoo's
// keys, plus api_url and the bounds on following an order.
type Config struct {
	AccountID           string `json:"account_id"`
	APIUsername         string `json:"api_username"`
	APIPassword         string `json:"api_password"`
	Debug               bool   `json:"debug"` // Kazoo wrote replies to /tmp; Numan logs every exchange at debug level, redacted
	EnableProvisioning  bool   `json:"enable_provisioning"`
	SandboxProvisioning bool   `json:"sandbox_provisioning"`
	MaxSearchQuantity   int    `json:"max_search_quantity"`
	OrderNamePrefix     string `json:"order_name_prefix"`
	SIPPeer             idText `json:"sip_peer"`
	SiteID              idText `json:"site_id"`
	// APIURL points the carrier at Bandwidth's production API, a sandbox
	// or a test server.
	APIURL string `json:"api_url"`
	// OrderPollIntervalMS is the wait between two looks at a pending order.
	OrderPollIntervalMS int `json:"order_poll_interval_ms"`
	// OrderMaxWaitMS bounds how long an order or disconnect is followed.
	OrderMaxWaitMS int `json:"order_max_wait_ms"`
}

// idText is a Bandwidth id (site, SIP peer). Kazoo's schema says string,
// but stored configs often hold the number Bandwidth's portal shows, so
// both decode.
type idText string

// UnmarshalJSON accepts a JSON string or number.
func (t *idText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '"' {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = idText(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = idText(s)
	return nil
}

// DefaultConfig returns Kazoo's defaults, Bandwidth's production URL, and
// Kazoo's 2 s poll interval with a one-minute bound.
func DefaultConfig() Config {
	return Config{
		EnableProvisioning:  true,
		SandboxProvisioning: true,
		MaxSearchQuantity:   500,
		OrderNamePrefix:     "Kazoo",
		APIURL:              DefaultAPIURL,
		OrderPollIntervalMS: 2000,
		OrderMaxWaitMS:      60000,
	}
}

// Carrier talks to one Bandwidth account.
type Carrier struct {
	cfg    Config
	http   *httpx.Client
	poller httpx.Poller
	now    func() time.Time
	logger *slog.Logger
}

// New validates cfg and builds the carrier.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	if err := httpx.ValidateBaseURL(cfg.APIURL); err != nil {
		return nil, err
	}
	switch {
	case cfg.AccountID == "" || strings.ContainsAny(cfg.AccountID, "/?#"):
		return nil, number.Errorf(number.KindInvalid, "", "%s: account_id is required and must be a plain id", Name)
	case cfg.APIUsername == "" || cfg.APIPassword == "":
		return nil, number.Errorf(number.KindInvalid, "", "%s: api_username and api_password are required", Name)
	case cfg.MaxSearchQuantity <= 0:
		return nil, number.Errorf(number.KindInvalid, "", "%s: max_search_quantity must be positive", Name)
	case cfg.OrderPollIntervalMS < 0 || cfg.OrderMaxWaitMS <= 0:
		return nil, number.Errorf(number.KindInvalid, "", "%s: order_poll_interval_ms must be >= 0 and order_max_wait_ms > 0", Name)
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimRight(cfg.APIURL, "/") + "/accounts/" + url.PathEscape(cfg.AccountID) + "/"
	c := &Carrier{
		cfg: cfg,
		http: &httpx.Client{
			Carrier:      Name,
			BaseURL:      base,
			HTTP:         deps.HTTPClient,
			Auth:         httpx.BasicAuth{User: cfg.APIUsername, Password: cfg.APIPassword},
			Logger:       deps.Logger,
			Header:       http.Header{"Accept": {"application/xml"}},
			ErrorMessage: errorMessage,
			Classify:     httpx.RefineByMessage(errorMessage),
			Now:          now,
		},
		poller: httpx.Poller{
			Interval: time.Duration(cfg.OrderPollIntervalMS) * time.Millisecond,
			MaxWait:  time.Duration(cfg.OrderMaxWaitMS) * time.Millisecond,
		},
		now:    now,
		logger: logger,
	}
	return c, nil
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

// FindNumbers searches Bandwidth's inventory. The prefix is the
// normalised one (+1415, +1415555, +1800, +180*, +18**): a 3-digit NPA is
// an areaCode search, 6 digits an npaNxx search and 7 or more an npaNxxx
// search, both with local calling area expansion off so that only numbers
// with those digits come back; a toll-free NPA or an 8-wildcard pattern is
// a tollFreeWildCardPattern search with all three characters (Kazoo
// dropped the first digit, turning 800 into 00*). Results are checked
// against the prefix, so an expansion the carrier makes never leaks out.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if quantity <= 0 {
		return nil, nil
	}
	q, pattern, err := searchQuery(prefix)
	if err != nil || q == nil {
		return nil, err
	}
	quantity = min(quantity, c.cfg.MaxSearchQuantity, maxQuantity)
	q.Set("quantity", strconv.Itoa(quantity))
	resp, err := c.http.Get(ctx, "availableNumbers", q)
	if err != nil {
		return nil, err
	}
	found, err := parseSearchResult(resp.Body)
	if err != nil {
		return nil, err
	}
	results := make([]carrier.Result, 0, min(len(found), quantity))
	seen := map[string]bool{}
	for _, f := range found {
		if len(results) == quantity {
			break
		}
		if !nanp.MatchesPattern(f.e164, pattern) || seen[f.e164] {
			continue
		}
		seen[f.e164] = true
		results = append(results, carrier.Result{
			Number:      f.e164,
			Carrier:     Name,
			State:       number.Discovery,
			CarrierData: f.carrierData(),
			Details:     f.details(),
		})
	}
	return results, nil
}

// searchQuery turns a normalised prefix into Bandwidth's search
// parameters, and the pattern results must match ('*' = any digit). A nil
// query with no error means Bandwidth has nothing to offer for it (not a
// NANP prefix, or too short to search by).
func searchQuery(prefix string) (url.Values, string, error) {
	rest, ok := strings.CutPrefix(prefix, "+1")
	if !ok {
		return nil, "", nil
	}
	for _, r := range rest {
		if (r < '0' || r > '9') && r != '*' {
			return nil, "", number.Errorf(number.KindInvalid, "", "%s: prefix %q has characters other than digits and *", Name, prefix)
		}
	}
	wild := strings.IndexByte(rest, '*')
	q := url.Values{}
	switch {
	case wild >= 0:
		// Bandwidth's only wildcard search is the 3-character toll-free
		// pattern: 8 then digits or *, with nothing after the third.
		if rest[0] != '8' || len(rest) > 3 || strings.Trim(rest[wild:], "*") != "" {
			return nil, "", number.Errorf(number.KindInvalid, "", "%s: wildcard prefix %q is not a toll-free pattern like +18** or +180*", Name, prefix)
		}
		pattern := rest + strings.Repeat("*", 3-len(rest))
		q.Set("tollFreeWildCardPattern", pattern)
		return q, "+1" + pattern, nil
	case len(rest) < 3 || len(rest) > 10:
		return nil, "", nil
	case nanp.IsTollFreeNPA(rest[:3]):
		q.Set("tollFreeWildCardPattern", rest[:3])
	case len(rest) < 6:
		q.Set("areaCode", rest[:3])
		q.Set("enableTNDetail", "true")
	case len(rest) == 6:
		q.Set("npaNxx", rest)
		q.Set("LCA", "false")
		q.Set("enableTNDetail", "true")
	default:
		q.Set("npaNxxx", rest[:7])
		q.Set("LCA", "false")
		q.Set("enableTNDetail", "true")
	}
	return q, prefix, nil
}

// Acquire orders the number from Bandwidth and follows the order until it
// completes, fails, or the wait runs out.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if skip, err := carrier.Provisioning(Name, n.Number, c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip || err != nil {
		return carrier.Acquired{}, err
	}
	tn, err := nationalNumber(n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	order := orderRequest{
		Name:            fmt.Sprintf("%s-%d", c.cfg.OrderNamePrefix, c.now().Unix()),
		CustomerOrderID: customerOrderID(n.AssignedTo),
		SiteID:          string(c.cfg.SiteID),
		PeerID:          string(c.cfg.SIPPeer),
		PartialAllowed:  false,
		Numbers:         []string{tn},
	}
	body, err := xml.Marshal(order)
	if err != nil {
		return carrier.Acquired{}, number.Wrap(number.KindInternal, n.Number, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        "orders",
		Body:        append([]byte(xml.Header), body...),
		ContentType: "application/xml; charset=utf-8",
		Header:      http.Header{"X-Bwc-In-Control-Processing-Type": {"process"}},
		Number:      n.Number,
	})
	if err != nil {
		return carrier.Acquired{}, err
	}
	// From here on the order may exist at Bandwidth: only its reply saying
	// FAILED (or rejecting it outright) is a definite refusal.
	placed, err := parseOrderResponse(resp.Body)
	if err != nil {
		return carrier.Acquired{}, number.WithNumber(err, n.Number)
	}
	orderID := placed.ID
	if orderID == "" {
		orderID = path.Base(resp.Header.Get("Location"))
	}
	if orderID == "" || orderID == "." || orderID == "/" {
		return carrier.Acquired{}, c.http.CarrierError(n.Number, "order reply carries no order id (status %q)", placed.Status)
	}

	final := placed
	err = c.poller.Poll(ctx, func(ctx context.Context) (bool, error) {
		if isFinal(final.Status) {
			return true, nil
		}
		resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodGet, Path: "orders/" + url.PathEscape(orderID), Number: n.Number})
		if err != nil {
			return false, err
		}
		o, err := parseOrderResponse(resp.Body)
		if err != nil {
			return false, number.WithNumber(err, n.Number)
		}
		final = o
		return isFinal(o.Status), nil
	})
	if err != nil {
		return carrier.Acquired{}, c.pollError(n.Number, "order", orderID, err)
	}
	if !final.completed(tn) {
		return carrier.Acquired{}, c.orderFailed(n.Number, "order", orderID, final.Status, final.Errors)
	}
	// Kazoo stored the CustomerOrderId as order_id; Bandwidth's own order
	// id is what finds the order again, so order_id holds that and
	// customer_order_id keeps Kazoo's value.
	data := number.Doc{}
	data.Set("order_id", orderID)
	data.Set("order_name", order.Name)
	if order.CustomerOrderID != "" {
		data.Set("customer_order_id", order.CustomerOrderID)
	}
	data.Set("number", n.Number)
	return carrier.Acquired{CarrierData: data}, nil
}

// Disconnect places a Bandwidth disconnect order for the number and
// follows it until it settles.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	// Kazoo never released numbers at the carrier with provisioning off;
	// Numan does not either, and says the carrier keeps the number.
	if skip, err := carrier.DisconnectOff(c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip {
		return err
	}
	tn, err := nationalNumber(n.Number)
	if err != nil {
		return err
	}
	req := disconnectRequest{
		Name:    fmt.Sprintf("%s-disconnect-%d", c.cfg.OrderNamePrefix, c.now().Unix()),
		Numbers: []string{tn},
		Mode:    "normal",
	}
	body, err := xml.Marshal(req)
	if err != nil {
		return number.Wrap(number.KindInternal, n.Number, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        "disconnects",
		Body:        append([]byte(xml.Header), body...),
		ContentType: "application/xml; charset=utf-8",
		Number:      n.Number,
	})
	if err != nil {
		return err
	}
	placed, err := parseDisconnectResponse(resp.Body)
	if err != nil {
		return number.WithNumber(err, n.Number)
	}
	orderID := placed.ID
	if orderID == "" {
		orderID = path.Base(resp.Header.Get("Location"))
	}
	if orderID == "" || orderID == "." || orderID == "/" {
		return c.http.CarrierError(n.Number, "disconnect reply carries no order id (status %q)", placed.Status)
	}
	final := placed
	err = c.poller.Poll(ctx, func(ctx context.Context) (bool, error) {
		if isFinal(final.Status) {
			return true, nil
		}
		resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodGet, Path: "disconnects/" + url.PathEscape(orderID), Number: n.Number})
		if err != nil {
			return false, err
		}
		o, err := parseDisconnectResponse(resp.Body)
		if err != nil {
			return false, number.WithNumber(err, n.Number)
		}
		final = o
		return isFinal(o.Status), nil
	})
	if err != nil {
		return c.pollError(n.Number, "disconnect", orderID, err)
	}
	if final.Status != statusComplete {
		return c.orderFailed(n.Number, "disconnect", orderID, final.Status, final.Errors)
	}
	return nil
}

// Holds reports whether the account has e164 in service
// (GET inserviceNumbers/{tn}: 200 yes, 404 no), for reconciling an
// interrupted purchase.
func (c *Carrier) Holds(ctx context.Context, e164 string) (bool, error) {
	tn, err := nationalNumber(e164)
	if err != nil {
		return false, err
	}
	_, err = c.http.Get(ctx, "inserviceNumbers/"+tn, nil)
	switch {
	case err == nil:
		return true, nil
	case httpx.StatusCode(err) == http.StatusNotFound:
		return false, nil
	}
	return false, number.WithNumber(err, e164)
}

// nationalNumber is the 10 digits Bandwidth knows a NANP number by.
func nationalNumber(e164 string) (string, error) {
	digits, ok := strings.CutPrefix(e164, "+1")
	if !ok || len(digits) != 10 || strings.Trim(digits, "0123456789") != "" {
		return "", number.Errorf(number.KindInvalid, e164, "%s: %s is not a NANP number", Name, e164)
	}
	return digits, nil
}

// customerOrderID is Kazoo's CustomerOrderId (the account the order is
// for), kept to what Bandwidth accepts: up to 40 letters and digits.
func customerOrderID(account string) string {
	id := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, account)
	if len(id) > 40 {
		id = id[:40]
	}
	return id
}

// pollError is the failure to follow an order that was placed: whatever
// failed (a 404 on the order, a timeout), the order may yet complete, so it
// is never a definite refusal.
func (c *Carrier) pollError(num, what, orderID string, err error) error {
	if errors.Is(err, httpx.ErrStillPending) {
		e := c.http.CarrierError(num, "%s %s still pending when Numan stopped following it (after at most %v); it may yet complete at Bandwidth",
			what, orderID, time.Duration(c.cfg.OrderMaxWaitMS)*time.Millisecond)
		e.Details.(map[string]any)["order_id"] = orderID
		e.Err = err
		return carrier.Uncertain(e)
	}
	var e *number.Error
	if errors.As(err, &e) {
		cp := *e
		if d, ok := cp.Details.(map[string]any); ok {
			d["order_id"] = orderID
		}
		cp.Cause = fmt.Sprintf("%s (while following %s %s)", cp.Cause, what, orderID)
		return carrier.Uncertain(&cp)
	}
	return carrier.Uncertain(err)
}

// orderFailed is an order that settled without the number: FAILED is
// Bandwidth's definite refusal, classified by its error descriptions
// ("unavailable for ordering" is Taken); a COMPLETE or PARTIAL order that
// does not list the number leaves it open.
func (c *Carrier) orderFailed(num, what, orderID, status string, errs []bwError) error {
	msg := describe(errs)
	if msg == "" {
		msg = "no reason given"
	}
	var e *number.Error
	if status == statusFailed {
		e = c.http.Refusal(carrier.ClassifyMessage(msg), num, "%s %s ended %s: %s", what, orderID, status, msg)
	} else {
		e = c.http.CarrierError(num, "%s %s ended %s: %s", what, orderID, status, msg)
	}
	e.Details.(map[string]any)["order_id"] = orderID
	e.Details.(map[string]any)["order_status"] = status
	return e
}

// Interface guards
var (
	_ carrier.Carrier = (*Carrier)(nil)
	_ carrier.Holder  = (*Carrier)(nil)
)
