// Package twilio is E911 and messaging for numbers held at Twilio, through
// its REST API (form-encoded requests, JSON replies, HTTP Basic
// authentication with the account SID and auth token), with the Twilio
// carrier's credentials (number_manager.twilio: account_sid, auth_token,
// api_url). Kazoo had no Twilio providers.
//
//   - twilio_e911: an emergency-enabled Address (POST Addresses.json, with
//     AutoCorrectAddress=false so that Twilio suggests rather than silently
//     corrects), set as the number's EmergencyAddressSid. Twilio registers
//     it asynchronously: pending-registration is GEOCODED until Refresh
//     reads registered.
//   - twilio_messaging: either the number's SmsUrl, or the number added to
//     a Messaging Service (POST /v1/Services/{sid}/PhoneNumbers), as
//     configured.
package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	carriertwilio "github.com/numan-dev/numan/carrier/twilio"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// The registry names.
const (
	E911      = "twilio_e911"
	Messaging = "twilio_messaging"
)

// Default API hosts.
const (
	DefaultAPIURL          = "https://api.twilio.com"
	DefaultMessagingAPIURL = "https://messaging.twilio.com"
)

const carrierName = "twilio"

func init() {
	register(feature.Info{Name: E911, Features: []string{number.FeatureE911}}, func(c *client, s Settings) (feature.Provider, error) {
		if len(s.IsoCountry) != 2 {
			return nil, number.Errorf(number.KindInvalid, "", "%s: iso_country must be an ISO 3166 alpha-2 code", E911)
		}
		return &e911Provider{client: c, country: strings.ToUpper(s.IsoCountry)}, nil
	})
	register(feature.Info{Name: Messaging, Features: []string{number.FeatureSMS, number.FeatureMMS}}, func(c *client, s Settings) (feature.Provider, error) {
		switch {
		case (s.SMSURL == "") == (s.MessagingServiceSID == ""):
			return nil, number.Errorf(number.KindInvalid, "", "%s: set one of sms_url and messaging_service_sid", Messaging)
		case s.SMSURL != "":
			if err := httpx.ValidateBaseURL(s.SMSURL); err != nil {
				return nil, number.Errorf(number.KindInvalid, "", "%s: sms_url is not an http(s) URL", Messaging)
			}
		}
		if err := httpx.ValidateBaseURL(s.MessagingAPIURL); err != nil {
			return nil, err
		}
		method := strings.ToUpper(s.SMSMethod)
		if method != http.MethodGet && method != http.MethodPost {
			return nil, number.Errorf(number.KindInvalid, "", "%s: sms_method must be GET or POST", Messaging)
		}
		return &messagingProvider{client: c, smsURL: s.SMSURL, smsMethod: method, service: s.MessagingServiceSID,
			messagingAPI: strings.TrimRight(s.MessagingAPIURL, "/")}, nil
	})
}

// Settings is each provider's own document (number_manager.twilio_e911,
// number_manager.twilio_messaging).
type Settings struct {
	// AccountSID, AuthToken and APIURL override the carrier's.
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	APIURL     string `json:"api_url"`
	// IsoCountry (twilio_e911, default "US") is the addresses' country.
	IsoCountry string `json:"iso_country"`
	// SMSURL and SMSMethod (twilio_messaging): messages to the number go to
	// this webhook. Or MessagingServiceSID: the number joins the service.
	SMSURL              string `json:"sms_url"`
	SMSMethod           string `json:"sms_method"`
	MessagingServiceSID string `json:"messaging_service_sid"`
	// MessagingAPIURL is Twilio's Messaging API host.
	MessagingAPIURL string `json:"messaging_api_url"`
}

type carrierSettings struct {
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	APIURL     string `json:"api_url"`
}

