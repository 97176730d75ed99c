package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

func asStatus(err error, se **httpx.StatusError) bool { return errors.As(err, se) }

// Twilio's address validation errors.
const (
	codeAddressInvalid   = "21628"
	codeAddressSuggested = "21629"
	codeAlreadyInService = "21710"
)

type data struct {
	NumberSID  string `json:"number_sid,omitempty"`
	AddressSID string `json:"address_sid,omitempty"`
}

func readData(rec feature.Record) data {
	var d data
	_ = json.Unmarshal(rec.Data, &d)
	return d
}

// e911Provider sets an emergency address on the number.
type e911Provider struct {
	*client
	country string
}

// Validate checks the e911 object against Kazoo's schema.
func (p *e911Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	return spec, err
}

// status maps Twilio's emergency_address_status.
func status(s string) feature.Status {
	switch s {
	case "registered":
		return feature.StatusProvisioned
	case "registration-failure":
		return feature.StatusError
	case "unregistered", "pending-unregistration":
		return feature.StatusRemoved
	}
	return feature.StatusGeocoded // pending-registration
}

// Provision creates the address, sets it on the number, and deletes the
// address it replaces.
func (p *e911Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	var a feature.Address
	if err := json.Unmarshal(req.Spec.Value, &a); err != nil {
		return feature.Result{}, number.Wrap(number.KindInternal, num, err)
	}
	sid, err := p.numberSID(ctx, "provision", req.Number)
	if err != nil {
		return feature.Result{}, err
	}
	if sid == "" {
		return feature.Result{}, notHeld(p.client, "provision", num)
	}
	form := url.Values{
		"CustomerName":       {a.CallerNameOr(req.AccountName)},
		"Street":             {a.StreetAddress},
		"City":               {a.Locality},
		"Region":             {a.Region},
		"PostalCode":         {a.PostalCode},
		"IsoCountry":         {p.country},
		"EmergencyEnabled":   {"true"},
		"AutoCorrectAddress": {"false"},
	}
	if a.ExtendedAddress != "" {
		form.Set("StreetSecondary", a.ExtendedAddress)
	}
	body, err := p.form(ctx, "provision", num, p.account+"/Addresses.json", form, false)
	if code := twilioCode(err); code == codeAddressInvalid || code == codeAddressSuggested {
		// Twilio puts its suggestion in the message (21629).
		return feature.Result{}, feature.InvalidAddress(p.info.Name, num, number.AsError(err).Cause, a, nil)
	}
	if err != nil {
		return feature.Result{}, err
	}
	addr, err := parseAddress(p.info.Name, body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.info.Name, "provision", num, err)
	}
	in, err := p.updateNumber(ctx, "provision", num, sid, url.Values{"EmergencyAddressSid": {addr.SID}})
	if err != nil {
		p.deleteAddress(ctx, num, addr.SID)
		return feature.Result{}, err
	}
	if in.EmergencyAddressSID != addr.SID {
		return feature.Result{}, feature.Refusal(p.info.Name, "provision", num, "the number's emergency address is %q, not %q", in.EmergencyAddressSID, addr.SID)
	}
	st := status(in.EmergencyAddressStatus)
	keep := feature.JSON(data{NumberSID: sid, AddressSID: addr.SID})
	if st == feature.StatusError || st == feature.StatusRemoved {
		return feature.Result{Data: keep}, feature.Refusal(p.info.Name, "provision", num, "emergency address status is %s", in.EmergencyAddressStatus)
	}
	if old := readData(req.Record).AddressSID; old != "" && old != addr.SID {
		p.deleteAddress(ctx, num, old)
	}
	return feature.Result{Status: st, Features: req.Spec.Features, Data: keep, Message: in.EmergencyAddressStatus}, nil
}

// Refresh reads the number's emergency address status.
func (p *e911Provider) Refresh(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	sid := readData(req.Record).NumberSID
	if sid == "" {
		var err error
		if sid, err = p.numberSID(ctx, "refresh", req.Number); err != nil || sid == "" {
			return feature.Result{}, err
		}
	}
	resp, err := p.http.Get(ctx, p.account+"/IncomingPhoneNumbers/"+url.PathEscape(sid)+".json", nil)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.info.Name, "refresh", num, err)
	}
	in, err := parseIncoming(p.info.Name, resp.Body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.info.Name, "refresh", num, err)
	}
	return feature.Result{Status: status(in.EmergencyAddressStatus), Data: req.Record.Data, Message: in.EmergencyAddressStatus}, nil
}

