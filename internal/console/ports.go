package console

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The port request screens: Monster UI's porting app, on the API's
// port_requests (docs/ports.md). Everything is a call to /v2, so who may
// move a request, what a state allows and which documents are accepted
// stay the API's rules; the screens only say them in words.

// portRow is a port request as the API lists it.
type portRow struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	State   string         `json:"port_state"`
	Numbers map[string]any `json:"numbers"`
	Created int64          `json:"created"`
	Updated int64          `json:"updated"`
	// Account is the account the request is for (the listing groups by
	// account: the account's own and, for an authority, others').
	AccountID   string `json:"-"`
	AccountName string `json:"-"`
}

// Count is how many numbers the request holds.
func (r portRow) Count() int { return len(r.Numbers) }

// portsView is the port requests page's data.
type portsView struct {
	Requests []portRow
	// Writable: the user may create and change requests.
	Writable bool
	// Today is the default transfer date of the form (YYYY-MM-DD).
	Today string
}

// portsPage lists the account's port requests, newest first, with the
// form that starts a new one.
func portsPage(p *page) error {
	var groups []struct {
		AccountID    string    `json:"account_id"`
		AccountName  string    `json:"account_name"`
		PortRequests []portRow `json:"port_requests"`
	}
	if _, err := p.get(p.acct()+"/port_requests", nil, &groups); err != nil {
		return err
	}
	v := &portsView{Writable: !p.Session.ReadOnly(), Today: time.Now().UTC().AddDate(0, 0, 14).Format(time.DateOnly)}
	for _, g := range groups {
		for _, r := range g.PortRequests {
			r.AccountID, r.AccountName = g.AccountID, g.AccountName
			v.Requests = append(v.Requests, r)
		}
	}
	slices.SortStableFunc(v.Requests, func(a, b portRow) int { return int(b.Updated - a.Updated) })
	p.Data = v
	return nil
}

// portBillFields are the form's fields that go into the request's bill
// (the account holder as on the losing carrier's bill).
var portBillFields = []string{"name", "street_address", "locality", "region", "postal_code", "account_number", "btn", "pin", "carrier"}

// portCreate creates a port request from the form: its name, numbers (one
// a line, or separated by commas or spaces), the bill and the signee, then
// shows it.
func portCreate(p *page) error {
	back := "/a/" + p.Account.ID + "/ports"
	f := p.field
	nums := map[string]any{}
	for _, n := range strings.FieldsFunc(p.r.PostFormValue("numbers"), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		nums[n] = map[string]any{}
	}
	if len(nums) == 0 {
		return p.redirect(back, &flash{Kind: "error", Text: "Give the numbers to port in."})
	}
	bill := map[string]any{}
	for _, k := range portBillFields {
		if v := f("bill_" + k); v != "" {
			bill[k] = v
		}
	}
	doc := map[string]any{"name": f("name"), "numbers": nums, "bill": bill}
	if s := f("signee_name"); s != "" {
		doc["signee_name"] = s
		doc["signing_date"] = gregorian(time.Now())
	}
	if d := f("transfer_date"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return p.redirect(back, &flash{Kind: "error", Text: "The transfer date is not a date."})
		}
		doc["transfer_date"] = gregorian(t)
	}
	if e := f("notify"); e != "" {
		doc["notifications"] = map[string]any{"email": map[string]any{"send_to": e}}
	}
	rp, err := p.api(http.MethodPut, p.acct()+"/port_requests", nil, map[string]any{"data": doc})
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: err.Error()})
	}
	var made struct {
		ID string `json:"id"`
	}
	if err := rp.decode(&made); err != nil {
		return err
	}
	return p.redirect(back+"/"+url.PathEscape(made.ID), &flash{Kind: "ok",
		Text: "Port request created. Attach the bill and the signed LOA, then submit it."})
}

// gregorian is t in Kazoo's Gregorian seconds.
func gregorian(t time.Time) int64 { return t.Unix() + gregorianOffset }

