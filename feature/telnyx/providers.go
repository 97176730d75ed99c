package telnyx

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// data is what the providers keep on the number.
type data struct {
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	AddressID     string `json:"address_id,omitempty"`
}

func readData(rec feature.Record) data {
	var d data
	_ = json.Unmarshal(rec.Data, &d)
	return d
}

// e911Provider: an emergency address, then the number's emergency
// settings pointing at it.
type e911Provider struct {
	*client
	validateAddress bool
	country         string
}

// Validate checks the e911 object against Kazoo's schema.
func (p *e911Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	return spec, err
}

func (p *e911Provider) addressBody(a feature.Address, callerName string) addressRequest {
	return addressRequest{BusinessName: callerName, StreetAddress: a.StreetAddress, ExtendedAddress: a.ExtendedAddress,
		Locality: a.Locality, AdministrativeArea: a.Region, PostalCode: a.PostalCode, CountryCode: p.country}
}

// ValidateAddress asks Telnyx to validate addr for emergency use
// (POST /v2/addresses/actions/validate); it creates nothing.
func (p *e911Provider) ValidateAddress(ctx context.Context, req feature.Request, addr feature.Address) (feature.Address, error) {
	num := req.Number.Number
	body, err := p.send(ctx, "validate", num, http.MethodPost, "v2/addresses/actions/validate", p.addressBody(addr, ""))
	if err != nil {
		return feature.Address{}, err
	}
	v, err := parseValidation(p.name, body)
	if err != nil {
		return feature.Address{}, feature.RemoteError(p.name, "validate", num, err)
	}
	if v.Result != "valid" {
		var sugg []feature.Address
		if v.Suggested != nil {
			sugg = append(sugg, v.Suggested.address())
		}
		return feature.Address{}, feature.InvalidAddress(p.name, num, v.reason(), addr, sugg)
	}
	if v.Suggested != nil {
		s := v.Suggested.address()
		s.CallerName = addr.CallerName
		return s, nil
	}
	return addr, nil
}

// Provision creates the address (validating it first unless configured
// not to), enables emergency on the number with it, and deletes the
// address it replaces.
func (p *e911Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	if p.sandbox {
		return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features, Data: req.Record.Data}, nil
	}
	var asked feature.Address
	if err := json.Unmarshal(req.Spec.Value, &asked); err != nil {
		return feature.Result{}, number.Wrap(number.KindInternal, num, err)
	}
	if p.validateAddress {
		if _, err := p.ValidateAddress(ctx, req, asked); err != nil {
			return feature.Result{}, err
		}
	}
	id, err := p.phoneNumberID(ctx, "provision", req.Number)
	if err != nil {
		return feature.Result{}, err
	}
	if id == "" {
		return feature.Result{}, notHeld(p.client, "provision", num)
	}
	body, err := p.send(ctx, "provision", num, http.MethodPost, "v2/addresses", p.addressBody(asked, asked.CallerNameOr(req.AccountName)))
	if httpx.StatusCode(err) == http.StatusUnprocessableEntity {
		return feature.Result{}, feature.InvalidAddress(p.name, num, number.AsError(err).Cause, asked, nil)
	}
	if err != nil {
		return feature.Result{}, err
	}
	addr, err := parseAddress(p.name, body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.name, "provision", num, err)
	}
	body, err = p.send(ctx, "provision", num, http.MethodPost, "v2/phone_numbers/"+esc(id)+"/actions/enable_emergency",
		emergencyRequest{Enabled: true, AddressID: &addr.ID})
	if err != nil {
		// The new address serves nothing: remove it, and report the
		// failure (the number's previous address, if any, still stands).
		p.deleteAddress(ctx, num, addr.ID)
		return feature.Result{}, err
	}
	settings, err := parseVoiceSettings(p.name, body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.name, "provision", num, err)
	}
	if !settings.Emergency.Enabled || settings.Emergency.AddressID != addr.ID {
		return feature.Result{}, feature.Refusal(p.name, "provision", num, "emergency settings are enabled=%t address=%q after enabling %q",
			settings.Emergency.Enabled, settings.Emergency.AddressID, addr.ID)
	}
	if old := readData(req.Record).AddressID; old != "" && old != addr.ID {
		p.deleteAddress(ctx, num, old)
	}
	status := feature.StatusProvisioned
	if settings.Emergency.Status != "" && settings.Emergency.Status != "active" {
		status = feature.StatusGeocoded // Telnyx is still provisioning it
	}
	return feature.Result{Status: status, Features: req.Spec.Features, Data: feature.JSON(data{PhoneNumberID: id, AddressID: addr.ID}),
		Message: settings.Emergency.Status}, nil
}

