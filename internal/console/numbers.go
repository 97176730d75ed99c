package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/numan-dev/numan/number"
)

// listPageSize is how many numbers a page of the list shows.
const listPageSize = 50

// numberRow is one number of the list, as the API's listing gives it.
type numberRow struct {
	Number         string   `json:"-"`
	State          string   `json:"state"`
	Features       []string `json:"features"`
	AssignedTo     string   `json:"assigned_to"`
	UsedBy         string   `json:"used_by"`
	CarrierModule  string   `json:"carrier_module"`
	Updated        int64    `json:"updated"`
	Locality       locality `json:"locality"`
	FeaturesAvail  []string `json:"features_available"`
	FeaturesDenied []string `json:"features_denied"`
}

type locality struct {
	City       string `json:"city"`
	Region     string `json:"region"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
}

// Place is the locality in a few words.
func (l locality) Place() string {
	region := l.Region
	if region == "" {
		region = l.State
	}
	var parts []string
	for _, s := range []string{l.City, region, l.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// listFilter is the list's filters, from the query string.
type listFilter struct {
	State, Feature, Carrier, Prefix string
	Start                           string
}

func readFilter(q url.Values) listFilter {
	return listFilter{
		State: q.Get("state"), Feature: q.Get("feature"), Carrier: strings.TrimSpace(q.Get("carrier")),
		Prefix: strings.TrimSpace(q.Get("prefix")), Start: q.Get("start"),
	}
}

// apiQuery is the filter as the API's listing parameters.
func (f listFilter) apiQuery() url.Values {
	q := url.Values{}
	if f.State != "" {
		q.Set("filter_state", f.State)
	}
	if f.Feature != "" {
		q.Set("filter_feature", f.Feature)
	}
	if f.Carrier != "" {
		q.Set("filter_carrier", f.Carrier)
	}
	if p := e164Prefix(f.Prefix); p != "" {
		q.Set("filter_prefix", p)
	}
	return q
}

// query is the filter as the console's own query string (for links).
func (f listFilter) query(start string) string {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "feature": f.Feature, "carrier": f.Carrier, "prefix": f.Prefix, "start": start} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Query is the filter with its page, as the console's query string.
func (f listFilter) Query() string { return f.query(f.Start) }

// e164Prefix reads what a person types as a prefix: "+1415", "1415",
// "+1 (415)": the digits, after a plus.
func e164Prefix(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "+" + b.String()
}

// numbersView is the list page's data.
type numbersView struct {
	Filter     listFilter
	Rows       []numberRow
	Next       string // the next page's link; "" on the last page
	First      string // the first page's link, when not on it
	Export     string
	States     []number.State
	Features   []string
	Carriers   []string
	MoveTo     []accountRef
	ReadOnly   bool
	FilterNote string
}

type accountRef struct {
	ID, Name string
	Depth    int
}

// numbersPage is the account's numbers, one page at a time, filtered on
// the server (state, feature, carrier, prefix).
func numbersPage(p *page) error {
	f := readFilter(p.r.URL.Query())
	v := &numbersView{Filter: f, States: number.States[1 : len(number.States)-1], Features: listFeatures,
		ReadOnly: p.Session.ReadOnly()}
	q := f.apiQuery()
	q.Set("page_size", itoa(listPageSize))
	if f.Start != "" {
		q.Set("start_key", f.Start)
	}
	var data struct {
		Numbers map[string]numberRow `json:"numbers"`
	}
	rp, err := p.get(p.acct()+"/phone_numbers", q, &data)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == http.StatusBadRequest {
			// A filter the API refused: say why, show no rows.
			v.FilterNote = err.Error()
			p.Data = v
			return nil
		}
		return err
	}
	for n, row := range data.Numbers {
		row.Number = n
		v.Rows = append(v.Rows, row)
	}
	slices.SortFunc(v.Rows, func(a, b numberRow) int { return strings.Compare(a.Number, b.Number) })
	var next string
	_ = json.Unmarshal(rp.NextStartKey, &next)
	base := "/a/" + p.Account.ID + "/numbers"
	if next != "" {
		v.Next = base + f.query(next)
	}
	if f.Start != "" {
		v.First = base + f.query("")
	}
	v.Export = "/a/" + p.Account.ID + "/numbers.csv" + f.query("")
	v.Carriers = carrierChoices(p)
	if !v.ReadOnly {
		v.MoveTo = moveTargets(p)
	}
	p.Data = v
	return nil
}

// listFeatures are the features the list filters on.
var listFeatures = []string{
	number.FeatureE911, number.FeatureCNAM, number.FeatureInboundCNAM, number.FeatureOutboundCNAM,
	number.FeatureSMS, number.FeatureMMS, number.FeatureFailover, number.FeaturePrepend, number.FeatureLocal,
	number.FeaturePort, number.FeatureForceOutbound, number.FeatureCarrierName,
}

// carrierChoices are the carriers a filter may name: the usable ones,
// as carriers_info lists them.
func carrierChoices(p *page) []string {
	var info struct {
		Usable []string `json:"usable_carriers"`
	}
	if _, err := p.get(p.acct()+"/phone_numbers/carriers_info", nil, &info); err != nil {
		return nil
	}
	return info.Usable
}

// numbersAction is the list's bulk form: release or move the checked
// numbers.
func numbersAction(p *page) error {
	if err := p.r.ParseForm(); err != nil {
		return err
	}
	nums := p.r.PostForm["n"]
	back := "/a/" + p.Account.ID + "/numbers"
	if ref := safeNext(p.r.PostFormValue("back")); ref != "" {
		back = ref
	}
	if len(nums) == 0 {
		return p.redirect(back, &flash{Kind: "error", Text: "Select at least one number."})
	}
	switch p.r.PostFormValue("action") {
	case "release":
		rp, err := p.api(http.MethodDelete, p.acct()+"/phone_numbers/collection", nil, map[string]any{"data": map[string]any{"numbers": nums}})
		if err != nil {
			return err
		}
		return p.redirect(back, outcome(rp, "released", nums))
	case "move":
		to := p.r.PostFormValue("to")
		if !number.IsAccountID(to) {
			return p.redirect(back, &flash{Kind: "error", Text: "Choose the account to move the numbers to."})
		}
		rp, err := p.charged(http.MethodPut, "/v2/accounts/"+to+"/phone_numbers/collection/activate", map[string]any{"numbers": nums}, back)
		if err != nil {
			return err
		}
		return p.redirect(back, outcome(rp, "moved", nums))
	}
	return p.redirect(back, &flash{Kind: "error", Text: "Choose what to do with the numbers."})
}

// numbersExport streams the filtered list as CSV, as the API's listing
// writes it.
func numbersExport(p *page) error {
	f := readFilter(p.r.URL.Query())
	q := f.apiQuery()
	q.Set("accept", "csv")
	secureHeaders(p.w.Header())
	p.w.Header().Set("Content-Disposition", `attachment; filename="numbers-`+p.Account.ID+`.csv"`)
	if err := p.c.api.stream(p.r.Context(), p.r, p.w, call{method: http.MethodGet, path: p.acct() + "/phone_numbers", query: q, token: p.Session.Token}); err != nil {
		return err
	}
	return errStop
}
