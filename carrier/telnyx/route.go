package telnyx

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Route is where Telnyx sends a number's calls and messages: a voice
// connection (SIP connection or TeXML/Call Control application) and a
// messaging profile. Either may be left out.
type Route struct {
	ConnectionID       string `json:"connection_id"`
	MessagingProfileID string `json:"messaging_profile_id"`
}

// CheckRoute validates a route: known keys only, at least one destination.
func (c *Carrier) CheckRoute(raw json.RawMessage) error {
	var r Route
	if err := carrier.DecodeRoute(Name, raw, &r); err != nil {
		return err
	}
	if r.ConnectionID == "" && r.MessagingProfileID == "" {
		return number.Errorf(number.KindInvalid, "", "routing.%s: connection_id or messaging_profile_id is required", Name)
	}
	return nil
}

// Route points the number at the route's connection (PATCH
// /v2/phone_numbers/{id}) and messaging profile (PATCH
// /v2/phone_numbers/{id}/messaging). Both updates set a value, so they
// are retried safely. It returns the Telnyx id of the number, for next
// time.
func (c *Carrier) Route(ctx context.Context, n *number.Number, raw json.RawMessage) (number.Doc, error) {
	var r Route
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, number.Wrap(number.KindInvalid, n.Number, err)
	}
	var id string
	if !n.CarrierData.Get("phone_number_id", &id) || id == "" {
		var err error
		if id, err = c.lookupID(ctx, n.Number); err != nil {
			return nil, err
		}
		if id == "" {
			return nil, c.http.Refusal(carrier.NotFound, n.Number, "the number is not on the Telnyx account")
		}
	}
	patch := func(path string, body any) error {
		payload, err := json.Marshal(body)
		if err != nil {
			return number.Wrap(number.KindInternal, n.Number, err)
		}
		_, err = c.http.Do(ctx, &httpx.Request{Method: http.MethodPatch, Path: path, Body: payload,
			ContentType: "application/json", Idempotent: true, Number: n.Number})
		return err
	}
	base := "v2/phone_numbers/" + url.PathEscape(id)
	if r.ConnectionID != "" {
		if err := patch(base, map[string]string{"connection_id": r.ConnectionID}); err != nil {
			return nil, err
		}
	}
	if r.MessagingProfileID != "" {
		if err := patch(base+"/messaging", map[string]string{"messaging_profile_id": r.MessagingProfileID}); err != nil {
			return nil, err
		}
	}
	return number.Doc{"phone_number_id": json.RawMessage(`"` + id + `"`)}, nil
}

var _ carrier.Router = (*Carrier)(nil)
