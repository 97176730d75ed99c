// Package voipinnovations is Kazoo's knm_voip_innovations: the VoIP
// Innovations back-office SOAP 1.1 API. It searches US numbers with getDIDs
// (by NPA or NPA-NXX), buys them with assignDID onto the configured
// endpoint group and releases them with releaseDID. Every request carries
// the login and secret in its body.
package voipinnovations

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_voip_innovations).
const Name = "voip_innovations"

// The endpoints Kazoo uses: production, and the development back office
// sandbox_provisioning selects.
const (
	ProductionURL = "https://backoffice.voipinnovations.com/Services/APIService.asmx"
	SandboxURL    = "http://dev.voipinnovations.com/VOIP/Services/APIService.asmx"
)

// MaxSearchQuantity caps one search, Kazoo's maximum_search_quantity:
// getDIDs has no paging, so a larger request gains nothing.
const MaxSearchQuantity = 500

// soapNamespace is the namespace of the API's operations, and the base of
// every SOAPAction.
const soapNamespace = "http://tempuri.org/"

// info is Kazoo's figures for knm_voip_innovations: a remote API billing
// every number, CNAM looked up, searched by area code (3).
var info = carrier.Info{
	Module:   number.Module{Name: Name},
	Billable: true, LookupCNAM: true, MaxPrefixLength: 3, Usable: true,
}

func init() { carrier.Define(info, DefaultConfig, New) }

// Config is the system config number_manager.voip_innovations, with
// Kazoo's keys.
type Config struct {
	// APIURL, when set, is the endpoint whatever sandbox_provisioning says.
	APIURL string `json:"api_url,omitempty"`
	// Debug is Kazoo's switch for dumping exchanges to a file; Numan logs
	// them at debug level instead, so it is accepted and otherwise unused.
	Debug bool `json:"debug"`
	// EnableProvisioning false makes Acquire refuse with
	// provisioning_disabled, or pretend success under sandbox_provisioning.
	EnableProvisioning bool `json:"enable_provisioning"`
	// EndpointGroup is where assigned numbers are routed.
	EndpointGroup string `json:"endpoint_group"`
	// Login and Password are the API credentials, sent in every body as
	// login and secret.
	Login    string `json:"login"`
	Password string `json:"password"`
	// SandboxProvisioning selects the development back office.
	SandboxProvisioning bool `json:"sandbox_provisioning"`
}

// DefaultConfig returns Kazoo's defaults.
func DefaultConfig() Config {
	return Config{EnableProvisioning: true}
}

// URL is the endpoint the carrier calls.
func (c Config) URL() string {
	switch {
	case c.APIURL != "":
		return c.APIURL
	case c.SandboxProvisioning:
		return SandboxURL
	default:
		return ProductionURL
	}
}

// Carrier talks to VoIP Innovations.
type Carrier struct {
	cfg    Config
	client *httpx.Client
}

// New builds the carrier. Credentials are not required here so that a
// configured-but-unused carrier does not stop Numan from starting; the
// carrier refuses the calls instead.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	u, err := url.Parse(cfg.URL())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, number.Errorf(number.KindInvalid, "", "%s: api_url %q is not an http(s) URL", Name, cfg.URL())
	}
	return &Carrier{
		cfg: cfg,
		client: &httpx.Client{
			Carrier:      Name,
			HTTP:         deps.HTTPClient,
			Logger:       deps.Logger,
			Now:          deps.Now,
			Auth:         bodyAuth{secret: cfg.Password},
			Header:       http.Header{"Accept": {"text/xml"}},
			ErrorMessage: faultMessage,
		},
	}, nil
}

// bodyAuth names the secret the SOAP bodies carry, so that logs and errors
// never show it; the credentials themselves travel in the body.
type bodyAuth struct{ secret string }

// Apply does nothing: the body already holds the credentials.
func (bodyAuth) Apply(*http.Request) {}

// Secrets is the password.
func (a bodyAuth) Secrets() []string { return []string{a.secret} }

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return info }

// FindNumbers searches US numbers with getDIDs. The prefix is normalised
// E.164 (+1 and digits, a trailing * ignored): three digits ask for an NPA
// (toll-free NPAs such as +1800 included), six or more for an NPA-NXX, four
// or five for the NPA narrowed to the prefix. Only numbers starting with
// the prefix are returned, at most quantity (capped at MaxSearchQuantity).
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	digits, err := searchDigits(prefix)
	if err != nil {
		return nil, err
	}
	quantity = min(quantity, MaxSearchQuantity)
	if quantity <= 0 {
		return nil, nil
	}
	var npa, nxx *string
	if len(digits) < 6 {
		v := digits[:3]
		npa = &v
	} else {
		v := digits[:6]
		nxx = &v
	}
	// Kazoo's order; absent parameters are sent as nil.
	params := []param{
		{name: "cnam"}, {name: "lata"}, {name: "npa", value: npa}, {name: "nxx", value: nxx},
		{name: "rateCenter"}, {name: "state"}, {name: "t38"}, {name: "tier"},
	}
	body, err := c.call(ctx, "getDIDs", params, true, "")
	if err != nil {
		return nil, err
	}
	offers, err := parseGetDIDs(body)
	if err != nil {
		return nil, c.annotate(err, "")
	}
	var out []carrier.Result
	for _, o := range offers {
		if !strings.HasPrefix(o.Number, "+1"+digits) {
			continue
		}
		out = append(out, carrier.Result{Number: o.Number, Carrier: Name, State: number.Discovery, CarrierData: o.Data, Details: o.Details})
		if len(out) == quantity {
			break
		}
	}
	return out, nil
}

