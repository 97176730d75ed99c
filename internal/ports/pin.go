package ports

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// pinMask is what the losing carrier's account PIN (bill.pin) shows as:
// it authorizes moving the numbers away, so it is sealed at rest (with the
// server's secret key, as system config's secrets are), never shown, and
// opened only to submit the port to a carrier. A client that sends the
// mask back keeps the stored PIN.
const pinMask = "********"

// sealPIN seals doc's bill.pin in place; prev is the stored document, whose
// PIN a masked one keeps.
func (s *Service) sealPIN(doc, prev number.Doc) error {
	var bill map[string]json.RawMessage
	if !doc.Get("bill", &bill) || bill == nil {
		return nil
	}
	raw, ok := bill["pin"]
	if !ok {
		return nil
	}
	var pin string
	_ = json.Unmarshal(raw, &pin) // the schema check refused a PIN that is not a string
	if pin == "" {
		return nil
	}
	var old map[string]json.RawMessage
	prev.Get("bill", &old)
	var stored string
	_ = json.Unmarshal(old["pin"], &stored)
	switch {
	case pin == pinMask && stored != "":
		bill["pin"] = old["pin"]
	case pin == pinMask:
		delete(bill, "pin")
	case pin == stored:
		return nil // a merge kept the stored PIN
	case secrets.IsSealed(pin):
		return invalid("bill.pin", "pattern", "a PIN is the digits the losing carrier gave, not a sealed value")
	default:
		if s.keys == nil {
			return invalid("bill.pin", "forbidden", "this server has no secret key to keep a PIN with (see numan secrets)")
		}
		sealed, err := s.keys.Seal([]byte(pin))
		if err != nil {
			return err
		}
		bill["pin"], _ = json.Marshal(sealed)
	}
	doc.Set("bill", bill)
	return nil
}

// maskPIN is doc's bill object with its PIN masked, for showing.
func maskPIN(bill json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(bill, &m) != nil || m["pin"] == nil {
		return bill
	}
	m["pin"], _ = json.Marshal(pinMask)
	out, _ := json.Marshal(m)
	return out
}

// openPIN returns the stored PIN in clear, for a carrier.
func (s *Service) openPIN(sealed string) (string, error) {
	if sealed == "" || !secrets.IsSealed(sealed) {
		return sealed, nil
	}
	if s.keys == nil {
		return "", number.Errorf(number.KindInternal, "", "no secret key to open the port request's PIN with")
	}
	plain, err := s.keys.Open(sealed)
	return string(plain), err
}

// ResealPINs seals again, under the keyring's current key, every port
// request's PIN sealed under an older key (numan secrets rotate), each
// write conditional on the request's version; it returns how many it
// sealed again.
func ResealPINs(ctx context.Context, st store.Ports, kr *secrets.Keyring) (int, error) {
	all, err := st.ListPorts(ctx, store.PortQuery{})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, p := range all {
		// The stored document keeps the request's fields under "public".
		var doc, public map[string]json.RawMessage
		if json.Unmarshal(p.Doc, &doc) != nil || json.Unmarshal(doc["public"], &public) != nil {
			continue
		}
		var bill map[string]json.RawMessage
		if json.Unmarshal(public["bill"], &bill) != nil {
			continue
		}
		var pin string
		if json.Unmarshal(bill["pin"], &pin) != nil || !secrets.IsSealed(pin) || !kr.NeedsReseal(pin) {
			continue
		}
		plain, err := kr.Open(pin)
		if err != nil {
			return done, fmt.Errorf("port request %s: %w", p.ID, err)
		}
		sealed, err := kr.Seal(plain)
		if err != nil {
			return done, err
		}
		bill["pin"], _ = json.Marshal(sealed)
		public["bill"], _ = json.Marshal(bill)
		doc["public"], _ = json.Marshal(public)
		next := *p
		if next.Doc, err = json.Marshal(doc); err != nil {
			return done, err
		}
		if err := st.UpdatePort(ctx, &next); err != nil {
			return done, fmt.Errorf("port request %s: %w", p.ID, err)
		}
		done++
	}
	return done, nil
}