// Refresh reads the number's emergency status.
func (p *e911Provider) Refresh(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	id, err := p.phoneNumberID(ctx, "refresh", req.Number)
	if err != nil || id == "" {
		return feature.Result{}, err
	}
	body, err := p.send(ctx, "refresh", num, http.MethodGet, "v2/phone_numbers/"+esc(id)+"/voice", nil)
	if err != nil {
		return feature.Result{}, err
	}
	s, err := parseVoiceSettings(p.name, body)
	if err != nil {
		return feature.Result{}, feature.RemoteError(p.name, "refresh", num, err)
	}
	status := feature.StatusProvisioned
	switch {
	case !s.Emergency.Enabled:
		status = feature.StatusRemoved
	case s.Emergency.Status != "" && s.Emergency.Status != "active":
		status = feature.StatusGeocoded
	}
	return feature.Result{Status: status, Data: req.Record.Data, Message: s.Emergency.Status}, nil
}

// Deprovision disables emergency on the number and deletes its address.
func (p *e911Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	num := req.Number.Number
	_, held := req.Number.Features[number.FeatureE911]
	if p.sandbox || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	id, err := p.phoneNumberID(ctx, "deprovision", req.Number)
	if err != nil {
		return feature.Result{}, err
	}
	if id != "" {
		_, err = p.send(ctx, "deprovision", num, http.MethodPost, "v2/phone_numbers/"+esc(id)+"/actions/enable_emergency",
			emergencyRequest{Enabled: false})
		if err != nil && httpx.StatusCode(err) != http.StatusNotFound {
			return feature.Result{}, err
		}
	}
	if old := readData(req.Record).AddressID; old != "" {
		p.deleteAddress(ctx, num, old)
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

// deleteAddress removes an address no number uses. A failure leaves an
// unused address at Telnyx, which costs nothing: it is logged, as Kazoo
// ignored it.
func (p *e911Provider) deleteAddress(ctx context.Context, num, id string) {
	if _, err := p.send(ctx, "deprovision", num, http.MethodDelete, "v2/addresses/"+esc(id), nil); err != nil && httpx.StatusCode(err) != http.StatusNotFound {
		p.log.WarnContext(ctx, "telnyx: deleting an unused emergency address failed", "provider", p.name, "number", num, "address_id", id, "err", err)
	}
}

// cnamProvider: the number's caller-name listing (outbound) and inbound
// caller-name lookup, both voice settings.
type cnamProvider struct{ *client }

// Validate checks the cnam object against Kazoo's schema.
func (p *cnamProvider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.CNAMSpec(req)
	return spec, err
}

// Provision sets both halves on the number in one PATCH of its voice
// settings, and checks Telnyx kept them (as Kazoo checked its reply).
func (p *cnamProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	var want feature.CNAM
	_ = json.Unmarshal(req.Spec.Value, &want)
	if p.sandbox {
		return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
	}
	if err := p.setCNAM(ctx, "provision", req.Number, want); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
}

// Deprovision switches both halves off.
func (p *cnamProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	_, out := req.Number.Features[number.FeatureOutboundCNAM]
	_, in := req.Number.Features[number.FeatureInboundCNAM]
	if p.sandbox || (!out && !in && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	if err := p.setCNAM(ctx, "deprovision", req.Number, feature.CNAM{}); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func (p *cnamProvider) setCNAM(ctx context.Context, op string, n *number.Number, want feature.CNAM) error {
	id, err := p.phoneNumberID(ctx, op, n)
	if err != nil {
		return err
	}
	if id == "" {
		if op == "deprovision" {
			return nil
		}
		return notHeld(p.client, op, n.Number)
	}
	body := voiceRequest{
		CNAMListing:         &cnamListing{Enabled: want.DisplayName != "", Details: want.DisplayName},
		CallerIDNameEnabled: &want.InboundLookup,
	}
	reply, err := p.send(ctx, op, n.Number, http.MethodPatch, "v2/phone_numbers/"+esc(id)+"/voice", body)
	if err != nil {
		return err
	}
	s, err := parseVoiceSettings(p.name, reply)
	if err != nil {
		return feature.RemoteError(p.name, op, n.Number, err)
	}
	if s.CallerIDNameEnabled != want.InboundLookup || s.CNAMListing.Enabled != (want.DisplayName != "") ||
		(want.DisplayName != "" && s.CNAMListing.Details != want.DisplayName) {
		return feature.Refusal(p.name, op, n.Number, "voice settings after the update: listing=%t %q, lookup=%t",
			s.CNAMListing.Enabled, s.CNAMListing.Details, s.CallerIDNameEnabled)
	}
	return nil
}

// messagingProvider: the messaging profile on the number serves both SMS
// and MMS; the number leaves the profile when neither is on.
type messagingProvider struct {
	*client
	profile string
}

// Validate checks the sms or mms object.
func (p *messagingProvider) Validate(req feature.Request) (feature.Spec, error) {
	return feature.MessagingSpec(req)
}

// Provision puts the number on the messaging profile.
func (p *messagingProvider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	if p.sandbox {
		return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
	}
	if err := p.setProfile(ctx, "provision", req.Number, p.profile); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features,
		Data: feature.JSON(map[string]string{"messaging_profile_id": p.profile})}, nil
}

// Deprovision takes the number off the profile, unless the other of
// sms/mms still needs it.
func (p *messagingProvider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	other := number.FeatureMMS
	if req.Feature == number.FeatureMMS {
		other = number.FeatureSMS
	}
	_, held := req.Number.Features[req.Feature]
	_, otherOn := req.Number.Features[other]
	if p.sandbox || otherOn || (!held && !req.Record.Holds()) {
		return feature.Result{Status: feature.StatusRemoved}, nil
	}
	if err := p.setProfile(ctx, "deprovision", req.Number, ""); err != nil {
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func (p *messagingProvider) setProfile(ctx context.Context, op string, n *number.Number, profile string) error {
	id, err := p.phoneNumberID(ctx, op, n)
	if err != nil {
		return err
	}
	if id == "" {
		if op == "deprovision" {
			return nil
		}
		return notHeld(p.client, op, n.Number)
	}
	var want *string
	if profile != "" {
		want = &profile
	}
	reply, err := p.send(ctx, op, n.Number, http.MethodPatch, "v2/phone_numbers/"+esc(id)+"/messaging", messagingRequest{ProfileID: want})
	if err != nil {
		return err
	}
	got, err := parseMessagingSettings(p.name, reply)
	if err != nil {
		return feature.RemoteError(p.name, op, n.Number, err)
	}
	if got.ProfileID != profile {
		return feature.Refusal(p.name, op, n.Number, "the number's messaging profile is %q, not %q", got.ProfileID, profile)
	}
	return nil
}

var (
	_ feature.Provider         = (*e911Provider)(nil)
	_ feature.AddressValidator = (*e911Provider)(nil)
	_ feature.Refresher        = (*e911Provider)(nil)
	_ feature.Provider         = (*cnamProvider)(nil)
	_ feature.Provider         = (*messagingProvider)(nil)
)
