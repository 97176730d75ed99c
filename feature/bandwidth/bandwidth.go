// Package bandwidth is E911, CNAM and messaging for numbers held at
// Bandwidth, through its Dashboard (Iris) API: XML orders under
// /accounts/{accountId}, HTTP Basic authentication, the Bandwidth carrier's
// credentials (number_manager.bandwidth2: account_id, api_username,
// api_password, api_url). Kazoo had no Bandwidth providers.
//
//   - bandwidth_e911: an E911 order (POST e911s) associating the address
//     with the number; DeleteTNSpecificE911Address removes it. Orders are
//     asynchronous: RECEIVED or PROCESSING is GEOCODED until Refresh reads
//     COMPLETE (GET e911s/{orderId}).
//   - bandwidth_cnam: the outbound name as a LIDB order (POST lidbs), and
//     inbound caller-name display as a TN option order (CallingNameDisplay).
//   - bandwidth_messaging: SMS on the number as a TN option order (Sms
//     on/off); MMS rides on the same option.
package bandwidth

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
	E911      = "bandwidth_e911"
	CNAM      = "bandwidth_cnam"
	Messaging = "bandwidth_messaging"
)

// DefaultAPIURL is Bandwidth's Dashboard API.
const DefaultAPIURL = "https://dashboard.bandwidth.com/api"

const carrierName = "bandwidth2"

func init() {
	register(feature.Info{Name: E911, Features: []string{number.FeatureE911}}, func(c *client) feature.Provider { return &e911Provider{c} })
	register(feature.Info{Name: CNAM, Features: []string{number.FeatureCNAM}}, func(c *client) feature.Provider { return &cnamProvider{c} })
	register(feature.Info{Name: Messaging, Features: []string{number.FeatureSMS, number.FeatureMMS}}, func(c *client) feature.Provider {
		return &messagingProvider{c}
	})
}

// Settings is each provider's own document (number_manager.bandwidth_e911,
// ...). The credentials override the carrier's.
type Settings struct {
	AccountID   string `json:"account_id"`
	APIUsername string `json:"api_username"`
	APIPassword string `json:"api_password"`
	APIURL      string `json:"api_url"`
	// UseType and Visibility (bandwidth_cnam) go into LIDB orders:
	// BUSINESS or RESIDENTIAL (default BUSINESS), PUBLIC or PRIVATE
	// (default PUBLIC).
	UseType    string `json:"use_type"`
	Visibility string `json:"visibility"`
}

type carrierSettings struct {
	AccountID   string `json:"account_id"`
	APIUsername string `json:"api_username"`
	APIPassword string `json:"api_password"`
	APIURL      string `json:"api_url"`
}

func register(info feature.Info, build func(*client) feature.Provider) {
	info.Remote = true
	info.Carriers = []string{carrierName}
	info.CarrierSettings = carrierName
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		s := Settings{UseType: "BUSINESS", Visibility: "PUBLIC"}
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		var cs carrierSettings
		if err := feature.DecodeCarrierSettings(deps.CarrierSettings, &cs); err != nil {
			return nil, err
		}
		pick := func(own, carrier, def string) string {
			switch {
			case own != "":
				return own
			case carrier != "":
				return carrier
			}
			return def
		}
		account := pick(s.AccountID, cs.AccountID, "")
		user := pick(s.APIUsername, cs.APIUsername, "")
		pass := pick(s.APIPassword, cs.APIPassword, "")
		api := pick(s.APIURL, cs.APIURL, DefaultAPIURL)
		s.UseType, s.Visibility = strings.ToUpper(s.UseType), strings.ToUpper(s.Visibility)
		if err := httpx.ValidateBaseURL(api); err != nil {
			return nil, err
		}
		switch {
		case account == "" || user == "":
			return nil, number.Errorf(number.KindInvalid, "", "%s: account_id and api_username are required (number_manager.bandwidth2 or number_manager.%s)", info.Name, info.Name)
		case s.UseType != "BUSINESS" && s.UseType != "RESIDENTIAL":
			return nil, number.Errorf(number.KindInvalid, "", "%s: use_type must be BUSINESS or RESIDENTIAL", info.Name)
		case s.Visibility != "PUBLIC" && s.Visibility != "PRIVATE":
			return nil, number.Errorf(number.KindInvalid, "", "%s: visibility must be PUBLIC or PRIVATE", info.Name)
		}
		return build(&client{info: info, settings: s, http: &httpx.Client{
			Carrier:      info.Name,
			BaseURL:      strings.TrimRight(api, "/") + "/accounts/" + url.PathEscape(account) + "/",
			HTTP:         deps.HTTPClient,
			Auth:         httpx.BasicAuth{User: user, Password: pass},
			Logger:       deps.Logger,
			Header:       http.Header{"Accept": {"application/xml"}},
			ErrorMessage: errorMessage,
			Now:          deps.Now,
		}}), nil
	})
}

