// Package other is Kazoo's knm_other: a carrier that is any HTTP service
// speaking Kazoo's "phonebook" protocol, so an operator can put their own
// middleware (or an upstream Numan) in front of carriers Numan does not
// know. All calls go to phonebook_url, under the configured default
// country:
//
//	GET  {url}/numbers/{country}/search?prefix=+1415&limit=Q&offset=O
//	     -> {"status":"success","data":{"+14155550101":{carrier data},...}}
//	GET  {url}/blocks/{country}/search?prefix=+1415&size=Q&offset=O&limit=B
//	     -> {"status":"success","data":[{"start_number":..,"end_number":..}]}
//	PUT  {url}/numbers/{country}/order  {"data":{"numbers":[N],"gateways":[..]}}
//	     -> {"status":"success","data":{N:{"status":"success","opaque":{..},"locality":{..}}}}
//	POST {url}/numbers/{country}/status {"data":[NPAN,..]}
//	     -> {"status":"success","data":[{"number":..,"status":..}]}
//
// The protocol has no release call: Disconnect does nothing, as in Kazoo.
package other

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_other).
const Name = "other"

// MaxSearchQuantity caps one search, Kazoo's maximum_search_quantity.
const MaxSearchQuantity = 500

// info is Kazoo's figures for knm_other: a remote phonebook billing every
// number, CNAM looked up, searched by up to 10 digits.
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 10, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.other, with Kazoo's keys.
type Config struct {
	// PhonebookURL is the service's base URL. Without it the carrier
	// offers nothing and cannot buy (Kazoo's not_available and
	// missing_provider_url).
	PhonebookURL string `json:"phonebook_url,omitempty"`
	// APIURL is another name for phonebook_url, the key every Numan
	// carrier takes.
	APIURL string `json:"api_url,omitempty"`
	// DefaultCountry is the {country} of every call, as in Kazoo: the
	// search's own country is not used.
	DefaultCountry string `json:"default_country"`
	// Endpoints are sent as the gateways of an order.
	Endpoints StringList `json:"endpoints,omitempty"`
}

// DefaultConfig returns Kazoo's defaults.
func DefaultConfig() Config {
	return Config{DefaultCountry: "US"}
}

// URL is the phonebook's base URL, "" when none is configured.
func (c Config) URL() string {
	if c.PhonebookURL != "" {
		return c.PhonebookURL
	}
	return c.APIURL
}

// StringList is a setting Kazoo accepts as a string or a list of strings.
type StringList []string

// UnmarshalJSON accepts "a" or ["a", "b"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = StringList{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*l = many
	return nil
}

// Carrier talks to a phonebook service.
type Carrier struct {
	cfg    Config
	client *httpx.Client
	// orders sends orders once: a retried order whose first reply was lost
	// could buy the number twice.
	orders *httpx.Client
}

// ErrNotAvailable is what a search or a check returns when no phonebook is
// configured: Kazoo's {error, not_available}, which the search fan-out
// ignores.
var ErrNotAvailable = &number.Error{
	Kind:    number.KindUnspecified,
	Message: "not_available",
	Err:     &carrier.Failure{Unsent: true, Err: errors.New("other: phonebook_url is not set")},
}

// New builds the carrier. A missing phonebook_url is allowed (the carrier
// then finds nothing, as in Kazoo); a malformed one, or phonebook_url and
// api_url naming different services, is an invalid setting.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	if cfg.PhonebookURL != "" && cfg.APIURL != "" && cfg.PhonebookURL != cfg.APIURL {
		return nil, number.Errorf(number.KindInvalid, "", "%s: phonebook_url %q and api_url %q differ", Name, cfg.PhonebookURL, cfg.APIURL)
	}
	if raw := cfg.URL(); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, number.Errorf(number.KindInvalid, "", "%s: phonebook_url %q is not an http(s) URL", Name, raw)
		}
	}
	if len(cfg.DefaultCountry) != 2 {
		return nil, number.Errorf(number.KindInvalid, "", "%s: default_country %q is not an ISO 3166 alpha-2 code", Name, cfg.DefaultCountry)
	}
	client := &httpx.Client{
		Carrier:      Name,
		BaseURL:      cfg.URL(),
		HTTP:         deps.HTTPClient,
		Logger:       deps.Logger,
		Now:          deps.Now,
		Header:       http.Header{"Accept": {"application/json"}},
		ErrorMessage: errorMessage,
		Classify:     httpx.RefineByMessage(errorMessage),
	}
	orders := *client
	orders.MaxAttempts = 1
	return &Carrier{cfg: cfg, client: client, orders: &orders}, nil
}

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// FindNumbers asks the phonebook for up to quantity numbers (capped at
// MaxSearchQuantity) starting with the normalised prefix, passed on as it
// is (+1415, +44207, +180*). With opts.Blocks set it asks for that many
// blocks of consecutive numbers instead and returns every number of each
// block, in order, until quantity numbers are found: a caller gets numbers
// it can buy, not just the ends of each block as Kazoo returned.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if c.cfg.URL() == "" {
		return nil, ErrNotAvailable
	}
	match, err := prefixDigits(prefix)
	if err != nil {
		return nil, err
	}
	quantity = min(quantity, MaxSearchQuantity)
	if quantity <= 0 {
		return nil, nil
	}
	offset := strconv.Itoa(max(opts.Offset, 0))
	if opts.Blocks > 0 {
		return c.findBlocks(ctx, prefix, match, quantity, offset, opts.Blocks)
	}
	resp, err := c.client.Get(ctx, c.path("numbers", "search"), url.Values{
		"prefix": {prefix}, "limit": {strconv.Itoa(quantity)}, "offset": {offset},
	})
	if err != nil {
		return nil, err
	}
	offers, err := parseNumbers(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []carrier.Result
	for _, o := range offers {
		if !strings.HasPrefix(o.Number, match) {
			continue
		}
		// The phonebook's data for a number is free-form; what it says of
		// where the number is (city, state, rate_center, lata, ...) is read
		// as a stored locality is.
		out = append(out, carrier.Result{Number: o.Number, Carrier: Name, State: number.Discovery, CarrierData: o.Data,
			Details: carrier.LocalityDetails(o.Data)})
		if len(out) == quantity {
			break
		}
	}
	return out, nil
}

