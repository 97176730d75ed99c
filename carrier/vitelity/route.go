package vitelity

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Route is where Vitelity sends a number's calls: one of the account's
// SIP routes (the carrier's routesip is where numbers go when bought).
type Route struct {
	RouteSIP string `json:"routesip"`
}

// CheckRoute validates a route: known keys, a route.
func (c *Carrier) CheckRoute(raw json.RawMessage) error {
	var r Route
	if err := carrier.DecodeRoute(Name, raw, &r); err != nil {
		return err
	}
	if r.RouteSIP == "" {
		return number.Errorf(number.KindInvalid, "", "routing.%s: routesip is required", Name)
	}
	return nil
}

// Route points the number at the route with reroute (did, routesip). It
// sets a value, so a lost reply is retried safely.
func (c *Carrier) Route(ctx context.Context, n *number.Number, raw json.RawMessage) (number.Doc, error) {
	var r Route
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, number.Wrap(number.KindInvalid, n.Number, err)
	}
	did, err := nationalDigits(n.Number)
	if err != nil {
		return nil, err
	}
	q := url.Values{"xml": {"yes"}, "cmd": {"reroute"}, "did": {did}, "routesip": {r.RouteSIP}}
	body, err := c.call(ctx, q, true, n.Number)
	if err != nil {
		return nil, err
	}
	if err := parseStatus(body); err != nil {
		return nil, c.annotate(err, n.Number)
	}
	return nil, nil
}

var _ carrier.Router = (*Carrier)(nil)
