package console

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// A Screen is one page or form action of the console: one template and
// one handler. Adding a screen is adding its template to templates/ and a
// line to the table below; the navigation, the session, the account of
// the path, the CSRF check of forms and the security headers come with it.
type Screen struct {
	// Name is the template (templates/<Name>.html, defining "content");
	// "" for an action that only redirects.
	Name string
	// Method is GET for a page, POST for a form's action.
	Method string
	// Path is the pattern (net/http's); {account} is the account the
	// screen is about, checked with the API before the handler runs.
	Path string
	// Title is the page's title.
	Title string
	// Nav labels the screen in the navigation; "" keeps it out.
	Nav string
	// For says who may use the screen (nil: anyone signed in).
	For func(*session) bool
	// Handle fills the page's Data (and may redirect, or render another
	// template and return errStop).
	Handle func(*page) error
}

func managers(s *session) bool { return s.Manager() && !s.ReadOnly() }
func writers(s *session) bool  { return !s.ReadOnly() }
func admins(s *session) bool   { return s.Admin() && !s.ReadOnly() }

// screens is the console. Order is the navigation's.
func screens() []*Screen {
	const get, post = http.MethodGet, http.MethodPost
	return []*Screen{
		{Name: "numbers", Method: get, Path: "/a/{account}/numbers", Title: "Numbers", Nav: "Numbers", Handle: numbersPage},
		{Method: post, Path: "/a/{account}/numbers", Handle: numbersAction},
		{Method: get, Path: "/a/{account}/numbers.csv", Handle: numbersExport},
		{Name: "number", Method: get, Path: "/a/{account}/numbers/{number}", Title: "Number", Handle: numberPage},
		{Method: post, Path: "/a/{account}/numbers/{number}", Handle: numberAction},
		{Method: post, Path: "/a/{account}/numbers/{number}/features/{feature}", Handle: numberFeature},
		{Name: "search", Method: get, Path: "/a/{account}/buy", Title: "Buy numbers", Nav: "Buy", Handle: searchPage},
		{Method: post, Path: "/a/{account}/buy", For: writers, Handle: buyAction},
		{Name: "import", Method: get, Path: "/a/{account}/import", Title: "Import numbers", Nav: "Import", For: writers, Handle: importPage},
		{Method: post, Path: "/a/{account}/import", For: writers, Handle: importChunk},
		{Name: "ports", Method: get, Path: "/a/{account}/ports", Title: "Port requests", Nav: "Porting", Handle: portsPage},
		{Method: post, Path: "/a/{account}/ports", For: writers, Handle: portCreate},
		{Name: "port", Method: get, Path: "/a/{account}/ports/{id}", Title: "Port request", Handle: portPage},
		{Method: post, Path: "/a/{account}/ports/{id}", For: writers, Handle: portAction},
		{Method: get, Path: "/a/{account}/ports/{id}/loa", Handle: portFile},
		{Method: get, Path: "/a/{account}/ports/{id}/files/{name}", Handle: portFile},
		{Name: "accounts", Method: get, Path: "/a/{account}/accounts", Title: "Accounts", Nav: "Accounts", For: managers, Handle: accountsPage},
		{Method: post, Path: "/a/{account}/accounts", For: managers, Handle: accountCreate},
		{Name: "plans", Method: get, Path: "/a/{account}/plans", Title: "Service plans", Nav: "Plans", For: managers, Handle: plansPage},
		{Method: post, Path: "/a/{account}/plans", For: managers, Handle: planAction},
		{Name: "users", Method: get, Path: "/a/{account}/users", Title: "Users", Nav: "Users", Handle: usersPage},
		{Method: post, Path: "/a/{account}/users", Handle: userAction},
		{Name: "webhooks", Method: get, Path: "/a/{account}/webhooks", Title: "Webhooks", Nav: "Webhooks", Handle: webhooksPage},
		{Method: post, Path: "/a/{account}/webhooks", For: writers, Handle: webhookCreate},
		{Name: "webhook", Method: get, Path: "/a/{account}/webhooks/{id}", Title: "Webhook", Handle: webhookPage},
		{Method: post, Path: "/a/{account}/webhooks/{id}", For: writers, Handle: webhookAction},
		{Name: "carriers", Method: get, Path: "/a/{account}/carriers", Title: "Carriers", Nav: "Carriers", For: admins, Handle: carriersPage},
		{Method: post, Path: "/a/{account}/carriers", For: admins, Handle: carrierSave},
	}
}

