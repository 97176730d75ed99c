package vitelity

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

func TestCheckRoute(t *testing.T) {
	c := newTestCarrier(t, "http://127.0.0.1:1", nil)
	for _, tc := range []struct {
		route string
		ok    bool
	}{
		{`{"routesip": "pbx.example.com"}`, true},
		{`{}`, false},
		{`{"route": "x"}`, false},
	} {
		err := c.CheckRoute(json.RawMessage(tc.route))
		if (err == nil) != tc.ok || (err != nil && !number.IsKind(err, number.KindInvalid)) {
			t.Errorf("%s: %v", tc.route, err)
		}
	}
}

func TestRoute(t *testing.T) {
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+13035550110", number.InService, Name, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := c.Route(context.Background(), n, json.RawMessage(`{"routesip": "pbx2.example.com"}`)); err != nil {
		t.Fatal(err)
	}
	if q := f.lastCall(); q.Get("cmd") != "reroute" || q.Get("did") != "3035550110" || q.Get("routesip") != "pbx2.example.com" {
		t.Fatalf("call %v", q)
	}
	_, err := c.Route(context.Background(), n, json.RawMessage(`{"routesip": "nowhere"}`))
	if err == nil || !strings.Contains(err.Error(), "Invalid route") {
		t.Fatalf("refused route: %v", err)
	}
}
