package bandwidth2

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Porting in at Bandwidth (the Dashboard API's LNP orders): a portability
// check (POST lnpchecker?fullCheck=true), then a port-in created as a
// draft (POST portins, ProcessingStatus DRAFT) with the submission's
// reference as its CustomerOrderId, its documents uploaded (POST
// portins/{id}/loas), and the draft submitted (PUT portins/{id},
// ProcessingStatus SUBMITTED). Its status and notes are read back (GET
// portins/{id}, GET portins/{id}/notes); a cancellation is DELETE
// portins/{id}. A submission interrupted after Bandwidth made the order
// finds it again by its CustomerOrderId (GET portins?customerOrderId=).

// Port-in processing states.
const (
	lnpDraft            = "DRAFT"
	lnpPendingDocuments = "PENDING_DOCUMENTS"
	lnpSubmitted        = "SUBMITTED"
	lnpFOC              = "FOC"
	lnpRequestedSupp    = "REQUESTED_SUPP"
	lnpException        = "EXCEPTION"
	lnpComplete         = "COMPLETE"
	lnpCancelled        = "CANCELLED"
	lnpRequestedCancel  = "REQUESTED_CANCEL"
	lnpInvalidDraftTFNs = "INVALID_DRAFT_TFNS"
)

// lnpOrder is the port-in Numan creates.
type lnpOrder struct {
	XMLName                xml.Name      `xml:"LnpOrder"`
	CustomerOrderID        string        `xml:"CustomerOrderId"`
	ProcessingStatus       string        `xml:"ProcessingStatus"`
	BillingTelephoneNumber string        `xml:"BillingTelephoneNumber,omitempty"`
	Subscriber             lnpSubscriber `xml:"Subscriber"`
	LoaAuthorizingPerson   string        `xml:"LoaAuthorizingPerson,omitempty"`
	ListOfPhoneNumbers     []string      `xml:"ListOfPhoneNumbers>PhoneNumber"`
	AccountNumber          string        `xml:"AccountNumber,omitempty"`
	PinNumber              string        `xml:"PinNumber,omitempty"`
	LosingCarrierName      string        `xml:"LosingCarrierName,omitempty"`
	SiteID                 string        `xml:"SiteId"`
	PeerID                 string        `xml:"PeerId,omitempty"`
	RequestedFocDate       string        `xml:"RequestedFocDate,omitempty"`
	PartialPort            bool          `xml:"PartialPort"`
	Triggered              bool          `xml:"Triggered"`
}

type lnpSubscriber struct {
	SubscriberType string     `xml:"SubscriberType"`
	BusinessName   string     `xml:"BusinessName,omitempty"`
	ServiceAddress lnpAddress `xml:"ServiceAddress"`
}

type lnpAddress struct {
	HouseNumber  string `xml:"HouseNumber,omitempty"`
	StreetName   string `xml:"StreetName,omitempty"`
	AddressLine2 string `xml:"AddressLine2,omitempty"`
	City         string `xml:"City,omitempty"`
	StateCode    string `xml:"StateCode,omitempty"`
	Zip          string `xml:"Zip,omitempty"`
	Country      string `xml:"Country,omitempty"`
}

// lnpOrderResponse is a port-in as Bandwidth answers it.
type lnpOrderResponse struct {
	XMLName          xml.Name  `xml:"LnpOrderResponse"`
	OrderID          string    `xml:"OrderId"`
	CustomerOrderID  string    `xml:"CustomerOrderId"`
	ProcessingStatus string    `xml:"ProcessingStatus"`
	RequestedFocDate string    `xml:"RequestedFocDate"`
	ActualFocDate    string    `xml:"ActualFocDate"`
	Errors           []bwError `xml:"Errors"`
	ErrorList        []bwError `xml:"ErrorList>Error"`
}

// parseLNPOrder reads a port-in; one without an id or a state is no
// answer.
func parseLNPOrder(body []byte) (lnpOrderResponse, error) {
	o, err := httpx.DecodeXML[lnpOrderResponse](Name, body)
	if err != nil {
		return lnpOrderResponse{}, err
	}
	if strings.TrimSpace(o.OrderID) == "" || strings.TrimSpace(o.ProcessingStatus) == "" {
		return lnpOrderResponse{}, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: a port-in without OrderId or ProcessingStatus", Name))
	}
	o.OrderID, o.ProcessingStatus = strings.TrimSpace(o.OrderID), strings.TrimSpace(o.ProcessingStatus)
	return o, nil
}

// lnpList is the reply to GET portins.
type lnpList struct {
	XMLName xml.Name `xml:"LNPResponseWrapper"`
	Orders  []struct {
		OrderID          string `xml:"OrderId"`
		CustomerOrderID  string `xml:"CustomerOrderId"`
		ProcessingStatus string `xml:"ProcessingStatus"`
	} `xml:"lnpPortInfoForGivenStatus"`
}

// lnpNotes is the reply to GET portins/{id}/notes.
type lnpNotes struct {
	XMLName xml.Name `xml:"Notes"`
	Notes   []struct {
		ID          string `xml:"Id"`
		UserID      string `xml:"UserId"`
		Description string `xml:"Description"`
		Modified    string `xml:"LastDateModifier"`
	} `xml:"Note"`
}

// parseLNPNotes reads a port-in's notes; notes without an id or text are
// skipped.
func parseLNPNotes(body []byte) ([]carrier.PortMessage, error) {
	n, err := httpx.DecodeXML[lnpNotes](Name, body)
	if err != nil {
		return nil, err
	}
	out := []carrier.PortMessage{}
	for _, note := range n.Notes {
		id, text := strings.TrimSpace(note.ID), strings.TrimSpace(note.Description)
		if id == "" || text == "" {
			continue
		}
		t, _ := time.Parse(time.RFC3339, strings.TrimSpace(note.Modified))
		out = append(out, carrier.PortMessage{ID: id, Time: t.UTC(), Author: strings.TrimSpace(note.UserID), Text: text})
	}
	return out, nil
}

// portabilityResponse is the LNP checker's answer.
type portabilityResponse struct {
	XMLName     xml.Name     `xml:"NumberPortabilityResponse"`
	Supported   []rateCenter `xml:"SupportedRateCenters>RateCenterGroup"`
	Partner     []rateCenter `xml:"PartnerSupportedRateCenters>RateCenterGroup"`
	Unsupported []rateCenter `xml:"UnsupportedRateCenters>RateCenterGroup"`
	Losing      []struct {
		Name string   `xml:"LosingCarrierName"`
		TNs  []string `xml:"TnList>Tn"`
	} `xml:"SupportedLosingCarriers>LosingCarrierTnList"`
	UnsupportedLosing []struct {
		Name string   `xml:"LosingCarrierName"`
		TNs  []string `xml:"TnList>Tn"`
	} `xml:"UnsupportedLosingCarriers>LosingCarrierTnList"`
	Errors []bwError `xml:"Errors"`
}

type rateCenter struct {
	RateCenter string   `xml:"RateCenter"`
	State      string   `xml:"State"`
	TNs        []string `xml:"TnList>Tn"`
}

// parsePortability reads the LNP checker's answer, keyed by E.164: a
// number is portable in a supported (or partner-supported) rate center
// from a supported losing carrier; anything the answer does not mention
// is absent.
func parsePortability(body []byte) (map[string]carrier.Portability, error) {
	r, err := httpx.DecodeXML[portabilityResponse](Name, body)
	if err != nil {
		return nil, err
	}
	out := map[string]carrier.Portability{}
	set := func(tn string, fn func(p *carrier.Portability)) {
		e164, ok := tnToE164(tn)
		if !ok {
			return
		}
		p, seen := out[e164]
		if !seen {
			p = carrier.Portability{Portable: true}
		}
		fn(&p)
		out[e164] = p
	}
	supported := map[string]bool{}
	for _, g := range append(slices.Clone(r.Supported), r.Partner...) {
		for _, tn := range g.TNs {
			supported[strings.TrimSpace(tn)] = true
			set(tn, func(*carrier.Portability) {})
		}
	}
	for _, g := range r.Unsupported {
		for _, tn := range g.TNs {
			set(tn, func(p *carrier.Portability) {
				p.Portable, p.Reason = false, strings.TrimSpace("rate center not supported: "+strings.TrimSpace(g.RateCenter+" "+g.State))
			})
		}
	}
	for _, l := range r.Losing {
		for _, tn := range l.TNs {
			set(tn, func(p *carrier.Portability) { p.LosingCarrier = strings.TrimSpace(l.Name) })
		}
	}
	for _, l := range r.UnsupportedLosing {
		for _, tn := range l.TNs {
			set(tn, func(p *carrier.Portability) {
				p.Portable, p.LosingCarrier = false, strings.TrimSpace(l.Name)
				p.Reason = strings.TrimSpace("losing carrier not supported: " + p.LosingCarrier)
			})
		}
	}
	// A number that is only in a losing carrier's list has no rate
	// center Bandwidth supports.
	for e164, p := range out {
		if p.Portable && !supported[strings.TrimPrefix(e164, "+1")] {
			p.Portable, p.Reason = false, "rate center not supported"
			out[e164] = p
		}
	}
	return out, nil
}

// tnToE164 turns a Bandwidth TN (ten digits, or with its 1) into E.164.
func tnToE164(tn string) (string, bool) {
	tn = strings.TrimPrefix(strings.TrimSpace(tn), "+")
	if len(tn) == 11 && tn[0] == '1' {
		tn = tn[1:]
	}
	if len(tn) != 10 || strings.Trim(tn, "0123456789") != "" {
		return "", false
	}
	return "+1" + tn, true
}

// tn is an E.164 NANP number as Bandwidth writes it (ten digits).
func tn(e164 string) string { return strings.TrimPrefix(e164, "+1") }

// CheckPortability asks Bandwidth's LNP checker whether nums can be
// ported in.
func (c *Carrier) CheckPortability(ctx context.Context, nums []string) (map[string]carrier.Portability, error) {
	type request struct {
		XMLName xml.Name `xml:"NumberPortabilityRequest"`
		TNs     []string `xml:"TnList>Tn"`
	}
	req := request{}
	for _, n := range nums {
		req.TNs = append(req.TNs, tn(n))
	}
	body, err := xml.Marshal(req)
	if err != nil {
		return nil, number.Wrap(number.KindInternal, "", err)
	}
	// A check changes nothing at Bandwidth: it may be sent again.
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "lnpchecker", Query: url.Values{"fullCheck": {"true"}},
		Body: append([]byte(xml.Header), body...), ContentType: "application/xml; charset=utf-8", Idempotent: true})
	if err != nil {
		return nil, err
	}
	return parsePortability(resp.Body)
}

