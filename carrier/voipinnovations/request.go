package voipinnovations

import (
	"bytes"
	"encoding/xml"
)

// param is one element of a SOAP request: a text value, nested elements,
// or, with neither, xsi:nil.
type param struct {
	name     string
	value    *string
	children []param
}

// soapRequest renders action's envelope, the parameters first and then the
// credentials, as Kazoo sends them.
func soapRequest(action string, params []param, login, secret string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
	b.WriteString(` xmlns:tns="` + soapNamespace + `" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">`)
	b.WriteString(`<env:Body><tns:` + action + `>`)
	for _, p := range params {
		writeParam(&b, p)
	}
	writeParam(&b, param{name: "login", value: &login})
	writeParam(&b, param{name: "secret", value: &secret})
	b.WriteString(`</tns:` + action + `></env:Body></env:Envelope>`)
	return b.Bytes()
}

func writeParam(b *bytes.Buffer, p param) {
	switch {
	case p.children != nil:
		b.WriteString(`<tns:` + p.name + `>`)
		for _, c := range p.children {
			writeParam(b, c)
		}
		b.WriteString(`</tns:` + p.name + `>`)
	case p.value != nil:
		b.WriteString(`<tns:` + p.name + `>`)
		_ = xml.EscapeText(b, []byte(*p.value)) // a bytes.Buffer never fails
		b.WriteString(`</tns:` + p.name + `>`)
	default:
		b.WriteString(`<tns:` + p.name + ` xsi:nil="true"/>`)
	}
}
