package voipinnovations

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// envelope is a SOAP 1.1 reply: a Fault, or the <{action}Response>
// element holding the <{action}Result>.
type envelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Body    struct {
		Fault     *soapFault    `xml:"Fault"`
		Responses []actionReply `xml:",any"`
	} `xml:"Body"`
}

type soapFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
}

type actionReply struct {
	XMLName xml.Name
	Results []result `xml:",any"`
}

// result is the part every API call answers with: a response code
// (100 is success), a message, and the DIDs or DID locators concerned.
type result struct {
	XMLName         xml.Name
	ResponseCode    string    `xml:"responseCode"`
	ResponseMessage string    `xml:"responseMessage"`
	DIDs            []did     `xml:"DIDs>DID"`
	Locators        []locator `xml:"DIDLocators>DIDLocator"`
}

// did is the per-number outcome of assignDID and releaseDID.
type did struct {
	TN           string `xml:"tn"`
	Availability string `xml:"availability"`
	Status       string `xml:"status"`
	StatusCode   string `xml:"statusCode"`
}

// locator is one number getDIDs offers.
type locator struct {
	TN           string `xml:"tn"`
	RateCenter   string `xml:"rateCenter"`
	State        string `xml:"state"`
	LATA         string `xml:"lataId"`
	OutboundCNAM string `xml:"outboundCNAM"`
	T38          string `xml:"t38"`
}

// details normalises what a locator says of its number: rate center, state
// and LATA, and, when it says whether the number takes T.38, that it is a
// voice number that can or cannot fax. VoIP Innovations quotes no price in
// a search.
func (l locator) details() carrier.Details {
	d := carrier.Details{
		Locality:   carrier.Locality{Region: strings.TrimSpace(l.State)},
		RateCenter: strings.TrimSpace(l.RateCenter),
		LATA:       strings.TrimSpace(l.LATA),
	}
	if t38 := strings.TrimSpace(l.T38); t38 != "" {
		d.Capabilities = &carrier.Capabilities{Voice: true, Fax: t38 == "true"}
	}
	return d
}

// successCode is VoIP Innovations' code for success, in responseCode and in
// each DID's statusCode.
const successCode = "100"

// offer is one number getDIDs returned.
type offer struct {
	Number  string
	Data    number.Doc
	Details carrier.Details
}

// parseResult reads the reply to action: a SOAP fault, a reply to another
// action or a responseCode other than 100 is a by_carrier error with the
// carrier's message.
func parseResult(action string, body []byte) (result, error) {
	env, err := httpx.DecodeXML[envelope](Name, body)
	if err != nil {
		return result{}, err
	}
	if f := env.Body.Fault; f != nil {
		// A SOAP fault in a 2xx reply says the call failed somewhere,
		// not that nothing happened.
		return result{}, fault(carrier.Unclassified, faultText(f))
	}
	for _, r := range env.Body.Responses {
		if r.XMLName.Local != action+"Response" {
			continue
		}
		for _, res := range r.Results {
			if res.XMLName.Local != action+"Result" {
				continue
			}
			if code := strings.TrimSpace(res.ResponseCode); code != successCode {
				msg := strings.TrimSpace(res.ResponseMessage)
				if msg == "" {
					msg = "response code " + code
				}
				return result{}, fault(carrier.ClassifyMessage(msg), msg)
			}
			return res, nil
		}
	}
	return result{}, fault(carrier.Transient, "reply holds no "+action+"Result")
}

// parseGetDIDs reads the numbers a getDIDs reply offers, in order. A
// locator whose tn is no NANP number is skipped.
func parseGetDIDs(body []byte) ([]offer, error) {
	res, err := parseResult("getDIDs", body)
	if err != nil {
		return nil, err
	}
	var offers []offer
	for _, l := range res.Locators {
		num, ok := toE164(l.TN)
		if !ok {
			continue
		}
		d := number.Doc{}
		d.Set("e164", num)
		d.Set("rate_center", strings.TrimSpace(l.RateCenter))
		d.Set("state", strings.TrimSpace(l.State))
		d.Set("cnam", strings.TrimSpace(l.OutboundCNAM) == "true")
		d.Set("t38", strings.TrimSpace(l.T38) == "true")
		offers = append(offers, offer{Number: num, Data: d, Details: l.details()})
	}
	return offers, nil
}

// parseDIDStatus reads the reply to assignDID or releaseDID: success needs
// responseCode 100 and statusCode 100 on every DID, and at least one DID.
func parseDIDStatus(action string, body []byte) error {
	res, err := parseResult(action, body)
	if err != nil {
		return err
	}
	if len(res.DIDs) == 0 {
		return fault(carrier.Transient, "reply reports no DID")
	}
	for _, d := range res.DIDs {
		if code := strings.TrimSpace(d.StatusCode); code != successCode {
			msg := strings.TrimSpace(d.Status)
			if msg == "" {
				msg = "status code " + code
			}
			return fault(carrier.ClassifyMessage(msg), msg)
		}
	}
	return nil
}

// parseQueryDID reads the reply to queryDID for tn: held when the DID is
// assigned to the account, not held when it is available. Any other answer
// leaves the question open, which is an error: reconciliation must not
// forget a number the carrier may have sold.
func parseQueryDID(body []byte, tn string) (bool, error) {
	res, err := parseResult("queryDID", body)
	if err != nil {
		return false, err
	}
	for _, d := range res.DIDs {
		if strings.TrimSpace(d.TN) != tn {
			continue
		}
		switch avail := strings.ToLower(strings.TrimSpace(d.Availability)); {
		case strings.TrimSpace(d.StatusCode) == successCode && avail == "assigned":
			return true, nil
		case avail == "available":
			return false, nil
		}
		msg := strings.TrimSpace(d.Status)
		if msg == "" {
			msg = "availability " + strings.TrimSpace(d.Availability)
		}
		return false, fault(carrier.Unclassified, "cannot tell who holds "+tn+": "+msg)
	}
	return false, fault(carrier.Transient, "reply reports nothing about "+tn)
}

// faultMessage is the carrier's message in an error reply (a SOAP fault
// comes with HTTP 500), for httpx.Client.ErrorMessage.
func faultMessage(_ int, body []byte) string {
	if !bytes.Contains(body, []byte("Fault")) {
		return ""
	}
	env, err := httpx.DecodeXML[envelope](Name, body)
	if err != nil || env.Body.Fault == nil {
		return ""
	}
	return faultText(env.Body.Fault)
}

func faultText(f *soapFault) string {
	msg := strings.TrimSpace(f.String)
	if msg == "" {
		msg = strings.TrimSpace(f.Code)
	}
	if msg == "" {
		msg = "SOAP fault"
	}
	return msg
}

// toE164 turns a ten-digit tn into E.164.
func toE164(tn string) (string, bool) {
	tn = strings.TrimSpace(tn)
	if len(tn) == 11 && tn[0] == '1' {
		tn = tn[1:]
	}
	if len(tn) != 10 || !allDigits(tn) {
		return "", false
	}
	return "+1" + tn, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// fault is a failure read from a well-formed reply, of class class: a
// response or status code other than success is the carrier's refusal,
// classified by its words (the codes are not documented well enough to
// trust: "Number not available for assignment" is Taken, "Invalid login
// or secret" Auth); a reply that lacks what it should have is transient.
func fault(class carrier.Class, msg string) *number.Error {
	return &number.Error{
		Kind:    number.KindByCarrier,
		Cause:   Name + ": " + msg,
		Details: map[string]any{"carrier": Name, "message": msg},
		Err:     &carrier.Failure{Class: class},
	}
}
