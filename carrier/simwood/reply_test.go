package simwood

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

func TestParseAvailable(t *testing.T) {
	for _, tc := range []struct {
		file    string
		numbers []string
		errText string
	}{
		{file: "available_10.json", numbers: []string{"+442079460012", "+442079460013", "+442079460047", "+442071830099"}},
		{file: "available_1.json", numbers: []string{"+442079460012"}},
		{file: "available_none.json"},
		{file: "available_odd.json", numbers: []string{"+441632960001"}},
		{file: "error_unauthorized.json", errText: "malformed JSON"},
		{file: "truncated.json", errText: "malformed JSON"},
		{file: "not_json.html", errText: "malformed JSON"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			offers, err := parseAvailable(readTestdata(t, tc.file))
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

func TestParseAvailableKeepsSimwoodsData(t *testing.T) {
	offers, err := parseAvailable(readTestdata(t, "available_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"SMS":0,"bill_class":"DDI","block":"5c1b8e0f7a2d4c1e9b3a6d8f0e2c4a61","country_code":"44","number":"2079460012","recommended_gold_premium":0,"wholesale_gold_premium":0}`
	if got := docJSON(t, offers[0].Data); got != want {
		t.Fatalf("carrier data = %s\nwant %s", got, want)
	}
}

func TestParseAvailableDetails(t *testing.T) {
	offers, err := parseAvailable(readTestdata(t, "available_10.json"))
	if err != nil || len(offers) != 4 {
		t.Fatalf("%v, %v", offers, err)
	}
	zero, premium := int64(0), int64(2550)
	for i, want := range []carrier.Details{
		{Capabilities: &carrier.Capabilities{Voice: true}, Cost: &carrier.Cost{Currency: "GBP", Setup: &zero}},
		{Capabilities: &carrier.Capabilities{Voice: true}, Cost: &carrier.Cost{Currency: "GBP", Setup: &zero}},
		{Capabilities: &carrier.Capabilities{Voice: true, SMS: true}, Cost: &carrier.Cost{Currency: "GBP", Setup: &premium}},
	} {
		if got := offers[i].Details; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: details %+v, want %+v", offers[i].Number, got, want)
		}
	}
	odd, err := parseAvailable(readTestdata(t, "available_odd.json"))
	if err != nil || len(odd) != 1 || !odd[0].Details.IsZero() {
		t.Fatalf("no SMS or premium given: %+v, %v", odd, err)
	}
}

func TestErrorMessage(t *testing.T) {
	for file, want := range map[string]string{
		"error_unauthorized.json":  "Authentication required",
		"error_not_available.json": "Number is not available for allocation",
		"error_list.json":          "Invalid pattern; Pattern must contain at least one digit",
		"not_json.html":            "",
		"available_10.json":        "",
	} {
		if got := errorMessage(400, readTestdata(t, file)); got != want {
			t.Errorf("errorMessage(%s) = %q, want %q", file, got, want)
		}
	}
	if got := errorMessage(400, []byte(`{"message":"Rate limited"}`)); got != "Rate limited" {
		t.Errorf("errorMessage(message) = %q", got)
	}
}

func TestSearchDigits(t *testing.T) {
	for _, tc := range []struct {
		prefix, want string
		bad          bool
	}{
		{prefix: "+44207", want: "207"},
		{prefix: "+442079460012", want: "2079460012"},
		{prefix: "+4420*", want: "20"},
		{prefix: "+44", want: ""},
		{prefix: "+44*", want: ""},
		{prefix: "+1415", bad: true},
		{prefix: "+440207", bad: true},
		{prefix: "+44abc", bad: true},
		{prefix: "+4420794600121", bad: true},
	} {
		got, err := searchDigits(tc.prefix)
		if tc.bad {
			if !number.IsKind(err, number.KindInvalid) {
				t.Errorf("searchDigits(%q) err = %v, want invalid", tc.prefix, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("searchDigits(%q) = %q, %v; want %q", tc.prefix, got, err, tc.want)
		}
	}
}

func FuzzParseAvailable(f *testing.F) {
	for _, name := range []string{"available_10.json", "available_odd.json", "error_list.json", "truncated.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		offers, err := parseAvailable(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for _, o := range offers {
			digits, ok := strings.CutPrefix(o.Number, "+")
			if !ok || !allDigits(digits) || len(digits) > 15 || o.Data == nil {
				t.Fatalf("bad offer %+v", o)
			}
			if p := carriertest.DetailsProblem(o.Details); p != "" {
				t.Fatalf("details of %+v: %s", o, p)
			}
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	for _, name := range []string{"error_unauthorized.json", "error_list.json", "not_json.html"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = errorMessage(500, body)
	})
}
