package other

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// envelope is every phonebook reply: {"status": "success", "data": ...},
// or another status with a message.
type envelope struct {
	Status  string          `json:"status"`
	Data    json.RawMessage `json:"data"`
	Message any             `json:"message"`
	Error   any             `json:"error"`
}

// offer is one number a search returned.
type offer struct {
	Number string
	Data   number.Doc
}

// block is a run of consecutive numbers a block search returned.
type block struct {
	Start string `json:"start_number"`
	End   string `json:"end_number"`
}

// decode reads the envelope; a status other than success is a by_carrier
// error with the phonebook's message.
func decode(body []byte) (envelope, error) {
	env, err := httpx.DecodeJSON[envelope](Name, body)
	if err != nil {
		return envelope{}, err
	}
	if env.Status != "success" {
		return envelope{}, refused(failureText(env))
	}
	return env, nil
}

func failureText(env envelope) string {
	for _, v := range []any{env.Message, env.Error} {
		if s := text(v); s != "" {
			return s
		}
	}
	var data any
	if json.Unmarshal(env.Data, &data) == nil {
		if s := text(data); s != "" {
			return s
		}
	}
	if env.Status == "" {
		return "reply has no status"
	}
	return "status " + env.Status
}

func text(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case map[string]any:
		for _, k := range []string{"message", "error"} {
			if s, ok := t[k].(string); ok {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// parseNumbers reads a number search: data maps each E.164 number to the
// carrier data to keep for it. Numbers come back sorted; a key that is no
// E.164 number is skipped, and a value that is no object keeps no data.
func parseNumbers(body []byte) ([]offer, error) {
	env, err := decode(body)
	if err != nil {
		return nil, err
	}
	if isNull(env.Data) {
		return nil, nil
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(env.Data, &data); err != nil {
		return nil, garbled("search data is not an object")
	}
	var offers []offer
	for num, raw := range data {
		if !isE164(num) {
			continue
		}
		offers = append(offers, offer{Number: num, Data: object(raw)})
	}
	slices.SortFunc(offers, func(a, b offer) int { return strings.Compare(a.Number, b.Number) })
	return offers, nil
}

// parseBlocks reads a block search: data lists blocks of consecutive
// numbers by their first and last. A block whose ends are not E.164
// numbers of one length, in order, is a by_carrier error.
func parseBlocks(body []byte) ([]block, error) {
	env, err := decode(body)
	if err != nil {
		return nil, err
	}
	if isNull(env.Data) {
		return nil, nil
	}
	var blocks []block
	if err := json.Unmarshal(env.Data, &blocks); err != nil {
		return nil, garbled("block data is not a list of blocks")
	}
	for _, b := range blocks {
		if !isE164(b.Start) || !isE164(b.End) || len(b.Start) != len(b.End) || b.Start > b.End {
			return nil, garbled("invalid block " + b.Start + " - " + b.End)
		}
	}
	return blocks, nil
}

// parseOrder reads the reply to an order of num: success when
// data.<num>.status is "success"; then opaque is the carrier data to keep
// and locality where the number is, each nil when absent or empty.
func parseOrder(body []byte, num string) (opaque, locality number.Doc, err error) {
	env, err := decode(body)
	if err != nil {
		return nil, nil, err
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(env.Data, &data) != nil {
		return nil, nil, garbled("order data is not an object")
	}
	raw, ok := data[num]
	if !ok {
		return nil, nil, garbled("order reply says nothing about " + num)
	}
	var res struct {
		Status   string          `json:"status"`
		Message  any             `json:"message"`
		Error    any             `json:"error"`
		Opaque   json.RawMessage `json:"opaque"`
		Locality json.RawMessage `json:"locality"`
	}
	if json.Unmarshal(raw, &res) != nil {
		return nil, nil, garbled("order result for " + num + " is not an object")
	}
	if res.Status != "success" {
		msg := text(res.Message)
		if msg == "" {
			msg = text(res.Error)
		}
		if msg == "" {
			msg = "order status " + res.Status
		}
		return nil, nil, refused(msg)
	}
	opaque, locality = object(res.Opaque), object(res.Locality)
	if len(opaque) == 0 {
		opaque = nil
	}
	if len(locality) == 0 {
		locality = nil
	}
	return opaque, locality, nil
}

// parseStatuses reads a status check: data lists {number, status}. Numbers
// may come back in E.164 or as ten-digit NANP numbers (NPANs, as they were
// sent); both are returned in E.164.
func parseStatuses(body []byte) (map[string]string, error) {
	env, err := decode(body)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if isNull(env.Data) {
		return out, nil
	}
	var entries []struct {
		Number string `json:"number"`
		Status any    `json:"status"`
	}
	if json.Unmarshal(env.Data, &entries) != nil {
		return nil, garbled("status data is not a list")
	}
	for _, e := range entries {
		num, ok := fromNPAN(e.Number)
		if !ok {
			continue
		}
		if s, ok := e.Status.(string); ok {
			out[num] = s
		}
	}
	return out, nil
}

// toNPAN is how Kazoo sends numbers to the status check: NANP numbers as
// their ten digits, others unchanged.
func toNPAN(e164 string) string {
	if rest, ok := strings.CutPrefix(e164, "+1"); ok && len(rest) == 10 {
		return rest
	}
	return e164
}

func fromNPAN(s string) (string, bool) {
	s = strings.TrimSpace(s)
	switch {
	case isE164(s):
		return s, true
	case len(s) == 10 && allDigits(s):
		return "+1" + s, true
	case len(s) == 11 && s[0] == '1' && allDigits(s):
		return "+" + s, true
	}
	return "", false
}

// object returns raw as a Doc when it is a JSON object, else an empty Doc.
func object(raw json.RawMessage) number.Doc {
	var d number.Doc
	if json.Unmarshal(raw, &d) != nil || d == nil {
		return number.Doc{}
	}
	return d
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// isE164 reports whether s is "+", a digit 1-9, then up to 14 digits.
func isE164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	return ok && len(digits) >= 2 && len(digits) <= 15 && digits[0] != '0' && allDigits(digits)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// errorMessage is the phonebook's message in an error reply, for
// httpx.Client.ErrorMessage.
func errorMessage(_ int, body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	return failureText(env)
}

// refused is a failure the phonebook reported in a well-formed reply (a
// status other than success, a number's order status "error"): it did not
// act, for the reason its words give ("already ordered by another
// customer" is Taken).
func refused(msg string) *number.Error { return fault(carrier.ClassifyMessage(msg), msg) }

// garbled is a reply that is JSON but not what the protocol says: Numan
// cannot tell what the phonebook did.
func garbled(msg string) *number.Error { return fault(carrier.Transient, msg) }

func fault(class carrier.Class, msg string) *number.Error {
	return &number.Error{
		Kind:    number.KindByCarrier,
		Cause:   Name + ": " + msg,
		Details: map[string]any{"carrier": Name, "message": msg},
		Err:     &carrier.Failure{Class: class},
	}
}
