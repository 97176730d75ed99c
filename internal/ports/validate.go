package ports

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // schedule_on names any IANA zone, whatever the host has
	"unicode/utf8"

	"github.com/numan-dev/numan/number"
)

// computedKeys are the keys of a request body the service computes: a
// client may send back what it read, and they are ignored (Kazoo's save/1
// strips them).
var computedKeys = []string{"reason", "id", "created", "updated", "uploads", "port_state", "sent", "_read_only", "accept_charges"}

// publicPart returns body without computed and private keys (_*, pvt_*).
func publicPart(body number.Doc) number.Doc {
	out := number.Doc{}
	for k, v := range body {
		if strings.HasPrefix(k, "_") || strings.HasPrefix(k, "pvt_") || slices.Contains(computedKeys, k) {
			continue
		}
		out[k] = v
	}
	return out
}

func (v violations) typeRule(path string, raw json.RawMessage, want string) bool {
	got := number.JSONType(raw)
	if want == "integer" && got == "number" {
		var n int64
		if json.Unmarshal(raw, &n) == nil {
			return true
		}
	}
	if got != want {
		v.add(path, "type", "Value did not match type(s): "+want, "target", want, "value", raw)
		return false
	}
	return true
}

func (v violations) stringRule(path string, raw json.RawMessage, min, max int) {
	if !v.typeRule(path, raw, "string") {
		return
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	n := utf8.RuneCountInString(s)
	if n < min {
		v.add(path, "minLength", fmt.Sprintf("String must be at least %d characters", min), "target", min, "value", s)
	}
	if max >= 0 && n > max {
		v.add(path, "maxLength", fmt.Sprintf("String must not be more than %d characters", max), "target", max, "value", s)
	}
}

var (
	numberKeyRe = regexp.MustCompile(`^\+?[0-9]+$`)
	dateTimeRe  = regexp.MustCompile(`^2\d\d\d-\d\d-\d\d \d\d:\d\d$`)
	billKeys    = []string{"account_number", "btn", "carrier", "extended_address", "locality", "name", "pin", "postal_code",
		"region", "street_address", "street_number", "street_post_dir", "street_pre_dir", "street_type"}
)

// checkDoc checks a port request's public document against Kazoo's
// port_requests schema (the keys it describes; any other key is the
// client's own) and returns its numbers normalised to E.164, each with
// its object. Error keys of numbers are the raw keys, as Kazoo's. A
// completed request's numbers are empty (they moved to ported_numbers).
func (s *Service) checkDoc(ctx context.Context, doc number.Doc, completed bool) (map[string]json.RawMessage, error) {
	v := violations{}
	if raw, ok := doc["name"]; ok {
		v.stringRule("name", raw, 1, 128)
	} else {
		v.add("name", "required", "Field is required but missing")
	}
	numbers := map[string]json.RawMessage{}
	if raw, ok := doc["numbers"]; !ok {
		v.add("numbers", "required", "Field is required but missing")
	} else if v.typeRule("numbers", raw, "object") {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		if len(m) == 0 && !completed {
			v.add("numbers", "minProperties", "Object must have at least 1 properties", "target", 1)
		}
		for _, key := range slices.Sorted(maps.Keys(m)) {
			val := m[key]
			if !numberKeyRe.MatchString(key) {
				v.add("numbers."+key, "pattern", "Number must be digits, optionally after +", "cause", key)
				continue
			}
			if !v.typeRule("numbers."+key, val, "object") {
				continue
			}
			e164, err := s.mgr.Normalize(ctx, key)
			if err != nil {
				v.add(key, "type", "Number is not reconcilable", "cause", key)
				continue
			}
			numbers[e164] = val
		}
	}
	if raw, ok := doc["bill"]; ok && v.typeRule("bill", raw, "object") {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		for _, k := range billKeys {
			if val, ok := m[k]; ok {
				v.typeRule("bill."+k, val, "string")
			}
		}
	}
	if raw, ok := doc["notifications"]; ok && v.typeRule("notifications", raw, "object") {
		var n struct {
			Email json.RawMessage `json:"email"`
		}
		_ = json.Unmarshal(raw, &n)
		if n.Email != nil && v.typeRule("notifications.email", n.Email, "object") {
			var e struct {
				SendTo json.RawMessage `json:"send_to"`
			}
			_ = json.Unmarshal(n.Email, &e)
			if e.SendTo != nil {
				if _, ok := emails(e.SendTo); !ok {
					v.add("notifications.email.send_to", "type", "Value did not match type(s): string, array of strings", "value", e.SendTo)
				}
			}
		}
	}
	for _, k := range []string{"reference_number", "signee_name", "winning_carrier", "carrier"} {
		if raw, ok := doc[k]; ok {
			v.typeRule(k, raw, "string")
		}
	}
	for _, k := range []string{"signing_date", "transfer_date", "scheduled_date"} {
		if raw, ok := doc[k]; ok {
			v.typeRule(k, raw, "integer")
		}
	}
	if raw, ok := doc["schedule_on"]; ok && v.typeRule("schedule_on", raw, "object") {
		var so map[string]json.RawMessage
		_ = json.Unmarshal(raw, &so)
		if dt, ok := so["date_time"]; ok && v.typeRule("schedule_on.date_time", dt, "string") {
			var s string
			_ = json.Unmarshal(dt, &s)
			if !dateTimeRe.MatchString(s) {
				v.add("schedule_on.date_time", "pattern", "Value must be YYYY-MM-DD HH:MM", "value", s)
			}
		}
		if tz, ok := so["timezone"]; ok && v.typeRule("schedule_on.timezone", tz, "string") {
			var s string
			_ = json.Unmarshal(tz, &s)
			if _, err := time.LoadLocation(s); err != nil || s == "" || strings.EqualFold(s, "local") {
				v.add("schedule_on.timezone", "enum", "Value not found in enumerated list of values", "value", s)
			}
		}
	}
	if raw, ok := doc["comments"]; ok {
		v.typeRule("comments", raw, "array")
	}
	return numbers, v.err()
}

// emails reads notifications.email.send_to: an address or a list of them.
func emails(raw json.RawMessage) ([]string, bool) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, true
	}
	return nil, false
}

// scheduledDate computes scheduled_date from schedule_on (Kazoo: on every
// save where schedule_on is present): its wall time in its time zone, or
// the account's (tz, Kazoo's default timezone), as Gregorian seconds.
// ok is false when schedule_on is absent or incomplete.
func scheduledDate(doc number.Doc, accountTZ string) (int64, bool) {
	raw, found := doc["schedule_on"]
	if !found {
		return 0, false
	}
	var so struct {
		DateTime string `json:"date_time"`
		Timezone string `json:"timezone"`
	}
	if json.Unmarshal(raw, &so) != nil || !dateTimeRe.MatchString(so.DateTime) {
		return 0, false
	}
	tz := so.Timezone
	if tz == "" {
		tz = accountTZ
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", so.DateTime, loc)
	if err != nil {
		return 0, false
	}
	return t.Unix() + gregorianOffset, true
}

// gregorianOffset is the seconds from year 0 to the Unix epoch.
const gregorianOffset = 62167219200
