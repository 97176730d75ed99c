package twilio

import (
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// incoming is an IncomingPhoneNumber, as far as the providers read it.
type incoming struct {
	SID                    string `json:"sid"`
	PhoneNumber            string `json:"phone_number"`
	SMSURL                 string `json:"sms_url"`
	EmergencyAddressSID    string `json:"emergency_address_sid"`
	EmergencyAddressStatus string `json:"emergency_address_status"`
}

func parseIncoming(name string, body []byte) (incoming, error) {
	in, err := httpx.DecodeJSON[incoming](name, body)
	if err != nil {
		return incoming{}, err
	}
	if !strings.HasPrefix(in.SID, "PN") {
		return incoming{}, malformed(name, "phone number reply without a PN sid")
	}
	return in, nil
}

func parseIncomingList(name string, body []byte) ([]incoming, error) {
	r, err := httpx.DecodeJSON[struct {
		Numbers *[]incoming `json:"incoming_phone_numbers"`
	}](name, body)
	if err != nil {
		return nil, err
	}
	if r.Numbers == nil {
		return nil, malformed(name, "list without incoming_phone_numbers")
	}
	return *r.Numbers, nil
}

type address struct {
	SID              string `json:"sid"`
	EmergencyEnabled bool   `json:"emergency_enabled"`
}

func parseAddress(name string, body []byte) (address, error) {
	a, err := httpx.DecodeJSON[address](name, body)
	if err != nil {
		return address{}, err
	}
	if !strings.HasPrefix(a.SID, "AD") {
		return address{}, malformed(name, "address reply without an AD sid")
	}
	return a, nil
}

func malformed(name, what string) error {
	return &number.Error{Kind: number.KindByCarrier, Cause: name + ": malformed reply: " + what, Details: map[string]any{"provider": name}}
}
