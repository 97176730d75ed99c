package telnyx

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Porting in at Telnyx (API v2 porting orders): a portability check
// (POST /v2/portability_checks), then a porting order created as a draft
// (POST /v2/porting_orders, which Telnyx may split into several orders by
// country, number type and losing carrier), its documents uploaded (POST
// /v2/documents), its details filled in (PATCH /v2/porting_orders/{id})
// and the order confirmed (POST .../actions/confirm). Its status and
// comments are read back; a cancellation is POST .../actions/cancel.
//
// Orders carry the submission's reference as their customer_reference,
// so a submission interrupted after Telnyx made the orders finds them
// again (GET /v2/porting_orders?filter[customer_reference]=) and carries
// on with those still in draft, instead of making new ones.

// Porting order states (status.value).
const (
	portDraft        = "draft"
	portInProcess    = "in-process"
	portSubmitted    = "submitted"
	portException    = "exception"
	portFOCConfirmed = "foc-date-confirmed"
	portCancelPend   = "cancel-pending"
	portPorted       = "ported"
	portCancelled    = "cancelled"
)

// portingOrder is the part of a porting order Numan reads.
type portingOrder struct {
	ID                 string       `json:"id"`
	CustomerReference  *string      `json:"customer_reference"`
	Status             portStatus   `json:"status"`
	ActivationSettings activation   `json:"activation_settings"`
	PhoneNumbers       []portNumber `json:"phone_numbers"`
}

type activation struct {
	FOCActual    *string `json:"foc_datetime_actual"`
	FOCRequested *string `json:"foc_datetime_requested"`
}

type portNumber struct {
	PhoneNumber string `json:"phone_number"`
}

// portStatus is a porting order's status: {"value": ..., "details":
// [{"code", "description"}]} (older replies send the value alone).
type portStatus struct {
	Value   string
	Details []string
}

func (s *portStatus) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = portStatus{Value: v}
		return nil
	}
	var o struct {
		Value   string `json:"value"`
		Details []struct {
			Code        json.RawMessage `json:"code"`
			Description string          `json:"description"`
		} `json:"details"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	s.Value = o.Value
	for _, d := range o.Details {
		msg := strings.TrimSpace(d.Description)
		if c := codeText(d.Code); c != "" {
			if msg == "" {
				msg = c
			} else {
				msg += " (" + c + ")"
			}
		}
		if msg != "" {
			s.Details = append(s.Details, msg)
		}
	}
	return nil
}

func (o portingOrder) check() error {
	if o.ID == "" || o.Status.Value == "" {
		return number.Errorf(number.KindByCarrier, "", "%s: a porting order without id or status", Name)
	}
	return nil
}

// parsePortingOrders reads a list of porting orders (the create reply and
// the listing).
func parsePortingOrders(body []byte) ([]portingOrder, error) {
	r, err := httpx.DecodeJSON[struct {
		Data []portingOrder `json:"data"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	for _, o := range r.Data {
		if err := o.check(); err != nil {
			return nil, carrier.Uncertain(err)
		}
	}
	if r.Data == nil {
		r.Data = []portingOrder{}
	}
	return r.Data, nil
}

// parsePortingOrder reads one porting order.
func parsePortingOrder(body []byte) (portingOrder, error) {
	r, err := httpx.DecodeJSON[struct {
		Data *portingOrder `json:"data"`
	}](Name, body)
	if err != nil {
		return portingOrder{}, err
	}
	if r.Data == nil {
		return portingOrder{}, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: porting order reply without data", Name))
	}
	if err := r.Data.check(); err != nil {
		return portingOrder{}, carrier.Uncertain(err)
	}
	return *r.Data, nil
}

// portingComment is one comment on a porting order.
type portingComment struct {
	ID        string `json:"id"`
	Body      string `json:"body"`
	UserType  string `json:"user_type"`
	CreatedAt string `json:"created_at"`
}

// parsePortingComments reads a porting order's comments; comments
// without an id or a body are skipped.
func parsePortingComments(body []byte) ([]portingComment, error) {
	r, err := httpx.DecodeJSON[struct {
		Data []portingComment `json:"data"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	out := []portingComment{}
	for _, c := range r.Data {
		if c.ID != "" && strings.TrimSpace(c.Body) != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// parsePortability reads a portability check's results, keyed by number.
func parsePortability(body []byte) (map[string]carrier.Portability, error) {
	r, err := httpx.DecodeJSON[struct {
		Data []struct {
			PhoneNumber       string  `json:"phone_number"`
			Portable          *bool   `json:"portable"`
			NotPortableReason *string `json:"not_portable_reason"`
			CarrierName       string  `json:"carrier_name"`
		} `json:"data"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	out := map[string]carrier.Portability{}
	for _, d := range r.Data {
		if !isE164(d.PhoneNumber) || d.Portable == nil {
			continue // an answer that says nothing is no answer
		}
		p := carrier.Portability{Portable: *d.Portable, LosingCarrier: d.CarrierName}
		if d.NotPortableReason != nil {
			p.Reason = strings.ReplaceAll(*d.NotPortableReason, "_", " ")
		}
		out[d.PhoneNumber] = p
	}
	return out, nil
}

// CheckPortability asks Telnyx whether it can port nums in.
func (c *Carrier) CheckPortability(ctx context.Context, nums []string) (map[string]carrier.Portability, error) {
	body, err := json.Marshal(map[string][]string{"phone_numbers": nums})
	if err != nil {
		return nil, number.Wrap(number.KindInternal, "", err)
	}
	// A check changes nothing at Telnyx: it may be sent again.
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "v2/portability_checks", Body: body,
		ContentType: "application/json", Idempotent: true})
	if err != nil {
		return nil, err
	}
	return parsePortability(resp.Body)
}