// SubmitPort creates the port-in as a draft (or finds the one an earlier
// attempt made), uploads its documents and submits it.
func (c *Carrier) SubmitPort(ctx context.Context, s carrier.PortSubmission) (carrier.PortRef, error) {
	id, status, err := c.findPortIn(ctx, s.Reference)
	if err != nil {
		return carrier.PortRef{}, err
	}
	if id == "" {
		if id, status, err = c.createPortIn(ctx, s); err != nil {
			return carrier.PortRef{}, err
		}
	}
	ref := carrier.PortRef{IDs: []string{id}}
	// From here on the order exists: whatever fails, the next attempt
	// finds it by its CustomerOrderId.
	if status != lnpDraft {
		return ref, nil // submitted by an earlier attempt
	}
	for _, d := range s.Documents {
		kind := map[string]string{carrier.DocumentLOA: "LOA", carrier.DocumentInvoice: "INVOICE"}[d.Kind]
		if kind == "" {
			kind = "OTHER"
		}
		_, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "portins/" + url.PathEscape(id) + "/loas",
			Query: url.Values{"documentType": {kind}}, Body: d.Data, ContentType: d.ContentType})
		if err != nil {
			return carrier.PortRef{}, err
		}
	}
	type supp struct {
		XMLName          xml.Name `xml:"LnpOrderSupp"`
		ProcessingStatus string   `xml:"ProcessingStatus"`
	}
	body, err := xml.Marshal(supp{ProcessingStatus: lnpSubmitted})
	if err != nil {
		return carrier.PortRef{}, number.Wrap(number.KindInternal, "", err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPut, Path: "portins/" + url.PathEscape(id),
		Body: append([]byte(xml.Header), body...), ContentType: "application/xml; charset=utf-8"})
	if err != nil {
		return carrier.PortRef{}, err
	}
	o, err := parseLNPOrder(resp.Body)
	if err != nil {
		return carrier.PortRef{}, err
	}
	if o.ProcessingStatus == lnpDraft || o.ProcessingStatus == lnpInvalidDraftTFNs || o.ProcessingStatus == lnpException {
		return carrier.PortRef{}, c.http.Refusal(carrier.Rejected, "", "port-in %s stayed %s: %s", id, o.ProcessingStatus,
			describe(append(o.Errors, o.ErrorList...)))
	}
	return ref, nil
}

