package bandwidth2

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Bandwidth order and disconnect states.
const (
	statusReceived = "RECEIVED"
	statusComplete = "COMPLETE"
	statusPartial  = "PARTIAL"
	statusFailed   = "FAILED"
)

// isFinal reports whether an order in status will change no more.
// BACKORDERED and RECEIVED (and anything new) keep being followed.
func isFinal(status string) bool {
	switch status {
	case statusComplete, statusPartial, statusFailed:
		return true
	}
	return false
}

// bwError is one <Error> of a reply.
type bwError struct {
	Code        string `xml:"Code"`
	Description string `xml:"Description"`
	Number      string `xml:"TelephoneNumber"`
}

func describe(errs []bwError) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		d := strings.TrimSpace(e.Description)
		if d == "" {
			continue
		}
		if c := strings.TrimSpace(e.Code); c != "" {
			d += " (code " + c + ")"
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, "; ")
}

// searchResult is the reply to GET availableNumbers, in both shapes:
// plain numbers, or details when enableTNDetail=true.
type searchResult struct {
	XMLName     xml.Name   `xml:"SearchResult"`
	ResultCount string     `xml:"ResultCount"`
	Numbers     []string   `xml:"TelephoneNumberList>TelephoneNumber"`
	Details     []tnDetail `xml:"TelephoneNumberDetailList>TelephoneNumberDetail"`
	Errors      []bwError  `xml:"Error"`
	ErrorList   []bwError  `xml:"ErrorList>Error"`
}

type tnDetail struct {
	FullNumber string `xml:"FullNumber"`
	City       string `xml:"City"`
	LATA       string `xml:"LATA"`
	RateCenter string `xml:"RateCenter"`
	State      string `xml:"State"`
}

// found is one number a search offered.
type found struct {
	e164                          string
	rateCenter, lata, state, city string
}

// carrierData is Kazoo's {rate_center:{name,lata,state}}, keeping only the
// parts Bandwidth gave.
func (f found) carrierData() number.Doc {
	d := number.Doc{}
	rc := map[string]string{}
	for k, v := range map[string]string{"name": f.rateCenter, "lata": f.lata, "state": f.state} {
		if v != "" {
			rc[k] = v
		}
	}
	if len(rc) > 0 {
		d.Set("rate_center", rc)
	}
	if f.city != "" {
		d.Set("city", f.city)
	}
	return d
}

// details is what Bandwidth said of the number: its rate center, LATA,
// state and city (only with enableTNDetail). Bandwidth quotes no price and
// no capabilities in a search.
func (f found) details() carrier.Details {
	return carrier.Details{
		Locality:   carrier.Locality{City: f.city, Region: f.state},
		RateCenter: f.rateCenter,
		LATA:       f.lata,
	}
}

// parseSearchResult reads a search reply. Numbers that are not 10 digits
// are skipped rather than offered; an error element in the reply is a
// carrier fault.
func parseSearchResult(body []byte) ([]found, error) {
	r, err := httpx.DecodeXML[searchResult](Name, body)
	if err != nil {
		return nil, err
	}
	if msg := describe(append(r.Errors, r.ErrorList...)); msg != "" {
		return nil, refusal("%s: search failed: %s", msg)
	}
	out := make([]found, 0, len(r.Numbers)+len(r.Details))
	for _, tn := range r.Numbers {
		if e, ok := e164(tn); ok {
			out = append(out, found{e164: e})
		}
	}
	for _, d := range r.Details {
		if e, ok := e164(d.FullNumber); ok {
			out = append(out, found{
				e164:       e,
				rateCenter: strings.TrimSpace(d.RateCenter),
				lata:       strings.TrimSpace(d.LATA),
				state:      strings.TrimSpace(d.State),
				city:       strings.TrimSpace(d.City),
			})
		}
	}
	return out, nil
}

func e164(tn string) (string, bool) {
	tn = strings.TrimSpace(tn)
	if len(tn) != 10 || strings.Trim(tn, "0123456789") != "" {
		return "", false
	}
	return "+1" + tn, true
}

// orderRequest is the <Order> Bandwidth buys known numbers with.
type orderRequest struct {
	XMLName         xml.Name `xml:"Order"`
	Name            string   `xml:"Name"`
	CustomerOrderID string   `xml:"CustomerOrderId,omitempty"`
	SiteID          string   `xml:"SiteId"`
	PeerID          string   `xml:"PeerId,omitempty"`
	PartialAllowed  bool     `xml:"PartialAllowed"`
	Numbers         []string `xml:"ExistingTelephoneNumberOrderType>TelephoneNumberList>TelephoneNumber"`
}

