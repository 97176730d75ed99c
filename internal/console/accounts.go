package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number/money"
)

// descendant is one account of GET .../descendants.
type descendant struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tree    []string `json:"tree"`
	Enabled bool     `json:"enabled"`
	Realm   string   `json:"realm"`
}

// treeRow is one account of the tree, indented by its depth below the
// page's account.
type treeRow struct {
	descendant
	Depth int
}

// descendants returns the page account's descendants in tree order: each
// account followed by its children, by name.
func descendants(p *page) ([]treeRow, error) {
	var list []descendant
	if _, err := p.get(p.acct()+"/descendants", nil, &list); err != nil {
		return nil, err
	}
	children := map[string][]descendant{}
	for _, a := range list {
		parent := ""
		if len(a.Tree) > 0 {
			parent = a.Tree[len(a.Tree)-1]
		}
		children[parent] = append(children[parent], a)
	}
	var out []treeRow
	var walk func(id string, depth int)
	walk = func(id string, depth int) {
		kids := children[id]
		slices.SortFunc(kids, func(a, b descendant) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		for _, k := range kids {
			out = append(out, treeRow{descendant: k, Depth: depth})
			walk(k.ID, depth+1)
		}
	}
	walk(p.Account.ID, 1)
	return out, nil
}

// moveTargets are the accounts numbers may move to: the page account's
// descendants, in tree order.
func moveTargets(p *page) []accountRef {
	rows, err := descendants(p)
	if err != nil {
		return nil
	}
	var out []accountRef
	for _, r := range rows {
		out = append(out, accountRef{ID: r.ID, Name: r.Name, Depth: r.Depth})
	}
	return out
}

// accountsView is the account tree page's data.
type accountsView struct {
	Rows []treeRow
	// Up are the page account's ancestors the user reaches, root first.
	Up []accountRef
}

// accountsPage shows the account tree below the page's account, to
// switch into a sub-account (every screen of the console is about the
// account in its path) or create one.
func accountsPage(p *page) error {
	rows, err := descendants(p)
	if err != nil {
		return err
	}
	v := &accountsView{Rows: rows}
	// The ancestors between the user's own account and this one.
	if i := slices.Index(p.Account.Tree, p.Session.AccountID); i >= 0 || p.Session.Super {
		start := max(i, 0)
		for _, id := range p.Account.Tree[start:] {
			var a account
			if _, err := p.get("/v2/accounts/"+id, nil, &a); err == nil {
				v.Up = append(v.Up, accountRef{ID: a.ID, Name: a.Name})
			}
		}
	}
	p.Data = v
	return nil
}

// accountCreate creates a sub-account of the page's account.
func accountCreate(p *page) error {
	back := "/a/" + p.Account.ID + "/accounts"
	data := map[string]any{"name": strings.TrimSpace(p.r.PostFormValue("name"))}
	if realm := strings.TrimSpace(p.r.PostFormValue("realm")); realm != "" {
		data["realm"] = realm
	}
	rp, err := p.api(http.MethodPut, p.acct(), nil, map[string]any{"data": data})
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: err.Error()})
	}
	return p.redirect(back, &flash{Kind: "ok", Text: "Account " + data["name"].(string) + " created."})
}

// plan is a service plan as the API shows it.
type plan struct {
	ID       string                               `json:"id"`
	Name     string                               `json:"name"`
	Currency string                               `json:"currency"`
	OwnerID  string                               `json:"owner_id"`
	Items    map[string]map[string]map[string]any `json:"plan"`
	// Inherited and AccountID are set on the plan in effect.
	Inherited bool   `json:"inherited"`
	AccountID string `json:"account_id"`
}

// planItem is one priced item of a plan.
type planItem struct {
	Category, Item, Name, Activation, Rate string
}

