package simwood

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// offer is one number an availability search returned.
type offer struct {
	Number  string     // E.164
	Data    number.Doc // Simwood's object, as sent
	Details carrier.Details
}

// premiumCurrency is the currency of Simwood's number premiums: Simwood
// prices in pounds sterling.
const premiumCurrency = "GBP"

// details normalises what Simwood said of an available number: whether it
// takes SMS ("SMS": 1; every Simwood number takes calls) and the one-off
// premium Simwood charges for a gold number (wholesale_gold_premium, 0 for
// a standard one) as its setup cost.
func details(d number.Doc) carrier.Details {
	var out carrier.Details
	if raw, ok := d["SMS"]; ok {
		var sms bool
		switch v := strings.TrimSpace(string(raw)); v {
		case "1", "true", `"1"`, `"true"`:
			sms = true
		case "0", "false", `"0"`, `"false"`:
		default:
			raw = nil
		}
		if raw != nil {
			out.Capabilities = &carrier.Capabilities{Voice: true, SMS: sms}
		}
	}
	if p, ok := decimalOf(d["wholesale_gold_premium"]); ok {
		out.Cost = carrier.NewCost(premiumCurrency, "", p)
	}
	return out
}

// decimalOf reads an amount sent as a JSON number or string.
func decimalOf(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&n) != nil {
		return "", false
	}
	return n.String(), true
}

// parseAvailable reads the reply to GET .../available/...: a JSON array of
// {country_code, number, ...}, the number being the national significant
// number. An entry that makes no E.164 number is skipped; a reply that is
// no array is a by_carrier error.
func parseAvailable(body []byte) ([]offer, error) {
	entries, err := httpx.DecodeJSON[[]json.RawMessage](Name, body)
	if err != nil {
		return nil, err
	}
	var offers []offer
	for _, raw := range entries {
		var d number.Doc
		if json.Unmarshal(raw, &d) != nil || d == nil {
			continue
		}
		num, ok := e164(d["country_code"], d["number"])
		if !ok {
			continue
		}
		offers = append(offers, offer{Number: num, Data: d, Details: details(d)})
	}
	return offers, nil
}

// e164 joins a country code and a national number, each sent as a string
// or as a JSON number, into E.164 (Kazoo forgot the "+").
func e164(cc, nsn json.RawMessage) (string, bool) {
	c, ok1 := digitsOf(cc)
	n, ok2 := digitsOf(nsn)
	if !ok1 || !ok2 || c == "" || n == "" || c[0] == '0' {
		return "", false
	}
	s := "+" + c + n
	if len(s) > 16 {
		return "", false
	}
	return s, true
}

func digitsOf(raw json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return "", false
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	return s, allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// errorMessage is Simwood's message in an error reply: {"error": "..."},
// {"errors": [...]} or {"message": "..."}; empty when the body is none of
// these, so that httpx falls back to the start of the body.
func errorMessage(_ int, body []byte) string {
	var r struct {
		Error   any    `json:"error"`
		Errors  []any  `json:"errors"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	var parts []string
	if s := text(r.Error); s != "" {
		parts = append(parts, s)
	}
	for _, e := range r.Errors {
		if s := text(e); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && r.Message != "" {
		parts = append(parts, r.Message)
	}
	return strings.Join(parts, "; ")
}

func text(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case map[string]any:
		for _, k := range []string{"message", "error", "detail"} {
			if s, ok := t[k].(string); ok {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}
