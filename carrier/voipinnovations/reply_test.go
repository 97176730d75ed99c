package voipinnovations

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

func TestParseGetDIDs(t *testing.T) {
	for _, tc := range []struct {
		file    string
		numbers []string
		errText string
	}{
		{file: "getdids_npa.xml", numbers: []string{"+13035550110", "+13035550111", "+13037210042"}},
		{file: "getdids_nxx.xml", numbers: []string{"+13037210042", "+13037219876"}},
		{file: "getdids_tollfree.xml", numbers: []string{"+18445550163"}},
		{file: "getdids_none.xml"},
		{file: "getdids_bad_login.xml", errText: "Invalid login or secret"},
		{file: "fault.xml", errText: "Server was unable to read request"},
		{file: "assigndid_ok.xml", errText: "reply holds no getDIDsResult"},
		{file: "not_soap.xml", errText: "malformed XML"},
		{file: "truncated.xml", errText: "malformed XML"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			offers, err := parseGetDIDs(readTestdata(t, tc.file))
			if tc.errText != "" {
				if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want by_carrier containing %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range offers {
				got = append(got, o.Number)
			}
			if !slices.Equal(got, tc.numbers) {
				t.Fatalf("numbers = %v, want %v", got, tc.numbers)
			}
		})
	}
}

func TestParseGetDIDsCarrierData(t *testing.T) {
	offers, err := parseGetDIDs(readTestdata(t, "getdids_npa.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cnam":true,"e164":"+13035550110","rate_center":"DENVER","state":"CO","t38":false}`
	if got := docJSON(t, offers[0].Data); got != want {
		t.Fatalf("carrier data = %s, want %s", got, want)
	}
}

func TestParseGetDIDsDetails(t *testing.T) {
	offers, err := parseGetDIDs(readTestdata(t, "getdids_npa.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := carrier.Details{
		Locality:     carrier.Locality{Region: "CO"},
		RateCenter:   "DENVER",
		LATA:         "656",
		Capabilities: &carrier.Capabilities{Voice: true, Fax: true},
	}
	if got := offers[1].Details; !reflect.DeepEqual(got, want) {
		t.Fatalf("details = %+v, want %+v", got, want)
	}
	if c := offers[0].Details.Capabilities; c == nil || c.Fax {
		t.Fatalf("t38 false: capabilities %+v", c)
	}
}

func TestParseDIDStatus(t *testing.T) {
	for _, tc := range []struct {
		action, file, errText string
	}{
		{action: "assignDID", file: "assigndid_ok.xml"},
		{action: "releaseDID", file: "releasedid_ok.xml"},
		{action: "assignDID", file: "assigndid_taken.xml", errText: "Number not available for assignment"},
		// responseCode 100 but the DID's statusCode is not: a failure.
		{action: "releaseDID", file: "releasedid_not_yours.xml", errText: "Number currently available"},
		{action: "releaseDID", file: "assigndid_ok.xml", errText: "reply holds no releaseDIDResult"},
		{action: "assignDID", file: "getdids_npa.xml", errText: "reply holds no assignDIDResult"},
		{action: "assignDID", file: "getdids_bad_login.xml", errText: "reply holds no assignDIDResult"},
		{action: "assignDID", file: "fault.xml", errText: "Server was unable to read request"},
		{action: "assignDID", file: "truncated.xml", errText: "malformed XML"},
	} {
		t.Run(tc.action+"/"+tc.file, func(t *testing.T) {
			err := parseDIDStatus(tc.action, readTestdata(t, tc.file))
			if tc.errText == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("err = %v, want by_carrier containing %q", err, tc.errText)
			}
		})
	}
}

func TestParseDIDStatusWantsADID(t *testing.T) {
	body := []byte(`<Envelope><Body><assignDIDResponse><assignDIDResult><responseCode>100</responseCode><DIDs/></assignDIDResult></assignDIDResponse></Body></Envelope>`)
	if err := parseDIDStatus("assignDID", body); !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
}

func TestFaultMessage(t *testing.T) {
	if got := faultMessage(500, readTestdata(t, "fault.xml")); !strings.HasPrefix(got, "Server was unable to read request") {
		t.Fatalf("faultMessage = %q", got)
	}
	if got := faultMessage(500, []byte("Service Unavailable")); got != "" {
		t.Fatalf("faultMessage of a non-SOAP body = %q, want empty", got)
	}
}

func TestSoapRequest(t *testing.T) {
	npa := "303"
	got := string(soapRequest("getDIDs", []param{{name: "cnam"}, {name: "npa", value: &npa}}, "me", "a<b&c"))
	for _, want := range []string{
		`<tns:getDIDs><tns:cnam xsi:nil="true"/><tns:npa>303</tns:npa><tns:login>me</tns:login><tns:secret>a&lt;b&amp;c</tns:secret></tns:getDIDs>`,
		`xmlns:tns="http://tempuri.org/"`,
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("request %s\nlacks %s", got, want)
		}
	}
}

func FuzzParseGetDIDs(f *testing.F) {
	for _, name := range []string{"getdids_npa.xml", "getdids_tollfree.xml", "getdids_bad_login.xml", "fault.xml", "truncated.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		offers, err := parseGetDIDs(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for _, o := range offers {
			if _, ok := toE164(strings.TrimPrefix(o.Number, "+")); !ok {
				t.Fatalf("bad offer %+v", o)
			}
			if p := carriertest.DetailsProblem(o.Details); p != "" {
				t.Fatalf("details of %+v: %s", o, p)
			}
		}
	})
}

func FuzzParseDIDStatus(f *testing.F) {
	for _, name := range []string{"assigndid_ok.xml", "assigndid_taken.xml", "releasedid_not_yours.xml", "fault.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, action := range []string{"assignDID", "releaseDID"} {
			if err := parseDIDStatus(action, body); err != nil && !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
		}
		_ = faultMessage(500, body)
	})
}

func TestParseQueryDID(t *testing.T) {
	for _, tc := range []struct {
		file    string
		tn      string
		held    bool
		errText string
	}{
		{file: "querydid_assigned.xml", tn: "3035550110", held: true},
		{file: "querydid_available.xml", tn: "3035550110", held: false},
		{file: "querydid_unknown.xml", tn: "3035550110", errText: "Number is not in our inventory"},
		{file: "querydid_assigned.xml", tn: "3035550111", errText: "reply reports nothing about 3035550111"},
		{file: "fault.xml", tn: "3035550110", errText: "Server was unable to read request"},
	} {
		t.Run(tc.file+"/"+tc.tn, func(t *testing.T) {
			held, err := parseQueryDID(readTestdata(t, tc.file), tc.tn)
			if tc.errText != "" {
				if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("err = %v, want by_carrier containing %q", err, tc.errText)
				}
				return
			}
			if err != nil || held != tc.held {
				t.Fatalf("held = %v, %v; want %v", held, err, tc.held)
			}
		})
	}
}

func FuzzParseQueryDID(f *testing.F) {
	for _, name := range []string{"querydid_assigned.xml", "querydid_available.xml", "querydid_unknown.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := parseQueryDID(body, "3035550110"); err != nil && !number.IsKind(err, number.KindByCarrier) {
			t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
		}
	})
}
