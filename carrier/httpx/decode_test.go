package httpx

import (
	"encoding/xml"
	"testing"

	"github.com/numan-dev/numan/number"
)

type sampleJSON struct {
	Data []struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"data"`
}

type sampleXML struct {
	XMLName xml.Name `xml:"SearchResult"`
	Count   int      `xml:"ResultCount"`
	Numbers []string `xml:"TelephoneNumberList>TelephoneNumber"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"valid", `{"data":[{"phone_number":"+14155550100"}]}`, true},
		{"valid with trailing space", "{\"data\":[]}\n ", true},
		{"truncated", `{"data":[{"phone_number":"+1415`, false},
		{"empty", ``, false},
		{"trailing garbage", `{"data":[]} {"x":1}`, false},
		{"html error page", `<html>502</html>`, false},
		{"wrong type", `{"data":"nope"}`, false},
	}
	for _, tt := range tests {
		got, err := DecodeJSON[sampleJSON]("tx", []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Errorf("%s: kind %s", tt.name, number.KindOf(err))
			}
			if got.Data != nil {
				t.Errorf("%s: partial result %+v", tt.name, got)
			}
		}
	}
}

func TestDecodeXML(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"valid", `<?xml version="1.0"?><SearchResult><ResultCount>1</ResultCount><TelephoneNumberList><TelephoneNumber>4155550100</TelephoneNumber></TelephoneNumberList></SearchResult>`, true},
		{"trailing comment", `<SearchResult><ResultCount>0</ResultCount></SearchResult><!-- x -->` + "\n", true},
		{"truncated", `<SearchResult><ResultCount>1</ResultCount><TelephoneNumberList><TelephoneNumber>415`, false},
		{"empty", ``, false},
		{"wrong root", `<ErrorList><Error><Code>1</Code></Error></ErrorList>`, false},
		{"bad count", `<SearchResult><ResultCount>many</ResultCount></SearchResult>`, false},
		{"two roots", `<SearchResult></SearchResult><SearchResult></SearchResult>`, false},
		{"text after root", `<SearchResult></SearchResult>junk`, false},
		{"json", `{"a":1}`, false},
	}
	for _, tt := range tests {
		got, err := DecodeXML[sampleXML]("bw", []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Errorf("%s: kind %s", tt.name, number.KindOf(err))
			}
			if got.Count != 0 || got.Numbers != nil {
				t.Errorf("%s: partial result %+v", tt.name, got)
			}
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"data":[{"phone_number":"+14155550100"}]}`))
	f.Add([]byte(`{"data":[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeJSON[sampleJSON]("tx", body)
		if err != nil && got.Data != nil {
			t.Fatalf("partial result on error: %+v", got)
		}
	})
}

func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte(`<SearchResult><ResultCount>1</ResultCount></SearchResult>`))
	f.Add([]byte(`<SearchResult><ResultCount>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeXML[sampleXML]("bw", body)
		if err != nil && (got.Count != 0 || got.Numbers != nil) {
			t.Fatalf("partial result on error: %+v", got)
		}
	})
}
