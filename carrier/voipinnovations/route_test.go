package voipinnovations

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

func TestCheckRoute(t *testing.T) {
	_, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	for _, tc := range []struct {
		route string
		ok    bool
	}{
		{`{"endpoint_group": "5520"}`, true},
		{`{}`, false},
		{`{"endpoint_group": 5520}`, false},
		{`{"epg": "5520"}`, false},
	} {
		err := c.CheckRoute(json.RawMessage(tc.route))
		if (err == nil) != tc.ok || (err != nil && !number.IsKind(err, number.KindInvalid)) {
			t.Errorf("%s: %v", tc.route, err)
		}
	}
}

func TestRoute(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+13035550110", number.InService, Name, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := c.Route(context.Background(), n, json.RawMessage(`{"endpoint_group": "5520"}`)); err != nil {
		t.Fatal(err)
	}
	last, _ := f.lastCall()
	if last.action != "configDID" || last.args["DIDParam.tn"] != "3035550110" || last.args["DIDParam.epg"] != "5520" {
		t.Fatalf("call %+v", last)
	}
	_, err := c.Route(context.Background(), n, json.RawMessage(`{"endpoint_group": "9999"}`))
	if err == nil || !strings.Contains(err.Error(), "9999 not found") || !strings.Contains(err.Error(), n.Number) && number.AsError(err).Number != n.Number {
		t.Fatalf("unknown endpoint group: %v", err)
	}
}