// portEntry is one line of a request's timeline: a comment or a
// transition.
type portEntry struct {
	Type       string `json:"type"`
	Timestamp  int64  `json:"timestamp"`
	Author     string `json:"author"`
	Content    string `json:"content"`
	IsPrivate  bool   `json:"is_private"`
	Reason     string `json:"reason"`
	Transition struct {
		New      string `json:"new"`
		Previous string `json:"previous"`
	} `json:"transition"`
	Authorization struct {
		Account struct {
			Name string `json:"name"`
		} `json:"account"`
	} `json:"authorization"`
}

// portUpload is one document of a request.
type portUpload struct {
	Name        string
	ContentType string `json:"content_type"`
	Length      int64  `json:"length"`
}

// portView is one request's page.
type portView struct {
	Port      portRow
	Doc       map[string]any
	Bill      map[string]string
	Numbers   []string
	Uploads   []portUpload
	Timeline  []portEntry
	Authority string
	// CarrierStatus is the request's order at a porting carrier, if sent.
	CarrierStatus string
	// Moves are the transitions the request's state allows; the API
	// decides whether the user may make them.
	Moves    []string
	Writable bool
	// Editable: numbers and documents change only while unconfirmed or
	// rejected.
	Editable bool
	Base     string
}

// portMoves is what each state may move to (docs/ports.md), in the order
// the buttons show.
var portMoves = map[string][]string{
	"unconfirmed": {"submitted", "canceled"},
	"submitted":   {"pending", "scheduled", "rejected", "canceled"},
	"pending":     {"scheduled", "completed", "rejected", "canceled"},
	"scheduled":   {"completed", "rejected", "canceled"},
	"rejected":    {"submitted", "completed", "canceled"},
}

