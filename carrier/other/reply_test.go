package other

import (
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/number"
)

func TestParseNumbers(t *testing.T) {
	for _, tc := range []struct {
		file    string
		numbers []string
		errText string
	}{
		{file: "numbers_search.json", numbers: []string{"+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550107"}},
		{file: "numbers_search_empty.json"},
		{file: "numbers_search_odd.json", numbers: []string{"+14155550106", "+14155550108", "+14155550109"}},
		{file: "error.json", errText: "unknown country ZZ"},
		{file: "error_data.json", errText: "prefix is required"},
		{file: "blocks_search.json", errText: "search data is not an object"},
		{file: "truncated.json", errText: "malformed JSON"},
		{file: "not_json.html", errText: "malformed JSON"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			offers, err := parseNumbers(readTestdata(t, tc.file))
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
				if o.Data == nil {
					t.Errorf("%s: nil carrier data", o.Number)
				}
			}
			if !slices.Equal(got, tc.numbers) {
				t.Fatalf("numbers = %v, want %v", got, tc.numbers)
			}
		})
	}
}

func TestParseBlocks(t *testing.T) {
	blocks, err := parseBlocks(readTestdata(t, "blocks_search.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []block{{"+14155550200", "+14155550204"}, {"+14155550300", "+14155550309"}}
	if !slices.Equal(blocks, want) {
		t.Fatalf("blocks = %v, want %v", blocks, want)
	}
	for file, errText := range map[string]string{
		"blocks_bad.json":     "invalid block +14155550209 - +14155550200",
		"numbers_search.json": "block data is not a list",
		"error.json":          "unknown country ZZ",
		"truncated.json":      "malformed JSON",
	} {
		if _, err := parseBlocks(readTestdata(t, file)); !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), errText) {
			t.Errorf("%s: err = %v, want by_carrier containing %q", file, err, errText)
		}
	}
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		b     block
		limit int
		want  []string
	}{
		{block{"+14155550200", "+14155550202"}, 10, []string{"+14155550200", "+14155550201", "+14155550202"}},
		{block{"+14155550200", "+14155559999"}, 2, []string{"+14155550200", "+14155550201"}},
		{block{"+14155550199", "+14155550201"}, 10, []string{"+14155550199", "+14155550200", "+14155550201"}},
		{block{"+14155550200", "+14155550200"}, 0, nil},
	} {
		if got := expand(tc.b, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("expand(%v, %d) = %v, want %v", tc.b, tc.limit, got, tc.want)
		}
	}
}

func TestParseOrder(t *testing.T) {
	opaque, locality, err := parseOrder(readTestdata(t, "order_success.json"), "+14155550101")
	if err != nil {
		t.Fatal(err)
	}
	if got := docJSON(t, opaque); got != `{"gateway":"sbc1.example.net","order_id":"ord-20261122-0042"}` {
		t.Errorf("opaque = %s", got)
	}
	if got := docJSON(t, locality); got != `{"city":"San Francisco","country":"US","rate_center":"SAN FRANCISCO","state":"CA"}` {
		t.Errorf("locality = %s", got)
	}
	for _, tc := range []struct{ file, num, errText string }{
		{"order_failed.json", "+14155550101", "number already ordered by another customer"},
		{"order_success.json", "+14155550102", "order reply says nothing about +14155550102"},
		{"error.json", "+14155550101", "unknown country ZZ"},
		{"truncated.json", "+14155550101", "malformed JSON"},
	} {
		if _, _, err := parseOrder(readTestdata(t, tc.file), tc.num); !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.errText) {
			t.Errorf("%s: err = %v, want by_carrier containing %q", tc.file, err, tc.errText)
		}
	}
}

func TestParseStatuses(t *testing.T) {
	got, err := parseStatuses(readTestdata(t, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"+14155550101": "available", "+442079460012": "in_service", "+19995550000": "available"}
	if len(got) != len(want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("statuses = %v, want %v", got, want)
		}
	}
	if _, err := parseStatuses(readTestdata(t, "error.json")); !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
}

func TestNPAN(t *testing.T) {
	for e164, npan := range map[string]string{"+14155550101": "4155550101", "+442079460012": "+442079460012", "+1415": "+1415"} {
		if got := toNPAN(e164); got != npan {
			t.Errorf("toNPAN(%s) = %s, want %s", e164, got, npan)
		}
	}
	for s, want := range map[string]string{"4155550101": "+14155550101", "14155550101": "+14155550101", "+442079460012": "+442079460012", "abc": ""} {
		if got, _ := fromNPAN(s); got != want {
			t.Errorf("fromNPAN(%s) = %q, want %q", s, got, want)
		}
	}
}

func FuzzParseNumbers(f *testing.F) {
	for _, name := range []string{"numbers_search.json", "numbers_search_odd.json", "error_data.json", "truncated.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		offers, err := parseNumbers(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for _, o := range offers {
			if !isE164(o.Number) || o.Data == nil {
				t.Fatalf("bad offer %+v", o)
			}
		}
	})
}

func FuzzParseBlocks(f *testing.F) {
	for _, name := range []string{"blocks_search.json", "blocks_bad.json", "error.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		blocks, err := parseBlocks(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for _, b := range blocks {
			for _, n := range expand(b, 3) {
				if !isE164(n) || len(n) != len(b.Start) {
					t.Fatalf("block %v expands to %q", b, n)
				}
			}
		}
	})
}

func FuzzParseOrder(f *testing.F) {
	for _, name := range []string{"order_success.json", "order_failed.json", "error.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, _, err := parseOrder(body, "+14155550101"); err != nil && !number.IsKind(err, number.KindByCarrier) {
			t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
		}
	})
}

func FuzzParseStatuses(f *testing.F) {
	for _, name := range []string{"status.json", "error.json", "truncated.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		statuses, err := parseStatuses(body)
		if err != nil {
			if !number.IsKind(err, number.KindByCarrier) {
				t.Fatalf("error of kind %s: %v", number.KindOf(err), err)
			}
			return
		}
		for n := range statuses {
			if !isE164(n) {
				t.Fatalf("status for %q", n)
			}
		}
	})
}
