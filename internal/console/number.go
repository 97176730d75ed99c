package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/numan-dev/numan/number"
)

// numberView is a number's page.
type numberView struct {
	Number      string
	State       string
	UsedBy      string
	Carrier     string
	Features    []string
	Available   []string
	Owner       *accountRef
	Place       string
	Created     int64
	Modified    int64
	CarrierData map[string]any

	E911       e911Form
	CNAM       cnamForm
	Failover   failoverForm
	Prepend    string
	SMS, MMS   bool
	Actions    []string // release, activate, reserve, move, delete
	MoveTo     []accountRef
	ReadOnly   bool
	Suggest    []e911Form // addresses a provider suggests for a refused E911 address
	OpenForm   string     // the feature dialog to open (after a refused save)
	Encoded    string     // the number as a path segment
	ListLink   string
	Dialogable []string // the feature dialogs the number offers
	// History is the number's changes (on its page only).
	History *historyView
}

type e911Form struct {
	Street     string   `json:"street_address"`
	Extended   string   `json:"extended_address"`
	Locality   string   `json:"locality"`
	Region     string   `json:"region"`
	PostalCode string   `json:"postal_code"`
	CallerName string   `json:"caller_name"`
	Emails     []string `json:"notification_contact_emails"`
}

// EmailList is the notification emails as typed.
func (e e911Form) EmailList() string { return strings.Join(e.Emails, " ") }

type cnamForm struct {
	DisplayName   string `json:"display_name"`
	InboundLookup bool   `json:"inbound_lookup"`
}

type failoverForm struct {
	E164 string `json:"e164"`
	SIP  string `json:"sip"`
}

// numberPage shows one number: its state, owner, carrier, features with
// their dialogs, and the actions its state allows.
func numberPage(p *page) error {
	v, err := loadNumber(p)
	if err != nil {
		return err
	}
	if v.History, err = loadHistory(p, v.Number); err != nil {
		return err
	}
	p.Data = v
	p.Title = v.Number
	return nil
}

func loadNumber(p *page) (*numberView, error) {
	raw := p.r.PathValue("number")
	var doc map[string]json.RawMessage
	if _, err := p.get(p.acct()+"/phone_numbers/"+url.PathEscape(raw), nil, &doc); err != nil {
		return nil, err
	}
	v := &numberView{ReadOnly: p.Session.ReadOnly(), ListLink: "/a/" + p.Account.ID + "/numbers"}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(doc[k], &s)
		return s
	}
	v.Number, v.State, v.UsedBy = str("id"), str("state"), str("used_by")
	v.Encoded = url.PathEscape(v.Number)
	_ = json.Unmarshal(doc["features"], &v.Features)
	var ro struct {
		Created     int64          `json:"created"`
		Modified    int64          `json:"modified"`
		Carrier     string         `json:"carrier_module"`
		CarrierData map[string]any `json:"carrier_data"`
		Features    struct {
			Available []string `json:"available"`
		} `json:"features"`
	}
	_ = json.Unmarshal(doc["_read_only"], &ro)
	v.Created, v.Modified, v.Carrier, v.CarrierData = ro.Created, ro.Modified, ro.Carrier, ro.CarrierData
	v.Available = ro.Features.Available
	_ = json.Unmarshal(doc["e911"], &v.E911)
	_ = json.Unmarshal(doc["cnam"], &v.CNAM)
	_ = json.Unmarshal(doc["failover"], &v.Failover)
	var prepend struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(doc["prepend"], &prepend)
	v.Prepend = prepend.Name
	var enabled struct {
		Enabled bool `json:"enabled"`
	}
	if json.Unmarshal(doc["sms"], &enabled) == nil {
		v.SMS = enabled.Enabled
	}
	enabled.Enabled = false
	if json.Unmarshal(doc["mms"], &enabled) == nil {
		v.MMS = enabled.Enabled
	}
	if v.E911.CallerName == "" {
		v.E911.CallerName = p.Account.Name
	}
	// The listing knows the owner and the locality.
	var list struct {
		Numbers map[string]numberRow `json:"numbers"`
	}
	q := url.Values{"filter_prefix": {v.Number}, "page_size": {"1"}}
	if _, err := p.get(p.acct()+"/phone_numbers", q, &list); err == nil {
		if row, ok := list.Numbers[v.Number]; ok {
			v.Place = row.Locality.Place()
			if row.AssignedTo == p.Account.ID {
				v.Owner = &accountRef{ID: p.Account.ID, Name: p.Account.Name}
			} else if row.AssignedTo != "" {
				v.Owner = &accountRef{ID: row.AssignedTo, Name: row.AssignedTo}
			}
		}
	}
	for _, d := range []string{"e911", "cnam", "messaging", "failover", "prepend"} {
		if dialogOffered(d, v.Available, v.Features) {
			v.Dialogable = append(v.Dialogable, d)
		}
	}
	if !v.ReadOnly {
		v.Actions = numberActions(number.State(v.State), p.Session.Admin())
		if slices.Contains(v.Actions, "move") {
			if v.MoveTo = moveTargets(p); len(v.MoveTo) == 0 {
				v.Actions = slices.DeleteFunc(v.Actions, func(a string) bool { return a == "move" })
			}
		}
	}
	return v, nil
}