// portPage shows one request: its facts, numbers, documents, timeline and
// the actions its state allows.
func portPage(p *page) error {
	id := p.r.PathValue("id")
	v := &portView{Writable: !p.Session.ReadOnly(), Base: "/a/" + p.Account.ID + "/ports/" + url.PathEscape(id)}
	if _, err := p.get(p.acct()+"/port_requests/"+url.PathEscape(id), nil, &v.Doc); err != nil {
		return err
	}
	raw, _ := json.Marshal(v.Doc)
	_ = json.Unmarshal(raw, &v.Port)
	for n := range v.Port.Numbers {
		v.Numbers = append(v.Numbers, n)
	}
	slices.Sort(v.Numbers)
	var extra struct {
		Bill     map[string]string     `json:"bill"`
		Uploads  map[string]portUpload `json:"uploads"`
		ReadOnly struct {
			AuthorityName string         `json:"port_authority_name"`
			Ported        map[string]any `json:"ported_numbers"`
			Carrier       *struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"carrier"`
		} `json:"_read_only"`
	}
	_ = json.Unmarshal(raw, &extra)
	v.Bill = extra.Bill
	for name, u := range extra.Uploads {
		u.Name = name
		v.Uploads = append(v.Uploads, u)
	}
	slices.SortFunc(v.Uploads, func(a, b portUpload) int { return strings.Compare(a.Name, b.Name) })
	for n := range extra.ReadOnly.Ported {
		v.Numbers = append(v.Numbers, n)
	}
	v.Authority = extra.ReadOnly.AuthorityName
	if c := extra.ReadOnly.Carrier; c != nil {
		v.CarrierStatus = strings.TrimSpace(c.Name + " " + c.Status)
	}
	if _, err := p.get(p.acct()+"/port_requests/"+url.PathEscape(id)+"/timeline", nil, &v.Timeline); err != nil {
		return err
	}
	v.Moves = portMoves[v.Port.State]
	v.Editable = v.Port.State == "unconfirmed" || v.Port.State == "rejected"
	p.Title = "Port request " + v.Port.Name
	p.Data = v
	return nil
}

// portAction moves a request to another state (with a reason), adds a
// comment, attaches a document or deletes the request.
func portAction(p *page) error {
	id := p.r.PathValue("id")
	back := "/a/" + p.Account.ID + "/ports/" + url.PathEscape(id)
	apiPath := p.acct() + "/port_requests/" + url.PathEscape(id)
	f := p.field
	var (
		rp   *apiReply
		err  error
		done string
	)
	switch act := f("action"); act {
	case "move":
		to := f("to")
		if !slices.Contains([]string{"submitted", "pending", "scheduled", "completed", "rejected", "canceled"}, to) {
			return p.redirect(back, &flash{Kind: "error", Text: "Unknown state."})
		}
		data := map[string]any{}
		if r := f("reason"); r != "" {
			data["reason"] = r
		}
		if d := f("scheduled_date"); d != "" && to == "scheduled" {
			data["schedule_on"] = map[string]any{"date_time": strings.Replace(d, "T", " ", 1)}
		}
		rp, err = p.api(http.MethodPatch, apiPath+"/"+to, nil, map[string]any{"data": data})
		done = "The request is now " + portStateLabels[to] + "."
	case "comment":
		c := map[string]any{"content": f("content")}
		if f("private") == "1" {
			c["is_private"] = true
		}
		rp, err = p.api(http.MethodPatch, apiPath, nil, map[string]any{"data": map[string]any{"comments": []any{c}}})
		done = "Comment added."
	case "upload":
		file, hdr, ferr := p.r.FormFile("document")
		if ferr != nil {
			return p.redirect(back, &flash{Kind: "error", Text: "Choose a PDF, PNG or JPEG document to attach."})
		}
		body, rerr := io.ReadAll(file)
		_ = file.Close()
		if rerr != nil {
			return rerr
		}
		ct := hdr.Header.Get("Content-Type")
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		rp, err = p.c.api.do(p.r.Context(), p.r, call{method: http.MethodPut, path: apiPath + "/attachments",
			query: url.Values{"filename": {hdr.Filename}}, raw: body, contentType: ct, token: p.Session.Token})
		done = "Document " + hdr.Filename + " attached."
	case "delete":
		rp, err = p.api(http.MethodDelete, apiPath, nil, nil)
		if err == nil && rp.ok() {
			return p.redirect("/a/"+p.Account.ID+"/ports", &flash{Kind: "ok", Text: "Port request deleted."})
		}
	default:
		return p.redirect(back, &flash{Kind: "error", Text: "Unknown action."})
	}
	return p.after(rp, err, back, done)
}

// portFile downloads a request's document, or its generated LOA (name
// "loa.pdf" under /loa), as the API serves it.
func portFile(p *page) error {
	apiPath := p.acct() + "/port_requests/" + url.PathEscape(p.r.PathValue("id"))
	name := p.r.PathValue("name")
	if name == "" {
		apiPath += "/loa"
		name = "loa.pdf"
	} else {
		apiPath += "/attachments/" + url.PathEscape(name)
	}
	secureHeaders(p.w.Header())
	p.w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", `\`, "").Replace(name)+`"`)
	w := &memWriter{h: http.Header{}}
	if err := p.c.api.stream(p.r.Context(), p.r, w, call{method: http.MethodGet, path: apiPath, token: p.Session.Token}); err != nil {
		return err
	}
	if w.code != http.StatusOK {
		p.w.Header().Del("Content-Disposition")
		rp := &apiReply{Code: w.code}
		if json.Unmarshal(w.buf.Bytes(), rp) != nil || rp.err() == nil {
			return errors.New("console: a document download failed with HTTP " + itoa(w.code))
		}
		return rp.err()
	}
	p.w.Header().Set("Content-Type", w.h.Get("Content-Type"))
	_, _ = p.w.Write(w.buf.Bytes())
	return errStop
}

var portStateLabels = map[string]string{
	"unconfirmed": "Draft", "submitted": "Submitted", "pending": "Pending", "scheduled": "Scheduled",
	"completed": "Completed", "rejected": "Rejected", "canceled": "Canceled",
}

var portMoveLabels = map[string]string{
	"submitted": "Submit", "pending": "Mark pending", "scheduled": "Schedule", "completed": "Complete",
	"rejected": "Reject", "canceled": "Cancel the request",
}