func register(info feature.Info, build func(*client, Settings) (feature.Provider, error)) {
	info.Remote = true
	info.Carriers = []string{carrierName}
	info.CarrierSettings = carrierName
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		s := Settings{IsoCountry: "US", SMSMethod: http.MethodPost, MessagingAPIURL: DefaultMessagingAPIURL}
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		var cs carrierSettings
		if err := feature.DecodeCarrierSettings(deps.CarrierSettings, &cs); err != nil {
			return nil, err
		}
		if s.AccountSID == "" {
			s.AccountSID = cs.AccountSID
		}
		if s.AuthToken == "" {
			s.AuthToken = cs.AuthToken
		}
		api := s.APIURL
		if api == "" {
			api = cs.APIURL
		}
		if api == "" {
			api = DefaultAPIURL
		}
		if err := httpx.ValidateBaseURL(api); err != nil {
			return nil, err
		}
		if s.AccountSID == "" || s.AuthToken == "" {
			return nil, number.Errorf(number.KindInvalid, "", "%s: account_sid and auth_token are required (number_manager.twilio or number_manager.%s)", info.Name, info.Name)
		}
		return build(&client{info: info, log: deps.Log(), account: "2010-04-01/Accounts/" + url.PathEscape(s.AccountSID), http: &httpx.Client{
			Carrier:      info.Name,
			BaseURL:      api,
			HTTP:         deps.HTTPClient,
			Auth:         httpx.BasicAuth{User: s.AccountSID, Password: s.AuthToken},
			Logger:       deps.Logger,
			Header:       http.Header{"Accept": {"application/json"}},
			ErrorMessage: carriertwilio.ErrorMessage,
			Now:          deps.Now,
		}}, s)
	})
}

type client struct {
	info    feature.Info
	account string
	http    *httpx.Client
	log     interface {
		WarnContext(context.Context, string, ...any)
	}
}

// Info describes the provider.
func (c *client) Info() feature.Info { return c.info }

// SetRetryPolicy replaces the HTTP backoff and sleeper; tests use it to
// run without waiting.
func (c *client) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	c.http.Backoff, c.http.Sleep = backoff, sleep
}

// numberSID returns the IncomingPhoneNumber SID: the one the Twilio
// carrier kept, else a lookup by number ("" when the account does not
// hold it).
func (c *client) numberSID(ctx context.Context, op string, n *number.Number) (string, error) {
	var sid string
	if n.CarrierData.Get("sid", &sid) && sid != "" {
		return sid, nil
	}
	resp, err := c.http.Get(ctx, c.account+"/IncomingPhoneNumbers.json", url.Values{"PhoneNumber": {n.Number}})
	if err != nil {
		return "", feature.RemoteError(c.info.Name, op, n.Number, err)
	}
	list, err := parseIncomingList(c.info.Name, resp.Body)
	if err != nil {
		return "", feature.RemoteError(c.info.Name, op, n.Number, err)
	}
	for _, p := range list {
		if p.PhoneNumber == n.Number && p.SID != "" {
			return p.SID, nil
		}
	}
	return "", nil
}

// form POSTs a form. Updates of a number set values, so they may be
// retried; creating an address may not (a lost reply would leave two).
func (c *client) form(ctx context.Context, op, num, path string, form url.Values, idempotent bool) ([]byte, error) {
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: path, Body: []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded", Idempotent: idempotent, Number: num})
	if err != nil {
		return nil, feature.RemoteError(c.info.Name, op, num, err)
	}
	return resp.Body, nil
}

// updateNumber sets fields of the IncomingPhoneNumber and returns it.
func (c *client) updateNumber(ctx context.Context, op, num, sid string, form url.Values) (incoming, error) {
	body, err := c.form(ctx, op, num, c.account+"/IncomingPhoneNumbers/"+url.PathEscape(sid)+".json", form, true)
	if err != nil {
		return incoming{}, err
	}
	in, err := parseIncoming(c.info.Name, body)
	if err != nil {
		return incoming{}, feature.RemoteError(c.info.Name, op, num, err)
	}
	return in, nil
}

func notHeld(c *client, op, num string) error {
	return feature.Refusal(c.info.Name, op, num, "the Twilio account does not hold %s", num)
}

// twilioCode is the Twilio error code of err's reply, if any.
func twilioCode(err error) string {
	var se *httpx.StatusError
	if !asStatus(err, &se) {
		return ""
	}
	_, code, _ := strings.Cut(se.Message, "(code ")
	return strings.TrimSuffix(code, ")")
}