func (c *Carrier) findBlocks(ctx context.Context, prefix, match string, quantity int, offset string, blocks int) ([]carrier.Result, error) {
	resp, err := c.client.Get(ctx, c.path("blocks", "search"), url.Values{
		"prefix": {prefix}, "size": {strconv.Itoa(quantity)}, "offset": {offset}, "limit": {strconv.Itoa(blocks)},
	})
	if err != nil {
		return nil, err
	}
	found, err := parseBlocks(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []carrier.Result
	seen := map[string]bool{}
	for _, b := range found {
		for _, num := range expand(b, quantity-len(out)) {
			if !strings.HasPrefix(num, match) || seen[num] {
				continue
			}
			seen[num] = true
			d := number.Doc{}
			d.Set("block", b)
			out = append(out, carrier.Result{Number: num, Carrier: Name, State: number.Discovery, CarrierData: d})
		}
		if len(out) >= quantity {
			break
		}
	}
	return out, nil
}

// expand lists the numbers of b from its start, at most limit of them.
// parseBlocks made sure both ends are E.164 numbers of one length.
func expand(b block, limit int) []string {
	width := len(b.Start) - 1
	start, err1 := strconv.ParseUint(b.Start[1:], 10, 64)
	end, err2 := strconv.ParseUint(b.End[1:], 10, 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for n := start; n <= end && len(out) < limit; n++ {
		out = append(out, fmt.Sprintf("+%0*d", width, n))
	}
	return out
}

// Acquire orders the number, routed to the configured endpoints. The
// phonebook's opaque data becomes the number's carrier data and its
// locality is reported in Acquired.Locality.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if c.cfg.URL() == "" {
		return carrier.Acquired{}, carrier.NotSent(&number.Error{Kind: number.KindUnspecified, Number: n.Number, Message: "missing_provider_url",
			Cause: Name + ": set number_manager.other.phonebook_url"})
	}
	gateways := []string(c.cfg.Endpoints)
	if gateways == nil {
		gateways = []string{}
	}
	body, err := json.Marshal(map[string]any{"data": map[string]any{"numbers": []string{n.Number}, "gateways": gateways}})
	if err != nil {
		return carrier.Acquired{}, number.Wrap(number.KindInternal, n.Number, err)
	}
	resp, err := c.orders.Do(ctx, &httpx.Request{
		Method:      http.MethodPut,
		Path:        c.path("numbers", "order"),
		Body:        body,
		ContentType: "application/json",
		Number:      n.Number,
	})
	if err != nil {
		return carrier.Acquired{}, err
	}
	opaque, locality, err := parseOrder(resp.Body, n.Number)
	if err != nil {
		return carrier.Acquired{}, number.WithNumber(err, n.Number)
	}
	return carrier.Acquired{CarrierData: opaque, Locality: locality}, nil
}

// Disconnect does nothing: the protocol has no release call.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// CheckNumbers asks the phonebook for the status of each number (sent as
// NPANs, as Kazoo does) and returns the statuses of the numbers asked
// about, keyed as they were given.
func (c *Carrier) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	if c.cfg.URL() == "" {
		return nil, ErrNotAvailable
	}
	if len(nums) == 0 {
		return map[string]string{}, nil
	}
	asked := map[string]string{} // E.164 as returned -> as given
	sent := make([]string, 0, len(nums))
	for _, n := range nums {
		sent = append(sent, toNPAN(n))
		if e, ok := fromNPAN(toNPAN(n)); ok {
			asked[e] = n
		}
	}
	body, err := json.Marshal(map[string]any{"data": sent})
	if err != nil {
		return nil, number.Wrap(number.KindInternal, "", err)
	}
	resp, err := c.client.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        c.path("numbers", "status"),
		Body:        body,
		ContentType: "application/json",
		Idempotent:  true, // a status check changes nothing
	})
	if err != nil {
		return nil, err
	}
	statuses, err := parseStatuses(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for num, status := range statuses {
		if given, ok := asked[num]; ok {
			out[given] = status
		}
	}
	return out, nil
}

func (c *Carrier) path(kind, op string) string {
	return kind + "/" + url.PathEscape(c.cfg.DefaultCountry) + "/" + op
}

// prefixDigits checks a normalised prefix, "+", digits and maybe a
// trailing "*", and returns what every result must start with.
func prefixDigits(prefix string) (string, error) {
	p := strings.TrimSuffix(prefix, "*")
	digits, ok := strings.CutPrefix(p, "+")
	if !ok || len(digits) > 15 || (digits != "" && !allDigits(digits)) {
		return "", number.Errorf(number.KindInvalid, "", "%s: bad search prefix %q", Name, prefix)
	}
	return p, nil
}

// Interface guards
var (
	_ carrier.Carrier  = (*Carrier)(nil)
	_ carrier.Checker  = (*Carrier)(nil)
	_ json.Unmarshaler = (*StringList)(nil)
)
