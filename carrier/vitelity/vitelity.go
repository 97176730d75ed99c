// Package vitelity is Kazoo's knm_vitelity: Vitelity's query-string API,
// where every command is a POST to api.php with the login, the password and
// the arguments in the query string, answered in XML.
//
// It searches US numbers by NPA (listnpa), NPA-NXX (listnpanxx) and
// toll-free (listtollfree), buys with getlocaldid or gettollfree and
// releases with removedid.
package vitelity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/nanp"
)

// Name is the registry name (Kazoo's knm_vitelity).
const Name = "vitelity"

// DefaultAPIURL is Vitelity's production endpoint.
const DefaultAPIURL = "https://api.vitelity.net/api.php"

// legacyAPIURL is the plain-HTTP default of Kazoo's schema; Kazoo's
// migration rewrites it to HTTPS, and so does New.
const legacyAPIURL = "http://api.vitelity.net/api.php"

// MaxSearchQuantity caps one search, Kazoo's maximum_search_quantity: a
// list command has no paging, so a larger request gains nothing.
const MaxSearchQuantity = 500

// info is Kazoo's figures for knm_vitelity: a remote API billing every
// number, searched by area code (3). Whether CNAM is looked up follows the
// use_stepswitch_cnam setting (Carrier.Info).
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.vitelity, with Kazoo's keys.
type Config struct {
	// APIURI is Kazoo's name for the endpoint.
	APIURI string `json:"api_uri"`
	// APIURL, when set, wins over api_uri: every Numan carrier takes an
	// api_url so it can be pointed at a sandbox or a test server.
	APIURL string `json:"api_url,omitempty"`
	// Login and Pass are the API credentials, sent in every query string.
	Login string `json:"login"`
	Pass  string `json:"pass"`
	// RouteSIP is where bought numbers are routed; Kazoo uses the first
	// when it is a list.
	RouteSIP StringList `json:"routesip,omitempty"`
	// UseStepswitchCNAM is Info().LookupCNAM.
	UseStepswitchCNAM bool `json:"use_stepswitch_cnam"`
	// WithRates, Type, Provider and CNAM are passed on to listnpa and
	// listnpanxx when set.
	WithRates Param `json:"withrates,omitempty"`
	Type      Param `json:"type,omitempty"`
	Provider  Param `json:"provider,omitempty"`
	CNAM      Param `json:"cnam,omitempty"`
}

// DefaultConfig returns Kazoo's defaults.
func DefaultConfig() Config {
	return Config{APIURI: DefaultAPIURL}
}

// URL is the endpoint the carrier calls.
func (c Config) URL() string {
	if c.APIURL != "" {
		return c.APIURL
	}
	if c.APIURI == "" || c.APIURI == legacyAPIURL {
		return DefaultAPIURL
	}
	return c.APIURI
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

// Param is an optional query argument. Kazoo passes whatever the config
// holds, so it accepts a string, a number or a boolean; true is Vitelity's
// "yes" and false leaves the argument out.
type Param string

// UnmarshalJSON accepts a string, a number or a boolean.
func (p *Param) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case nil:
		*p = ""
	case string:
		*p = Param(t)
	case bool:
		*p = ""
		if t {
			*p = "yes"
		}
	case float64:
		*p = Param(strings.TrimSpace(string(b)))
	default:
		return fmt.Errorf("want a string, a number or a boolean, got %s", b)
	}
	return nil
}

// Carrier talks to Vitelity.
type Carrier struct {
	cfg    Config
	client *httpx.Client
}

// New builds the carrier. Credentials are not required here so that a
// configured-but-unused carrier does not stop Numan from starting; Vitelity
// refuses the calls instead.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	u, err := url.Parse(cfg.URL())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, number.Errorf(number.KindInvalid, "", "%s: api_url %q is not an http(s) URL", Name, cfg.URL())
	}
	return &Carrier{
		cfg: cfg,
		client: &httpx.Client{
			Carrier: Name,
			HTTP:    deps.HTTPClient,
			Logger:  deps.Logger,
			Now:     deps.Now,
			Auth:    queryAuth{login: cfg.Login, pass: cfg.Pass},
			Header:  http.Header{"Accept": {"text/xml"}},
		},
	}, nil
}

// queryAuth puts the credentials in the query string, where Vitelity wants
// them, after the request is logged.
type queryAuth struct{ login, pass string }

// Apply adds login and pass to the query string.
func (a queryAuth) Apply(r *http.Request) {
	q := r.URL.Query()
	q.Set("login", a.login)
	q.Set("pass", a.pass)
	r.URL.RawQuery = q.Encode()
}

// Secrets is the password.
func (a queryAuth) Secrets() []string { return []string{a.pass} }

// Info describes the carrier; LookupCNAM is the use_stepswitch_cnam setting.
func (c *Carrier) Info() carrier.Info {
	i := info
	i.LookupCNAM = c.cfg.UseStepswitchCNAM
	return i
}

