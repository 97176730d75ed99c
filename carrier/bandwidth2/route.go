package bandwidth2

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Route is where Bandwidth sends a number's calls and messages: the
// location (SIP peer) of a sub-account (site) the number is moved to.
// The site defaults to the carrier's site_id.
type Route struct {
	SiteID  idText `json:"site_id"`
	SIPPeer idText `json:"sip_peer"`
}

// moveTNs is the body of a SIP peer's movetns.
type moveTNs struct {
	XMLName xml.Name `xml:"SipPeerTelephoneNumbers"`
	Numbers []string `xml:"FullNumber"`
}

// CheckRoute validates a route: known keys, a SIP peer, a site (its own
// or the carrier's).
func (c *Carrier) CheckRoute(raw json.RawMessage) error {
	r, err := c.route(raw)
	if err != nil {
		return err
	}
	if r.SIPPeer == "" || r.SiteID == "" {
		return number.Errorf(number.KindInvalid, "", "routing.%s: sip_peer and site_id (or the carrier's site_id) are required", Name)
	}
	return nil
}

func (c *Carrier) route(raw json.RawMessage) (Route, error) {
	var r Route
	if err := carrier.DecodeRoute(Name, raw, &r); err != nil {
		return Route{}, err
	}
	if r.SiteID == "" {
		r.SiteID = c.cfg.SiteID
	}
	return r, nil
}

// Route moves the number to the route's SIP peer (POST
// sites/{site}/sippeers/{peer}/movetns). Moving a number to the peer that
// has it changes nothing, so the call is retried safely.
func (c *Carrier) Route(ctx context.Context, n *number.Number, raw json.RawMessage) (number.Doc, error) {
	r, err := c.route(raw)
	if err != nil {
		return nil, err
	}
	tn, err := nationalNumber(n.Number)
	if err != nil {
		return nil, err
	}
	body, err := xml.Marshal(moveTNs{Numbers: []string{tn}})
	if err != nil {
		return nil, number.Wrap(number.KindInternal, n.Number, err)
	}
	_, err = c.http.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		Path:        "sites/" + url.PathEscape(string(r.SiteID)) + "/sippeers/" + url.PathEscape(string(r.SIPPeer)) + "/movetns",
		Body:        append([]byte(xml.Header), body...),
		ContentType: "application/xml; charset=utf-8",
		Idempotent:  true,
		Number:      n.Number,
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

var _ carrier.Router = (*Carrier)(nil)
