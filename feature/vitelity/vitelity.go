// Package vitelity is Kazoo's knm_vitelity_e911 and knm_vitelity_cnam:
// Vitelity's XML API, one command per call in the query string with the
// account's login and password, answered with
// <content><status>ok|fail</status><error/><response/><info/></content>.
//
// E911 sends the address with e911send and removes it with e911delete.
// CNAM lists the outbound name with lidb and switches inbound caller-name
// lookup with cnamenable/cnamdisable.
//
// Both share the Vitelity carrier's credentials (number_manager.vitelity:
// login, pass, api_uri), as in Kazoo. Unlike Kazoo: the 2-letter region is
// sent as the state (Kazoo sent it only for a full state name, so the
// state the schema requires never reached Vitelity); a missing
// extended_address is fine (Kazoo crashed); a failed e911delete or
// cnamdisable is reported rather than ignored; and lidb and the inbound
// switch are called only when they change.
package vitelity

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// The registry names.
const (
	E911 = "vitelity_e911"
	CNAM = "vitelity_cnam"
)

// DefaultAPIURL is Vitelity's API.
const DefaultAPIURL = "https://api.vitelity.net/api.php"

// legacyAPIURL is Kazoo's documented default, upgraded to https.
const legacyAPIURL = "http://api.vitelity.net/api.php"

const carrierName = "vitelity"

func init() {
	register(feature.Info{Name: E911, Features: []string{number.FeatureE911}}, func(c *client) feature.Provider { return &e911Provider{c} })
	register(feature.Info{Name: CNAM, Features: []string{number.FeatureCNAM}}, func(c *client) feature.Provider { return &cnamProvider{c} })
}

// Settings is each provider's own document (number_manager.vitelity_e911,
// number_manager.vitelity_cnam); every key overrides the carrier's.
type Settings struct {
	Login  string `json:"login"`
	Pass   string `json:"pass"`
	APIURL string `json:"api_url"`
}

// carrierSettings are the keys read from number_manager.vitelity.
type carrierSettings struct {
	Login  string `json:"login"`
	Pass   string `json:"pass"`
	APIURI string `json:"api_uri"`
	APIURL string `json:"api_url"`
}

func register(info feature.Info, build func(*client) feature.Provider) {
	info.Remote = true
	info.Carriers = []string{carrierName}
	info.CarrierSettings = carrierName
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		var s Settings
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		var cs carrierSettings
		if err := feature.DecodeCarrierSettings(deps.CarrierSettings, &cs); err != nil {
			return nil, err
		}
		api := s.APIURL
		switch {
		case api != "":
		case cs.APIURL != "":
			api = cs.APIURL
		case cs.APIURI != "" && cs.APIURI != legacyAPIURL:
			api = cs.APIURI
		default:
			api = DefaultAPIURL
		}
		if s.Login == "" {
			s.Login = cs.Login
		}
		if s.Pass == "" {
			s.Pass = cs.Pass
		}
		if err := httpx.ValidateBaseURL(api); err != nil {
			return nil, err
		}
		if s.Login == "" {
			return nil, number.Errorf(number.KindInvalid, "", "%s: login is required (number_manager.vitelity or number_manager.%s)", info.Name, info.Name)
		}
		return build(&client{info: info, url: api, http: &httpx.Client{
			Carrier: info.Name,
			HTTP:    deps.HTTPClient,
			Logger:  deps.Logger,
			Now:     deps.Now,
			Auth:    queryAuth{login: s.Login, pass: s.Pass},
			Header:  http.Header{"Accept": {"text/xml"}},
		}}), nil
	})
}

// queryAuth puts the credentials in the query string, where Vitelity
// wants them.
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

type client struct {
	info feature.Info
	url  string
	http *httpx.Client
}

// Info describes the provider.
func (c *client) Info() feature.Info { return c.info }

// SetRetryPolicy replaces the HTTP backoff and sleeper; tests use it to
// run without waiting.
func (c *client) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	c.http.Backoff, c.http.Sleep = backoff, sleep
}

// command runs cmd for num (Kazoo's POST with an empty body and xml=yes)
// and returns the reply if its status is ok. Every command sets a state
// at Vitelity, so repeating it is harmless and it may be retried.
func (c *client) command(ctx context.Context, op, num, cmd string, params url.Values) (reply, error) {
	did, _ := feature.NANP(num)
	q := url.Values{"cmd": {cmd}, "xml": {"yes"}, "did": {did}}
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: c.url, Query: q, Idempotent: true, Number: num})
	if err != nil {
		return reply{}, feature.RemoteError(c.info.Name, op, num, err)
	}
	r, err := parseReply(c.info.Name, resp.Body)
	if err != nil {
		return reply{}, feature.RemoteError(c.info.Name, op, num, err)
	}
	if !strings.EqualFold(r.Status, "ok") {
		return reply{}, feature.Refusal(c.info.Name, op, num, "%s: %s", cmd, r.message())
	}
	return r, nil
}

// reply is every answer of Vitelity's API.
type reply struct {
	XMLName  xml.Name `xml:"content"`
	Status   string   `xml:"status"`
	Error    string   `xml:"error"`
	Response string   `xml:"response"`
	Info     *struct {
		Fields []field `xml:",any"`
	} `xml:"info"`
}

