// Package twilio buys numbers from Twilio through its 2010-04-01 REST API
// (HTTP Basic authentication with the account SID and auth token). Kazoo
// had no Twilio carrier; this one follows the same contract as the others.
//
// Twilio sells synchronously: POST IncomingPhoneNumbers either buys the
// number or fails, so there is no order to follow. Because the API is the
// same, api_url also points this module at Twilio-compatible carriers
// such as SignalWire (https://<space>.signalwire.com/api/laml) or Somleng.
package twilio

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/nanp"
)

// Name is the registry name.
const Name = "twilio"

// DefaultAPIURL is Twilio's production REST API; paths carry /2010-04-01.
const DefaultAPIURL = "https://api.twilio.com"

// maxPageSize is the largest PageSize the AvailablePhoneNumbers list takes.
const maxPageSize = 1000

// info is Kazoo's figures for its remote carriers, which Twilio follows: a
// remote API billing every number, CNAM looked up, searched by area code (3).
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.twilio.
type Config struct {
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	// APIURL points the carrier at Twilio, a Twilio-compatible carrier or
	// a test server.
	APIURL string `json:"api_url"`
	// EnableProvisioning and SandboxProvisioning behave as in Kazoo's
	// carriers: with provisioning off, a sandbox pretends to buy and
	// release, and otherwise buying is refused.
	EnableProvisioning  bool `json:"enable_provisioning"`
	SandboxProvisioning bool `json:"sandbox_provisioning"`
	// TrunkSID, when set, puts every number bought on that Elastic SIP
	// trunk, so that its calls reach the platform at once.
	TrunkSID string `json:"trunk_sid"`
}

// DefaultConfig returns Twilio's production URL with provisioning on.
func DefaultConfig() Config {
	return Config{APIURL: DefaultAPIURL, EnableProvisioning: true}
}

// Carrier talks to one Twilio account.
type Carrier struct {
	cfg     Config
	http    *httpx.Client
	account string // the /2010-04-01/Accounts/{sid} path
	logger  *slog.Logger
}

// New validates cfg and builds the carrier.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	if err := httpx.ValidateBaseURL(cfg.APIURL); err != nil {
		return nil, err
	}
	switch {
	case cfg.AccountSID == "" || strings.ContainsAny(cfg.AccountSID, "/?#"):
		return nil, number.Errorf(number.KindInvalid, "", "%s: account_sid is required and must be a plain id", Name)
	case cfg.AuthToken == "":
		return nil, number.Errorf(number.KindInvalid, "", "%s: auth_token is required", Name)
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
			Auth:         httpx.BasicAuth{User: cfg.AccountSID, Password: cfg.AuthToken},
			Logger:       deps.Logger,
			Header:       http.Header{"Accept": {"application/json"}},
			ErrorMessage: ErrorMessage,
			Classify:     classify,
			Now:          deps.Now,
		},
		account: "2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID),
		logger:  logger,
	}, nil
}

// SetRetryPolicy replaces the HTTP backoff and the sleeper used between
// retries; tests use it to run without waiting.
func (c *Carrier) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	c.http.Backoff = backoff
	c.http.Sleep = sleep
}

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// FindNumbers searches Twilio's AvailablePhoneNumbers. For +1 prefixes a
// bare NPA is an AreaCode search and longer prefixes a Contains pattern
// (the national digits padded with * to ten, Twilio's own idiom); a
// toll-free NPA or an 8 wildcard (+180*, +18**) searches TollFree.json.
// Other countries search Local.json in the country of the search options
// by the national digits. Results are matched against the prefix here.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if quantity <= 0 {
		return nil, nil
	}
	country, kind, q, err := searchQuery(prefix, opts)
	if err != nil || q == nil {
		return nil, err
	}
	size := min(quantity, maxPageSize)
	q.Set("PageSize", strconv.Itoa(size))
	resp, err := c.http.Get(ctx, c.account+"/AvailablePhoneNumbers/"+url.PathEscape(country)+"/"+kind+".json", q)
	if err != nil {
		return nil, err
	}
	offers, err := parseAvailable(resp.Body)
	if err != nil {
		return nil, err
	}
	results := make([]carrier.Result, 0, min(len(offers), size))
	seen := map[string]bool{}
	for _, o := range offers {
		if len(results) == size {
			break
		}
		if !nanp.MatchesPattern(o.PhoneNumber, prefix) || seen[o.PhoneNumber] {
			continue
		}
		seen[o.PhoneNumber] = true
		results = append(results, carrier.Result{Number: o.PhoneNumber, Carrier: Name, State: number.Discovery, CarrierData: o.raw, Details: o.details()})
	}
	return results, nil
}

