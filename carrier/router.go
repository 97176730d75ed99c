package carrier

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/number"
)

// Router is the optional capability of a carrier that can say where it
// sends the calls and messages of a number it holds: a Telnyx connection
// and messaging profile, a Bandwidth SIP peer, a Twilio trunk or voice
// URL, a VoIP Innovations endpoint group, a Vitelity route. The route is a
// carrier-specific JSON object, set per reseller or account in its
// number_manager document (routing.<carrier>); the manager re-points the
// numbers already in service when it changes.
type Router interface {
	// CheckRoute validates a route object strictly (an unknown key, a
	// missing destination) without calling out.
	CheckRoute(route json.RawMessage) error
	// Route points n at route. Pointing a number where it already points
	// succeeds. It returns carrier data to merge into the number's (an id
	// the carrier assigned), or nil.
	Route(ctx context.Context, n *number.Number, route json.RawMessage) (number.Doc, error)
}

// DecodeRoute decodes a route object strictly into dst: an unknown key is
// an invalid error naming the carrier.
func DecodeRoute(carrierName string, route json.RawMessage, dst any) error {
	if err := DecodeSettings(route, dst); err != nil {
		return number.Errorf(number.KindInvalid, "", "routing.%s: %v", carrierName, err)
	}
	return nil
}
