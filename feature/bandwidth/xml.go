package bandwidth

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

type e911Address struct {
	HouseNumber  string `xml:"HouseNumber"`
	StreetName   string `xml:"StreetName"`
	AddressLine2 string `xml:"AddressLine2,omitempty"`
	City         string `xml:"City"`
	StateCode    string `xml:"StateCode"`
	Zip          string `xml:"Zip"`
}

// e911Order is the body of POST e911s.
type e911Order struct {
	XMLName          xml.Name     `xml:"E911Order"`
	CustomerOrderID  string       `xml:"CustomerOrderId"`
	TelephoneNumbers []string     `xml:"TelephoneNumbers>TelephoneNumber"`
	CallerName       string       `xml:"CallerName,omitempty"`
	Address          *e911Address `xml:"Address,omitempty"`
	Delete           bool         `xml:"DeleteTNSpecificE911Address,omitempty"`
}

type lidbGroup struct {
	TelephoneNumbers      []string `xml:"TelephoneNumbers>TelephoneNumber"`
	SubscriberInformation string   `xml:"SubscriberInformation"`
	UseType               string   `xml:"UseType"`
	Visibility            string   `xml:"Visibility"`
}

// lidbOrder is the body of POST lidbs.
type lidbOrder struct {
	XMLName         xml.Name    `xml:"LidbOrder"`
	CustomerOrderID string      `xml:"CustomerOrderId"`
	Groups          []lidbGroup `xml:"LidbTnGroups>LidbTnGroup"`
}

type tnOptionGroup struct {
	CallingNameDisplay string   `xml:"CallingNameDisplay,omitempty"`
	Sms                string   `xml:"Sms,omitempty"`
	TelephoneNumbers   []string `xml:"TelephoneNumbers>TelephoneNumber"`
}

// tnOptionOrder is the body of POST tnOptions.
type tnOptionOrder struct {
	XMLName         xml.Name        `xml:"TnOptionOrder"`
	CustomerOrderID string          `xml:"CustomerOrderId"`
	Groups          []tnOptionGroup `xml:"TnOptionGroups>TnOptionGroup"`
}

type orderError struct {
	Code        string `xml:"Code"`
	ErrorCode   string `xml:"ErrorCode"`
	Description string `xml:"Description"`
}

// orderFields are what Numan reads of any order: Bandwidth spells the id
// OrderId or orderId depending on the order type.
type orderFields struct {
	OrderID          string       `xml:"OrderId"`
	OrderIDLower     string       `xml:"orderId"`
	ProcessingStatus string       `xml:"ProcessingStatus"`
	Errors           []orderError `xml:"ErrorList>Error"`
}

// orderReply is the reply to an order or to GET of one: the order itself
// (<E911Order>, <LidbOrder>, <TnOptionOrder>) or a response wrapping it
// (<E911OrderResponse>) with an ErrorList beside it.
type orderReply struct {
	XMLName xml.Name
	orderFields
	E911     *orderFields `xml:"E911Order"`
	Lidb     *orderFields `xml:"LidbOrder"`
	TnOption *orderFields `xml:"TnOptionOrder"`
}

// order is an order's id, status and errors.
type order struct {
	ID     string
	Status string
	Errors []orderError
}

func (o order) errors() string {
	var parts []string
	for _, e := range o.Errors {
		code := strings.TrimSpace(e.Code)
		if code == "" {
			code = strings.TrimSpace(e.ErrorCode)
		}
		d := strings.TrimSpace(e.Description)
		if code != "" {
			d = code + " " + d
		}
		if d != "" {
			parts = append(parts, d)
		}
	}
	if len(parts) == 0 {
		return "no reason given"
	}
	return strings.Join(parts, "; ")
}

var orderRoots = map[string]bool{
	"E911Order": true, "E911OrderResponse": true, "LidbOrder": true, "LidbOrderResponse": true,
	"TnOptionOrder": true, "TnOptionOrderResponse": true,
}

// parseOrder reads an order reply. It must be an order Numan places, with
// a processing status.
func parseOrder(name string, body []byte) (order, error) {
	r, err := httpx.DecodeXML[orderReply](name, body)
	if err != nil {
		return order{}, err
	}
	if !orderRoots[r.XMLName.Local] {
		return order{}, &number.Error{Kind: number.KindByCarrier, Cause: name + ": reply has root <" + r.XMLName.Local + ">, not an order",
			Details: map[string]any{"provider": name}}
	}
	f := r.orderFields
	errs := f.Errors
	for _, inner := range []*orderFields{r.E911, r.Lidb, r.TnOption} {
		if inner != nil {
			f = *inner
			errs = append(errs, inner.Errors...)
		}
	}
	o := order{ID: strings.TrimSpace(f.OrderID), Status: strings.ToUpper(strings.TrimSpace(f.ProcessingStatus)), Errors: errs}
	if o.ID == "" {
		o.ID = strings.TrimSpace(f.OrderIDLower)
	}
	if o.Status == "" {
		return order{}, &number.Error{Kind: number.KindByCarrier, Cause: name + ": order reply without a ProcessingStatus",
			Details: map[string]any{"provider": name}}
	}
	return o, nil
}

// errorMessage finds the Description of each Error in an error reply.
func errorMessage(_ int, body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var parts []string
	in := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Local == "Description"
		case xml.CharData:
			if in && len(bytes.TrimSpace(t)) > 0 {
				parts = append(parts, string(bytes.TrimSpace(t)))
			}
		case xml.EndElement:
			in = false
		}
	}
	return strings.Join(parts, "; ")
}