type client struct {
	info     feature.Info
	settings Settings
	http     *httpx.Client
}

// Info describes the provider.
func (c *client) Info() feature.Info { return c.info }

// SetRetryPolicy replaces the HTTP backoff and sleeper; tests use it to
// run without waiting.
func (c *client) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	c.http.Backoff, c.http.Sleep = backoff, sleep
}

// order POSTs an order and reads its reply. Orders are not retried: a
// retried order whose first reply was lost is a second order.
func (c *client) order(ctx context.Context, op, num, path string, body any) (order, error) {
	payload, err := xml.Marshal(body)
	if err != nil {
		return order{}, number.Wrap(number.KindInternal, num, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: path, Body: payload,
		ContentType: "application/xml", Number: num})
	if err != nil {
		return order{}, feature.RemoteError(c.info.Name, op, num, err)
	}
	o, err := parseOrder(c.info.Name, resp.Body)
	if err != nil {
		return order{}, feature.RemoteError(c.info.Name, op, num, err)
	}
	return o, nil
}

// settle turns an order's processing status into a provisioning status:
// COMPLETE is done, RECEIVED and PROCESSING are under way (GEOCODED), and
// FAILED or PARTIAL (one number: it failed) is the carrier's refusal.
func (c *client) settle(op, num string, o order) (feature.Status, error) {
	switch o.Status {
	case "COMPLETE":
		return feature.StatusProvisioned, nil
	case "RECEIVED", "PROCESSING":
		return feature.StatusGeocoded, nil
	}
	return feature.StatusError, feature.Refusal(c.info.Name, op, num, "order %s is %s: %s", o.ID, nonEmpty(o.Status, "without status"), o.errors())
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// data is what the providers keep on the number.
type data struct {
	OrderID string `json:"order_id,omitempty"`
}

func customerOrderID(prefix, num string) string {
	d, _ := feature.NANP(num)
	return "numan-" + prefix + "-" + d
}

// e911Provider associates an address with the number by E911 order.
type e911Provider struct{ *client }

// Validate checks the e911 object (Kazoo's schema), and what Bandwidth
// needs on top: a NANP number, and a street address starting with the
// house number (Bandwidth wants HouseNumber and StreetName apart).
func (p *e911Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, a, err := feature.E911Spec(req)
	if err != nil || spec.Value == nil {
		return spec, err
	}
	if err := feature.RequireNANP(p.info.Name, number.FeatureE911, req.Number.Number); err != nil {
		return feature.Spec{}, err
	}
	if house, _ := splitStreet(a.StreetAddress); house == "" {
		v := feature.FieldErrors{{Path: "e911.street_address", Rule: "pattern",
			Message: "Street address must start with the house number", Value: a.StreetAddress}}
		return feature.Spec{}, v.Err(req.Number.Number)
	}
	return spec, nil
}

// splitStreet splits "140 Geary St" into house number "140" and street
// "Geary St". A first word without a digit is no house number.
func splitStreet(s string) (house, street string) {
	f := strings.Fields(s)
	if len(f) < 2 || !strings.ContainsAny(f[0], "0123456789") {
		return "", s
	}
	return f[0], strings.Join(f[1:], " ")
}

// Provision places the E911 order.
func (p *e911Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var a feature.Address
	if err := json.Unmarshal(req.Spec.Value, &a); err != nil {
		return feature.Result{}, number.Wrap(number.KindInternal, num, err)
	}
	tn, _ := feature.NANP(num)
	house, street := splitStreet(a.StreetAddress)
	o, err := p.order(ctx, "provision", num, "e911s", e911Order{
		CustomerOrderID:  customerOrderID("e911", num),
		TelephoneNumbers: []string{tn},
		CallerName:       a.CallerNameOr(req.AccountName),
		Address: &e911Address{HouseNumber: house, StreetName: street, AddressLine2: a.ExtendedAddress,
			City: a.Locality, StateCode: a.Region, Zip: a.PostalCode},
	})
	if err != nil {
		return feature.Result{}, err
	}
	keep := feature.JSON(data{OrderID: o.ID})
	status, err := p.settle("provision", num, o)
	if err != nil {
		return feature.Result{Data: keep}, err
	}
	return feature.Result{Status: status, Features: req.Spec.Features, Data: keep, Message: o.Status}, nil
}

// Refresh reads the last order (GET e911s/{orderId}).
func (p *e911Provider) Refresh(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var d data
	_ = json.Unmarshal(req.Record.Data, &d)
	if d.OrderID == "" {
		return feature.Result{Status: req.Record.Status, Data: req.Record.Data}, nil
	}
	resp, err := p.http.Get(ctx, "e911s/"+url.PathEscape(d.OrderID), nil)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.info.Name, "refresh", num, err)
	}
	o, err := parseOrder(p.info.Name, resp.Body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.info.Name, "refresh", num, err)
	}
	status, err := p.settle("refresh", num, o)
	if err != nil {
		// The order failed at Bandwidth: a status to record, not a failed call.
		return feature.Result{Status: feature.StatusError, Data: req.Record.Data, Message: o.errors()}, nil //nolint:nilerr // see above
	}
	return feature.Result{Status: status, Data: req.Record.Data, Message: o.Status}, nil
}

