package carrier

import (
	"encoding/json"
	"strings"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/money"
)

// Details is what a carrier said about a number it offers, in the same
// shape whatever the carrier: where the number is, its rate center and
// LATA, what it can do, and what the carrier charges for it. A zero field
// is one the carrier did not give; nothing is guessed. Search replies show
// the fields flat beside the number (manager.Found).
type Details struct {
	Locality   Locality `json:"locality,omitzero"`
	RateCenter string   `json:"rate_center,omitempty"`
	LATA       string   `json:"lata,omitempty"`
	// Capabilities is nil when the carrier did not say what the number
	// can do.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Cost is nil when the carrier quoted no price. It is the carrier's
	// price to Numan's operator, not what an account is billed.
	Cost *Cost `json:"cost,omitempty"`
}

// Locality is where a number is.
type Locality struct {
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`  // state or province, as the carrier names it (CA)
	Country    string `json:"country,omitempty"` // ISO 3166 alpha-2
	PostalCode string `json:"postal_code,omitempty"`
}

// Capabilities is what a number can do, as the carrier says.
type Capabilities struct {
	Voice bool `json:"voice"`
	SMS   bool `json:"sms"`
	MMS   bool `json:"mms"`
	Fax   bool `json:"fax"`
}

// Cost is a carrier's price for a number in integer minor units of
// Currency (cents for USD). Monthly or Setup is nil when the carrier did
// not give it.
type Cost struct {
	Currency string `json:"currency"`
	Monthly  *int64 `json:"monthly_minor,omitempty"`
	Setup    *int64 `json:"setup_minor,omitempty"`
}

// MarshalJSON writes the amounts as Numan's money replies do: a decimal
// (monthly, setup) beside the exact minor units clients should prefer
// (monthly_minor, setup_minor). Decoding reads the minor units.
func (c Cost) MarshalJSON() ([]byte, error) {
	out := map[string]any{"currency": c.Currency}
	for name, v := range map[string]*int64{"monthly": c.Monthly, "setup": c.Setup} {
		if v != nil {
			out[name] = json.Number(money.Format(*v, c.Currency))
			out[name+"_minor"] = *v
		}
	}
	return json.Marshal(out)
}

// NewCost reads a carrier's quoted prices: decimal strings ("1.00",
// "1.00000") in currency; "" is a price not given. A price that is not an
// exact amount of the currency (more decimals than it has, a negative or
// garbled one) is left out rather than rounded. NewCost returns nil when
// the currency is no ISO 4217 code or no price is left.
func NewCost(currency, monthly, setup string) *Cost {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !money.ValidCurrency(currency) {
		return nil
	}
	c := &Cost{Currency: currency, Monthly: amount(monthly, currency), Setup: amount(setup, currency)}
	if c.Monthly == nil && c.Setup == nil {
		return nil
	}
	return c
}

func amount(s, currency string) *int64 {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	v, err := money.Parse(s, currency)
	if err != nil || v < 0 {
		return nil
	}
	return &v
}

// CapabilitiesOf reads capabilities given as names (voice, sms, mms, fax,
// in any case); names of other features (emergency, hd_voice) are ignored.
func CapabilitiesOf(names ...string) *Capabilities {
	c := &Capabilities{}
	for _, n := range names {
		switch strings.ToLower(strings.TrimSpace(n)) {
		case "voice":
			c.Voice = true
		case "sms":
			c.SMS = true
		case "mms":
			c.MMS = true
		case "fax":
			c.Fax = true
		}
	}
	return c
}

// Country returns s as an ISO 3166 alpha-2 code, or "" when it is not one.
func Country(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return ""
	}
	return s
}

// IsZero reports whether the carrier said nothing about the number.
func (d Details) IsZero() bool {
	return d.Locality == (Locality{}) && d.RateCenter == "" && d.LATA == "" && d.Capabilities == nil && d.Cost == nil
}

// Fill completes d with what o says of where the number is (locality, rate
// center, LATA) and d does not: those are facts of the number, whoever
// tells them. Capabilities and cost belong to the carrier that offers the
// number and are never taken from another.
func (d *Details) Fill(o Details) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&d.Locality.City, o.Locality.City)
	fill(&d.Locality.Region, o.Locality.Region)
	fill(&d.Locality.Country, o.Locality.Country)
	fill(&d.Locality.PostalCode, o.Locality.PostalCode)
	fill(&d.RateCenter, o.RateCenter)
	fill(&d.LATA, o.LATA)
}

// WithoutCost returns d without the carrier's price.
func (d Details) WithoutCost() Details {
	d.Cost = nil
	return d
}

// LocalityDoc is the where-part of d (locality, rate center, LATA) as a
// number's stored locality document; nil when d says nothing of it.
func (d Details) LocalityDoc() number.Doc {
	doc := number.Doc{}
	for k, v := range map[string]string{
		"city": d.Locality.City, "region": d.Locality.Region, "country": d.Locality.Country,
		"postal_code": d.Locality.PostalCode, "rate_center": d.RateCenter, "lata": d.LATA,
	} {
		if v != "" {
			doc.Set(k, v)
		}
	}
	if len(doc) == 0 {
		return nil
	}
	return doc
}

// LocalityDetails reads what a number's stored locality document says in
// Details' terms. It reads the form LocalityDoc writes and Kazoo's
// phonebook form ({"country", "locality": {"locality", "province",
// "postal_code"}}), so numbers imported from Kazoo show where they are too.
func LocalityDetails(doc number.Doc) Details {
	var d Details
	if len(doc) == 0 {
		return d
	}
	str := func(doc number.Doc, keys ...string) string {
		for _, k := range keys {
			var s string
			if doc.Get(k, &s) && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	d.Locality = Locality{
		City:       str(doc, "city"),
		Region:     str(doc, "region", "state", "province"),
		Country:    Country(str(doc, "country", "iso_country")),
		PostalCode: str(doc, "postal_code"),
	}
	d.RateCenter = str(doc, "rate_center")
	d.LATA = str(doc, "lata")
	var nested number.Doc
	if doc.Get("locality", &nested) {
		d.Fill(Details{Locality: Locality{
			City:       str(nested, "locality", "city"),
			Region:     str(nested, "province", "region", "state"),
			Country:    Country(str(nested, "country")),
			PostalCode: str(nested, "postal_code"),
		}})
	} else if city := str(doc, "locality"); city != "" && d.Locality.City == "" {
		d.Locality.City = city
	}
	var rc struct {
		Name string `json:"name"`
		LATA string `json:"lata"`
	}
	if doc.Get("rate_center", &rc) {
		d.Fill(Details{RateCenter: strings.TrimSpace(rc.Name), LATA: strings.TrimSpace(rc.LATA)})
	}
	return d
}
