package bandwidth2

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseSearchResult parses a detailed search reply of Kazoo's
// default max_search_quantity (500 numbers).
func BenchmarkParseSearchResult(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><SearchResult><ResultCount>500</ResultCount><TelephoneNumberDetailList>`)
	for i := range 500 {
		fmt.Fprintf(&sb, `<TelephoneNumberDetail><City>SAN FRANCISCO</City><LATA>722</LATA><RateCenter>SNFC CA 01</RateCenter><State>CA</State><FullNumber>415555%04d</FullNumber><Tier>0</Tier><VendorId>49</VendorId><VendorName>Bandwidth CLEC</VendorName></TelephoneNumberDetail>`, i)
	}
	sb.WriteString(`</TelephoneNumberDetailList></SearchResult>`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		found, err := parseSearchResult(body)
		if err != nil || len(found) != 500 {
			b.Fatal(len(found), err)
		}
	}
}
