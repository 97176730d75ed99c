// Package simwood is Kazoo's knm_simwood: Simwood's v3 numbers API (UK),
// JSON over HTTPS with Basic authentication. It searches available
// standard numbers by pattern, allocates them to the account and
// de-configures them on release.
//
// Unlike Kazoo, an HTTP error from Simwood is an error (Kazoo counted any
// reply as success), and numbers are E.164 with their "+".
package simwood

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_simwood).
const Name = "simwood"

// DefaultAPIURL is Simwood's production numbers API.
const DefaultAPIURL = "https://api.simwood.com/v3/numbers"

// MaxSearchQuantity is the largest result set Simwood's search returns.
const MaxSearchQuantity = 100

// countryCode is the only country Simwood numbers are searched in.
const countryCode = "44"

// info is Kazoo's figures for knm_simwood: a remote API billing every
// number, CNAM looked up, searched by up to 3 digits.
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.simwood, with Kazoo's keys.
type Config struct {
	// AuthUsername and AuthPassword are the API's Basic credentials.
	AuthUsername string `json:"auth_username"`
	AuthPassword string `json:"auth_password"`
	// NumbersAPIURL is Kazoo's name for the endpoint.
	NumbersAPIURL string `json:"numbers_api_url"`
	// APIURL, when set, wins over numbers_api_url: every Numan carrier
	// takes an api_url so it can be pointed at a sandbox or a test server.
	APIURL string `json:"api_url,omitempty"`
	// SimwoodAccountID is the account whose numbers are searched and
	// allocated: every API path starts with it.
	SimwoodAccountID string `json:"simwood_account_id"`
}

// DefaultConfig returns Kazoo's defaults.
func DefaultConfig() Config {
	return Config{NumbersAPIURL: DefaultAPIURL}
}

// URL is the numbers API base the carrier calls.
func (c Config) URL() string {
	if c.APIURL != "" {
		return c.APIURL
	}
	if c.NumbersAPIURL == "" {
		return DefaultAPIURL
	}
	return c.NumbersAPIURL
}

// Carrier talks to Simwood.
type Carrier struct {
	cfg    Config
	client *httpx.Client
	// listing tunes ListNumbers (list.go); zero means its defaults.
	listing listing
}

// New builds the carrier. Credentials and the account id are not required
// here so that a configured-but-unused carrier does not stop Numan from
// starting; calls fail instead.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	u, err := url.Parse(cfg.URL())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, number.Errorf(number.KindInvalid, "", "%s: api_url %q is not an http(s) URL", Name, cfg.URL())
	}
	return &Carrier{
		cfg: cfg,
		client: &httpx.Client{
			Carrier:      Name,
			BaseURL:      cfg.URL(),
			HTTP:         deps.HTTPClient,
			Logger:       deps.Logger,
			Now:          deps.Now,
			Auth:         httpx.BasicAuth{User: cfg.AuthUsername, Password: cfg.AuthPassword},
			Header:       http.Header{"Accept": {"application/json"}},
			ErrorMessage: errorMessage,
			Classify:     httpx.RefineByMessage(errorMessage),
		},
	}, nil
}

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// FindNumbers searches UK numbers (+44). Simwood matches a pattern on the
// national significant number (its results carry country_code and number
// apart), so +44207 becomes pattern 207*, where Kazoo sent +44207*; a
// trailing * in the prefix is the same wildcard. Simwood answers 1, 10 or 100
// numbers: the smallest of those that covers quantity is asked for, and
// the results are cut to quantity.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	nsn, err := searchDigits(prefix)
	if err != nil {
		return nil, err
	}
	quantity = min(quantity, MaxSearchQuantity)
	if quantity <= 0 {
		return nil, nil
	}
	account, err := c.account("")
	if err != nil {
		return nil, err
	}
	bucket := "100"
	switch {
	case quantity == 1:
		bucket = "1"
	case quantity <= 10:
		bucket = "10"
	}
	resp, err := c.client.Get(ctx, account+"/available/standard/"+bucket, url.Values{"pattern": {nsn + "*"}})
	if err != nil {
		return nil, err
	}
	offers, err := parseAvailable(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []carrier.Result
	for _, o := range offers {
		if !strings.HasPrefix(o.Number, "+"+countryCode+nsn) {
			continue
		}
		out = append(out, carrier.Result{Number: o.Number, Carrier: Name, State: number.Discovery, CarrierData: o.Data, Details: o.Details})
		if len(out) == quantity {
			break
		}
	}
	return out, nil
}

// Acquire allocates the number to the account.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	path, err := c.allocatedPath(n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	if _, err := c.client.Do(ctx, &httpx.Request{Method: http.MethodPut, Path: path, Number: n.Number}); err != nil {
		return carrier.Acquired{}, err
	}
	return carrier.Acquired{}, nil
}

// Disconnect de-configures the number and removes it from the account.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	path, err := c.allocatedPath(n.Number)
	if err != nil {
		return err
	}
	_, err = c.client.Do(ctx, &httpx.Request{Method: http.MethodDelete, Path: path, Number: n.Number})
	return err
}

// Holds asks Simwood whether the number is allocated to the account: 404
// means it is not, so reconciliation can forget a purchase that never
// happened.
func (c *Carrier) Holds(ctx context.Context, e164 string) (bool, error) {
	path, err := c.allocatedPath(e164)
	if err != nil {
		return false, err
	}
	_, err = c.client.Do(ctx, &httpx.Request{Method: http.MethodGet, Path: path, Number: e164})
	switch {
	case err == nil:
		return true, nil
	case httpx.StatusCode(err) == http.StatusNotFound:
		return false, nil
	default:
		return false, err
	}
}

func (c *Carrier) account(num string) (string, error) {
	if c.cfg.SimwoodAccountID == "" {
		return "", carrier.NotSent(&number.Error{Kind: number.KindUnspecified, Number: num, Message: "simwood_account_id is not set",
			Cause: Name + ": set number_manager.simwood.simwood_account_id"})
	}
	return url.PathEscape(c.cfg.SimwoodAccountID), nil
}

// allocatedPath is the number's resource: the account's allocated/ and the
// number's digits without "+".
func (c *Carrier) allocatedPath(e164 string) (string, error) {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || len(digits) < 2 || len(digits) > 15 || !allDigits(digits) {
		return "", number.Errorf(number.KindInvalid, e164, "%s: %q is not an E.164 number", Name, e164)
	}
	account, err := c.account(e164)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/allocated/%s", account, digits), nil
}

// searchDigits reads a normalised prefix, +44 then digits and maybe a
// trailing *, and returns the national digits.
func searchDigits(prefix string) (string, error) {
	rest, ok := strings.CutPrefix(prefix, "+"+countryCode)
	if !ok {
		return "", number.Errorf(number.KindInvalid, "", "%s searches UK numbers (+%s) only, not %q", Name, countryCode, prefix)
	}
	nsn := strings.TrimSuffix(rest, "*")
	if nsn != "" && !allDigits(nsn) || len(nsn) > 10 || strings.HasPrefix(nsn, "0") {
		return "", number.Errorf(number.KindInvalid, "", "%s: bad search prefix %q", Name, prefix)
	}
	return nsn, nil
}

// Interface guards
var (
	_ carrier.Carrier = (*Carrier)(nil)
	_ carrier.Holder  = (*Carrier)(nil)
)
