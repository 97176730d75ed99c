package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Route is where Twilio sends a number's calls and messages: an Elastic
// SIP trunk, or a voice webhook (with its method), and an SMS webhook.
// A trunk and a voice URL exclude each other, as at Twilio, where a
// number on a trunk ignores its voice URL.
type Route struct {
	TrunkSID    string `json:"trunk_sid"`
	VoiceURL    string `json:"voice_url"`
	VoiceMethod string `json:"voice_method"`
	SMSURL      string `json:"sms_url"`
	SMSMethod   string `json:"sms_method"`
}

// CheckRoute validates a route: known keys, one voice destination at
// most, http(s) URLs, GET or POST methods.
func (c *Carrier) CheckRoute(raw json.RawMessage) error {
	var r Route
	if err := carrier.DecodeRoute(Name, raw, &r); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return number.Errorf(number.KindInvalid, "", "routing.%s: "+format, append([]any{Name}, args...)...)
	}
	switch {
	case r.TrunkSID == "" && r.VoiceURL == "" && r.SMSURL == "":
		return bad("trunk_sid, voice_url or sms_url is required")
	case r.TrunkSID != "" && r.VoiceURL != "":
		return bad("trunk_sid and voice_url exclude each other")
	}
	for _, u := range []string{r.VoiceURL, r.SMSURL} {
		if u != "" && httpx.ValidateBaseURL(u) != nil {
			return bad("%q is not an http(s) URL", u)
		}
	}
	for _, m := range []string{r.VoiceMethod, r.SMSMethod} {
		if m != "" && m != http.MethodGet && m != http.MethodPost {
			return bad("method %q is not GET or POST", m)
		}
	}
	return nil
}

// Route updates the incoming number (POST IncomingPhoneNumbers/{sid}.json)
// with the route's TrunkSid or VoiceUrl and its SmsUrl. The update sets
// values, so it is retried safely. It returns the number's sid.
func (c *Carrier) Route(ctx context.Context, n *number.Number, raw json.RawMessage) (number.Doc, error) {
	var r Route
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, number.Wrap(number.KindInvalid, n.Number, err)
	}
	var sid string
	if !n.CarrierData.Get("sid", &sid) || sid == "" {
		var err error
		if sid, err = c.lookupSID(ctx, n.Number); err != nil {
			return nil, err
		}
		if sid == "" {
			return nil, c.http.Refusal(carrier.NotFound, n.Number, "the number is not on the Twilio account")
		}
	}
	form := url.Values{}
	set := func(k, v string) {
		if v != "" {
			form.Set(k, v)
		}
	}
	set("TrunkSid", r.TrunkSID)
	set("VoiceUrl", r.VoiceURL)
	set("VoiceMethod", r.VoiceMethod)
	set("SmsUrl", r.SMSURL)
	set("SmsMethod", r.SMSMethod)
	if r.VoiceURL != "" {
		// Off the trunk, or Twilio keeps routing calls to it.
		form.Set("TrunkSid", "")
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        c.account + "/IncomingPhoneNumbers/" + url.PathEscape(sid) + ".json",
		Body:        []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded",
		Idempotent:  true,
		Number:      n.Number,
	})
	if err != nil {
		return nil, err
	}
	updated, err := parseIncoming(resp.Body)
	if err != nil {
		return nil, number.WithNumber(err, n.Number)
	}
	if updated.SID != sid {
		return nil, c.http.CarrierError(n.Number, "update of %s answered for %q", sid, updated.SID)
	}
	data := number.Doc{}
	data.Set("sid", sid)
	return data, nil
}

var _ carrier.Router = (*Carrier)(nil)
