package voipinnovations

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Route is where VoIP Innovations sends a number's calls: an endpoint
// group of the account (the carrier's endpoint_group is where numbers go
// when they are bought).
type Route struct {
	EndpointGroup string `json:"endpoint_group"`
}

// CheckRoute validates a route: known keys, an endpoint group.
func (c *Carrier) CheckRoute(raw json.RawMessage) error {
	var r Route
	if err := carrier.DecodeRoute(Name, raw, &r); err != nil {
		return err
	}
	if r.EndpointGroup == "" {
		return number.Errorf(number.KindInvalid, "", "routing.%s: endpoint_group is required", Name)
	}
	return nil
}

// Route points the number at the route's endpoint group with configDID
// (the same DIDParam as assignDID). It sets a value, so a lost reply is
// retried safely.
func (c *Carrier) Route(ctx context.Context, n *number.Number, raw json.RawMessage) (number.Doc, error) {
	var r Route
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, number.Wrap(number.KindInvalid, n.Number, err)
	}
	tn, err := nationalDigits(n.Number)
	if err != nil {
		return nil, err
	}
	epg := r.EndpointGroup
	params := []param{{name: "didParams", children: []param{{name: "DIDParam", children: []param{
		{name: "tn", value: &tn}, {name: "epg", value: &epg},
	}}}}}
	body, err := c.call(ctx, "configDID", params, true, n.Number)
	if err != nil {
		return nil, err
	}
	if err := parseDIDStatus("configDID", body); err != nil {
		return nil, c.annotate(err, n.Number)
	}
	return nil, nil
}

var _ carrier.Router = (*Carrier)(nil)
