package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/number"
)

// The port_requests endpoints (Kazoo's cb_port_requests): they translate
// requests for internal/ports, which holds every rule.

func (c *call) by() ports.By { return ports.Caller(c.auth) }

// portBody reads a port request body's data (an object; {} when absent).
func (c *call) portBody() (number.Doc, error) {
	env, err := c.body()
	if err != nil {
		return nil, err
	}
	return env.data()
}

// listQuery reads by_types and the modified range of a listing.
func (c *call) portListQuery() (ports.ListQuery, error) {
	q := c.r.URL.Query()
	lq := ports.ListQuery{Types: q.Get("by_types")}
	var v validationErrors
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"modified_from", &lq.ModifiedFrom}, {"modified_to", &lq.ModifiedTo}} {
		raw := q.Get(f.name)
		if raw == "" {
			continue
		}
		g, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || g < 0 {
			v.add(f.name, "type", "Value did not match type(s): integer (Gregorian seconds)", "value", raw)
			continue
		}
		*f.dst = manager.FromGregorian(g)
	}
	return lq, v.err()
}

// portListing answers a listing of scope: by_number when given (a flat
// list), else by_types grouped by account; last_submitted as Kazoo's
// by_types value too.
func (c *call) portListing(scope ports.Scope, accountID string) {
	q := c.r.URL.Query()
	if q.Has("by_number") {
		views, err := c.s.ports.ByNumber(c.ctx, c.by(), scope, accountID, q.Get("by_number"))
		if err != nil {
			c.fail(err)
			return
		}
		c.write(reply{status: http.StatusOK, data: views, page: []pageKey{{"page_size", len(views)}}})
		return
	}
	if q.Get("by_types") == "last_submitted" && scope == ports.AccountScope {
		handlePortLastSubmitted(c)
		return
	}
	lq, err := c.portListQuery()
	if err != nil {
		c.fail(err)
		return
	}
	groups, err := c.s.ports.List(c.ctx, c.by(), scope, accountID, lq)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(groups)
}

// handlePortsAgent is GET /v2/port_requests: the requests the caller
// handles as port authority.
func handlePortsAgent(c *call) { c.portListing(ports.AgentScope, "") }

// handlePortsList is GET .../port_requests.
func handlePortsList(c *call) { c.portListing(ports.AccountScope, c.account.ID) }

// handlePortsDescendants is GET .../descendants/port_requests.
func handlePortsDescendants(c *call) { c.portListing(ports.DescendantsScope, c.account.ID) }