type field struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

func (r reply) message() string {
	for _, s := range []string{r.Error, r.Response} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "request failed"
}

// info is <info> as a JSON object, Kazoo's private e911 after e911send.
func (r reply) info() map[string]string {
	out := map[string]string{}
	if r.Info == nil {
		return out
	}
	for _, f := range r.Info.Fields {
		if v := strings.TrimSpace(f.Text); v != "" {
			out[f.XMLName.Local] = v
		}
	}
	return out
}

// parseReply reads a reply: well-formed XML with a <content> root and a
// status.
func parseReply(name string, body []byte) (reply, error) {
	r, err := httpx.DecodeXML[reply](name, body)
	if err != nil {
		return reply{}, err
	}
	r.Status = strings.TrimSpace(r.Status)
	if r.Status == "" {
		return reply{}, &number.Error{Kind: number.KindByCarrier, Cause: name + ": reply without a status",
			Details: map[string]any{"provider": name}}
	}
	return r, nil
}

// e911Provider sends the number's address with e911send.
type e911Provider struct{ *client }

// Validate checks the e911 object (Kazoo's schema); Vitelity serves NANP
// numbers only.
func (p *e911Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	if err != nil || spec.Value == nil {
		return spec, err
	}
	if err := feature.RequireNANP(p.info.Name, number.FeatureE911, req.Number.Number); err != nil {
		return feature.Spec{}, err
	}
	return spec, nil
}

// Provision sends the address (e911send). The private e911 is the request
// with what Vitelity reported back in <info> under "vitelity".
func (p *e911Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var a feature.Address
	if err := json.Unmarshal(req.Spec.Value, &a); err != nil {
		return feature.Result{}, number.Wrap(number.KindInternal, num, err)
	}
	unitType, unitNumber := splitUnit(a.ExtendedAddress)
	r, err := p.command(ctx, "provision", num, "e911send", url.Values{
		"name":       {a.CallerNameOr(req.AccountName)},
		"address":    {a.StreetAddress},
		"unittype":   {unitType},
		"unitnumber": {unitNumber},
		"city":       {a.Locality},
		"state":      {a.Region},
		"zip":        {a.PostalCode},
	})
	if err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features,
		Data: feature.JSON(r.info()), Message: strings.TrimSpace(r.Response)}, nil
}

// Deprovision removes the address (e911delete), when the number has one.
func (p *e911Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	_, held := req.Number.Features[number.FeatureE911]
	if _, nanp := feature.NANP(req.Number.Number); !nanp || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	if _, err := p.command(ctx, "deprovision", req.Number.Number, "e911delete", nil); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

// splitUnit splits an extended address into Vitelity's unit type and
// number: "Suite 300" is ("Suite", "300"), "#5" is ("", "#5").
func splitUnit(s string) (string, string) {
	f := strings.Fields(s)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return "", f[0]
	}
	return f[0], strings.Join(f[1:], " ")
}

// cnamProvider lists the outbound name (lidb) and switches inbound lookup
// (cnamenable/cnamdisable).
type cnamProvider struct{ *client }

// Validate checks the cnam object; Vitelity serves NANP numbers only.
func (p *cnamProvider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.CNAMSpec(req)
	if err != nil || spec.Value == nil {
		return spec, err
	}
	if err := feature.RequireNANP(p.info.Name, number.FeatureCNAM, req.Number.Number); err != nil {
		return feature.Spec{}, err
	}
	return spec, nil
}

// Provision lists a new outbound name (lidb must answer ok, as Kazoo
// checked) and switches inbound lookup when it changes.
func (p *cnamProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var want feature.CNAM
	_ = json.Unmarshal(req.Spec.Value, &want)
	have := feature.AppliedCNAM(req.Record)
	if want.DisplayName != "" && want.DisplayName != have.DisplayName {
		r, err := p.command(ctx, "provision", num, "lidb", url.Values{"name": {want.DisplayName}})
		if err != nil {
			return feature.Result{}, err
		}
		if !strings.EqualFold(strings.TrimSpace(r.Response), "ok") {
			return feature.Result{}, feature.Refusal(p.info.Name, "provision", num, "lidb: %s", r.message())
		}
	}
	_, inboundOn := req.Number.Features[number.FeatureInboundCNAM]
	if want.InboundLookup != (have.InboundLookup || inboundOn) {
		cmd := "cnamdisable"
		if want.InboundLookup {
			cmd = "cnamenable"
		}
		if _, err := p.command(ctx, "provision", num, cmd, nil); err != nil {
			return feature.Result{}, err
		}
	}
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
}

// Deprovision switches inbound lookup off (cnamdisable), as Kazoo did.
// Vitelity's API has no command to withdraw a LIDB listing.
func (p *cnamProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	_, in := req.Number.Features[number.FeatureInboundCNAM]
	if _, nanp := feature.NANP(req.Number.Number); !nanp || (!in && !feature.AppliedCNAM(req.Record).InboundLookup && !req.Record.Unsettled) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	if _, err := p.command(ctx, "deprovision", req.Number.Number, "cnamdisable", nil); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

var (
	_ feature.Provider = (*e911Provider)(nil)
	_ feature.Provider = (*cnamProvider)(nil)
	_ httpx.Auth       = queryAuth{}
)
