package voipinnovations

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseGetDIDs parses a getDIDs reply of MaxSearchQuantity numbers.
func BenchmarkParseGetDIDs(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`)
	sb.WriteString(`<getDIDsResponse xmlns="http://tempuri.org/"><getDIDsResult><responseCode>100</responseCode><responseMessage>Success</responseMessage><DIDLocators>`)
	for i := range MaxSearchQuantity {
		fmt.Fprintf(&sb, `<DIDLocator><tn>303555%04d</tn><rateCenter>DENVER</rateCenter><state>CO</state><tier>2</tier><lataId>656</lataId><outboundCNAM>true</outboundCNAM><t38>false</t38></DIDLocator>`, i)
	}
	sb.WriteString(`</DIDLocators></getDIDsResult></getDIDsResponse></soap:Body></soap:Envelope>`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseGetDIDs(body)
		if err != nil || len(offers) != MaxSearchQuantity {
			b.Fatal(len(offers), err)
		}
	}
}
