// Package telnyx is Kazoo's knm_telnyx_e911 and knm_telnyx_cnam brought to
// Telnyx API v2, plus messaging: E911 through an emergency address and the
// number's emergency settings, CNAM through the number's voice settings
// (caller-name listing and inbound caller-name lookup), and SMS/MMS
// through the messaging profile on the number.
//
// The three providers share the Telnyx carrier's credentials
// (number_manager.telnyx: api_key, api_url, sandbox_provisioning,
// messaging_profile_id), as Kazoo's providers shared its user and token;
// each has its own settings document too, which may override them.
//
// Kazoo spoke Telnyx's retired origination API (POST e911_addresses, PUT
// numbers/{did}/e911_settings, PUT numbers/{did}); its e911 address fields
// were upper-cased and stripped of punctuation, which API v2 does not
// need.
package telnyx

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// The registry names.
const (
	E911      = "telnyx_e911"
	CNAM      = "telnyx_cnam"
	Messaging = "telnyx_messaging"
)

// DefaultAPIURL is Telnyx's API host; paths carry /v2.
const DefaultAPIURL = "https://api.telnyx.com"

// carrierName is the carrier whose numbers and credentials these are.
const carrierName = "telnyx"

func init() {
	register(feature.Info{Name: E911, Features: []string{number.FeatureE911}}, func(c *client, s Settings) feature.Provider {
		return &e911Provider{client: c, validateAddress: s.ValidateAddress == nil || *s.ValidateAddress, country: s.CountryCode}
	})
	register(feature.Info{Name: CNAM, Features: []string{number.FeatureCNAM}}, func(c *client, _ Settings) feature.Provider {
		return &cnamProvider{client: c}
	})
	register(feature.Info{Name: Messaging, Features: []string{number.FeatureSMS, number.FeatureMMS}}, func(c *client, s Settings) feature.Provider {
		return &messagingProvider{client: c, profile: s.MessagingProfileID}
	})
}

// Settings is each provider's own document (number_manager.telnyx_e911,
// number_manager.telnyx_cnam, number_manager.telnyx_messaging). Every key
// is optional: by default the Telnyx carrier's settings are used.
type Settings struct {
	// APIKey and APIURL override the carrier's.
	APIKey string `json:"api_key"`
	APIURL string `json:"api_url"`
	// SandboxProvisioning overrides the carrier's: when true, requests are
	// recorded and Telnyx is not called (Kazoo's telnyx sandbox).
	SandboxProvisioning *bool `json:"sandbox_provisioning"`
	// MessagingProfileID (telnyx_messaging) overrides the carrier's
	// messaging_profile_id, the profile SMS/MMS numbers are put on.
	MessagingProfileID string `json:"messaging_profile_id"`
	// ValidateAddress (telnyx_e911, default true) validates an address
	// with Telnyx before creating it, for suggestions.
	ValidateAddress *bool `json:"validate_address"`
	// CountryCode (telnyx_e911, default "US") is the addresses' country.
	CountryCode string `json:"country_code"`
}

// carrierSettings are the keys read from number_manager.telnyx.
type carrierSettings struct {
	APIKey              string `json:"api_key"`
	APIURL              string `json:"api_url"`
	SandboxProvisioning bool   `json:"sandbox_provisioning"`
	MessagingProfileID  string `json:"messaging_profile_id"`
}