// dialogOffered reports whether a feature dialog applies: the API lists
// the feature as available, or the number has it already (so it can be
// changed or removed).
func dialogOffered(dialog string, available, active []string) bool {
	names := map[string][]string{
		"e911":      {number.FeatureE911},
		"cnam":      {number.FeatureCNAM, number.FeatureInboundCNAM, number.FeatureOutboundCNAM},
		"messaging": {number.FeatureSMS, number.FeatureMMS},
		"failover":  {number.FeatureFailover},
		"prepend":   {number.FeaturePrepend},
	}[dialog]
	for _, n := range names {
		if slices.Contains(available, n) || slices.Contains(active, n) {
			return true
		}
	}
	return false
}

// numberActions are the actions the console offers for a number in state
// st; whether the user may take one is the API's to say when they do.
func numberActions(st number.State, admin bool) []string {
	var out []string
	switch st {
	case number.InService:
		out = []string{"release", "move"}
	case number.Reserved:
		out = []string{"activate", "release", "move"}
	case number.Available:
		out = []string{"activate", "reserve"}
	case number.PortIn:
		out = []string{"release"}
	}
	if admin && st != number.Deleted {
		out = append(out, "delete")
	}
	return out
}

// numberAction is a number page's action form.
func numberAction(p *page) error {
	raw := p.r.PathValue("number")
	enc := url.PathEscape(raw)
	self := "/a/" + p.Account.ID + "/numbers/" + enc
	list := "/a/" + p.Account.ID + "/numbers"
	path := p.acct() + "/phone_numbers/" + enc
	switch p.r.PostFormValue("action") {
	case "release":
		rp, err := p.api(http.MethodDelete, path, nil, nil)
		if err != nil {
			return err
		}
		if err := rp.err(); err != nil {
			return p.redirect(self, &flash{Kind: "error", Text: err.Error()})
		}
		return p.redirect(list, &flash{Kind: "ok", Text: raw + " released."})
	case "delete":
		rp, err := p.api(http.MethodDelete, path, url.Values{"hard": {"true"}}, nil)
		if err != nil {
			return err
		}
		if err := rp.err(); err != nil {
			return p.redirect(self, &flash{Kind: "error", Text: err.Error()})
		}
		return p.redirect(list, &flash{Kind: "ok", Text: raw + " deleted."})
	case "activate", "reserve":
		verb := map[string]string{"activate": "put in service", "reserve": "reserved"}[p.r.PostFormValue("action")]
		rp, err := p.charged(http.MethodPut, path+"/"+p.r.PostFormValue("action"), map[string]any{}, self)
		if err != nil {
			return err
		}
		if err := rp.err(); err != nil {
			return p.redirect(self, &flash{Kind: "error", Text: err.Error()})
		}
		return p.redirect(self, &flash{Kind: "ok", Text: raw + " " + verb + "."})
	case "move":
		to := p.r.PostFormValue("to")
		if !number.IsAccountID(to) {
			return p.redirect(self, &flash{Kind: "error", Text: "Choose the account to move the number to."})
		}
		rp, err := p.charged(http.MethodPut, "/v2/accounts/"+to+"/phone_numbers/"+enc+"/activate", map[string]any{}, self)
		if err != nil {
			return err
		}
		if err := rp.err(); err != nil {
			return p.redirect(self, &flash{Kind: "error", Text: err.Error()})
		}
		return p.redirect("/a/"+to+"/numbers/"+enc, &flash{Kind: "ok", Text: raw + " moved."})
	}
	return p.redirect(self, &flash{Kind: "error", Text: "Unknown action."})
}

