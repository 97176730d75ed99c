package vitelity

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseList parses a listnpa reply of MaxSearchQuantity numbers.
func BenchmarkParseList(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><content><status>ok</status><numbers>`)
	for i := range MaxSearchQuantity {
		fmt.Fprintf(&sb, `<did><number>415555%04d</number><ratecenter>SAN FRANCISCO</ratecenter><state>CA</state></did>`, i)
	}
	sb.WriteString(`</numbers></content>`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseList(body)
		if err != nil || len(offers) != MaxSearchQuantity {
			b.Fatal(len(offers), err)
		}
	}
}