// orderResponse is the reply to POST orders and GET orders/{id}.
type orderResponse struct {
	XMLName xml.Name `xml:"OrderResponse"`
	Order   struct {
		ID              string `xml:"id"`
		Name            string `xml:"Name"`
		CustomerOrderID string `xml:"CustomerOrderId"`
	} `xml:"Order"`
	Status    string    `xml:"OrderStatus"`
	Completed []string  `xml:"CompletedNumbers>TelephoneNumber>FullNumber"`
	Failed    []string  `xml:"FailedNumbers>FullNumber"`
	ErrorList []bwError `xml:"ErrorList>Error"`
}

// order is what Numan needs of an order reply.
type order struct {
	ID        string
	Status    string
	Completed []string // nil when the reply does not list them
	Failed    []string
	Errors    []bwError
}

// completed reports whether tn was activated: the order is COMPLETE or
// PARTIAL, and when the reply lists the numbers, tn is among the completed
// ones and not among the failed.
func (o order) completed(tn string) bool {
	if o.Status != statusComplete && o.Status != statusPartial {
		return false
	}
	for _, f := range o.Failed {
		if strings.TrimSpace(f) == tn {
			return false
		}
	}
	if o.Completed == nil {
		return o.Status == statusComplete
	}
	for _, c := range o.Completed {
		if strings.TrimSpace(c) == tn {
			return true
		}
	}
	return false
}

func parseOrderResponse(body []byte) (order, error) {
	r, err := httpx.DecodeXML[orderResponse](Name, body)
	if err != nil {
		return order{}, err
	}
	status := strings.ToUpper(strings.TrimSpace(r.Status))
	if status == "" {
		if msg := describe(r.ErrorList); msg != "" {
			return order{}, refusal("%s: order rejected: %s", msg)
		}
		return order{}, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: order reply has no OrderStatus", Name))
	}
	return order{
		ID:        strings.TrimSpace(r.Order.ID),
		Status:    status,
		Completed: r.Completed,
		Failed:    r.Failed,
		Errors:    r.ErrorList,
	}, nil
}

// disconnectRequest is the <DisconnectTelephoneNumberOrder> that gives
// numbers back to Bandwidth. The element is "name" in lower case, as in
// Bandwidth's own examples.
type disconnectRequest struct {
	XMLName xml.Name `xml:"DisconnectTelephoneNumberOrder"`
	Name    string   `xml:"name"`
	Numbers []string `xml:"DisconnectTelephoneNumberOrderType>TelephoneNumberList>TelephoneNumber"`
	Mode    string   `xml:"DisconnectTelephoneNumberOrderType>DisconnectMode"`
}

// disconnectResponse is the reply to POST disconnects and GET
// disconnects/{id}.
type disconnectResponse struct {
	XMLName      xml.Name `xml:"DisconnectTelephoneNumberOrderResponse"`
	OrderRequest struct {
		ID string `xml:"id"`
	} `xml:"orderRequest"`
	Status    string    `xml:"OrderStatus"`
	ErrorList []bwError `xml:"ErrorList>Error"`
}

func parseDisconnectResponse(body []byte) (order, error) {
	r, err := httpx.DecodeXML[disconnectResponse](Name, body)
	if err != nil {
		return order{}, err
	}
	status := strings.ToUpper(strings.TrimSpace(r.Status))
	if status == "" {
		if msg := describe(r.ErrorList); msg != "" {
			return order{}, refusal("%s: disconnect rejected: %s", msg)
		}
		// Bandwidth's create reply may omit the status: the order was
		// received and is followed like any other.
		status = statusReceived
	}
	return order{ID: strings.TrimSpace(r.OrderRequest.ID), Status: status, Errors: r.ErrorList}, nil
}

// refusal is a by_carrier error for an ErrorList in a 2xx reply: Bandwidth
// refused, for the reason its descriptions give.
func refusal(format, msg string) error {
	return carrier.Classify(number.Errorf(number.KindByCarrier, "", format, Name, msg), carrier.ClassifyMessage(msg))
}

// errorMessage finds the Description of every Error in an error reply,
// whatever its root element: Bandwidth wraps errors in the resource's own
// response element (SearchResult, OrderResponse, ...).
func errorMessage(_ int, body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var errs []bwError
	for {
		tok, err := dec.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) && len(errs) == 0 {
				return ""
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Error" {
			var e bwError
			if dec.DecodeElement(&e, &se) != nil {
				break
			}
			errs = append(errs, e)
		}
	}
	return describe(errs)
}
