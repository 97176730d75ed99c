package bandwidth2

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestCheckRoute(t *testing.T) {
	c := newTestCarrier(t, testConfig("http://127.0.0.1:1"))
	noSite := testConfig("http://127.0.0.1:1")
	noSite.SiteID = ""
	cNoSite := newTestCarrier(t, noSite)
	for _, tc := range []struct {
		c     *Carrier
		route string
		ok    bool
	}{
		{c, `{"sip_peer": "500700"}`, true},
		{c, `{"sip_peer": 500700, "site_id": 2400}`, true},
		{c, `{}`, false},
		{c, `{"peer": "1"}`, false},
		{cNoSite, `{"sip_peer": "500700"}`, false},
		{cNoSite, `{"sip_peer": "500700", "site_id": "2400"}`, true},
	} {
		err := tc.c.CheckRoute(json.RawMessage(tc.route))
		if (err == nil) != tc.ok || (err != nil && !number.IsKind(err, number.KindInvalid)) {
			t.Errorf("%s: %v", tc.route, err)
		}
	}
}

func TestRoute(t *testing.T) {
	ctx := context.Background()
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	n := number.New("+14155550100", number.InService, Name, testNow)
	if _, err := c.Route(ctx, n, json.RawMessage(`{"sip_peer": "500700"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Route(ctx, n, json.RawMessage(`{"sip_peer": "500800", "site_id": "2400"}`)); err != nil {
		t.Fatal(err)
	}
	if len(f.moves) != 2 || f.moves[0] != "sites/2297/sippeers/500700:4155550100" || f.moves[1] != "sites/2400/sippeers/500800:4155550100" {
		t.Fatalf("moves %q", f.moves)
	}
	_, err := c.Route(ctx, n, json.RawMessage(`{"sip_peer": "404404", "site_id": "2400"}`))
	if err == nil || !carrier.IsDefiniteRefusal(err) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown peer: %v", err)
	}
}
