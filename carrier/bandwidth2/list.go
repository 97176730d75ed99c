package bandwidth2

import (
	"context"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// listPageSize is the size of a page of in-service numbers.
const listPageSize = 500

// ListNumbers lists the account's in-service numbers (GET
// inserviceNumbers?page=&size=), 500 at a time. Bandwidth pages by number:
// the token is the page value of the reply's next link (the first number
// of the next page), never the link itself, so a listing never sends the
// credentials anywhere but api_url. The listing carries nothing but the
// numbers: no ids, no route, all in service.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	page := "1"
	if token != "" {
		if strings.Trim(token, "0123456789") != "" || len(token) > 15 {
			return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: bad page token %q", Name, token))
		}
		page = token
	}
	resp, err := c.http.Get(ctx, "inserviceNumbers", url.Values{"page": {page}, "size": {strconv.Itoa(listPageSize)}})
	if err != nil {
		return carrier.HeldPage{}, err
	}
	tns, next, err := parseInService(resp.Body)
	if err != nil {
		return carrier.HeldPage{}, err
	}
	out := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(tns))}
	for _, tn := range tns {
		if e, ok := e164(tn); ok {
			out.Numbers = append(out.Numbers, carrier.Held{Number: e, CarrierData: number.Doc{}, Status: "in service"})
		}
	}
	if next != "" && next != page {
		out.Next = next
	}
	return out, nil
}

// inService is the reply to GET inserviceNumbers.
type inService struct {
	XMLName    xml.Name `xml:"TNs"`
	TotalCount *string  `xml:"TotalCount"`
	Next       string   `xml:"Links>next"`
	Numbers    []string `xml:"TelephoneNumbers>TelephoneNumber"`
}

// parseInService reads a page of in-service numbers and the page value of
// its next link ("" on the last page). A reply without TotalCount is not a
// listing; a next link that names no page is an error rather than an end,
// which would look like an account holding nothing more.
func parseInService(body []byte) ([]string, string, error) {
	r, err := httpx.DecodeXML[inService](Name, body)
	if err != nil {
		return nil, "", err
	}
	if r.TotalCount == nil {
		return nil, "", carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: in-service numbers reply has no TotalCount", Name))
	}
	next := strings.TrimSpace(r.Next)
	if next == "" {
		return r.Numbers, "", nil
	}
	page, ok := linkPage(next)
	if !ok {
		return nil, "", carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "%s: in-service numbers reply has a next link without a page: %.100q", Name, next))
	}
	return r.Numbers, page, nil
}

// linkPage reads the page value out of one of Bandwidth's links,
// Link=<https://.../inserviceNumbers?page=4155550150&size=500>;rel="next";
func linkPage(link string) (string, bool) {
	start := strings.IndexByte(link, '<')
	end := strings.IndexByte(link, '>')
	if start < 0 || end < start {
		return "", false
	}
	u, err := url.Parse(link[start+1 : end])
	if err != nil {
		return "", false
	}
	page := u.Query().Get("page")
	if page == "" || strings.Trim(page, "0123456789") != "" || len(page) > 15 {
		return "", false
	}
	return page, true
}

var _ carrier.Lister = (*Carrier)(nil)