// Lines lists the plan's prices.
func (pl plan) Lines() []planItem {
	var out []planItem
	for _, cat := range sortedMapKeys(pl.Items) {
		for _, it := range sortedMapKeys(pl.Items[cat]) {
			v := pl.Items[cat][it]
			amount := func(k string) string {
				// The exact minor units, in the plan's currency.
				if x, ok := v[k+"_minor"].(float64); ok {
					return money.Format(int64(x), pl.Currency)
				}
				if x, ok := v[k]; ok && x != nil {
					return fmt.Sprint(x)
				}
				return ""
			}
			name, _ := v["name"].(string)
			out = append(out, planItem{Category: cat, Item: it, Name: name, Activation: amount("activation_charge"), Rate: amount("rate")})
		}
	}
	return out
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// plansView is the service plans page's data.
type plansView struct {
	Linked    []plan
	Effective *plan
	Owned     []plan
	Bill      *invoice
	Note      string
}

// plansPage shows the account's service plans, the one in effect, its
// monthly bill, and the plans the user may link to it.
func plansPage(p *page) error {
	v := &plansView{}
	var acc struct {
		Plans     []plan `json:"plans"`
		Effective *plan  `json:"effective"`
	}
	p.Data = v
	note, err := p.getOrNote(p.acct()+"/service_plans", nil, &acc)
	if err != nil {
		return err
	}
	if v.Note = note; note != "" {
		return nil
	}
	v.Linked, v.Effective = acc.Plans, acc.Effective
	_, _ = p.get("/v2/service_plans", nil, &v.Owned)
	var bill invoice
	if _, err := p.get(p.acct()+"/service_plans/current", nil, &bill); err == nil {
		v.Bill = &bill
	}
	p.Data = v
	return nil
}

// planAction links a plan to the account or unlinks it.
func planAction(p *page) error {
	back := "/a/" + p.Account.ID + "/plans"
	id := p.r.PostFormValue("plan")
	if id == "" {
		return p.redirect(back, &flash{Kind: "error", Text: "Choose a plan."})
	}
	method, verb := http.MethodPost, "linked"
	if p.r.PostFormValue("action") == "unlink" {
		method, verb = http.MethodDelete, "unlinked"
	}
	rp, err := p.api(method, p.acct()+"/service_plans/"+url.PathEscape(id), nil, map[string]any{"data": map[string]any{}})
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: err.Error()})
	}
	return p.redirect(back, &flash{Kind: "ok", Text: "Plan " + id + " " + verb + "."})
}

// carriersView is the carriers page's data.
type carriersView struct {
	Active   []string // number_manager's carrier_modules
	All      []string // every registered carrier
	Selected string
	Settings string // the selected document, secrets masked, as JSON
	Note     string
}

// carriersPage shows the carriers and one carrier's settings, secrets
// masked by the API (sending the mask back keeps the stored value).
func carriersPage(p *page) error {
	v := &carriersView{All: carrier.Names()}
	var nm struct {
		Modules []string `json:"carrier_modules"`
	}
	if _, err := p.get("/v2/system_configs/number_manager", nil, &nm); err != nil {
		return err
	}
	v.Active = nm.Modules
	v.Selected = p.r.URL.Query().Get("c")
	if v.Selected == "" && len(v.Active) > 0 {
		v.Selected = v.Active[0]
	}
	if v.Selected != "" {
		id := "number_manager." + strings.TrimPrefix(v.Selected, "knm_")
		if v.Selected == "number_manager" {
			id = "number_manager"
		}
		var doc map[string]json.RawMessage
		if _, err := p.get("/v2/system_configs/"+url.PathEscape(id), nil, &doc); err != nil {
			v.Note = err.Error()
		} else {
			delete(doc, "id")
			raw, _ := json.MarshalIndent(doc, "", "  ")
			v.Settings = string(raw)
		}
	}
	p.Data = v
	return nil
}

// carrierSave replaces a carrier's settings (PUT system_configs): masked
// secrets sent back unchanged keep their stored values.
func carrierSave(p *page) error {
	name := p.r.PostFormValue("carrier")
	back := "/a/" + p.Account.ID + "/carriers?c=" + url.QueryEscape(name)
	id := "number_manager." + strings.TrimPrefix(name, "knm_")
	if name == "number_manager" {
		id = "number_manager"
	} else if !carrier.Registered(strings.TrimPrefix(name, "knm_")) {
		return p.redirect(back, &flash{Kind: "error", Text: "There is no carrier " + name + "."})
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(p.r.PostFormValue("settings")), &doc); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: "The settings are not a JSON object: " + err.Error()})
	}
	rp, err := p.api(http.MethodPut, "/v2/system_configs/"+url.PathEscape(id), nil, map[string]any{"data": doc})
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: err.Error()})
	}
	return p.redirect(back, &flash{Kind: "ok", Text: "Settings of " + name + " saved."})
}