// Deprovision removes the number's address (DeleteTNSpecificE911Address).
func (p *e911Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, held := req.Number.Features[number.FeatureE911]
	tn, nanp := feature.NANP(num)
	if !nanp || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	o, err := p.order(ctx, "deprovision", num, "e911s", e911Order{CustomerOrderID: customerOrderID("e911", num),
		TelephoneNumbers: []string{tn}, Delete: true})
	if err != nil {
		return feature.Result{}, err
	}
	if _, err := p.settle("deprovision", num, o); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved, Data: feature.JSON(data{OrderID: o.ID}), Message: o.Status}, nil
}

// cnamProvider lists the outbound name and switches inbound display.
type cnamProvider struct{ *client }

// Validate checks the cnam object; Bandwidth serves NANP numbers only.
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

// Provision orders what changed: a LIDB order for a new outbound name, a
// TN option order for inbound display.
func (p *cnamProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	tn, _ := feature.NANP(num)
	var want feature.CNAM
	_ = json.Unmarshal(req.Spec.Value, &want)
	have := feature.AppliedCNAM(req.Record)
	status := feature.StatusProvisioned
	var last order
	if want.DisplayName != "" && want.DisplayName != have.DisplayName {
		o, err := p.order(ctx, "provision", num, "lidbs", lidbOrder{CustomerOrderID: customerOrderID("lidb", num),
			Groups: []lidbGroup{{TelephoneNumbers: []string{tn}, SubscriberInformation: want.DisplayName,
				UseType: p.settings.UseType, Visibility: p.settings.Visibility}}})
		if err != nil {
			return feature.Result{}, err
		}
		st, err := p.settle("provision", num, o)
		if err != nil {
			return feature.Result{}, err
		}
		status, last = worst(status, st), o
	}
	_, inboundOn := req.Number.Features[number.FeatureInboundCNAM]
	if want.InboundLookup != (have.InboundLookup || inboundOn) {
		o, err := p.tnOption(ctx, "provision", num, tnOptionGroup{CallingNameDisplay: onOff(want.InboundLookup)})
		if err != nil {
			return feature.Result{}, err
		}
		st, err := p.settle("provision", num, o)
		if err != nil {
			return feature.Result{}, err
		}
		status, last = worst(status, st), o
	}
	return feature.Result{Status: status, Features: req.Spec.Features, Data: feature.JSON(data{OrderID: last.ID}), Message: last.Status}, nil
}

