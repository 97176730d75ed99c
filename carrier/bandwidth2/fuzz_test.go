package bandwidth2

import (
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/carriertest"
)

// The seed corpora live in testdata/fuzz/<target>/; these targets check
// that no reply, however broken, panics a parser or yields a half-read
// result.

func FuzzParseSearchResult(f *testing.F) {
	f.Add(readTestdata(f, "search_areacode_415.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		found, err := parseSearchResult(body)
		if err != nil && found != nil {
			t.Fatalf("results with an error: %v", found)
		}
		for _, n := range found {
			if len(n.e164) != 12 || !strings.HasPrefix(n.e164, "+1") {
				t.Fatalf("offered %q, not a NANP E.164 number", n.e164)
			}
			if p := carriertest.DetailsProblem(n.details()); p != "" {
				t.Fatalf("details of %q: %s", n.e164, p)
			}
		}
	})
}

func FuzzParseOrderResponse(f *testing.F) {
	f.Add(readTestdata(f, "order_complete.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseOrderResponse(body)
		if err != nil && (o.Status != "" || o.ID != "" || o.Completed != nil) {
			t.Fatalf("order %+v with an error", o)
		}
		if err == nil && o.Status == "" {
			t.Fatal("order without a status and no error")
		}
	})
}

func FuzzParseDisconnectResponse(f *testing.F) {
	f.Add(readTestdata(f, "disconnect_complete.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseDisconnectResponse(body)
		if err != nil && (o.Status != "" || o.ID != "") {
			t.Fatalf("disconnect %+v with an error", o)
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	f.Add(readTestdata(f, "search_error_400.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = errorMessage(400, body)
	})
}

func FuzzSearchQuery(f *testing.F) {
	for _, p := range []string{"+1415", "+1415555", "+1800", "+180*", "+18**", "+14**", "+44207", "+1"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		q, pattern, err := searchQuery(prefix)
		if err != nil || q == nil {
			return
		}
		criteria := 0
		for _, k := range []string{"areaCode", "npaNxx", "npaNxxx", "tollFreeWildCardPattern"} {
			if q.Has(k) {
				criteria++
			}
		}
		if criteria != 1 || !strings.HasPrefix(pattern, "+1") {
			t.Fatalf("prefix %q: query %v, pattern %q", prefix, q, pattern)
		}
	})
}
