package console

import (
	"encoding/json"
	"io"
	"net/http"
)

// importView is the import page's data.
type importView struct {
	States   []string
	Carriers []string
	Admin    bool
	ReadOnly bool
}

// importPage offers a CSV import: the page's script reads the file (a
// column of numbers, or a header naming a "number" column and optionally a
// "state" column, as numan numbers import reads it), sends it in chunks
// and shows the progress.
func importPage(p *page) error {
	var info struct {
		Usable []string `json:"usable_carriers"`
		States []string `json:"usable_creation_states"`
	}
	if _, err := p.get(p.acct()+"/phone_numbers/carriers_info", nil, &info); err != nil {
		return err
	}
	p.Data = &importView{States: info.States, Carriers: info.Usable, Admin: p.Session.Admin(), ReadOnly: p.Session.ReadOnly()}
	return nil
}

// maxImportChunk bounds the numbers of one chunk.
const maxImportChunk = 500

// importRequest is one chunk the page sends.
type importRequest struct {
	Numbers []string `json:"numbers"`
	State   string   `json:"state"`
	Carrier string   `json:"carrier"`
	Accept  bool     `json:"accept_charges"`
}

// importReply is what the page is told of a chunk.
type importReply struct {
	Created int               `json:"created"`
	Failed  map[string]string `json:"failed"`
	// Quote: the chunk costs money and charges were not accepted.
	Quote bool   `json:"quote,omitempty"`
	Error string `json:"error,omitempty"`
}

// importChunk creates one chunk of numbers (PUT .../collection) and says
// what became of each.
func importChunk(p *page) error {
	var req importRequest
	body, err := io.ReadAll(io.LimitReader(p.r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	out := importReply{Failed: map[string]string{}}
	switch {
	case err != nil:
		out.Error = "The page sent something that is not a chunk of numbers."
		return p.json(http.StatusBadRequest, out)
	case len(req.Numbers) == 0 || len(req.Numbers) > maxImportChunk:
		out.Error = "A chunk holds 1 to 500 numbers."
		return p.json(http.StatusBadRequest, out)
	}
	data := map[string]any{"numbers": req.Numbers}
	if req.State != "" {
		data["create_with_state"] = req.State
	}
	if req.Carrier != "" {
		data["carrier_name"] = req.Carrier
	}
	env := map[string]any{"data": data}
	if req.Accept {
		env["accept_charges"] = true
	}
	rp, err := p.api(http.MethodPut, p.acct()+"/phone_numbers/collection", nil, env)
	if err != nil {
		return err
	}
	if rp.needsAcceptance() {
		out.Quote = true
		out.Error = "Creating these numbers costs money: tick “Accept the charges” to import them."
		return p.json(http.StatusPaymentRequired, out)
	}
	if !rp.ok() {
		if len(req.Numbers) == 1 {
			// One number is answered like a single-number request.
			out.Failed[req.Numbers[0]] = rp.err().Error()
			return p.json(http.StatusOK, out)
		}
		out.Error = rp.err().Error()
		return p.json(rp.Code, out)
	}
	var res collectionResult
	if err := json.Unmarshal(rp.Data, &res); err == nil && res.Success != nil {
		out.Created = len(res.Success)
		for n, e := range res.failures() {
			out.Failed[n] = numberError(e)
		}
	} else {
		out.Created = 1
	}
	return p.json(http.StatusOK, out)
}

// json answers a script's request.
func (p *page) json(status int, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := p.w.Header()
	secureHeaders(h)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	p.w.WriteHeader(status)
	_, _ = p.w.Write(raw)
	return errStop
}