// Acquire assigns the number to the configured endpoint group.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	if skip, err := c.provisioningOff(n.Number); skip {
		return carrier.Acquired{}, err
	}
	tn, err := nationalDigits(n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	epg := c.cfg.EndpointGroup
	params := []param{{name: "didParams", children: []param{{name: "DIDParam", children: []param{
		{name: "tn", value: &tn}, {name: "epg", value: &epg},
	}}}}}
	body, err := c.call(ctx, "assignDID", params, false, n.Number)
	if err != nil {
		return carrier.Acquired{}, err
	}
	if err := parseDIDStatus("assignDID", body); err != nil {
		return carrier.Acquired{}, c.annotate(err, n.Number)
	}
	return carrier.Acquired{}, nil
}

// Disconnect releases the number with releaseDID; enable_provisioning
// gates it as it gates Acquire.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error {
	if skip, err := carrier.DisconnectOff(c.cfg.EnableProvisioning, c.cfg.SandboxProvisioning); skip {
		return err
	}
	tn, err := nationalDigits(n.Number)
	if err != nil {
		return err
	}
	params := []param{{name: "didParams", children: []param{{name: "DIDParam", children: []param{{name: "tn", value: &tn}}}}}}
	body, err := c.call(ctx, "releaseDID", params, false, n.Number)
	if err != nil {
		return err
	}
	if err := parseDIDStatus("releaseDID", body); err != nil {
		return c.annotate(err, n.Number)
	}
	return nil
}

// provisioningOff reports whether enable_provisioning is off, and then
// what to answer instead of calling the carrier: success under
// sandbox_provisioning, else provisioning_disabled, as Kazoo does.
func (c *Carrier) provisioningOff(num string) (bool, error) {
	switch {
	case c.cfg.EnableProvisioning:
		return false, nil
	case c.cfg.SandboxProvisioning:
		return true, nil
	default:
		return true, carrier.NotSent(&number.Error{Kind: number.KindUnspecified, Number: num, Message: "provisioning_disabled"})
	}
}

// Holds asks queryDID whether the number is assigned to the account, so
// that reconciliation can settle a purchase whose reply was lost.
func (c *Carrier) Holds(ctx context.Context, e164 string) (bool, error) {
	tn, err := nationalDigits(e164)
	if err != nil {
		return false, err
	}
	body, err := c.call(ctx, "queryDID", []param{{name: "did", value: &tn}}, true, e164)
	if err != nil {
		return false, err
	}
	held, err := parseQueryDID(body, tn)
	if err != nil {
		return false, c.annotate(err, e164)
	}
	return held, nil
}

// call POSTs one SOAP action. Only searches are idempotent: an assignment
// whose reply was lost must not be sent twice.
func (c *Carrier) call(ctx context.Context, action string, params []param, idempotent bool, num string) ([]byte, error) {
	resp, err := c.client.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        c.cfg.URL(),
		Body:        soapRequest(action, params, c.cfg.Login, c.cfg.Password),
		ContentType: "text/xml;charset=UTF-8",
		Header:      http.Header{"SOAPAction": {soapNamespace + action}},
		Idempotent:  idempotent,
		Number:      num,
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// annotate ties a reply error to the number and keeps the password out of
// it, should the carrier echo it.
func (c *Carrier) annotate(err error, num string) error {
	var e *number.Error
	if !errors.As(err, &e) {
		return err
	}
	cp := *e
	cp.Number = num
	cp.Cause = httpx.RedactText(cp.Cause, []string{c.cfg.Password})
	return &cp
}

// searchDigits reads a normalised prefix: +1, at least three digits, maybe
// a trailing *.
func searchDigits(prefix string) (string, error) {
	rest, ok := strings.CutPrefix(prefix, "+1")
	if !ok {
		return "", number.Errorf(number.KindInvalid, "", "%s searches US numbers (+1) only, not %q", Name, prefix)
	}
	digits := strings.TrimSuffix(rest, "*")
	if !allDigits(digits) || len(digits) > 10 {
		return "", number.Errorf(number.KindInvalid, "", "%s: bad search prefix %q", Name, prefix)
	}
	if len(digits) < 3 {
		return "", number.Errorf(number.KindInvalid, "", "%s needs an area code (three digits) to search, not %q", Name, prefix)
	}
	return digits, nil
}

// nationalDigits is the ten-digit tn the API takes.
func nationalDigits(e164 string) (string, error) {
	rest, ok := strings.CutPrefix(e164, "+1")
	if !ok || len(rest) != 10 || !allDigits(rest) {
		return "", number.Errorf(number.KindInvalid, e164, "%s handles US numbers (+1 and ten digits) only", Name)
	}
	return rest, nil
}

// Interface guards
var (
	_ carrier.Carrier = (*Carrier)(nil)
	_ carrier.Holder  = (*Carrier)(nil)
	_ httpx.Auth      = bodyAuth{}
)
