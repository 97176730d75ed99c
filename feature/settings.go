package feature

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/numan-dev/numan/number"
)

// DecodeSettings decodes a provider's settings document strictly over the
// defaults already in dst: an unknown key is an invalid error, so a typo in
// system config is caught when the provider is built, as for carriers.
func DecodeSettings(settings json.RawMessage, dst any) error {
	if len(bytes.TrimSpace(settings)) == 0 || string(bytes.TrimSpace(settings)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return number.Errorf(number.KindInvalid, "", "settings: %v", err)
	}
	return nil
}

// DecodeCarrierSettings reads the credentials a provider shares with a
// carrier from that carrier's settings document: only the keys dst names
// are read, since the document is the carrier's and the carrier checks the
// rest. A value of the wrong type is still an invalid error.
func DecodeCarrierSettings(settings json.RawMessage, dst any) error {
	if len(bytes.TrimSpace(settings)) == 0 || string(bytes.TrimSpace(settings)) == "null" {
		return nil
	}
	if err := json.Unmarshal(settings, dst); err != nil {
		return number.Errorf(number.KindInvalid, "", "carrier settings: %v", err)
	}
	return nil
}

// Notifier receives a manual action a provider asks an operator to carry
// out. It should record the action (the event stream, a table of pending
// actions) rather than wait on a person; its error fails the provider call.
type Notifier func(ctx context.Context, a ManualAction) error

// ManualAction is work a provider cannot do through an API: Kazoo's
// cnam_request and number_feature_manual_action notifications.
type ManualAction struct {
	// ID is the same for the same request, so a retried save that notifies
	// twice records one action.
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Number   string `json:"number"`
	Feature  string `json:"feature"` // cnam, sms, mms
	Action   string `json:"action"`  // "activate", "deactivate", "update"
	// AccountID is the account the number is assigned to; AuthBy the one
	// that asked.
	AccountID string `json:"account_id,omitempty"`
	AuthBy    string `json:"auth_by,omitempty"`
	// Carrier is the number's carrier (Kazoo's Provider in the notice).
	Carrier string `json:"carrier,omitempty"`
	// Details is what the operator needs ({"display_name": ...}).
	Details map[string]any `json:"details,omitempty"`
	// To are the addresses to tell, when the provider is configured with
	// some (Kazoo's activation_notify_to).
	To      []string  `json:"to,omitempty"`
	Created time.Time `json:"created"`
}

// NewManualAction returns the action with its ID derived from what it asks.
func NewManualAction(a ManualAction) ManualAction {
	h := sha256.New()
	details, _ := json.Marshal(a.Details)
	for _, s := range []string{a.Provider, a.Number, a.Feature, a.Action, string(details)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	a.ID = hex.EncodeToString(h.Sum(nil))[:32]
	return a
}

// NotifyAction hands a to d.Notify, or logs that nobody listens.
func (d Deps) NotifyAction(ctx context.Context, a ManualAction) error {
	if d.Notify == nil {
		d.Log().WarnContext(ctx, "manual feature action required, but no notifier is configured",
			"provider", a.Provider, "number", a.Number, "feature", a.Feature, "action", a.Action)
		return nil
	}
	if err := d.Notify(ctx, a); err != nil {
		return number.Wrap(number.KindInternal, a.Number, err)
	}
	return nil
}
