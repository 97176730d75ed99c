package vitelity

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		file    string
		numbers []string
		errText string // substring of the error; "" = success
	}{
		{file: "listnpa.xml", numbers: []string{"+14155550142", "+14155550199", "+14157770100"}},
		{file: "listnpanxx.xml", numbers: []string{"+14155550199", "+14155550142", "+14155560001"}},
		{file: "listtollfree.xml", numbers: []string{"+18885550123", "+18005550188", "+18775550107", "+18005550111"}},
		{file: "list_fail.xml", errText: "Invalid login or password"},
		{file: "list_response.xml", errText: "Nothing available in this rate center"},
		{file: "wrong_root.xml", errText: "malformed XML"},
		{file: "truncated.xml", errText: "malformed XML"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			offers, err := parseList(readTestdata(t, tc.file))
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

func TestParseListCarrierData(t *testing.T) {
	offers, err := parseList(readTestdata(t, "listnpa.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"number":"+14155550142","ratecenter":"SAN FRANCISCO","state":"CA"}`
	if got := docJSON(t, offers[0].Data); got != want {
		t.Fatalf("carrier data = %s, want %s", got, want)
	}
	offers, err = parseList(readTestdata(t, "listtollfree.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := docJSON(t, offers[0].Data); got != `{"number":"+18885550123"}` {
		t.Fatalf("toll-free carrier data = %s", got)
	}
	if d := offers[0].details(); !d.IsZero() {
		t.Fatalf("toll-free details = %+v, want none", d)
	}
}

func TestParseListDetails(t *testing.T) {
	offers, err := parseList(readTestdata(t, "listnpa.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := carrier.Details{Locality: carrier.Locality{Region: "CA"}, RateCenter: "SAN RAFAEL"}
	if got := offers[2].details(); !reflect.DeepEqual(got, want) {
		t.Fatalf("details = %+v, want %+v", got, want)
	}
}

func TestParseListSkipsWhatIsNoNANPNumber(t *testing.T) {
	body := []byte(`<content><status>ok</status><numbers>
		<did>12345</did><did><ratecenter>X</ratecenter></did><did><number>abc</number></did>
		<number><number>14155550100</number><state>CA</state></number><other>x</other></numbers></content>`)
	offers, err := parseList(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 || offers[0].Number != "+14155550100" {
		t.Fatalf("offers = %+v, want only +14155550100", offers)
	}
}

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		file    string
		errText string
	}{
		{file: "getlocaldid_ok.xml"},
		{file: "removedid_ok.xml"},
		{file: "getlocaldid_fail.xml", errText: "DID is not available"},
		{file: "removedid_fail.xml", errText: "DID not found on your account"},
		{file: "wrong_root.xml", errText: "malformed XML"},
		{file: "truncated.xml", errText: "malformed XML"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			err := parseStatus(readTestdata(t, tc.file))
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

func TestPlanSearch(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		want   searchPlan
		bad    bool
	}{
		{prefix: "+1415", want: searchPlan{cmd: cmdListNPA, arg: "415", match: "415"}},
		{prefix: "+14155", want: searchPlan{cmd: cmdListNPA, arg: "415", match: "4155"}},
		{prefix: "+1415555", want: searchPlan{cmd: cmdListNPANXX, arg: "415555", match: "415555"}},
		{prefix: "+14155550142", want: searchPlan{cmd: cmdListNPANXX, arg: "415555", match: "4155550142"}},
		{prefix: "+1415*", want: searchPlan{cmd: cmdListNPA, arg: "415", match: "415"}},
		{prefix: "+1800", want: searchPlan{cmd: cmdListTollFree, match: "800"}},
		{prefix: "+18885550123", want: searchPlan{cmd: cmdListTollFree, match: "8885550123"}},
		{prefix: "+180*", want: searchPlan{cmd: cmdListTollFree, match: "80"}},
		{prefix: "+18*", want: searchPlan{cmd: cmdListTollFree, match: "8"}},
		{prefix: "+1*", bad: true},
		{prefix: "+141", bad: true},
		{prefix: "+181*", bad: true},
		{prefix: "+44207", bad: true},
		{prefix: "+1415abc", bad: true},
		{prefix: "", bad: true},
	} {
		got, err := planSearch(tc.prefix)
		if tc.bad {
			if !number.IsKind(err, number.KindInvalid) {
				t.Errorf("planSearch(%q) err = %v, want invalid", tc.prefix, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("planSearch(%q) = %+v, %v; want %+v", tc.prefix, got, err, tc.want)
		}
	}
}

// The reply parsers read whatever the network sends: they must never panic,
// and every failure must be a by_carrier error.
func FuzzParseList(f *testing.F) {
	for _, name := range []string{"listnpa.xml", "listtollfree.xml", "list_fail.xml", "list_response.xml", "truncated.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		offers, err := parseList(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for _, o := range offers {
			if _, ok := toE164(o.Number); !ok || o.Data == nil {
				t.Fatalf("bad offer %+v", o)
			}
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	for _, name := range []string{"getlocaldid_ok.xml", "getlocaldid_fail.xml", "wrong_root.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := parseStatus(body); err != nil && !number.IsKind(err, number.KindByCarrier) {
			t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
		}
	})
}

func FuzzPlanSearch(f *testing.F) {
	for _, p := range []string{"+1415", "+1415555", "+1800", "+180*", "+44207", "+1"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		p, err := planSearch(prefix)
		if err != nil {
			return
		}
		if !strings.HasPrefix(prefix, "+1"+p.match) || (p.cmd != cmdListTollFree && len(p.arg) < 3) {
			t.Fatalf("planSearch(%q) = %+v", prefix, p)
		}
	})
}
