package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/number"
)

// requestEnvelope is a request body: {"data": {...}, "accept_charges": true}.
type requestEnvelope struct {
	Data          json.RawMessage `json:"data"`
	AcceptCharges json.RawMessage `json:"accept_charges"`
}

// body reads and decodes the request envelope; an empty body is an empty
// envelope.
func (c *call) body() (*requestEnvelope, error) {
	env := &requestEnvelope{}
	if c.r.Body == nil {
		return env, nil
	}
	raw, err := io.ReadAll(c.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge()
		}
		return nil, errMalformedJSON(err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return env, nil
	}
	if err := json.Unmarshal(raw, env); err != nil {
		return nil, errMalformedJSON(err)
	}
	return env, nil
}

// data returns the envelope's data as an object ({} when absent); any other
// JSON type is a validation error.
func (env *requestEnvelope) data() (number.Doc, error) {
	if len(env.Data) == 0 || jsonType(env.Data) == "null" {
		return number.Doc{}, nil
	}
	if jsonType(env.Data) != "object" {
		var v validationErrors
		v.add("data", "type", "Value did not match type(s): object", "target", "object")
		return nil, v.err()
	}
	var d number.Doc
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, errMalformedJSON(err)
	}
	if d == nil {
		d = number.Doc{}
	}
	return d, nil
}

// acceptCharges reads accept_charges where Kazoo clients put it: beside
// data (Monster UI), inside data, or in the query string.
func (c *call) acceptCharges(env *requestEnvelope, data number.Doc) bool {
	if isTrue(env.AcceptCharges) {
		return true
	}
	if data != nil && isTrue(data["accept_charges"]) {
		return true
	}
	return truthy(c.r.URL.Query().Get("accept_charges"))
}

// isTrue is Kazoo's kz_term:is_true on a JSON value: true or "true".
func isTrue(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return false
	}
	if string(t) == "true" {
		return true
	}
	var s string
	return json.Unmarshal(t, &s) == nil && truthy(s)
}

func truthy(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil && b
}
