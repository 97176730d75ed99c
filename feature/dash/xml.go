package dash

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// Requests. Empty elements are left out, as Kazoo did.

type xmlLocation struct {
	Address1   string `xml:"address1,omitempty"`
	Address2   string `xml:"address2,omitempty"`
	Community  string `xml:"community,omitempty"`
	State      string `xml:"state,omitempty"`
	PostalCode string `xml:"postalcode,omitempty"`
	Type       string `xml:"type"`
}

func toLocation(a feature.Address) xmlLocation {
	return xmlLocation{Address1: a.StreetAddress, Address2: a.ExtendedAddress, Community: a.Locality,
		State: a.Region, PostalCode: a.PostalCode, Type: "ADDRESS"}
}

type validateLocation struct {
	XMLName  xml.Name    `xml:"validateLocation"`
	Location xmlLocation `xml:"location"`
}

type uri struct {
	URI        string `xml:"uri"`
	CallerName string `xml:"callername"`
}

type addLocation struct {
	XMLName  xml.Name    `xml:"addLocation"`
	URI      uri         `xml:"uri"`
	Location xmlLocation `xml:"location"`
}

type provisionLocation struct {
	XMLName    xml.Name `xml:"provisionLocation"`
	LocationID string   `xml:"locationid"`
}

type removeURI struct {
	XMLName xml.Name `xml:"removeURI"`
	URI     string   `xml:"uri"`
}

// Replies: <verbResponse> holding Location elements (validateLocation,
// addLocation), a LocationStatus (provisionLocation) or a URIStatus
// (removeURI).

type xmlStatus struct {
	Code        string `xml:"code"`
	Description string `xml:"description"`
}

type location struct {
	Address1       string    `xml:"address1"`
	Address2       string    `xml:"address2"`
	ActivatedTime  string    `xml:"activatedtime"`
	CallerName     string    `xml:"callername"`
	Comments       string    `xml:"comments"`
	Community      string    `xml:"community"`
	CustomerOrder  string    `xml:"customerorderid"`
	Latitude       string    `xml:"latitude"`
	Longitude      string    `xml:"longitude"`
	LocationID     string    `xml:"locationid"`
	PlusFour       string    `xml:"plusfour"`
	PostalCode     string    `xml:"postalcode"`
	State          string    `xml:"state"`
	Status         xmlStatus `xml:"status"`
	HouseNumber    string    `xml:"legacydata>housenumber"`
	PreDirectional string    `xml:"legacydata>predirectional"`
	StreetName     string    `xml:"legacydata>streetname"`
	Suite          string    `xml:"legacydata>suite"`
}

type reply struct {
	XMLName        xml.Name
	Locations      []location `xml:"Location"`
	LocationStatus *xmlStatus `xml:"LocationStatus"`
	URIStatus      *xmlStatus `xml:"URIStatus"`
}

// status is the reply's status: the first location's (Kazoo's
// //Location/status/code).
func (r reply) status() (code, description string) {
	if len(r.Locations) == 0 {
		return "", ""
	}
	s := r.Locations[0].Status
	return strings.ToUpper(strings.TrimSpace(s.Code)), strings.TrimSpace(s.Description)
}

// parseReply reads the reply to verb: well-formed XML whose root is
// <verb>Response (in any namespace). Anything else is a by_carrier error.
func parseReply(verb string, body []byte) (reply, error) {
	r, err := httpx.DecodeXML[reply](Name, body)
	if err != nil {
		return reply{}, err
	}
	if !strings.EqualFold(r.XMLName.Local, verb+"Response") {
		return reply{}, &number.Error{Kind: number.KindByCarrier, Cause: Name + ": reply to " + verb + " has root <" + r.XMLName.Local + ">",
			Err: errors.New("unexpected root element")}
	}
	for i := range r.Locations {
		r.Locations[i].trim()
	}
	return r, nil
}

func (l *location) trim() {
	for _, s := range []*string{&l.Address1, &l.Address2, &l.ActivatedTime, &l.CallerName, &l.Comments, &l.Community,
		&l.CustomerOrder, &l.Latitude, &l.Longitude, &l.LocationID, &l.PlusFour, &l.PostalCode, &l.State,
		&l.Status.Code, &l.Status.Description, &l.HouseNumber, &l.PreDirectional, &l.StreetName, &l.Suite} {
		*s = strings.TrimSpace(*s)
	}
}

// address is the location as a suggestion.
func (l location) address() feature.Address {
	return feature.Address{CallerName: l.CallerName, StreetAddress: l.Address1, ExtendedAddress: l.Address2,
		Locality: l.Community, Region: strings.ToUpper(l.State), PostalCode: l.PostalCode, PlusFour: l.PlusFour,
		Latitude: l.Latitude, Longitude: l.Longitude, LocationID: l.LocationID}
}

// public is the location as Kazoo's e911 object (knm_dash_e911's
// location_response_to_json): only the fields DASH filled.
func (l location) public() map[string]any {
	out := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("street_address", l.Address1)
	set("extended_address", l.Address2)
	set("activated_time", l.ActivatedTime)
	set("caller_name", l.CallerName)
	set("comments", l.Comments)
	set("locality", l.Community)
	set("order_id", l.CustomerOrder)
	set("latitude", l.Latitude)
	set("longitude", l.Longitude)
	set("location_id", l.LocationID)
	set("plus_four", l.PlusFour)
	set("postal_code", l.PostalCode)
	set("region", strings.ToUpper(l.State))
	set("status", strings.ToUpper(l.Status.Code))
	legacy := map[string]string{}
	for k, v := range map[string]string{"house_number": l.HouseNumber, "predirectional": l.PreDirectional, "streetname": l.StreetName, "suite": l.Suite} {
		if v != "" {
			legacy[k] = v
		}
	}
	if len(legacy) > 0 {
		out["legacy_data"] = legacy
	}
	return out
}

func suggestions(locs []location) []feature.Address {
	out := []feature.Address{}
	for _, l := range locs {
		if l.Address1 != "" || l.Community != "" {
			out = append(out, l.address())
		}
	}
	return out
}

// errorMessage finds DASH's words in an error reply: the first
// description or message element, else nothing (the body is shown).
func errorMessage(_ int, body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	want := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := strings.ToLower(t.Name.Local)
			want = n == "description" || n == "message" || n == "faultstring"
		case xml.CharData:
			if want && len(bytes.TrimSpace(t)) > 0 {
				return string(bytes.TrimSpace(t))
			}
		case xml.EndElement:
			want = false
		}
	}
}