// FindNumbers searches US numbers. The prefix is normalised E.164: +1 and
// three digits asks for an NPA (listnpa), six or more for an NPA-NXX
// (listnpanxx), four or five for the NPA narrowed to the prefix. A
// toll-free NPA, or a wildcard such as +180* or +18*, lists toll-free
// numbers (listtollfree). Only numbers starting with the prefix are
// returned, at most quantity (capped at MaxSearchQuantity).
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	plan, err := planSearch(prefix)
	if err != nil {
		return nil, err
	}
	quantity = min(quantity, MaxSearchQuantity)
	if quantity <= 0 {
		return nil, nil
	}
	q := url.Values{"xml": {"yes"}, "cmd": {plan.cmd}}
	switch plan.cmd {
	case cmdListTollFree:
		// Ask for all Vitelity gives: the prefix filter comes after.
		q.Set("limit", fmt.Sprint(MaxSearchQuantity))
	case cmdListNPA:
		q.Set("npa", plan.arg)
	case cmdListNPANXX:
		q.Set("npanxx", plan.arg)
	}
	if plan.cmd != cmdListTollFree {
		for k, v := range map[string]Param{"withrates": c.cfg.WithRates, "type": c.cfg.Type, "provider": c.cfg.Provider, "cnam": c.cfg.CNAM} {
			if v != "" {
				q.Set(k, string(v))
			}
		}
	}
	body, err := c.call(ctx, q, true, "")
	if err != nil {
		return nil, err
	}
	offers, err := parseList(body)
	if err != nil {
		return nil, c.annotate(err, "")
	}
	var out []carrier.Result
	for _, o := range offers {
		if !strings.HasPrefix(o.Number, "+1"+plan.match) {
			continue
		}
		out = append(out, carrier.Result{Number: o.Number, Carrier: Name, State: number.Discovery, CarrierData: o.Data, Details: o.details()})
		if len(out) == quantity {
			break
		}
	}
	return out, nil
}

// Acquire buys the number with getlocaldid, or gettollfree for a toll-free
// number, routed to the first routesip.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	did, err := nationalDigits(n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	cmd := "getlocaldid"
	if nanp.IsTollFreeNPA(did[:3]) {
		cmd = "gettollfree"
	}
	q := url.Values{"xml": {"yes"}, "cmd": {cmd}, "did": {did}}
	if len(c.cfg.RouteSIP) > 0 && c.cfg.RouteSIP[0] != "" {
		q.Set("routesip", c.cfg.RouteSIP[0])
	}
	body, err := c.call(ctx, q, false, n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	if err := parseStatus(body); err != nil {
		return carrier.Acquired{}, c.annotate(err, n.Number)
	}
	return carrier.Acquired{}, nil
}

// Disconnect releases the number with removedid.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	did, err := nationalDigits(n.Number)
	if err != nil {
		return err
	}
	q := url.Values{"xml": {"yes"}, "cmd": {"removedid"}, "did": {did}}
	body, err := c.call(ctx, q, false, n.Number)
	if err != nil {
		return err
	}
	if err := parseStatus(body); err != nil {
		return c.annotate(err, n.Number)
	}
	return nil
}

// call POSTs a command. Only list commands are idempotent: a buy whose
// reply was lost must not be sent twice.
func (c *Carrier) call(ctx context.Context, q url.Values, idempotent bool, num string) ([]byte, error) {
	resp, err := c.client.Do(ctx, &httpx.Request{
		Method: http.MethodPost,
		// The whole URL: joining an empty path to a base would add a "/".
		Path:       c.cfg.URL(),
		Query:      q,
		Idempotent: idempotent,
		Number:     num,
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// annotate ties a reply error to the number and keeps the password out of
// it, should Vitelity echo it.
func (c *Carrier) annotate(err error, num string) error {
	var e *number.Error
	if !errors.As(err, &e) {
		return err
	}
	cp := *e
	cp.Number = num
	cp.Cause = httpx.RedactText(cp.Cause, []string{c.cfg.Pass})
	return &cp
}

const (
	cmdListNPA      = "listnpa"
	cmdListNPANXX   = "listnpanxx"
	cmdListTollFree = "listtollfree"
)

// searchPlan is the command a prefix calls for.
type searchPlan struct {
	cmd   string
	arg   string // the npa or npanxx argument
	match string // the national digits every result must start with
}

// planSearch reads a normalised prefix: +1, digits, maybe a trailing *.
func planSearch(prefix string) (searchPlan, error) {
	rest, ok := strings.CutPrefix(prefix, "+1")
	if !ok {
		return searchPlan{}, number.Errorf(number.KindInvalid, "", "%s searches US numbers (+1) only, not %q", Name, prefix)
	}
	wild := strings.HasSuffix(rest, "*")
	digits := strings.TrimSuffix(rest, "*")
	if digits != "" && !allDigits(digits) || len(digits) > 10 {
		return searchPlan{}, number.Errorf(number.KindInvalid, "", "%s: bad search prefix %q", Name, prefix)
	}
	switch {
	case len(digits) >= 3 && nanp.IsTollFreeNPA(digits[:3]):
		return searchPlan{cmd: cmdListTollFree, match: digits}, nil
	case len(digits) < 3 && wild && nanp.StartsTollFreeNPA(digits):
		return searchPlan{cmd: cmdListTollFree, match: digits}, nil
	case len(digits) < 3:
		return searchPlan{}, number.Errorf(number.KindInvalid, "", "%s needs an area code (three digits) to search, not %q", Name, prefix)
	case len(digits) < 6:
		return searchPlan{cmd: cmdListNPA, arg: digits[:3], match: digits}, nil
	default:
		return searchPlan{cmd: cmdListNPANXX, arg: digits[:6], match: digits}, nil
	}
}

// nationalDigits is the ten-digit DID Vitelity's order commands take.
func nationalDigits(e164 string) (string, error) {
	rest, ok := strings.CutPrefix(e164, "+1")
	if !ok || len(rest) != 10 || !allDigits(rest) {
		return "", number.Errorf(number.KindInvalid, e164, "%s handles US numbers (+1 and ten digits) only", Name)
	}
	return rest, nil
}

// Interface guards
var (
	_ carrier.Carrier  = (*Carrier)(nil)
	_ httpx.Auth       = queryAuth{}
	_ json.Unmarshaler = (*StringList)(nil)
	_ json.Unmarshaler = (*Param)(nil)
)
