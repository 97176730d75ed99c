package voipinnovations

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// ListNumbers lists the DIDs assigned to the account with auditDIDs.
// The API answers the whole list at once, so there is one page, bounded by
// the reply size every call is held to (a reply over it fails rather than
// being cut short). Each DID's endpoint group is its route, checked
// against endpoint_group; the API gives no id Numan records, so carrier
// data is empty.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	if token != "" {
		return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: auditDIDs has one page; bad page token %q", Name, token))
	}
	body, err := c.call(ctx, "auditDIDs", nil, true, "")
	if err != nil {
		return carrier.HeldPage{}, err
	}
	dids, err := parseAuditDIDs(body)
	if err != nil {
		return carrier.HeldPage{}, c.annotate(err, "")
	}
	page := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(dids))}
	seen := map[string]bool{}
	for _, d := range dids {
		num, ok := toE164(d.TN)
		if !ok || seen[num] {
			continue
		}
		seen[num] = true
		route := strings.TrimSpace(d.EndpointID)
		if route == "0" {
			route = "" // routed nowhere
		}
		page.Numbers = append(page.Numbers, carrier.Held{
			Number:      num,
			CarrierData: number.Doc{},
			Status:      strings.TrimSpace(d.Status),
			Route:       route,
			WantRoute:   strings.TrimSpace(c.cfg.EndpointGroup),
		})
	}
	return page, nil
}

// auditedDID is one DID of an auditDIDs reply.
type auditedDID struct {
	TN         string `xml:"tn"`
	Status     string `xml:"status"`
	EndpointID string `xml:"endpointId"`
}

// parseAuditDIDs reads the reply to auditDIDs: parseResult checks it is a
// successful auditDIDsResult (a fault, another action's reply or an error
// code is an error), then its DIDs are read with their endpoint groups.
func parseAuditDIDs(body []byte) ([]auditedDID, error) {
	if _, err := parseResult("auditDIDs", body); err != nil {
		return nil, err
	}
	env, err := httpx.DecodeXML[struct {
		XMLName xml.Name     `xml:"Envelope"`
		DIDs    []auditedDID `xml:"Body>auditDIDsResponse>auditDIDsResult>DIDs>DID"`
	}](Name, body)
	if err != nil {
		return nil, err
	}
	return env.DIDs, nil
}

var _ carrier.Lister = (*Carrier)(nil)
