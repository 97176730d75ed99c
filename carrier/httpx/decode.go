package httpx

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// DecodeJSON decodes a whole JSON reply into a fresh T. A malformed,
// truncated or trailing-garbage body is a by_carrier error, and the caller
// gets the zero T, never a half-filled one.
func DecodeJSON[T any](carrierName string, body []byte) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		var zero T
		return zero, malformed(carrierName, "JSON", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var zero T
		return zero, malformed(carrierName, "JSON", errors.New("data after the JSON value"))
	}
	return v, nil
}

// DecodeXML decodes a whole XML reply into a fresh T. Give T an XMLName
// so that a reply with the wrong root element is rejected too. A
// malformed or truncated body is a by_carrier error, and the caller gets
// the zero T.
func DecodeXML[T any](carrierName string, body []byte) (T, error) {
	var v T
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		var zero T
		return zero, malformed(carrierName, "XML", err)
	}
	// Anything after the root element but whitespace, comments or
	// processing instructions means the reply is not what it claims.
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var zero T
			return zero, malformed(carrierName, "XML", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst, xml.Directive:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				var zero T
				return zero, malformed(carrierName, "XML", errors.New("data after the root element"))
			}
		default:
			var zero T
			return zero, malformed(carrierName, "XML", errors.New("data after the root element"))
		}
	}
	return v, nil
}

// malformed is the error of a reply that cannot be read. It is transient:
// whatever the carrier meant, Numan cannot tell whether it acted.
func malformed(carrierName, format string, err error) *number.Error {
	return &number.Error{
		Kind:    number.KindByCarrier,
		Cause:   fmt.Sprintf("%s: malformed %s reply: %v", carrierName, format, err),
		Details: map[string]any{"carrier": carrierName},
		Err:     &carrier.Failure{Class: carrier.Transient, Err: err},
	}
}