// handlePortLastSubmitted is GET .../port_requests/last_submitted.
func handlePortLastSubmitted(c *call) {
	out, err := c.s.ports.LastSubmitted(c.ctx, c.by(), c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handlePortCreate is PUT .../port_requests.
func handlePortCreate(c *call) {
	data, err := c.portBody()
	if err != nil {
		c.fail(err)
		return
	}
	v, err := c.s.ports.Create(c.ctx, c.by(), c.account.ID, data)
	if err != nil {
		c.fail(err)
		return
	}
	c.created(v)
}

// wantsPDF reports whether the client asked for a PDF (Kazoo's LOA).
func (c *call) wantsPDF() (string, bool) {
	for _, part := range strings.Split(c.r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "application/pdf" || mt == "application/x-pdf") {
			return mt, true
		}
	}
	return "", false
}

// handlePortGet is GET .../port_requests/{PORT_ID}; with Accept:
// application/x-pdf it is the LOA, as Kazoo offered.
func handlePortGet(c *call) {
	if _, ok := c.wantsPDF(); ok {
		handlePortLOA(c)
		return
	}
	v, err := c.s.ports.Get(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(v)
}

// handlePortUpdate is POST (replace) and PATCH (merge) of
// .../port_requests/{PORT_ID}.
func handlePortUpdate(c *call) {
	data, err := c.portBody()
	if err != nil {
		c.fail(err)
		return
	}
	mode := ports.Replace
	if c.r.Method == http.MethodPatch {
		mode = ports.Merge
	}
	v, err := c.s.ports.Update(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"), mode, data)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(v)
}

// handlePortDelete is DELETE .../port_requests/{PORT_ID}.
func handlePortDelete(c *call) {
	v, err := c.s.ports.Delete(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(v)
}

// handlePortTransition is PATCH .../port_requests/{PORT_ID}/{state}; the
// state is the last segment of the route's pattern.
func handlePortTransition(c *call) {
	to, _ := ports.ParseState(c.route.pattern[strings.LastIndexByte(c.route.pattern, '/')+1:])
	data, err := c.portBody()
	if err != nil {
		c.fail(err)
		return
	}
	reason := c.r.URL.Query().Get("reason")
	if raw, ok := data["reason"]; ok && reason == "" {
		if number.JSONType(raw) != "string" {
			var v validationErrors
			v.add("reason", "type", "Value did not match type(s): string", "target", "string")
			c.fail(v.err())
			return
		}
		data.Get("reason", &reason)
	}
	v, err := c.s.ports.Transition(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"), to, data, reason)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(v)
}

// handlePortTimeline is GET .../port_requests/{PORT_ID}/timeline.
func handlePortTimeline(c *call) {
	out, err := c.s.ports.Timeline(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handlePortNotifications is GET .../port_requests/{PORT_ID}/notifications.
func handlePortNotifications(c *call) {
	out, err := c.s.ports.Notifications(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handlePortLOA is GET .../port_requests/{PORT_ID}/loa: the generated
// Letter of Authorization.
func handlePortLOA(c *call) {
	pdf, err := c.s.ports.LOA(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	ctype, ok := c.wantsPDF()
	if !ok {
		ctype = "application/pdf"
	}
	c.raw(ctype, "loa.pdf", pdf)
}

// raw sends a document as it is, in its own content type.
func (c *call) raw(ctype, filename string, data []byte) {
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	c.status = http.StatusOK
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(data)
	}
}

// handlePortAttachments is GET .../port_requests/{PORT_ID}/attachments.
func handlePortAttachments(c *call) {
	out, err := c.s.ports.Attachments(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(out)
}

// handlePortAttachmentPut is PUT .../attachments (a new document) and
// POST .../attachments/{ATTACHMENT} (replacing one): the raw body with
// ?filename= and its Content-Type, or a multipart form's first file.
func handlePortAttachmentPut(c *call) {
	name := c.param("ATTACHMENT")
	if name == "" {
		name = c.r.URL.Query().Get("filename")
	}
	data, ctype, partName, err := c.document()
	if err != nil {
		c.fail(err)
		return
	}
	if name == "" {
		name = partName
	}
	if _, err := c.s.ports.PutAttachment(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"), name, ctype, data); err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{})
}

// document reads an uploaded document: a multipart form's first file
// part, or the raw body.
func (c *call) document() (data []byte, ctype, name string, err error) {
	limit := c.s.ports.MaxAttachmentBytes()
	mt, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	var src io.Reader = c.r.Body
	ctype = c.r.Header.Get("Content-Type")
	if c.r.Body == nil {
		src = bytes.NewReader(nil)
	}
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(src, params["boundary"])
		for {
			part, perr := mr.NextPart()
			if perr != nil {
				return nil, "", "", readError(perr, limit)
			}
			if part.FileName() == "" {
				continue
			}
			ctype, name, src = part.Header.Get("Content-Type"), part.FileName(), part
			break
		}
	}
	data, err = io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return nil, "", "", readError(err, limit)
	}
	if int64(len(data)) > limit {
		return nil, "", "", ports.ErrTooLarge
	}
	return data, ctype, name, nil
}

// readError is a body that could not be read: too large, too slow, or
// malformed.
func readError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return ports.ErrTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errRequestTimeout()
	case errors.Is(err, io.EOF):
		return &apiError{http.StatusBadRequest, "bad_request", map[string]any{"message": "the multipart body holds no file"}}
	}
	return &apiError{http.StatusBadRequest, "bad_request", map[string]any{"message": "the document could not be read: " + err.Error()}}
}

// handlePortAttachmentGet is GET .../attachments/{ATTACHMENT}: the
// document byte for byte, in its content type.
func handlePortAttachmentGet(c *call) {
	a, err := c.s.ports.Attachment(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"), c.param("ATTACHMENT"))
	if err != nil {
		c.fail(err)
		return
	}
	c.raw(a.ContentType, a.Name, a.Data)
}

// handlePortAttachmentDelete is DELETE .../attachments/{ATTACHMENT}.
func handlePortAttachmentDelete(c *call) {
	if err := c.s.ports.DeleteAttachment(c.ctx, c.by(), c.account.ID, c.param("PORT_ID"), c.param("ATTACHMENT")); err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{})
}
