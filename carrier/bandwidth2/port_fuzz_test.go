package bandwidth2

import (
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
)

// Fuzz targets of the LNP replies: no reply, however broken, panics a
// parser or yields a half-read port-in.

func FuzzParseLNPOrder(f *testing.F) {
	for _, name := range []string{"portin_draft.xml", "portin_exception.xml", "portin_foc.xml", "portin_invalid.xml", "portin_no_id.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseLNPOrder(body)
		switch {
		case err != nil && (o.OrderID != "" || o.ProcessingStatus != ""):
			t.Fatalf("port-in %+v with an error", o)
		case err != nil && carrier.IsDefiniteRefusal(err):
			t.Fatalf("an unreadable reply is a definite refusal: %v", err)
		case err == nil && (o.OrderID == "" || o.ProcessingStatus == ""):
			t.Fatalf("port-in %+v without id or status and no error", o)
		}
	})
}

func FuzzParseLNPNotes(f *testing.F) {
	f.Add(readTestdata(f, "portin_notes.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, err := parseLNPNotes(body)
		if err != nil && ms != nil {
			t.Fatalf("notes %v with an error", ms)
		}
		for _, m := range ms {
			if m.ID == "" || strings.TrimSpace(m.Text) == "" {
				t.Fatalf("note %+v", m)
			}
		}
	})
}

func FuzzParsePortability(f *testing.F) {
	f.Add(readTestdata(f, "lnpchecker.xml"))
	f.Add(readTestdata(f, "lnpchecker_error_400.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parsePortability(body)
		if err != nil && res != nil {
			t.Fatalf("results %v with an error", res)
		}
		for n, p := range res {
			if _, ok := tnToE164(n); !ok || p.Portable && p.Reason != "" {
				t.Fatalf("result %s: %+v", n, p)
			}
		}
	})
}
