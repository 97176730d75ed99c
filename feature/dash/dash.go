// Package dash is Kazoo's default E911 provider, knm_dash_e911: Bandwidth's
// 911 Access Dashboard (DASH) emergency provisioning API, XML over HTTPS
// with HTTP Basic authentication. Saving an address validates it
// (validateLocation), adds it to the number's URI (addLocation) and, when
// DASH has only geocoded it, provisions it (provisionLocation); removing it
// removes the URI (removeURI).
//
// Unlike Kazoo, an address DASH geocodes to several candidates is a 400
// with the candidates as suggestions (Kazoo answered 500 multiple_choice);
// TLS is verified; a failed removeURI is reported rather than taken as
// done; and client fields DASH does not know (notification_contact_emails)
// are kept on the number.
package dash

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_dash_e911).
const Name = "dash_e911"

// DefaultURL is DASH's production emergency provisioning API.
const DefaultURL = "https://service.dashcs.com/dash-api/xml/emergencyprovisioning/v1"

var info = feature.Info{Name: Name, Features: []string{number.FeatureE911}, Remote: true}

func init() {
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		cfg := DefaultConfig()
		if err := feature.DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		return New(cfg, deps)
	})
}

// Config is number_manager.dash_e911, Kazoo's keys.
type Config struct {
	AuthUsername string `json:"auth_username"`
	AuthPassword string `json:"auth_password"`
	// Debug is accepted for Kazoo's documents: Kazoo wrote exchanges to
	// /tmp; Numan logs them at debug level, secrets redacted.
	Debug                    bool   `json:"debug"`
	EmergencyProvisioningURL string `json:"emergency_provisioning_url"`
}

// DefaultConfig returns Kazoo's defaults.
func DefaultConfig() Config { return Config{EmergencyProvisioningURL: DefaultURL} }

// Provider talks to one DASH account.
type Provider struct {
	http *httpx.Client
}

// New validates cfg and builds the provider.
func New(cfg Config, deps feature.Deps) (*Provider, error) {
	if err := httpx.ValidateBaseURL(cfg.EmergencyProvisioningURL); err != nil {
		return nil, err
	}
	if cfg.AuthUsername == "" {
		return nil, number.Errorf(number.KindInvalid, "", "%s: auth_username is required", Name)
	}
	return &Provider{http: &httpx.Client{
		Carrier:      Name,
		BaseURL:      cfg.EmergencyProvisioningURL,
		HTTP:         deps.HTTPClient,
		Auth:         httpx.BasicAuth{User: cfg.AuthUsername, Password: cfg.AuthPassword},
		Logger:       deps.Logger,
		Header:       http.Header{"Accept": {"*/*"}},
		ErrorMessage: errorMessage,
		Now:          deps.Now,
	}}, nil
}

// SetRetryPolicy replaces the HTTP backoff and sleeper; tests use it to
// run without waiting.
func (p *Provider) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	p.http.Backoff, p.http.Sleep = backoff, sleep
}

// Info describes the provider.
func (p *Provider) Info() feature.Info { return info }

// Validate checks the e911 object (Kazoo's schema); DASH serves NANP
// numbers only.
func (p *Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	if err != nil || spec.Value == nil {
		return spec, err
	}
	if err := feature.RequireNANP(Name, number.FeatureE911, req.Number.Number); err != nil {
		return feature.Spec{}, err
	}
	return spec, nil
}

// data is what the provider keeps on the number.
type data struct {
	LocationID string `json:"location_id,omitempty"`
}

// ValidateAddress asks DASH whether it can geocode addr (validateLocation).
// It changes nothing at DASH.
func (p *Provider) ValidateAddress(ctx context.Context, req feature.Request, addr feature.Address) (feature.Address, error) {
	locs, err := p.validate(ctx, req.Number.Number, addr)
	if err != nil {
		return feature.Address{}, err
	}
	if len(locs) == 1 {
		return locs[0].address(), nil
	}
	return addr, nil
}

func (p *Provider) validate(ctx context.Context, num string, addr feature.Address) ([]location, error) {
	r, err := p.call(ctx, num, "validateLocation", validateLocation{Location: toLocation(addr)}, true)
	if err != nil {
		return nil, feature.RemoteError(Name, "validate", num, err)
	}
	code, desc := r.status()
	switch code {
	case "GEOCODED", "PROVISIONED":
		if len(r.Locations) > 1 {
			return nil, feature.InvalidAddress(Name, num, "more than one address found", addr, suggestions(r.Locations))
		}
		return r.Locations, nil
	case "INVALID":
		return nil, feature.InvalidAddress(Name, num, nonEmpty(desc, "the address is not valid"), addr, suggestions(r.Locations))
	case "ERROR":
		return nil, feature.Refusal(Name, "validate", num, "validateLocation: %s", nonEmpty(desc, "error"))
	}
	return nil, feature.Refusal(Name, "validate", num, "validateLocation answered status %q", code)
}