// SubmitPort creates the porting orders of a submission (or finds those an
// earlier attempt made), completes the drafts and confirms them.
func (c *Carrier) SubmitPort(ctx context.Context, s carrier.PortSubmission) (carrier.PortRef, error) {
	orders, err := c.portOrders(ctx, s.Reference)
	if err != nil {
		return carrier.PortRef{}, err
	}
	if len(orders) == 0 {
		body, err := json.Marshal(map[string]any{"phone_numbers": s.Numbers, "customer_reference": s.Reference})
		if err != nil {
			return carrier.PortRef{}, number.Wrap(number.KindInternal, "", err)
		}
		resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "v2/porting_orders", Body: body, ContentType: "application/json"})
		if err != nil {
			return carrier.PortRef{}, err
		}
		if orders, err = parsePortingOrders(resp.Body); err != nil {
			return carrier.PortRef{}, err
		}
		if len(orders) == 0 {
			return carrier.PortRef{}, carrier.Uncertain(c.http.CarrierError("", "porting order reply lists no order"))
		}
	}
	ref := carrier.PortRef{}
	for _, o := range orders {
		ref.IDs = append(ref.IDs, o.ID)
	}
	// From here on the orders exist: whatever fails, the next attempt
	// finds them by reference.
	var docs map[string]string
	for _, o := range orders {
		if o.Status.Value != portDraft {
			continue // confirmed by an earlier attempt
		}
		if docs == nil {
			if docs, err = c.uploadDocuments(ctx, s); err != nil {
				return carrier.PortRef{}, err
			}
		}
		if err := c.completeDraft(ctx, o.ID, s, docs); err != nil {
			return carrier.PortRef{}, err
		}
		if _, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "v2/porting_orders/" + url.PathEscape(o.ID) + "/actions/confirm"}); err != nil {
			return carrier.PortRef{}, err
		}
	}
	return ref, nil
}

// portOrders lists the porting orders carrying reference.
func (c *Carrier) portOrders(ctx context.Context, reference string) ([]portingOrder, error) {
	resp, err := c.http.Get(ctx, "v2/porting_orders", url.Values{"filter[customer_reference]": {reference}, "page[size]": {"250"}})
	if err != nil {
		return nil, err
	}
	all, err := parsePortingOrders(resp.Body)
	if err != nil {
		return nil, err
	}
	// Only those that say so: a server ignoring the filter would list
	// every order of the account.
	return slices.DeleteFunc(all, func(o portingOrder) bool { return o.CustomerReference == nil || *o.CustomerReference != reference }), nil
}

// uploadDocuments uploads the LOA and the invoice (Telnyx's two document
// slots; other documents go with the first of them missing) and returns
// their document ids by slot.
func (c *Carrier) uploadDocuments(ctx context.Context, s carrier.PortSubmission) (map[string]string, error) {
	ids := map[string]string{}
	for _, d := range s.Documents {
		slot := d.Kind
		if slot != carrier.DocumentLOA && slot != carrier.DocumentInvoice {
			continue
		}
		if ids[slot] != "" {
			continue
		}
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.ReplaceAll(d.Name, `"`, "")+`"`)
		h.Set("Content-Type", d.ContentType)
		part, err := w.CreatePart(h)
		if err == nil {
			_, err = part.Write(d.Data)
		}
		if err == nil {
			err = w.WriteField("customer_reference", s.Reference)
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			return nil, number.Wrap(number.KindInternal, "", err)
		}
		resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "v2/documents", Body: b.Bytes(), ContentType: w.FormDataContentType()})
		if err != nil {
			return nil, err
		}
		doc, err := httpx.DecodeJSON[struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}](Name, resp.Body)
		if err != nil {
			return nil, err
		}
		if doc.Data.ID == "" {
			return nil, carrier.Uncertain(c.http.CarrierError("", "document upload reply carries no id"))
		}
		ids[slot] = doc.Data.ID
	}
	return ids, nil
}