// quoteView is what the charges dialog shows: the invoices of the 402,
// and a form that sends the same action again, accepted.
type quoteView struct {
	Invoices []invoice
	Action   string
	Fields   []field
	Hash     string
	// Changed: the user accepted a quote that is no longer the price.
	Changed bool
	// Back is where "Cancel" goes.
	Back string
}

type field struct{ Name, Value string }

type invoice struct {
	AccountID         string   `json:"account_id"`
	Currency          string   `json:"currency"`
	Plan              planRef  `json:"plan"`
	ActivationCharges []charge `json:"activation_charges"`
	Items             []charge `json:"items"`
	Summary           struct {
		Today     json.Number `json:"today"`
		Recurring json.Number `json:"recurring"`
	} `json:"summary"`
}

type planRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type charge struct {
	Category string      `json:"category"`
	Item     string      `json:"item"`
	Name     string      `json:"name"`
	Quantity int64       `json:"quantity"`
	Rate     json.Number `json:"rate"`
	Total    json.Number `json:"total"`
}

// charged makes a write that may cost money, as Monster UI does with
// Kazoo's two-phase write. Unaccepted, the API either makes it (it is
// free) or answers 402 with the quote, which the console shows with a
// form sending the same action again, accepted. Accepted, the console
// asks for the quote again and commits only when it is the quote the user
// saw (otherwise it shows the new one): the user never pays what they did
// not see. It returns the API's reply to the committed write, or errStop
// when it rendered the quote.
func (p *page) charged(method, apiPath string, data any, back string) (*apiReply, error) {
	env := map[string]any{"data": data}
	rp, err := p.api(method, apiPath, nil, env)
	if err != nil || !rp.needsAcceptance() {
		return rp, err
	}
	sum := sha256.Sum256(rp.Data)
	hash := hex.EncodeToString(sum[:12])
	accepted := p.r.PostFormValue("accept_charges") == "1"
	if accepted && p.r.PostFormValue("quote") == hash {
		env["accept_charges"] = true
		return p.api(method, apiPath, nil, env)
	}
	q := quoteView{Action: p.r.URL.Path, Hash: hash, Changed: accepted, Back: back}
	if err := rp.decode(&q.Invoices); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(p.r.PostForm) {
		if k == "_csrf" || k == "accept_charges" || k == "quote" {
			continue
		}
		for _, v := range p.r.PostForm[k] {
			q.Fields = append(q.Fields, field{k, v})
		}
	}
	p.Title = "Accept the charges"
	p.Data = q
	if err := p.render("quote"); err != nil {
		return nil, err
	}
	return nil, errStop
}

func sortedKeys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// collectionResult is the API's reply to a write on several numbers.
type collectionResult struct {
	Success map[string]json.RawMessage `json:"success"`
	// Error is a map of number to failure, or [] when none failed (as
	// Kazoo writes it).
	Error json.RawMessage `json:"error"`
}

// failures is the map of the numbers that failed.
func (c collectionResult) failures() map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(c.Error, &m)
	return m
}

// outcome turns a collection reply into a message: how many numbers
// succeeded, and why each other one failed.
func outcome(rp *apiReply, verb string, nums []string) *flash {
	if rp.Code == http.StatusOK {
		var res collectionResult
		if err := json.Unmarshal(rp.Data, &res); err == nil && (res.Success != nil || res.Error != nil) {
			failed := res.failures()
			f := &flash{Kind: "ok", Text: plural(len(res.Success), "number") + " " + verb + "."}
			for _, n := range sortedRaw(failed) {
				f.Details = append(f.Details, n+": "+numberError(failed[n]))
			}
			if len(failed) > 0 {
				f.Kind = "error"
				f.Text += " " + plural(len(failed), "number") + " failed."
			}
			return f
		}
		// One number: the API answers it like a single-number request.
		return &flash{Kind: "ok", Text: strings.Join(nums, ", ") + " " + verb + "."}
	}
	if err := rp.err(); err != nil {
		return &flash{Kind: "error", Text: err.Error()}
	}
	return &flash{Kind: "ok", Text: "Done."}
}

func sortedRaw(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

func sortedStrings(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
