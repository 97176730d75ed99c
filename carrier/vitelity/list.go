package vitelity

import (
	"context"
	"net/url"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// cmdListDIDs lists the DIDs on the account.
const cmdListDIDs = "listdids"

// ListNumbers lists the account's DIDs with listdids (extra=yes: each with
// its rate center, state and sub-account). Vitelity answers the whole list
// at once, so there is one page, bounded by the reply size every call is
// held to (a reply over it fails rather than being cut short). A DID's
// sub-account is its route, checked against the first routesip when the
// reply names sub-accounts. Vitelity gives no id Numan records, so carrier
// data is empty.
func (c *Carrier) ListNumbers(ctx context.Context, token string) (carrier.HeldPage, error) {
	if token != "" {
		return carrier.HeldPage{}, carrier.NotSent(number.Errorf(number.KindInvalid, "", "%s: listdids has one page; bad page token %q", Name, token))
	}
	body, err := c.call(ctx, url.Values{"xml": {"yes"}, "cmd": {cmdListDIDs}, "extra": {"yes"}}, true, "")
	if err != nil {
		return carrier.HeldPage{}, err
	}
	dids, err := parseDIDList(body)
	if err != nil {
		return carrier.HeldPage{}, c.annotate(err, "")
	}
	want := ""
	if len(c.cfg.RouteSIP) > 0 {
		want = c.cfg.RouteSIP[0]
	}
	page := carrier.HeldPage{Numbers: make([]carrier.Held, 0, len(dids))}
	seen := map[string]bool{}
	for _, d := range dids {
		if seen[d.Number] {
			continue
		}
		seen[d.Number] = true
		h := carrier.Held{Number: d.Number, CarrierData: number.Doc{}}
		var sub string
		if d.Data.Get("subaccount", &sub) {
			h.Route, h.WantRoute = strings.TrimSpace(sub), want
		}
		page.Numbers = append(page.Numbers, h)
	}
	return page, nil
}

// parseDIDList reads the reply to listdids. The numbers element must be
// there: a reply without it says nothing of what the account holds, and
// a <response> in its place is Vitelity's refusal.
func parseDIDList(body []byte) ([]offer, error) {
	r, err := decode(body)
	if err != nil {
		return nil, err
	}
	if r.Numbers == nil {
		return nil, carrier.Uncertain(fault("listdids reply has no numbers"))
	}
	return parseList(body)
}

var _ carrier.Lister = (*Carrier)(nil)
