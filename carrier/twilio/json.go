package twilio

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// offer is one entry of an AvailablePhoneNumbers list.
type offer struct {
	PhoneNumber  string `json:"phone_number"`
	Locality     string `json:"locality"`
	Region       string `json:"region"`
	PostalCode   string `json:"postal_code"`
	IsoCountry   string `json:"iso_country"`
	RateCenter   string `json:"rate_center"`
	LATA         string `json:"lata"`
	Capabilities *struct {
		// Twilio spells them voice, SMS, MMS and fax; decoding ignores case.
		Voice bool `json:"voice"`
		SMS   bool `json:"sms"`
		MMS   bool `json:"mms"`
		Fax   bool `json:"fax"`
	} `json:"capabilities"`
	raw number.Doc
}

// details normalises what Twilio said of the number. Twilio quotes no
// price in a search.
func (o offer) details() carrier.Details {
	d := carrier.Details{
		Locality: carrier.Locality{
			City:       strings.TrimSpace(o.Locality),
			Region:     strings.TrimSpace(o.Region),
			Country:    carrier.Country(o.IsoCountry),
			PostalCode: strings.TrimSpace(o.PostalCode),
		},
		RateCenter: strings.TrimSpace(o.RateCenter),
		LATA:       strings.TrimSpace(o.LATA),
	}
	if c := o.Capabilities; c != nil {
		d.Capabilities = &carrier.Capabilities{Voice: c.Voice, SMS: c.SMS, MMS: c.MMS, Fax: c.Fax}
	}
	return d
}

// parseAvailable reads an AvailablePhoneNumbers page. Entries without an
// E.164 number are skipped rather than offered; each offer keeps the whole
// entry (locality, rate center, capabilities...) as its carrier data.
func parseAvailable(body []byte) ([]offer, error) {
	r, err := httpx.DecodeJSON[struct {
		Numbers *[]json.RawMessage `json:"available_phone_numbers"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	if r.Numbers == nil {
		return nil, number.Errorf(number.KindByCarrier, "", "%s: reply has no available_phone_numbers", Name)
	}
	out := make([]offer, 0, len(*r.Numbers))
	for _, rec := range *r.Numbers {
		var o offer
		if json.Unmarshal(rec, &o) != nil || json.Unmarshal(rec, &o.raw) != nil || !isE164(o.PhoneNumber) {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

func isE164(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	return ok && len(d) >= 2 && len(d) <= 15 && strings.Trim(d, "0123456789") == ""
}

// incoming is an IncomingPhoneNumber: a number the account owns.
type incoming struct {
	SID         string `json:"sid"`
	PhoneNumber string `json:"phone_number"`
}

func parseIncoming(body []byte) (incoming, error) {
	return httpx.DecodeJSON[incoming](Name, body)
}

func parseIncomingList(body []byte) ([]incoming, error) {
	r, err := httpx.DecodeJSON[struct {
		Numbers *[]incoming `json:"incoming_phone_numbers"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	if r.Numbers == nil {
		return nil, number.Errorf(number.KindByCarrier, "", "%s: reply has no incoming_phone_numbers", Name)
	}
	return *r.Numbers, nil
}

// ErrorMessage renders Twilio's error document {"code","message",
// "more_info","status"} as "message (code 21628)", for httpx's
// ErrorMessage; the feature providers acting through Twilio's API use it
// too.
func ErrorMessage(_ int, body []byte) string {
	var r struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	msg := strings.TrimSpace(r.Message)
	if msg == "" {
		return ""
	}
	if code := strings.Trim(string(r.Code), `"`); code != "" {
		if _, err := strconv.ParseInt(code, 10, 64); err == nil {
			msg += " (code " + code + ")"
		}
	}
	return msg
}

// errorClasses are the Twilio error codes that say more than their HTTP
// status: 21422 "PhoneNumber requested is not available" comes with a 400.
var errorClasses = map[int64]carrier.Class{
	21422: carrier.Taken,       // number not available
	21452: carrier.Taken,       // number already on the account
	20003: carrier.Auth,        // authentication failed
	20404: carrier.NotFound,    // resource not found
	20429: carrier.RateLimited, // too many requests
}

// classify refines the class of a 4xx reply by Twilio's error code; other
// statuses, and codes it does not know, keep their status's class.
func classify(status int, body []byte) carrier.Class {
	if status < 400 || status >= 500 {
		return carrier.Unclassified
	}
	var r struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &r) != nil {
		return carrier.Unclassified
	}
	code, err := strconv.ParseInt(strings.Trim(string(r.Code), `"`), 10, 64)
	if err != nil {
		return carrier.Unclassified
	}
	return errorClasses[code]
}
