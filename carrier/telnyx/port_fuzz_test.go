package telnyx

import (
	"testing"

	"github.com/numan-dev/numan/carrier"
)

// Fuzz targets of the porting replies: no reply, however broken, panics
// a parser or yields a half-read order.

func FuzzParsePortingOrder(f *testing.F) {
	for _, name := range []string{"porting_order_draft.json", "porting_order_exception.json", "porting_order_foc.json", "porting_order_status_string.json", "porting_order_no_id.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parsePortingOrder(body)
		switch {
		case err != nil && (o.ID != "" || o.Status.Value != ""):
			t.Fatalf("order %+v with an error", o)
		case err != nil && carrier.IsDefiniteRefusal(err):
			t.Fatalf("an unreadable reply is a definite refusal: %v", err)
		case err == nil && (o.ID == "" || o.Status.Value == ""):
			t.Fatalf("order %+v without id or status and no error", o)
		}
	})
}

func FuzzParsePortingOrders(f *testing.F) {
	for _, name := range []string{"porting_orders_created.json", "porting_orders_created_split.json", "porting_orders_empty.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		os, err := parsePortingOrders(body)
		if err != nil && os != nil {
			t.Fatalf("orders %v with an error", os)
		}
		for _, o := range os {
			if o.ID == "" || o.Status.Value == "" {
				t.Fatalf("order %+v", o)
			}
		}
	})
}

func FuzzParsePortability(f *testing.F) {
	f.Add(readTestdata(f, "portability_check.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parsePortability(body)
		if err != nil && res != nil {
			t.Fatalf("results %v with an error", res)
		}
		for n := range res {
			if !isE164(n) {
				t.Fatalf("a result for %q", n)
			}
		}
	})
}

func FuzzParsePortingComments(f *testing.F) {
	f.Add(readTestdata(f, "porting_comments.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cs, err := parsePortingComments(body)
		if err != nil && cs != nil {
			t.Fatalf("comments %v with an error", cs)
		}
		for _, c := range cs {
			if c.ID == "" || c.Body == "" {
				t.Fatalf("comment %+v", c)
			}
		}
	})
}