// Provision validates the address, adds it to the number's URI with the
// client's address (as Kazoo: DASH keeps what it geocoded from it) and,
// when DASH has only geocoded it, provisions the location.
func (p *Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var asked feature.Address
	if err := json.Unmarshal(req.Spec.Value, &asked); err != nil {
		return feature.Result{}, number.Wrap(number.KindInternal, num, err)
	}
	if _, err := p.validate(ctx, num, asked); err != nil {
		return feature.Result{}, err
	}
	npan, _ := feature.NANP(num)
	add := addLocation{
		URI:      uri{URI: "tel:1" + npan, CallerName: asked.CallerNameOr(req.AccountName)},
		Location: toLocation(asked),
	}
	r, err := p.call(ctx, num, "addLocation", add, false)
	if err != nil {
		return feature.Result{}, feature.RemoteError(Name, "provision", num, err)
	}
	code, desc := r.status()
	if (code != "PROVISIONED" && code != "GEOCODED") || len(r.Locations) == 0 {
		return feature.Result{}, feature.Refusal(Name, "provision", num, "addLocation answered %s: %s", nonEmpty(code, "no status"), desc)
	}
	loc := r.Locations[0]
	status := feature.Status(code)
	keep := feature.JSON(data{LocationID: loc.LocationID})
	if code == "GEOCODED" && loc.LocationID != "" {
		// The location is on the URI; provisioning it may lag. A failure
		// here leaves it GEOCODED for Refresh, as Kazoo ignored it.
		if st, _, err := p.provisionLocation(ctx, num, loc.LocationID); err == nil && st != "" {
			status = feature.Status(st)
			loc.Status.Code = st
		}
	}
	if !status.Active() {
		return feature.Result{Data: keep}, feature.Refusal(Name, "provision", num, "location %s is %s", loc.LocationID, status)
	}
	public := merge(req.Number.Public[number.FeatureE911], loc.public())
	return feature.Result{
		Status:   status,
		Features: number.Doc{number.FeatureE911: public},
		Public:   public,
		Data:     keep,
		Message:  desc,
	}, nil
}

func (p *Provider) provisionLocation(ctx context.Context, num, id string) (string, string, error) {
	r, err := p.call(ctx, num, "provisionLocation", provisionLocation{LocationID: id}, true)
	if err != nil {
		return "", "", feature.RemoteError(Name, "provision", num, err)
	}
	if r.LocationStatus == nil {
		return "", "", feature.Refusal(Name, "provision", num, "provisionLocation answered no status")
	}
	return strings.TrimSpace(r.LocationStatus.Code), strings.TrimSpace(r.LocationStatus.Description), nil
}

// Refresh provisions a location DASH had only geocoded, and reports where
// it stands.
func (p *Provider) Refresh(ctx context.Context, req feature.Request) (feature.Result, error) {
	var d data
	_ = json.Unmarshal(req.Record.Data, &d)
	if d.LocationID == "" {
		return feature.Result{Status: req.Record.Status, Data: req.Record.Data}, nil
	}
	st, desc, err := p.provisionLocation(ctx, req.Number.Number, d.LocationID)
	if err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.Status(st), Data: req.Record.Data, Message: desc}, nil
}

// Deprovision removes the number's URI from DASH (removeURI). A number
// that holds no E911 is left alone; a URI DASH does not know is removed
// already.
func (p *Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, held := req.Number.Features[number.FeatureE911]
	npan, nanp := feature.NANP(num)
	if (!held && !req.Record.Holds()) || !nanp {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	r, err := p.call(ctx, num, "removeURI", removeURI{URI: "tel:1" + npan}, true)
	if httpx.StatusCode(err) == http.StatusNotFound {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	if err != nil {
		return feature.Result{}, feature.RemoteError(Name, "deprovision", num, err)
	}
	if r.URIStatus == nil || strings.TrimSpace(r.URIStatus.Code) != "REMOVED" {
		code, desc := "", ""
		if r.URIStatus != nil {
			code, desc = r.URIStatus.Code, r.URIStatus.Description
		}
		return feature.Result{}, feature.Refusal(Name, "deprovision", num, "removeURI answered %s: %s", nonEmpty(strings.TrimSpace(code), "no status"), strings.TrimSpace(desc))
	}
	return feature.Result{Status: feature.StatusRemoved, Message: strings.TrimSpace(r.URIStatus.Description)}, nil
}

// call POSTs body to {url}/{verb lowercased} and reads the reply, whose
// root must be <verb>Response.
func (p *Provider) call(ctx context.Context, num, verb string, body any, idempotent bool) (reply, error) {
	payload, err := xml.Marshal(body)
	if err != nil {
		return reply{}, number.Wrap(number.KindInternal, num, err)
	}
	resp, err := p.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        strings.ToLower(verb),
		Body:        append([]byte(`<?xml version="1.0"?>`), payload...),
		ContentType: "text/xml",
		Idempotent:  idempotent,
		Number:      num,
	})
	if err != nil {
		return reply{}, err
	}
	return parseReply(verb, resp.Body)
}

func nonEmpty(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}

// merge lays the fields DASH returned over the client's e911 object, so
// that keys DASH does not know (notification_contact_emails) survive.
func merge(client json.RawMessage, dash map[string]any) json.RawMessage {
	out := map[string]json.RawMessage{}
	if obj, ok := feature.Object(client); ok {
		out = obj
	}
	for k, v := range dash {
		out[k] = feature.JSON(v)
	}
	return feature.JSON(out)
}

var (
	_ feature.Provider         = (*Provider)(nil)
	_ feature.AddressValidator = (*Provider)(nil)
	_ feature.Refresher        = (*Provider)(nil)
)