// searchQuery picks the country, the number type (Local or TollFree) and
// the filters for a normalised prefix; a nil query with no error means
// Twilio cannot be asked (no country to ask in).
func searchQuery(prefix string, opts carrier.SearchOptions) (country, kind string, q url.Values, err error) {
	digits, ok := strings.CutPrefix(prefix, "+")
	fixed, wildcard := nanp.TrimWildcard(digits)
	if !ok || fixed == "" || strings.Trim(fixed, "0123456789") != "" {
		return "", "", nil, number.Errorf(number.KindInvalid, "", "%s: prefix %q must be + and digits, optionally ending in *", Name, prefix)
	}
	q = url.Values{}
	if national, ok := strings.CutPrefix(fixed, "1"); ok {
		if len(national) > 10 {
			return "", "", nil, nil // longer than any NANP number
		}
		country = strings.ToUpper(opts.Country)
		if len(country) != 2 || opts.Dialcode != "" && opts.Dialcode != "+1" {
			country = "US"
		}
		kind = "Local"
		if nanp.IsTollFreeSearch(national, wildcard) {
			kind = "TollFree"
		}
		switch {
		case kind == "Local" && len(national) == 3:
			q.Set("AreaCode", national)
		case len(national) >= 2:
			q.Set("Contains", national+strings.Repeat("*", max(0, 10-len(national))))
		}
		return country, kind, q, nil
	}
	dial := strings.TrimPrefix(opts.Dialcode, "+")
	country = strings.ToUpper(opts.Country)
	if dial == "" || len(country) != 2 || !strings.HasPrefix(fixed, dial) {
		return "", "", nil, nil
	}
	if national := fixed[len(dial):]; len(national) >= 2 {
		// Contains takes at most 16 characters; the prefix is matched in
		// full on the results anyway.
		q.Set("Contains", national[:min(len(national), 16)])
	}
	return country, "Local", q, nil
}

// Acquire buys the number: POST IncomingPhoneNumbers, which answers with
// the new resource. Its sid is kept in the carrier data for the release.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if skip, err := carrier.Provisioning(Name, n.Number, c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip || err != nil {
		return carrier.Acquired{}, err
	}
	form := url.Values{"PhoneNumber": {n.Number}}
	if c.cfg.TrunkSID != "" {
		form.Set("TrunkSid", c.cfg.TrunkSID)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        c.account + "/IncomingPhoneNumbers.json",
		Body:        []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded",
		Number:      n.Number,
	})
	if err != nil {
		return carrier.Acquired{}, err
	}
	bought, err := parseIncoming(resp.Body)
	if err != nil {
		return carrier.Acquired{}, number.WithNumber(err, n.Number)
	}
	if bought.SID == "" || bought.PhoneNumber != n.Number {
		// Twilio took the money for something; say what, so the
		// operator can find it.
		return carrier.Acquired{}, c.http.CarrierError(n.Number, "purchase reply names %q (sid %q), not %s",
			bought.PhoneNumber, bought.SID, n.Number)
	}
	data := number.Doc{}
	data.Set("sid", bought.SID)
	return carrier.Acquired{CarrierData: data}, nil
}

// Disconnect releases the number: DELETE IncomingPhoneNumbers/{sid}. The
// sid comes from carrier data or a lookup by number; a number Twilio no
// longer has is already released, which is what was asked.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	// Kazoo never released numbers at the carrier with provisioning off;
	// Numan does not either, and says the carrier keeps the number.
	if skip, err := carrier.DisconnectOff(c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip {
		return err
	}
	var sid string
	if !n.CarrierData.Get("sid", &sid) || sid == "" {
		var err error
		if sid, err = c.lookupSID(ctx, n.Number); err != nil {
			return err
		}
		if sid == "" {
			c.logger.DebugContext(ctx, "twilio: number not on the account; nothing to release", "number", n.Number)
			return nil
		}
	}
	_, err := c.http.Do(ctx, &httpx.Request{
		Method: http.MethodDelete,
		Path:   c.account + "/IncomingPhoneNumbers/" + url.PathEscape(sid) + ".json",
		Number: n.Number,
	})
	if httpx.StatusCode(err) == http.StatusNotFound {
		return nil
	}
	return err
}

// lookupSID returns the sid of e164 on the account, or "" when the account
// does not hold it.
func (c *Carrier) lookupSID(ctx context.Context, e164 string) (string, error) {
	resp, err := c.http.Get(ctx, c.account+"/IncomingPhoneNumbers.json", url.Values{"PhoneNumber": {e164}})
	if err != nil {
		return "", number.WithNumber(err, e164)
	}
	owned, err := parseIncomingList(resp.Body)
	if err != nil {
		return "", number.WithNumber(err, e164)
	}
	for _, p := range owned {
		if p.PhoneNumber == e164 && p.SID != "" {
			return p.SID, nil
		}
	}
	return "", nil
}

// Holds reports whether the account holds e164 (IncomingPhoneNumbers
// filtered by number), for reconciling an interrupted purchase.
func (c *Carrier) Holds(ctx context.Context, e164 string) (bool, error) {
	sid, err := c.lookupSID(ctx, e164)
	return sid != "", err
}

// Interface guards
var (
	_ carrier.Carrier = (*Carrier)(nil)
	_ carrier.Holder  = (*Carrier)(nil)
)