// Deprovision switches inbound display off. Bandwidth keeps a LIDB listing
// until another replaces it; there is no order to withdraw one.
func (p *cnamProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, in := req.Number.Features[number.FeatureInboundCNAM]
	if _, nanp := feature.NANP(num); !nanp || (!in && !feature.AppliedCNAM(req.Record).InboundLookup && !req.Record.Unsettled) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	o, err := p.tnOption(ctx, "deprovision", num, tnOptionGroup{CallingNameDisplay: "off"})
	if err != nil {
		return feature.Result{}, err
	}
	if _, err := p.settle("deprovision", num, o); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func (c *client) tnOption(ctx context.Context, op, num string, g tnOptionGroup) (order, error) {
	tn, _ := feature.NANP(num)
	g.TelephoneNumbers = []string{tn}
	return c.order(ctx, op, num, "tnOptions", tnOptionOrder{CustomerOrderID: customerOrderID("tnoption", num), Groups: []tnOptionGroup{g}})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// worst keeps GEOCODED (under way) over PROVISIONED.
func worst(a, b feature.Status) feature.Status {
	if a == feature.StatusGeocoded || b == feature.StatusGeocoded {
		return feature.StatusGeocoded
	}
	return b
}

// messagingProvider switches SMS on the number by TN option order.
type messagingProvider struct{ *client }

// Validate checks the sms or mms object; Bandwidth serves NANP numbers
// only.
func (p *messagingProvider) Validate(req feature.Request) (feature.Spec, error) {
	spec, err := feature.MessagingSpec(req)
	if err != nil || spec.Value == nil {
		return spec, err
	}
	if err := feature.RequireNANP(p.info.Name, req.Feature, req.Number.Number); err != nil {
		return feature.Spec{}, err
	}
	return spec, nil
}

// Provision orders Sms on, unless the other of sms/mms already did.
func (p *messagingProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	if _, otherOn := req.Number.Features[other(req.Feature)]; otherOn {
		return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
	}
	o, err := p.tnOption(ctx, "provision", req.Number.Number, tnOptionGroup{Sms: "on"})
	if err != nil {
		return feature.Result{}, err
	}
	status, err := p.settle("provision", req.Number.Number, o)
	if err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: status, Features: req.Spec.Features, Data: feature.JSON(data{OrderID: o.ID}), Message: o.Status}, nil
}

// Deprovision orders Sms off, unless the other of sms/mms still needs it.
func (p *messagingProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	_, held := req.Number.Features[req.Feature]
	_, otherOn := req.Number.Features[other(req.Feature)]
	if _, nanp := feature.NANP(req.Number.Number); !nanp || otherOn || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	o, err := p.tnOption(ctx, "deprovision", req.Number.Number, tnOptionGroup{Sms: "off"})
	if err != nil {
		return feature.Result{}, err
	}
	if _, err := p.settle("deprovision", req.Number.Number, o); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func other(feat string) string {
	if feat == number.FeatureSMS {
		return number.FeatureMMS
	}
	return number.FeatureSMS
}

var (
	_ feature.Provider  = (*e911Provider)(nil)
	_ feature.Refresher = (*e911Provider)(nil)
	_ feature.Provider  = (*cnamProvider)(nil)
	_ feature.Provider  = (*messagingProvider)(nil)
)
