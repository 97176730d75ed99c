package telnyx

import (
	"errors"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// addressRequest is the body of POST /v2/addresses and of
// /v2/addresses/actions/validate (which ignores business_name).
type addressRequest struct {
	BusinessName       string `json:"business_name,omitempty"`
	StreetAddress      string `json:"street_address"`
	ExtendedAddress    string `json:"extended_address,omitempty"`
	Locality           string `json:"locality"`
	AdministrativeArea string `json:"administrative_area"`
	PostalCode         string `json:"postal_code"`
	CountryCode        string `json:"country_code"`
}

// emergencyRequest is the body of actions/enable_emergency; disabling
// sends a null address, as Telnyx requires.
type emergencyRequest struct {
	Enabled   bool    `json:"emergency_enabled"`
	AddressID *string `json:"emergency_address_id"`
}

type cnamListing struct {
	Enabled bool   `json:"cnam_listing_enabled"`
	Details string `json:"cnam_listing_details,omitempty"`
}

// voiceRequest is the body of PATCH /v2/phone_numbers/{id}/voice.
type voiceRequest struct {
	CNAMListing         *cnamListing `json:"cnam_listing,omitempty"`
	CallerIDNameEnabled *bool        `json:"caller_id_name_enabled,omitempty"`
}

// messagingRequest is the body of PATCH /v2/phone_numbers/{id}/messaging;
// a null profile takes the number off its profile.
type messagingRequest struct {
	ProfileID *string `json:"messaging_profile_id"`
}

type phoneNumber struct {
	ID          string `json:"id"`
	PhoneNumber string `json:"phone_number"`
}

func parsePhoneNumbers(name string, body []byte) ([]phoneNumber, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *[]phoneNumber `json:"data"`
	}](name, body)
	if err != nil {
		return nil, err
	}
	if r.Data == nil {
		return nil, malformed(name, "phone_numbers reply without data")
	}
	return *r.Data, nil
}

type address struct {
	ID                 string `json:"id"`
	StreetAddress      string `json:"street_address"`
	ExtendedAddress    string `json:"extended_address"`
	Locality           string `json:"locality"`
	AdministrativeArea string `json:"administrative_area"`
	PostalCode         string `json:"postal_code"`
}

func (a address) address() feature.Address {
	return feature.Address{StreetAddress: a.StreetAddress, ExtendedAddress: a.ExtendedAddress, Locality: a.Locality,
		Region: strings.ToUpper(a.AdministrativeArea), PostalCode: a.PostalCode}
}

// parseAddress reads the reply to POST /v2/addresses: the address must
// have an id.
func parseAddress(name string, body []byte) (address, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *address `json:"data"`
	}](name, body)
	if err != nil {
		return address{}, err
	}
	if r.Data == nil || strings.TrimSpace(r.Data.ID) == "" {
		return address{}, malformed(name, "address reply without an id")
	}
	return *r.Data, nil
}

type apiError struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

type validation struct {
	Result    string     `json:"result"` // "valid" or "invalid"
	Suggested *address   `json:"suggested"`
	Errors    []apiError `json:"errors"`
}

func (v validation) reason() string {
	var parts []string
	for _, e := range v.Errors {
		if d := strings.TrimSpace(e.Detail); d != "" {
			parts = append(parts, d)
		} else if t := strings.TrimSpace(e.Title); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		return "the address is not valid for emergency services"
	}
	return strings.Join(parts, "; ")
}

func parseValidation(name string, body []byte) (validation, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *validation `json:"data"`
	}](name, body)
	if err != nil {
		return validation{}, err
	}
	if r.Data == nil || (r.Data.Result != "valid" && r.Data.Result != "invalid") {
		return validation{}, malformed(name, "validation reply without a result")
	}
	if r.Data.Suggested != nil && r.Data.Suggested.StreetAddress == "" {
		r.Data.Suggested = nil
	}
	return *r.Data, nil
}

type voiceSettings struct {
	CNAMListing         cnamListing `json:"cnam_listing"`
	CallerIDNameEnabled bool        `json:"caller_id_name_enabled"`
	Emergency           struct {
		Enabled   bool   `json:"emergency_enabled"`
		AddressID string `json:"emergency_address_id"`
		Status    string `json:"emergency_status"`
	} `json:"emergency"`
}

func parseVoiceSettings(name string, body []byte) (voiceSettings, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *voiceSettings `json:"data"`
	}](name, body)
	if err != nil {
		return voiceSettings{}, err
	}
	if r.Data == nil {
		return voiceSettings{}, malformed(name, "voice settings reply without data")
	}
	return *r.Data, nil
}

type messagingSettings struct {
	ProfileID string `json:"messaging_profile_id"`
}

func parseMessagingSettings(name string, body []byte) (messagingSettings, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *messagingSettings `json:"data"`
	}](name, body)
	if err != nil {
		return messagingSettings{}, err
	}
	if r.Data == nil {
		return messagingSettings{}, malformed(name, "messaging settings reply without data")
	}
	return *r.Data, nil
}

func malformed(name, what string) error {
	return &number.Error{Kind: number.KindByCarrier, Cause: name + ": malformed reply: " + what,
		Details: map[string]any{"provider": name}, Err: errors.New(what)}
}

// errorMessage extracts Telnyx's errors[].detail (or title) from an error
// reply.
func errorMessage(_ int, body []byte) string {
	r, err := httpx.DecodeJSON[struct {
		Errors []apiError `json:"errors"`
	}]("telnyx", body)
	if err != nil {
		return ""
	}
	return validation{Errors: r.Errors}.reasonOrEmpty()
}

func (v validation) reasonOrEmpty() string {
	if len(v.Errors) == 0 {
		return ""
	}
	return v.reason()
}
