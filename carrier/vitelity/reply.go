package vitelity

import (
	"encoding/json"
	"encoding/xml"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// reply is every answer of Vitelity's XML API: a <content> root with a
// status, the numbers a list command offers and, on failure, an error.
type reply struct {
	XMLName  xml.Name `xml:"content"`
	Status   string   `xml:"status"`
	Error    string   `xml:"error"`
	Response string   `xml:"response"`
	Numbers  *struct {
		Entries []element `xml:",any"`
	} `xml:"numbers"`
}

// element is one child of <numbers>: a <did> holding just the number, a
// <did> or <number> with one child per detail, or a <response> message.
type element struct {
	XMLName xml.Name
	Text    string    `xml:",chardata"`
	Fields  []element `xml:",any"`
}

// offer is one number a list command returned.
type offer struct {
	Number string     // E.164
	Data   number.Doc // the details Vitelity gave, "number" in E.164
}

// details normalises what Vitelity said of the number: its rate center and
// state. Vitelity's list commands give no city, capabilities or price.
func (o offer) details() carrier.Details {
	var rc, state string
	o.Data.Get("ratecenter", &rc)
	o.Data.Get("state", &state)
	return carrier.Details{Locality: carrier.Locality{Region: strings.TrimSpace(state)}, RateCenter: strings.TrimSpace(rc)}
}

// parseList reads the reply to listnpa, listnpanxx or listtollfree. A
// <status>fail</status> or a <response> in place of numbers is the
// carrier's refusal; a number that is no NANP number is skipped rather than
// offered.
func parseList(body []byte) ([]offer, error) {
	r, err := decode(body)
	if err != nil {
		return nil, err
	}
	if r.Numbers == nil {
		return nil, nil
	}
	var offers []offer
	for _, e := range r.Numbers.Entries {
		switch e.XMLName.Local {
		case "response":
			return nil, fault(strings.TrimSpace(e.Text))
		case "did", "number":
			if o, ok := e.offer(); ok {
				offers = append(offers, o)
			}
		}
	}
	return offers, nil
}

// parseStatus reads the reply to getlocaldid, gettollfree or removedid:
// anything but <status>fail</status> is success, as in Kazoo.
func parseStatus(body []byte) error {
	_, err := decode(body)
	return err
}

func decode(body []byte) (reply, error) {
	r, err := httpx.DecodeXML[reply](Name, body)
	if err != nil {
		return reply{}, err
	}
	if strings.EqualFold(strings.TrimSpace(r.Status), "fail") {
		msg := strings.TrimSpace(r.Error)
		if msg == "" {
			msg = strings.TrimSpace(r.Response)
		}
		if msg == "" {
			msg = "request failed"
		}
		return reply{}, fault(msg)
	}
	return r, nil
}

func (e element) offer() (offer, bool) {
	if len(e.Fields) == 0 {
		num, ok := toE164(e.Text)
		if !ok {
			return offer{}, false
		}
		d := number.Doc{}
		d.Set("number", num)
		return offer{Number: num, Data: d}, true
	}
	d := number.Doc{}
	var num string
	for _, f := range e.Fields {
		key := f.XMLName.Local
		val := strings.TrimSpace(f.Text)
		if key == "number" || key == "did" {
			n, ok := toE164(val)
			if !ok {
				return offer{}, false
			}
			num = n
			key = "number"
			val = n
		}
		raw, _ := json.Marshal(val) // a string always encodes
		d[key] = raw
	}
	if num == "" {
		return offer{}, false
	}
	return offer{Number: num, Data: d}, true
}

// toE164 turns the ten-digit (or 1 + ten-digit) numbers Vitelity sends into
// E.164.
func toE164(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if len(s) == 11 && s[0] == '1' {
		s = s[1:]
	}
	if len(s) != 10 || !allDigits(s) {
		return "", false
	}
	return "+1" + s, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// fault is a refusal Vitelity reported in a well-formed reply. Its API has
// no error codes, so the words say why (carrier.ClassifyMessage: "DID is
// not available" is Taken, "Invalid login" is Auth).
func fault(msg string) *number.Error {
	if msg == "" {
		msg = "request failed"
	}
	return &number.Error{
		Kind:    number.KindByCarrier,
		Cause:   Name + ": " + msg,
		Details: map[string]any{"carrier": Name, "message": msg},
		Err:     &carrier.Failure{Class: carrier.ClassifyMessage(msg)},
	}
}
