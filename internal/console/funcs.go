package console

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// gregorianOffset is the seconds from year 0 to the Unix epoch: the API's
// timestamps are Kazoo's Gregorian seconds.
const gregorianOffset = 62167219200

var stateLabels = map[string]string{
	"discovery": "Offered", "port_in": "Porting in", "available": "Available", "reserved": "Reserved",
	"in_service": "In service", "released": "Released", "port_out": "Porting out", "aging": "Aging", "deleted": "Deleted",
}

var featureLabels = map[string]string{
	"e911": "E911", "cnam": "Caller ID name", "inbound_cnam": "Inbound CNAM", "outbound_cnam": "Outbound CNAM",
	"sms": "SMS", "mms": "MMS", "failover": "Failover", "prepend": "Prepend", "local": "Local",
	"port": "Port", "force_outbound": "Force outbound", "carrier_name": "Carrier", "ringback": "Ringback",
}

var actionLabels = map[string]string{
	"release": "Release", "move": "Move to…", "activate": "Put in service", "reserve": "Reserve", "delete": "Delete for good",
}

func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"static": c.staticURL,
		"itoa":   itoa,
		"state": func(s string) string {
			if l, ok := stateLabels[s]; ok {
				return l
			}
			return s
		},
		"feature": func(s string) string {
			if l, ok := featureLabels[s]; ok {
				return l
			}
			return s
		},
		"action":    func(s string) string { return actionLabels[s] },
		"portstate": func(s string) string { return or(portStateLabels[s], s) },
		"portmove":  func(s string) string { return or(portMoveLabels[s], s) },
		"has":       func(list []string, s string) bool { return slices.Contains(list, s) },
		"list":      func(s ...string) []string { return s },
		"date": func(g int64) string {
			if g == 0 {
				return ""
			}
			return time.Unix(g-gregorianOffset, 0).UTC().Format("2006-01-02 15:04 UTC")
		},
		"enc":    url.PathEscape,
		"depth":  func(d int) string { return "d" + strconv.Itoa(min(max(d, 0), 6)) },
		"join":   strings.Join,
		"plural": plural,
		"indent": func(d int) string { return strings.Repeat("· ", min(max(d-1, 0), 8)) },
	}
}

// or is a when it is not empty, else b.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