// completeDraft fills in a draft order: the account holder at the losing
// carrier, the service address, the documents, the requested date.
func (c *Carrier) completeDraft(ctx context.Context, id string, s carrier.PortSubmission, docs map[string]string) error {
	country := s.Address.Country
	if country == "" {
		country = "US"
	}
	street := strings.TrimSpace(s.Address.HouseNumber + " " + s.Address.Street)
	patch := map[string]any{
		"customer_reference": s.Reference,
		"misc":               map[string]any{"type": "full"},
		"end_user": map[string]any{
			"admin": map[string]any{
				"entity_name":          s.EntityName,
				"auth_person_name":     s.AuthorizedBy,
				"billing_phone_number": s.BillingNumber,
				"account_number":       s.AccountNumber,
				"pin_passcode":         s.PIN,
			},
			"location": map[string]any{
				"street_address":      street,
				"extended_address":    s.Address.Extended,
				"locality":            s.Address.Locality,
				"administrative_area": s.Address.Region,
				"postal_code":         s.Address.PostalCode,
				"country_code":        country,
			},
		},
	}
	if len(docs) > 0 {
		patch["documents"] = docs
	}
	if cfg := c.cfg; cfg.ConnectionID != "" || cfg.MessagingProfileID != "" {
		pc := map[string]any{}
		if cfg.ConnectionID != "" {
			pc["connection_id"] = cfg.ConnectionID
		}
		if cfg.MessagingProfileID != "" {
			pc["messaging_profile_id"] = cfg.MessagingProfileID
		}
		patch["phone_number_configuration"] = pc
	}
	if !s.RequestedDate.IsZero() {
		patch["activation_settings"] = map[string]any{"foc_datetime_requested": s.RequestedDate.UTC().Format(time.RFC3339)}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return number.Wrap(number.KindInternal, "", err)
	}
	_, err = c.http.Do(ctx, &httpx.Request{Method: http.MethodPatch, Path: "v2/porting_orders/" + url.PathEscape(id), Body: body, ContentType: "application/json"})
	return err
}

// PortStatus reads the port's orders and their comments. Several orders
// (a split port) are one port: rejected when one is in exception, canceled
// when one was canceled, completed when all are ported, scheduled when all
// have a date, else pending.
func (c *Carrier) PortStatus(ctx context.Context, ref carrier.PortRef) (carrier.PortStatus, error) {
	if len(ref.IDs) == 0 {
		return carrier.PortStatus{}, carrier.NotSent(number.Errorf(number.KindByCarrier, "", "%s: a port without orders", Name))
	}
	var (
		st       carrier.PortStatus
		values   []string
		reasons  []string
		ported   = 0
		focs     = 0
		canceled = false
	)
	for _, id := range ref.IDs {
		resp, err := c.http.Get(ctx, "v2/porting_orders/"+url.PathEscape(id), nil)
		if err != nil {
			return carrier.PortStatus{}, err
		}
		o, err := parsePortingOrder(resp.Body)
		if err != nil {
			return carrier.PortStatus{}, err
		}
		if !slices.Contains(values, o.Status.Value) {
			values = append(values, o.Status.Value)
		}
		switch o.Status.Value {
		case portException:
			reasons = append(reasons, o.Status.Details...)
			if len(o.Status.Details) == 0 {
				reasons = append(reasons, "order "+o.ID+" is in exception")
			}
		case portPorted:
			ported++
		case portCancelled:
			canceled = true
		case portFOCConfirmed:
			focs++
		}
		if o.ActivationSettings.FOCActual != nil {
			if t, err := time.Parse(time.RFC3339, *o.ActivationSettings.FOCActual); err == nil && t.After(st.Date) {
				st.Date = t.UTC()
			}
		}
		comments, err := c.portComments(ctx, id)
		if err != nil {
			return carrier.PortStatus{}, err
		}
		for _, cm := range comments {
			t, _ := time.Parse(time.RFC3339, cm.CreatedAt)
			st.Messages = append(st.Messages, carrier.PortMessage{ID: cm.ID, Time: t.UTC(), Author: cm.UserType, Text: strings.TrimSpace(cm.Body)})
		}
	}
	slices.SortStableFunc(st.Messages, func(a, b carrier.PortMessage) int { return a.Time.Compare(b.Time) })
	st.Status = strings.Join(values, ", ")
	switch n := len(ref.IDs); {
	case len(reasons) > 0:
		st.State, st.Reason = carrier.PortRejected, strings.Join(reasons, "; ")
	case canceled:
		st.State = carrier.PortCanceled
	case ported == n:
		st.State = carrier.PortCompleted
	case focs+ported == n && !st.Date.IsZero():
		st.State = carrier.PortScheduled
	default:
		st.State = carrier.PortPending
	}
	return st, nil
}

// portComments reads a porting order's comments.
func (c *Carrier) portComments(ctx context.Context, id string) ([]portingComment, error) {
	resp, err := c.http.Get(ctx, "v2/porting_orders/"+url.PathEscape(id)+"/comments", url.Values{"page[size]": {"250"}})
	if err != nil {
		return nil, err
	}
	return parsePortingComments(resp.Body)
}

// CancelPort cancels the port's orders. An order Telnyx no longer has is
// gone, which is what was asked.
func (c *Carrier) CancelPort(ctx context.Context, ref carrier.PortRef) error {
	for _, id := range ref.IDs {
		_, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "v2/porting_orders/" + url.PathEscape(id) + "/actions/cancel"})
		if httpx.StatusCode(err) == http.StatusNotFound {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	_ carrier.Porter             = (*Carrier)(nil)
	_ carrier.PortabilityChecker = (*Carrier)(nil)
)
