package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/number/nanp"
)

// searchForm is what the buy page asks.
type searchForm struct {
	Prefix   string
	City     string
	TollFree string // "" (local), "8**" (any toll-free) or an area code
	Quantity int
}

// offer is one number a carrier offers, as the search reply gives it.
type offer struct {
	Number       string   `json:"number"`
	Locality     locality `json:"locality"`
	RateCenter   string   `json:"rate_center"`
	LATA         string   `json:"lata"`
	Capabilities struct {
		Voice bool `json:"voice"`
		SMS   bool `json:"sms"`
		MMS   bool `json:"mms"`
		Fax   bool `json:"fax"`
	} `json:"capabilities"`
	Cost *struct {
		Currency string      `json:"currency"`
		Monthly  json.Number `json:"monthly"`
		Setup    json.Number `json:"setup"`
	} `json:"cost"`
	Carrier string `json:"carrier"`
}

// Caps lists the number's capabilities.
func (o offer) Caps() []string {
	var out []string
	c := o.Capabilities
	for _, x := range []struct {
		on   bool
		name string
	}{{c.Voice, "voice"}, {c.SMS, "SMS"}, {c.MMS, "MMS"}, {c.Fax, "fax"}} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return out
}

// searchView is the buy page's data.
type searchView struct {
	Form        searchForm
	TollFree    []string
	Searched    bool
	Offers      []offer
	Failed      []string // carriers that failed, in words
	AreaCodes   []cityCodes
	Note        string
	ShowCost    bool
	ShowCarrier bool
	ReadOnly    bool
}

type cityCodes struct {
	City, State string
	Prefixes    []string
}

// searchPage searches the carriers (by prefix, city or toll-free prefix,
// for a quantity) and lists what each offers, to pick and buy.
func searchPage(p *page) error {
	q := p.r.URL.Query()
	qty, _ := strconv.Atoi(q.Get("quantity"))
	if qty < 1 {
		qty = 20
	}
	f := searchForm{Prefix: strings.TrimSpace(q.Get("prefix")), City: strings.TrimSpace(q.Get("city")),
		TollFree: q.Get("tollfree"), Quantity: min(qty, 100)}
	v := &searchView{Form: f, TollFree: nanp.TollFreeNPAs(), ReadOnly: p.Session.ReadOnly()}
	p.Data = v
	prefix := f.Prefix
	if f.TollFree != "" {
		prefix = f.TollFree
	}
	if prefix == "" && f.City != "" {
		// Which area codes serve the city (the phonebook service).
		var codes map[string]struct {
			State    string   `json:"state"`
			Prefixes []string `json:"prefixes"`
		}
		note, err := p.getOrNote(p.acct()+"/phone_numbers/prefix", url.Values{"city": {f.City}}, &codes)
		if err != nil {
			return err
		}
		if note != "" {
			v.Note = "Finding a city's area codes needs the phonebook service (crossbar.phone_numbers phonebook_url): " + note +
				" Search by area code, and give the city to keep only the numbers in it."
			return nil
		}
		for city, c := range codes {
			v.AreaCodes = append(v.AreaCodes, cityCodes{City: city, State: c.State, Prefixes: c.Prefixes})
		}
		sort.Slice(v.AreaCodes, func(i, j int) bool { return v.AreaCodes[i].City < v.AreaCodes[j].City })
		if len(v.AreaCodes) == 0 {
			v.Note = "No area codes are known for " + f.City + "."
		}
		return nil
	}
	if prefix == "" {
		return nil
	}
	v.Searched = true
	rp, err := p.api(http.MethodGet, p.acct()+"/phone_numbers", url.Values{"prefix": {prefix}, "quantity": {strconv.Itoa(f.Quantity)}}, nil)
	if err != nil {
		return err
	}
	if aerr := rp.err(); aerr != nil {
		v.Note = aerr.Error()
		return nil //nolint:nilerr // a refused search is shown on the page, with the form
	}
	if err := rp.decode(&v.Offers); err != nil {
		return err
	}
	var failed map[string]string
	_ = json.Unmarshal(rp.FailedCarriers, &failed)
	for _, name := range sortedStrings(failed) {
		v.Failed = append(v.Failed, name+" did not answer: "+strings.ReplaceAll(failed[name], "_", " "))
	}
	if f.City != "" {
		kept := v.Offers[:0]
		for _, o := range v.Offers {
			if strings.EqualFold(o.Locality.City, f.City) {
				kept = append(kept, o)
			}
		}
		v.Offers = kept
	}
	for _, o := range v.Offers {
		v.ShowCost = v.ShowCost || o.Cost != nil
		v.ShowCarrier = v.ShowCarrier || o.Carrier != ""
	}
	return nil
}

// buyAction buys the picked numbers into the account: the quote first
// (the 402 accept-charges dialog), then the purchase.
func buyAction(p *page) error {
	if err := p.r.ParseForm(); err != nil {
		return err
	}
	nums := p.r.PostForm["n"]
	back := "/a/" + p.Account.ID + "/buy"
	if ref := safeNext(p.r.PostFormValue("back")); ref != "" {
		back = ref
	}
	if len(nums) == 0 {
		return p.redirect(back, &flash{Kind: "error", Text: "Pick at least one number to buy."})
	}
	rp, err := p.charged(http.MethodPut, p.acct()+"/phone_numbers/collection/activate", map[string]any{"numbers": nums}, back)
	if err != nil {
		return err
	}
	msg := outcome(rp, "bought", nums)
	if msg.Kind == "error" && !rp.ok() {
		return p.redirect(back, msg)
	}
	return p.redirect("/a/"+p.Account.ID+"/numbers", msg)
}
