package ports

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
)

// maxCommentBytes bounds a comment's content.
const maxCommentBytes = 8 << 10

// newComments reads the comments of a request body (a JSON array) and
// returns those not stored yet on p, checked and stamped (reference
// B.6.1). A comment is stored already when one with the same timestamp
// and content is, so a client may send back the comments it read. Stored
// comments are never removed by an update (Kazoo's POST without comments
// erased them). Someone who is not the authority may not write a private
// comment or ask for action (403); nobody may ask for action in a private
// comment (400).
func newComments(p *Port, raw json.RawMessage, by By, authority bool, now time.Time) ([]Comment, error) {
	if raw == nil || number.JSONType(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, invalid("comments", "type", "Value did not match type(s): array", "target", "array")
	}
	stamp := now.Unix() + gregorianOffset
	v := violations{}
	var out []Comment
	for i, item := range items {
		path := "comments." + strconv.Itoa(i)
		var m map[string]json.RawMessage
		if json.Unmarshal(item, &m) != nil || number.JSONType(item) != "object" {
			v.add(path, "type", "Value did not match type(s): object", "target", "object")
			continue
		}
		var c Comment
		if raw, ok := m["content"]; !ok {
			v.add(path+".content", "required", "Field is required but missing")
		} else if v.typeRule(path+".content", raw, "string") {
			_ = json.Unmarshal(raw, &c.Content)
			if strings.TrimSpace(c.Content) == "" || len(c.Content) > maxCommentBytes {
				v.add(path+".content", "minLength", "A comment holds 1 to 8192 bytes of text", "target", 1)
			}
		}
		if raw, ok := m["author"]; ok && v.typeRule(path+".author", raw, "string") {
			_ = json.Unmarshal(raw, &c.Author)
		}
		for _, k := range []string{"is_private", "superduper_comment", "action_required"} {
			raw, ok := m[k]
			if !ok || !v.typeRule(path+"."+k, raw, "boolean") {
				continue
			}
			var b bool
			_ = json.Unmarshal(raw, &b)
			if k == "action_required" {
				c.ActionRequired = b
			} else {
				c.IsPrivate = c.IsPrivate || b
			}
		}
		if raw, ok := m["timestamp"]; ok && v.typeRule(path+".timestamp", raw, "integer") {
			_ = json.Unmarshal(raw, &c.Timestamp)
			if c.Timestamp > stamp+300 {
				v.add(path+".timestamp", "maximum", "A comment's timestamp cannot be in the future", "value", c.Timestamp)
			}
		}
		if stored(p, c) {
			continue
		}
		out = append(out, c)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for i := range out {
		c := &out[i]
		if !authority && (c.IsPrivate || c.ActionRequired) {
			return nil, &Error{Kind: number.KindForbidden, Message: "forbidden", Data: map[string]any{
				"comments": map[string]any{"forbidden": map[string]any{
					"message": "you're not allowed to make private comment or set action_required", "cause": "comments"}},
				"message": "forbidden",
			}}
		}
		if c.IsPrivate && c.ActionRequired {
			return nil, invalid("comments", "rejected", "setting action_required on private comment is not allowed", "cause", "comments")
		}
		c.AccountID = by.id()
		if c.Author == "" {
			c.Author = by.name()
		}
		if c.Timestamp == 0 {
			c.Timestamp = stamp
		}
	}
	return out, nil
}

// stored reports whether p already has comment c (same time and text).
func stored(p *Port, c Comment) bool {
	for _, s := range p.Comments {
		if s.Timestamp == c.Timestamp && s.Content == c.Content {
			return true
		}
	}
	return false
}

// addComments appends comments to p, keeping them in time order.
func addComments(p *Port, cs []Comment) {
	p.Comments = append(p.Comments, cs...)
	slices.SortStableFunc(p.Comments, func(a, b Comment) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
}