func register(info feature.Info, build func(*client, Settings) feature.Provider) {
	info.Remote = true
	info.Carriers = []string{carrierName}
	info.CarrierSettings = carrierName
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		var s Settings
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		cs := carrierSettings{APIURL: DefaultAPIURL}
		if err := feature.DecodeCarrierSettings(deps.CarrierSettings, &cs); err != nil {
			return nil, err
		}
		if s.APIKey != "" {
			cs.APIKey = s.APIKey
		}
		if s.APIURL != "" {
			cs.APIURL = s.APIURL
		}
		if s.SandboxProvisioning != nil {
			cs.SandboxProvisioning = *s.SandboxProvisioning
		}
		if s.MessagingProfileID == "" {
			s.MessagingProfileID = cs.MessagingProfileID
		}
		if s.CountryCode == "" {
			s.CountryCode = "US"
		}
		if cs.APIURL == "" {
			cs.APIURL = DefaultAPIURL
		}
		if err := httpx.ValidateBaseURL(cs.APIURL); err != nil {
			return nil, err
		}
		switch {
		case cs.APIKey == "" && !cs.SandboxProvisioning:
			return nil, number.Errorf(number.KindInvalid, "", "%s: api_key is required (number_manager.telnyx or number_manager.%s)", info.Name, info.Name)
		case info.Name == Messaging && s.MessagingProfileID == "":
			return nil, number.Errorf(number.KindInvalid, "", "%s: messaging_profile_id is required (number_manager.telnyx or number_manager.%s)", info.Name, info.Name)
		case len(s.CountryCode) != 2:
			return nil, number.Errorf(number.KindInvalid, "", "%s: country_code must be an ISO 3166 alpha-2 code", info.Name)
		}
		c := &client{
			name:    info.Name,
			info:    info,
			sandbox: cs.SandboxProvisioning,
			log:     deps.Log(),
			http: &httpx.Client{
				Carrier:      info.Name,
				BaseURL:      cs.APIURL,
				HTTP:         deps.HTTPClient,
				Auth:         httpx.BearerAuth{Token: cs.APIKey},
				Logger:       deps.Logger,
				Header:       http.Header{"Accept": {"application/json"}},
				ErrorMessage: errorMessage,
				Now:          deps.Now,
			},
		}
		return build(c, s), nil
	})
}

// client is what the three providers share: the HTTP client and the
// lookup of the number's Telnyx id.
type client struct {
	name    string
	info    feature.Info
	sandbox bool
	http    *httpx.Client
	log     *slog.Logger
}

// Info describes the provider.
func (c *client) Info() feature.Info { return c.info }

// SetRetryPolicy replaces the HTTP backoff and sleeper; tests use it to
// run without waiting.
func (c *client) SetRetryPolicy(backoff httpx.Backoff, sleep httpx.Sleeper) {
	c.http.Backoff, c.http.Sleep = backoff, sleep
}

// phoneNumberID returns Telnyx's id of the number: the one the Telnyx
// carrier kept when it bought the number, else a lookup by number. ""
// means the account does not hold the number.
func (c *client) phoneNumberID(ctx context.Context, op string, n *number.Number) (string, error) {
	var id string
	if n.CarrierData.Get("phone_number_id", &id) && id != "" {
		return id, nil
	}
	resp, err := c.http.Get(ctx, "v2/phone_numbers", url.Values{"filter[phone_number]": {n.Number}})
	if err != nil {
		return "", feature.RemoteError(c.name, op, n.Number, err)
	}
	list, err := parsePhoneNumbers(c.name, resp.Body)
	if err != nil {
		return "", feature.RemoteError(c.name, op, n.Number, err)
	}
	for _, p := range list {
		if p.PhoneNumber == n.Number && p.ID != "" {
			return p.ID, nil
		}
	}
	return "", nil
}

// send makes one JSON call.
func (c *client) send(ctx context.Context, op, num, method, path string, body any) ([]byte, error) {
	var payload []byte
	if body != nil {
		payload = feature.JSON(body)
	}
	req := &httpx.Request{Method: method, Path: path, Body: payload, Number: num}
	if payload != nil {
		req.ContentType = "application/json"
	}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, feature.RemoteError(c.name, op, num, err)
	}
	return resp.Body, nil
}

func notHeld(c *client, op, num string) error {
	return feature.Refusal(c.name, op, num, "the Telnyx account does not hold %s", num)
}

func esc(s string) string { return url.PathEscape(s) }
