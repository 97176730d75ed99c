package telnyx

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Number order states.
const (
	statusPending = "pending"
	statusSuccess = "success"
	statusFailure = "failure"
)

// offer is one number GET /v2/available_phone_numbers returned.
type offer struct {
	PhoneNumber string `json:"phone_number"`
	BestEffort  bool   `json:"best_effort"`
	Cost        struct {
		Upfront  string `json:"upfront_cost"`
		Monthly  string `json:"monthly_cost"`
		Currency string `json:"currency"`
	} `json:"cost_information"`
	Regions []struct {
		Type string `json:"region_type"`
		Name string `json:"region_name"`
	} `json:"region_information"`
	Features []struct {
		Name string `json:"name"`
	} `json:"features"`
	raw number.Doc // the whole record, kept as the carrier data, as Kazoo did
}

// details normalises what Telnyx said of the number: region_information
// (country_code, state, rate_center, and location, the city, for
// international numbers), features (voice, sms, mms, fax) and
// cost_information (monthly_cost, and upfront_cost as the setup cost).
func (o offer) details() carrier.Details {
	var d carrier.Details
	for _, r := range o.Regions {
		name := strings.TrimSpace(r.Name)
		switch strings.ToLower(strings.TrimSpace(r.Type)) {
		case "country_code":
			d.Locality.Country = carrier.Country(name)
		case "state":
			d.Locality.Region = name
		case "location", "locality", "city":
			d.Locality.City = name
		case "rate_center":
			d.RateCenter = name
		}
	}
	if o.Features != nil {
		names := make([]string, len(o.Features))
		for i, f := range o.Features {
			names[i] = f.Name
		}
		d.Capabilities = carrier.CapabilitiesOf(names...)
	}
	d.Cost = carrier.NewCost(o.Cost.Currency, o.Cost.Monthly, o.Cost.Upfront)
	return d
}

// parseAvailable reads a search reply. Records that do not carry an E.164
// number are skipped rather than offered.
func parseAvailable(body []byte) ([]offer, error) {
	r, err := httpx.DecodeJSON[struct {
		Data []json.RawMessage `json:"data"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	out := make([]offer, 0, len(r.Data))
	for _, rec := range r.Data {
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

// orderRequest is the body of POST /v2/number_orders.
type orderRequest struct {
	PhoneNumbers       []orderNumber `json:"phone_numbers"`
	ConnectionID       string        `json:"connection_id,omitempty"`
	MessagingProfileID string        `json:"messaging_profile_id,omitempty"`
	CustomerReference  string        `json:"customer_reference,omitempty"`
}

type orderNumber struct {
	PhoneNumber string `json:"phone_number"`
	Status      string `json:"status,omitempty"`
}

// order is a number order as Telnyx reports it.
type order struct {
	ID              string        `json:"id"`
	Status          string        `json:"status"`
	RequirementsMet bool          `json:"requirements_met"`
	PhoneNumbers    []orderNumber `json:"phone_numbers"`
}

func (o order) final() bool { return o.Status == statusSuccess || o.Status == statusFailure }

// numberStatus is the order's status for one of its numbers, or "" when
// the order does not list it.
func (o order) numberStatus(e164 string) string {
	for _, p := range o.PhoneNumbers {
		if p.PhoneNumber == e164 {
			return p.Status
		}
	}
	return ""
}

func parseOrder(body []byte) (order, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *order `json:"data"`
	}](Name, body)
	if err != nil {
		return order{}, err
	}
	if r.Data == nil || r.Data.Status == "" {
		return order{}, number.Errorf(number.KindByCarrier, "", "%s: number order reply has no data.status", Name)
	}
	return *r.Data, nil
}

// phoneNumber is a number on the Telnyx account.
type phoneNumber struct {
	ID          string `json:"id"`
	PhoneNumber string `json:"phone_number"`
	Status      string `json:"status"`
}

func parsePhoneNumbers(body []byte) ([]phoneNumber, error) {
	r, err := httpx.DecodeJSON[struct {
		Data []phoneNumber `json:"data"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

func parsePhoneNumber(body []byte) (phoneNumber, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *phoneNumber `json:"data"`
	}](Name, body)
	if err != nil {
		return phoneNumber{}, err
	}
	if r.Data == nil {
		return phoneNumber{}, number.Errorf(number.KindByCarrier, "", "%s: phone number reply has no data", Name)
	}
	return *r.Data, nil
}

// errorMessage renders Telnyx's {"errors":[{code,title,detail}]}: each
// error's detail (or title when there is none) with its code.
func errorMessage(_ int, body []byte) string {
	var r struct {
		Errors []struct {
			Code   json.RawMessage `json:"code"`
			Title  string          `json:"title"`
			Detail string          `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	parts := make([]string, 0, len(r.Errors))
	for _, e := range r.Errors {
		msg := strings.TrimSpace(e.Detail)
		if msg == "" {
			msg = strings.TrimSpace(e.Title)
		}
		if msg == "" {
			continue
		}
		if code := codeText(e.Code); code != "" {
			msg += " (code " + code + ")"
		}
		parts = append(parts, msg)
	}
	return strings.Join(parts, "; ")
}

// codeText reads an error code Telnyx sends as a string ("10005") or,
// in older replies, a number.
func codeText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return n.String()
		}
	}
	return ""
}
