package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/numan-dev/numan/number"
)

// requestEnvelope is a request body: {"data": {...}, "accept_charges": true}.
type requestEnvelope struct {
	Data          json.RawMessage `json:"data"`
	AcceptCharges json.RawMessage `json:"accept_charges"`
}

// body reads and decodes the request envelope; an empty body is an empty
// envelope. A body that is not valid UTF-8, repeats a key in any object,
// or carries an accept_charges that is not a boolean is refused before
// anything reads it.
func (c *call) body() (*requestEnvelope, error) {
	env := &requestEnvelope{}
	if err := checkAcceptCharges("accept_charges", c.r.URL.Query()["accept_charges"]...); err != nil {
		return nil, err
	}
	if c.r.Body == nil {
		return env, nil
	}
	raw, err := c.readAll()
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return env, nil
	}
	if err := checkJSON(raw); err != nil {
		return nil, errMalformedJSON(err)
	}
	if err := json.Unmarshal(raw, env); err != nil {
		return nil, errMalformedJSON(err)
	}
	if err := checkAcceptChargesJSON("accept_charges", env.AcceptCharges); err != nil {
		return nil, err
	}
	return env, nil
}

// readAll reads the request's body: 413 when it is larger than the
// limit, 408 when the client is too slow sending it.
func (c *call) readAll() ([]byte, error) {
	raw, err := io.ReadAll(c.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge(mbe.Limit)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errRequestTimeout()
		}
		return nil, errMalformedJSON(err)
	}
	return raw, nil
}

// checkJSON refuses what encoding/json would quietly accept: bytes that
// are not UTF-8 (json keeps them in raw values, which PostgreSQL then
// refuses and SQLite stores, making every later reply invalid JSON), and a
// key repeated in one object, at any depth (json keeps the last, Kazoo the
// first: a client and Numan would disagree on what was sent).
func checkJSON(raw []byte) error {
	if !utf8.Valid(raw) {
		return errors.New("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []*jsonFrame
	// valueDone marks the innermost object's value read: a key comes next.
	valueDone := func() {
		if len(stack) > 0 && stack[len(stack)-1].keys != nil {
			stack[len(stack)-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].expectKey {
			top := stack[n-1]
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				valueDone()
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				where := "the body"
				if top.path != "" {
					where = top.path
				}
				return fmt.Errorf("duplicate key %q in %s", k, where)
			}
			top.keys[k], top.lastKey, top.expectKey = true, k, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			f := &jsonFrame{}
			if n := len(stack); n > 0 {
				if p := stack[n-1]; p.keys != nil {
					f.path = strings.TrimPrefix(p.path+"."+p.lastKey, ".")
				} else {
					f.path = p.path + "[]"
				}
			}
			if tok == json.Delim('{') {
				f.keys, f.expectKey = map[string]bool{}, true
			}
			stack = append(stack, f)
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// jsonFrame is an object (keys set) or array being read by checkJSON.
type jsonFrame struct {
	keys      map[string]bool
	expectKey bool
	lastKey   string
	path      string
}

// checkAcceptCharges refuses a query accept_charges that is not a boolean.
func checkAcceptCharges(field string, vals ...string) error {
	for _, v := range vals {
		if _, err := strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			var ve validationErrors
			ve.add(field, "type", "Value did not match type(s): boolean", "target", "boolean", "value", v)
			return ve.err()
		}
	}
	return nil
}

// checkAcceptChargesJSON refuses an accept_charges that is neither a JSON
// boolean nor the strings "true" and "false" (what Kazoo's is_true reads).
func checkAcceptChargesJSON(field string, raw json.RawMessage) error {
	t := bytes.TrimSpace(raw)
	switch string(t) {
	case "", "null", "true", "false", `"true"`, `"false"`:
		return nil
	}
	var ve validationErrors
	ve.add(field, "type", "Value did not match type(s): boolean", "target", "boolean", "value", raw)
	return ve.err()
}

// data returns the envelope's data as an object ({} when absent); any other
// JSON type is a validation error.
func (env *requestEnvelope) data() (number.Doc, error) {
	if len(env.Data) == 0 || number.JSONType(env.Data) == "null" {
		return number.Doc{}, nil
	}
	if number.JSONType(env.Data) != "object" {
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
	if err := checkAcceptChargesJSON("data.accept_charges", d["accept_charges"]); err != nil {
		return nil, err
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

// boolParam reads a boolean query parameter: absent is false; anything
// strconv.ParseBool does not read is a 400 naming the parameter.
func boolParam(q url.Values, name string) (bool, error) {
	vals, ok := q[name]
	if !ok {
		return false, nil
	}
	if err := checkAcceptCharges(name, vals...); err != nil {
		return false, err
	}
	return truthy(vals[len(vals)-1]), nil
}