// Deprovision clears the number's emergency address and deletes it.
func (p *e911Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, held := req.Number.Features[number.FeatureE911]
	if !held && !req.Record.Holds() {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	sid, err := p.numberSID(ctx, "deprovision", req.Number)
	if err != nil {
		return feature.Result{}, err
	}
	if sid != "" {
		if _, err := p.updateNumber(ctx, "deprovision", num, sid, url.Values{"EmergencyAddressSid": {""}}); err != nil && httpx.StatusCode(err) != http.StatusNotFound {
			return feature.Result{}, err
		}
	}
	if old := readData(req.Record).AddressSID; old != "" {
		p.deleteAddress(ctx, num, old)
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

// deleteAddress removes an address no number uses; a failure is logged
// (an unused address costs nothing).
func (p *e911Provider) deleteAddress(ctx context.Context, num, sid string) {
	_, err := p.http.Do(ctx, &httpx.Request{Method: http.MethodDelete, Path: p.account + "/Addresses/" + url.PathEscape(sid) + ".json", Number: num})
	if err != nil && httpx.StatusCode(err) != http.StatusNotFound {
		p.log.WarnContext(ctx, "twilio: deleting an unused emergency address failed", "provider", p.info.Name, "number", num, "address_sid", sid, "err", err)
	}
}

// messagingProvider points the number's messages at a webhook or a
// Messaging Service.
type messagingProvider struct {
	*client
	smsURL, smsMethod string
	service           string
	messagingAPI      string
}

// Validate checks the sms or mms object.
func (p *messagingProvider) Validate(req feature.Request) (feature.Spec, error) {
	return feature.MessagingSpec(req)
}

// Provision sets the number's SmsUrl, or adds it to the service (already
// being in it is success), unless the other of sms/mms did already.
func (p *messagingProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	result := feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}
	if _, otherOn := req.Number.Features[other(req.Feature)]; otherOn {
		return result, nil
	}
	sid, err := p.numberSID(ctx, "provision", req.Number)
	if err != nil {
		return feature.Result{}, err
	}
	if sid == "" {
		return feature.Result{}, notHeld(p.client, "provision", num)
	}
	result.Data = feature.JSON(data{NumberSID: sid})
	if p.smsURL != "" {
		in, err := p.updateNumber(ctx, "provision", num, sid, url.Values{"SmsUrl": {p.smsURL}, "SmsMethod": {p.smsMethod}})
		if err != nil {
			return feature.Result{}, err
		}
		if in.SMSURL != p.smsURL {
			return feature.Result{}, feature.Refusal(p.info.Name, "provision", num, "the number's SmsUrl is %q", in.SMSURL)
		}
		return result, nil
	}
	_, err = p.form(ctx, "provision", num, p.messagingAPI+"/v1/Services/"+url.PathEscape(p.service)+"/PhoneNumbers",
		url.Values{"PhoneNumberSid": {sid}}, true)
	if err != nil && twilioCode(err) != codeAlreadyInService {
		return feature.Result{}, err
	}
	return result, nil
}

// Deprovision clears the SmsUrl or takes the number out of the service,
// unless the other of sms/mms still needs it.
func (p *messagingProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, held := req.Number.Features[req.Feature]
	_, otherOn := req.Number.Features[other(req.Feature)]
	if otherOn || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	sid, err := p.numberSID(ctx, "deprovision", req.Number)
	if err != nil || sid == "" {
		return feature.Result{Status: feature.StatusRemoved}, err
	}
	if p.smsURL != "" {
		if _, err := p.updateNumber(ctx, "deprovision", num, sid, url.Values{"SmsUrl": {""}}); err != nil && httpx.StatusCode(err) != http.StatusNotFound {
			return feature.Result{}, err
		}
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	_, err = p.http.Do(ctx, &httpx.Request{Method: http.MethodDelete,
		Path: p.messagingAPI + "/v1/Services/" + url.PathEscape(p.service) + "/PhoneNumbers/" + url.PathEscape(sid), Number: num})
	if err != nil && httpx.StatusCode(err) != http.StatusNotFound {
		return feature.Result{}, feature.RemoteError(p.info.Name, "deprovision", num, err)
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
	_ feature.Provider  = (*messagingProvider)(nil)
)