// findPortIn returns the port-in whose CustomerOrderId is reference, or
// "" when there is none.
func (c *Carrier) findPortIn(ctx context.Context, reference string) (id, status string, err error) {
	resp, err := c.http.Get(ctx, "portins", url.Values{"customerOrderId": {reference}})
	if err != nil {
		return "", "", err
	}
	if len(strings.TrimSpace(string(resp.Body))) == 0 {
		return "", "", nil // Bandwidth answers an empty listing with 204 and no body
	}
	list, err := httpx.DecodeXML[lnpList](Name, resp.Body)
	if err != nil {
		return "", "", err
	}
	for _, o := range list.Orders {
		// Only one that says so: a server ignoring the filter would list
		// every port-in of the account.
		if strings.TrimSpace(o.CustomerOrderID) == reference && strings.TrimSpace(o.OrderID) != "" {
			return strings.TrimSpace(o.OrderID), strings.TrimSpace(o.ProcessingStatus), nil
		}
	}
	return "", "", nil
}

// createPortIn creates the submission's port-in as a draft.
func (c *Carrier) createPortIn(ctx context.Context, s carrier.PortSubmission) (string, string, error) {
	country := s.Address.Country
	if country == "" {
		country = "US"
	}
	order := lnpOrder{
		CustomerOrderID:        s.Reference,
		ProcessingStatus:       lnpDraft,
		BillingTelephoneNumber: tn(s.BillingNumber),
		Subscriber: lnpSubscriber{
			SubscriberType: "BUSINESS",
			BusinessName:   s.EntityName,
			ServiceAddress: lnpAddress{
				HouseNumber: s.Address.HouseNumber, StreetName: s.Address.Street, AddressLine2: s.Address.Extended,
				City: s.Address.Locality, StateCode: s.Address.Region, Zip: s.Address.PostalCode, Country: country,
			},
		},
		LoaAuthorizingPerson: s.AuthorizedBy,
		AccountNumber:        s.AccountNumber,
		PinNumber:            s.PIN,
		LosingCarrierName:    s.LosingCarrier,
		SiteID:               string(c.cfg.SiteID),
		PeerID:               string(c.cfg.SIPPeer),
	}
	for _, n := range s.Numbers {
		order.ListOfPhoneNumbers = append(order.ListOfPhoneNumbers, tn(n))
	}
	if !s.RequestedDate.IsZero() {
		order.RequestedFocDate = s.RequestedDate.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	body, err := xml.Marshal(order)
	if err != nil {
		return "", "", number.Wrap(number.KindInternal, "", err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "portins",
		Body: append([]byte(xml.Header), body...), ContentType: "application/xml; charset=utf-8"})
	if err != nil {
		return "", "", err
	}
	o, err := parseLNPOrder(resp.Body)
	if err != nil {
		return "", "", err
	}
	return o.OrderID, o.ProcessingStatus, nil
}

// PortStatus reads the port-in and its notes.
func (c *Carrier) PortStatus(ctx context.Context, ref carrier.PortRef) (carrier.PortStatus, error) {
	if len(ref.IDs) != 1 {
		return carrier.PortStatus{}, carrier.NotSent(number.Errorf(number.KindByCarrier, "", "%s: a port is one port-in order, not %d", Name, len(ref.IDs)))
	}
	id := ref.IDs[0]
	resp, err := c.http.Get(ctx, "portins/"+url.PathEscape(id), nil)
	if err != nil {
		return carrier.PortStatus{}, err
	}
	o, err := parseLNPOrder(resp.Body)
	if err != nil {
		return carrier.PortStatus{}, err
	}
	st := carrier.PortStatus{Status: o.ProcessingStatus}
	for _, d := range []string{o.ActualFocDate, o.RequestedFocDate} {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(d)); err == nil {
			st.Date = t.UTC()
			break
		}
	}
	switch o.ProcessingStatus {
	case lnpFOC:
		st.State = carrier.PortScheduled
		if st.Date.IsZero() {
			st.State = carrier.PortPending
		}
	case lnpComplete:
		st.State = carrier.PortCompleted
	case lnpException, lnpInvalidDraftTFNs:
		st.State, st.Reason = carrier.PortRejected, describe(append(o.Errors, o.ErrorList...))
	case lnpCancelled:
		st.State = carrier.PortCanceled
	default: // DRAFT, PENDING_DOCUMENTS, SUBMITTED, REQUESTED_SUPP, REQUESTED_CANCEL, ...
		st.State = carrier.PortPending
	}
	resp, err = c.http.Get(ctx, "portins/"+url.PathEscape(id)+"/notes", nil)
	if err != nil {
		return carrier.PortStatus{}, err
	}
	if len(strings.TrimSpace(string(resp.Body))) > 0 {
		if st.Messages, err = parseLNPNotes(resp.Body); err != nil {
			return carrier.PortStatus{}, err
		}
	}
	slices.SortStableFunc(st.Messages, func(a, b carrier.PortMessage) int { return a.Time.Compare(b.Time) })
	return st, nil
}

// CancelPort cancels the port-in. One Bandwidth no longer has is gone,
// which is what was asked.
func (c *Carrier) CancelPort(ctx context.Context, ref carrier.PortRef) error {
	for _, id := range ref.IDs {
		_, err := c.http.Do(ctx, &httpx.Request{Method: http.MethodDelete, Path: "portins/" + url.PathEscape(id)})
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
