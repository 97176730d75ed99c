package ports

import (
	"errors"
	"sort"
	"strings"

	"github.com/numan-dev/numan/number"
)

// Error is a port request refused in Kazoo's terms: a kind (invalid for
// Kazoo's 400 "validation error", forbidden for its 403), the envelope's
// message, and the data Kazoo answered with. The API renders it; the
// status comes from the kind.
type Error struct {
	Kind    number.Kind
	Message string
	Data    map[string]any
}

func (e *Error) Error() string {
	var parts []string
	for k := range e.Data {
		parts = append(parts, k)
	}
	sort.Strings(parts)
	return "port request: " + e.Message + ": " + strings.Join(parts, ", ")
}

// Is matches number errors of the same kind, so number.IsKind works.
func (e *Error) Is(target error) bool {
	var ne *number.Error
	return errors.As(target, &ne) && ne.Kind == e.Kind
}

// violations collects Kazoo validation errors: {path: {rule: detail}}.
type violations map[string]map[string]any

// add records that path broke rule, with Kazoo's detail (message, cause,
// target, value...).
func (v violations) add(path, rule, message string, extra ...any) {
	d := map[string]any{"message": message}
	for i := 0; i+1 < len(extra); i += 2 {
		d[extra[i].(string)] = extra[i+1]
	}
	if v[path] == nil {
		v[path] = map[string]any{}
	}
	v[path][rule] = d
}

// err is the 400 validation error, or nil when nothing was recorded.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	data := make(map[string]any, len(v))
	for k, r := range v {
		data[k] = r
	}
	return &Error{Kind: number.KindInvalid, Message: "validation error", Data: data}
}

// invalid is a validation error of one rule.
func invalid(path, rule, message string, extra ...any) error {
	v := violations{}
	v.add(path, rule, message, extra...)
	return v.err()
}

// Errors the API renders with statuses of their own.
var (
	// ErrNotModifiable is a delete of a request (or of its attachment) in a
	// state that does not allow it (Kazoo's 405).
	ErrNotModifiable = errors.New("port request is not modifiable in this state")
	// ErrUnsupportedType is an attachment that is not a PDF, PNG or JPEG
	// (415).
	ErrUnsupportedType = errors.New("attachments must be PDF, PNG or JPEG documents")
	// ErrTooLarge is an attachment over the size limit (413).
	ErrTooLarge = errors.New("attachment larger than the limit")
)

func notFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "port request " + id + " not found"}
}

func forbidden(cause string) error { return &number.Error{Kind: number.KindForbidden, Cause: cause} }