// numberFeature saves one feature dialog as a PATCH of the number (the
// whole document is never sent back, so a concurrent change of another
// field is not undone). "remove" clears the feature.
func numberFeature(p *page) error {
	raw := p.r.PathValue("number")
	enc := url.PathEscape(raw)
	self := "/a/" + p.Account.ID + "/numbers/" + enc
	feature := p.r.PathValue("feature")
	remove := p.r.PostFormValue("remove") == "1"
	f := p.r.PostFormValue
	var patch map[string]any
	switch feature {
	case "e911":
		if remove {
			patch = map[string]any{"e911": nil}
			break
		}
		addr := map[string]any{
			"street_address": f("street_address"), "locality": f("locality"),
			"region": strings.ToUpper(f("region")), "postal_code": f("postal_code"), "caller_name": f("caller_name"),
		}
		if x := f("extended_address"); x != "" {
			addr["extended_address"] = x
		}
		if emails := strings.Fields(strings.ReplaceAll(f("emails"), ",", " ")); len(emails) > 0 {
			slices.Sort(emails)
			addr["notification_contact_emails"] = slices.Compact(emails)
		}
		patch = map[string]any{"e911": addr}
	case "cnam":
		if remove {
			patch = map[string]any{"cnam": nil}
			break
		}
		cn := map[string]any{"inbound_lookup": f("inbound_lookup") == "1"}
		if d := strings.TrimSpace(f("display_name")); d != "" {
			cn["display_name"] = d
		}
		patch = map[string]any{"cnam": cn}
	case "messaging":
		sms := f("sms") == "1"
		mms := f("mms") == "1" && sms // MMS needs SMS
		patch = map[string]any{"sms": map[string]any{"enabled": sms}, "mms": map[string]any{"enabled": mms}}
	case "failover":
		target := strings.TrimSpace(f("target"))
		switch {
		case remove || target == "":
			patch = map[string]any{"failover": nil}
		case strings.HasPrefix(strings.ToLower(target), "sip:"):
			patch = map[string]any{"failover": map[string]any{"sip": target}}
		default:
			patch = map[string]any{"failover": map[string]any{"e164": target}}
		}
	case "prepend":
		name := strings.TrimSpace(f("name"))
		if remove || name == "" {
			patch = map[string]any{"prepend": nil}
		} else {
			patch = map[string]any{"prepend": map[string]any{"enabled": true, "name": name}}
		}
	default:
		return p.redirect(self, &flash{Kind: "error", Text: "Unknown feature."})
	}
	rp, err := p.charged(http.MethodPatch, p.acct()+"/phone_numbers/"+enc, patch, self)
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		// Show the page again with the dialog open, the refusal in words
		// and any addresses the provider suggests.
		v, lerr := loadNumber(p)
		if lerr != nil {
			return lerr
		}
		v.OpenForm = feature
		// The provider's candidates, but for the address just refused.
		for _, a := range suggestions(rp.Data) {
			if !strings.EqualFold(strings.TrimSpace(a.Street), strings.TrimSpace(f("street_address"))) || a.PostalCode != f("postal_code") {
				v.Suggest = append(v.Suggest, a)
			}
		}
		if feature == "e911" && !remove {
			v.E911 = e911Form{Street: f("street_address"), Extended: f("extended_address"), Locality: f("locality"),
				Region: f("region"), PostalCode: f("postal_code"), CallerName: f("caller_name"), Emails: strings.Fields(f("emails"))}
		}
		// The page is shown again (200: the browser got what it asked
		// for, a form to correct), the refusal above it.
		p.Data, p.Title, p.Err = v, v.Number, err
		return p.show("number")
	}
	words := map[string]string{"e911": "E911 address", "cnam": "Caller ID name", "messaging": "Messaging",
		"failover": "Failover", "prepend": "Prepend"}[feature]
	if remove {
		return p.redirect(self, &flash{Kind: "ok", Text: words + " removed."})
	}
	return p.redirect(self, &flash{Kind: "ok", Text: words + " saved."})
}

// suggestions reads the addresses an E911 provider offers instead of a
// refused one: Numan's data.details.suggestions, or Kazoo's
// data.multiple_choice.e911.details.
func suggestions(data json.RawMessage) []e911Form {
	var body struct {
		Details struct {
			Suggestions []e911Form `json:"suggestions"`
		} `json:"details"`
		MultipleChoice struct {
			E911 struct {
				Details []e911Form `json:"details"`
			} `json:"e911"`
		} `json:"multiple_choice"`
	}
	if json.Unmarshal(data, &body) != nil {
		return nil
	}
	if len(body.Details.Suggestions) > 0 {
		return body.Details.Suggestions
	}
	return body.MultipleChoice.E911.Details
}
