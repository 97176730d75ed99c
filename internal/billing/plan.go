package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// The billing categories of numbers (Kazoo's kz_services_quantities).
const (
	// CategoryNumbers prices a number by its class: the classifier name
	// (did_us, tollfree_us, international, ...).
	CategoryNumbers = "phone_numbers"
	// CategoryCarriers prices a number by its carrier module (local,
	// vitelity, ...).
	CategoryCarriers = "number_carriers"
	// CategoryServices prices each active feature of a number (e911,
	// outbound_cnam, inbound_cnam, prepend, failover, local, sms, ...).
	CategoryServices = "number_services"
)

// Categories are the categories a plan may price, in invoice order.
var Categories = []string{CategoryNumbers, CategoryCarriers, CategoryServices}

// AllItems is the item key that prices every item of a category the plan
// does not name (Kazoo's "_all").
const AllItems = "_all"

// Rate is what a plan charges for one item: once when a number gains it,
// and every month while it has it. Amounts are minor units of the plan's
// currency.
type Rate struct {
	Name       string // shown on invoices; defaults to the item key
	Activation int64
	Monthly    int64
}

// Plan is a decoded service plan.
type Plan struct {
	ID          string
	OwnerID     string
	Name        string
	Description string
	Currency    string
	// Items maps category -> item -> rate.
	Items map[string]map[string]Rate
}

// planDoc is the JSON of a plan as clients write it.
type planDoc struct {
	Name        string                                           `json:"name"`
	Description string                                           `json:"description,omitempty"`
	Currency    string                                           `json:"currency,omitempty"`
	Plan        map[string]map[string]map[string]json.RawMessage `json:"plan"`
}

// DecodePlan reads and validates a plan document (the data of PUT
// /v2/service_plans). Unknown categories and item fields are refused, so a
// price is never silently ignored.
func DecodePlan(raw json.RawMessage) (*Plan, error) {
	var d planDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&d); err != nil {
		return nil, invalid("plan: %v", err)
	}
	p := &Plan{Name: strings.TrimSpace(d.Name), Description: d.Description, Currency: d.Currency, Items: map[string]map[string]Rate{}}
	if p.Currency == "" {
		p.Currency = DefaultCurrency
	}
	if err := CheckCurrency(p.Currency); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, invalid("plan: name is required")
	}
	for cat, items := range d.Plan {
		if !slices.Contains(Categories, cat) {
			return nil, invalid("plan: category %q is not one of %s", cat, strings.Join(Categories, ", "))
		}
		p.Items[cat] = map[string]Rate{}
		for key, fields := range items {
			if key == "" {
				return nil, invalid("plan: empty item name in %s", cat)
			}
			r, err := decodeRate(fields, p.Currency)
			if err != nil {
				return nil, invalid("plan: %s.%s: %v", cat, key, err)
			}
			if cat == CategoryCarriers && key != AllItems {
				key = number.CarrierName(key) // knm_vitelity and vitelity are one carrier
			}
			p.Items[cat][key] = r
		}
	}
	return p, nil
}

func decodeRate(fields map[string]json.RawMessage, currency string) (Rate, error) {
	var r Rate
	amount := func(dec, minor string) (int64, error) {
		var v int64
		var have bool
		if raw, ok := fields[dec]; ok {
			a, err := ParseJSONAmount(raw, currency)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", dec, err)
			}
			v, have = a, true
		}
		if raw, ok := fields[minor]; ok {
			var m int64
			if err := json.Unmarshal(raw, &m); err != nil {
				return 0, fmt.Errorf("%s must be an integer", minor)
			}
			if have && m != v {
				return 0, fmt.Errorf("%s and %s disagree", dec, minor)
			}
			v = m
		}
		if v < 0 {
			return 0, fmt.Errorf("%s must not be negative", dec)
		}
		return v, nil
	}
	for k := range fields {
		switch k {
		case "name", "rate", "rate_minor", "activation_charge", "activation_charge_minor":
		default:
			return r, fmt.Errorf("unknown field %q (want name, rate, activation_charge)", k)
		}
	}
	if raw, ok := fields["name"]; ok {
		if err := json.Unmarshal(raw, &r.Name); err != nil {
			return r, fmt.Errorf("name must be a string")
		}
	}
	var err error
	if r.Monthly, err = amount("rate", "rate_minor"); err != nil {
		return r, err
	}
	if r.Activation, err = amount("activation_charge", "activation_charge_minor"); err != nil {
		return r, err
	}
	return r, nil
}

func invalid(format string, args ...any) error {
	return number.Errorf(number.KindInvalid, "", format, args...)
}

// Doc is the plan's canonical document: every amount both as a decimal and
// in minor units.
func (p *Plan) Doc() json.RawMessage {
	cats := map[string]map[string]any{}
	for cat, items := range p.Items {
		out := map[string]any{}
		for key, r := range items {
			item := map[string]any{
				"rate": Amount(r.Monthly, p.Currency), "rate_minor": r.Monthly,
				"activation_charge": Amount(r.Activation, p.Currency), "activation_charge_minor": r.Activation,
			}
			if r.Name != "" {
				item["name"] = r.Name
			}
			out[key] = item
		}
		cats[cat] = out
	}
	doc := map[string]any{"name": p.Name, "currency": p.Currency, "plan": cats}
	if p.Description != "" {
		doc["description"] = p.Description
	}
	b, _ := json.Marshal(doc) // maps of strings, numbers and json.Number: always encodes
	return b
}

// JSON is the plan as the API shows it.
func (p *Plan) JSON() map[string]any {
	var doc map[string]any
	_ = json.Unmarshal(p.Doc(), &doc)
	doc["id"] = p.ID
	doc["owner_id"] = p.OwnerID
	return doc
}

// FromStored decodes a stored plan.
func FromStored(sp *store.ServicePlan) (*Plan, error) {
	p, err := DecodePlan(sp.Doc)
	if err != nil {
		return nil, err
	}
	p.ID, p.OwnerID = sp.ID, sp.OwnerID
	return p, nil
}

// Stored is the plan as the store keeps it.
func (p *Plan) Stored() *store.ServicePlan {
	return &store.ServicePlan{ID: p.ID, OwnerID: p.OwnerID, Name: p.Name, Currency: p.Currency, Doc: p.Doc()}
}

// rate returns what the plan charges for an item: its own price, else the
// category's _all price; ok is false when the plan does not price it.
func (p *Plan) rate(category, item string) (Rate, bool) {
	items := p.Items[category]
	if r, ok := items[item]; ok {
		return r, true
	}
	r, ok := items[AllItems]
	return r, ok
}

// merge combines an account's plans: a later plan's price of an item
// overrides an earlier one's (Kazoo merges an account's plans the same
// way). All plans must share one currency.
func merge(plans []*Plan) (*Plan, error) {
	if len(plans) == 1 {
		return plans[0], nil
	}
	out := &Plan{Currency: plans[0].Currency, Items: map[string]map[string]Rate{}}
	var ids, names []string
	for _, p := range plans {
		if p.Currency != out.Currency {
			return nil, invalid("service plans %s and %s are in different currencies (%s, %s)", plans[0].ID, p.ID, out.Currency, p.Currency)
		}
		ids, names = append(ids, p.ID), append(names, p.Name)
		for cat, items := range p.Items {
			if out.Items[cat] == nil {
				out.Items[cat] = map[string]Rate{}
			}
			for k, r := range items {
				out.Items[cat][k] = r
			}
		}
	}
	out.ID, out.Name = strings.Join(ids, "+"), strings.Join(names, " + ")
	return out, nil
}
