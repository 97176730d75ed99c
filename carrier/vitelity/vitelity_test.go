package vitelity

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

func TestFindNumbers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prefix   string
		quantity int
		cmd      string
		arg      string // npa or npanxx sent
		want     []string
	}{
		{name: "npa", prefix: "+1415", quantity: 10, cmd: cmdListNPA, arg: "415",
			want: []string{"+14155550142", "+14155550199", "+14157770100"}},
		{name: "npa capped at quantity", prefix: "+1415", quantity: 2, cmd: cmdListNPA, arg: "415",
			want: []string{"+14155550142", "+14155550199"}},
		{name: "npa narrowed to a longer prefix", prefix: "+14157", quantity: 10, cmd: cmdListNPA, arg: "415",
			want: []string{"+14157770100"}},
		{name: "npanxx drops what does not match", prefix: "+1415555", quantity: 10, cmd: cmdListNPANXX, arg: "415555",
			want: []string{"+14155550199", "+14155550142"}},
		{name: "full number", prefix: "+14155550142", quantity: 1, cmd: cmdListNPANXX, arg: "415555",
			want: []string{"+14155550142"}},
		{name: "toll-free npa", prefix: "+1800", quantity: 10, cmd: cmdListTollFree,
			want: []string{"+18005550188", "+18005550111"}},
		{name: "toll-free wildcard", prefix: "+188*", quantity: 10, cmd: cmdListTollFree,
			want: []string{"+18885550123"}},
		{name: "all toll-free", prefix: "+18*", quantity: 3, cmd: cmdListTollFree,
			want: []string{"+18885550123", "+18005550188", "+18775550107"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			c := newTestCarrier(t, srv.URL, nil)
			res, err := c.FindNumbers(testCtx(t), tc.prefix, tc.quantity, carrier.SearchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.Number)
				if r.Carrier != Name || r.State != number.Discovery || r.CarrierData == nil {
					t.Errorf("result %+v: want carrier %s, state discovery, carrier data", r, Name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("numbers = %v, want %v", got, tc.want)
			}
			call := f.lastCall()
			if call.Get("cmd") != tc.cmd {
				t.Fatalf("cmd = %q, want %q", call.Get("cmd"), tc.cmd)
			}
			if arg := call.Get("npa") + call.Get("npanxx"); arg != tc.arg {
				t.Fatalf("npa/npanxx = %q, want %q", arg, tc.arg)
			}
		})
	}
}

func TestFindNumbersPassesOptionalArguments(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, map[string]any{"withrates": true, "type": "perminute", "cnam": false, "provider": 7})
	if _, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{}); err != nil {
		t.Fatal(err)
	}
	call := f.lastCall()
	if call.Get("withrates") != "yes" || call.Get("type") != "perminute" || call.Get("provider") != "7" || call.Has("cnam") {
		t.Fatalf("query = %v", call)
	}
}

func TestFindNumbersRejectsWhatVitelityCannotSearch(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	for _, prefix := range []string{"+44207", "+141", "+1", "+181*"} {
		if _, err := c.FindNumbers(testCtx(t), prefix, 1, carrier.SearchOptions{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("FindNumbers(%q) err = %v, want invalid", prefix, err)
		}
	}
	if call := f.lastCall(); call != nil {
		t.Fatalf("Vitelity was called: %v", call)
	}
}

func TestFindNumbersCarrierRefusal(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
		class            carrier.Class
	}{
		{"status fail", "list_fail.xml", "Invalid login or password", carrier.Auth},
		{"response instead of numbers", "list_response.xml", "Nothing available in this rate center", carrier.Rejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			f.replies[cmdListNPA] = tc.file
			c := newTestCarrier(t, srv.URL, nil)
			_, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{})
			if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want by_carrier with %q", err, tc.want)
			}
			carriertest.CheckFailure(t, err, tc.class, true)
		})
	}
}

func TestWrongCredentialsAreACarrierFault(t *testing.T) {
	_, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, map[string]any{"pass": "wrong-password"})
	_, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{})
	if !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestAcquire(t *testing.T) {
	for _, tc := range []struct {
		num, cmd string
	}{
		{"+14155550142", "getlocaldid"},
		{"+18005550188", "gettollfree"},
	} {
		f, srv := startFake(t)
		c := newTestCarrier(t, srv.URL, nil)
		if _, err := c.Acquire(testCtx(t), number.New(tc.num, number.Discovery, Name, time.Now())); err != nil {
			t.Fatalf("Acquire(%s): %v", tc.num, err)
		}
		call := f.lastCall()
		if call.Get("cmd") != tc.cmd || "+1"+call.Get("did") != tc.num || call.Get("routesip") != testRouteSIP {
			t.Fatalf("Acquire(%s) sent %v", tc.num, call)
		}
	}
}

func TestAcquireRefused(t *testing.T) {
	f, srv := startFake(t)
	f.replies["getlocaldid"] = "getlocaldid_fail.xml"
	c := newTestCarrier(t, srv.URL, nil)
	_, err := c.Acquire(testCtx(t), number.New("+14155550142", number.Discovery, Name, time.Now()))
	var e *number.Error
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "DID is not available") {
		t.Fatalf("err = %v, want by_carrier with Vitelity's message", err)
	}
	if e = number.AsError(err); e.Number != "+14155550142" {
		t.Fatalf("error number = %q", e.Number)
	}
	carriertest.CheckFailure(t, err, carrier.Taken, true)
}

func TestAcquireRejectsNonUSNumbers(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.Acquire(testCtx(t), number.New("+442079460000", number.Discovery, Name, time.Now())); !number.IsKind(err, number.KindInvalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	if f.lastCall() != nil {
		t.Fatal("Vitelity was called")
	}
}

func TestDisconnect(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+14155550142", number.InService, Name, time.Now())
	if err := c.Disconnect(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	if call := f.lastCall(); call.Get("cmd") != "removedid" || call.Get("did") != "4155550142" {
		t.Fatalf("sent %v", call)
	}
	f.replies["removedid"] = "removedid_fail.xml"
	err := c.Disconnect(testCtx(t), n)
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "DID not found on your account") {
		t.Fatalf("err = %v, want by_carrier with Vitelity's message", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings string
		url      string
		bad      bool
	}{
		{name: "defaults", settings: ``, url: DefaultAPIURL},
		{name: "kazoo's plain-http default is upgraded", settings: `{"api_uri":"http://api.vitelity.net/api.php"}`, url: DefaultAPIURL},
		{name: "api_uri", settings: `{"api_uri":"https://sandbox.example/api.php"}`, url: "https://sandbox.example/api.php"},
		{name: "api_url wins", settings: `{"api_uri":"https://a.example/api.php","api_url":"https://b.example/api.php"}`, url: "https://b.example/api.php"},
		{name: "routesip as a string", settings: `{"routesip":"trunk"}`, url: DefaultAPIURL},
		{name: "unknown key", settings: `{"api_ur":"x"}`, bad: true},
		{name: "not a URL", settings: `{"api_url":"ftp://x"}`, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := carrier.New("knm_vitelity", json.RawMessage(tc.settings), carrier.Deps{})
			if tc.bad {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.(*Carrier).cfg.URL(); got != tc.url {
				t.Fatalf("url = %q, want %q", got, tc.url)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	c, err := New(Config{APIURI: DefaultAPIURL, UseStepswitchCNAM: true}, carrier.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if i := c.Info(); i.Local || !i.Billable || !i.LookupCNAM || i.MaxPrefixLength != 3 {
		t.Fatal("wrong flags")
	}
	if _, ok := carrier.Carrier(c).(carrier.Checker); ok {
		t.Fatal("offers CheckNumbers, which the API has not")
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConformance(t *testing.T) {
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		_, srv := startFake(t)
		return newTestCarrier(t, srv.URL, nil)
	}, carriertest.Prefix("+1415"), carriertest.MinResults(3))
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, url, nil)
	}, carriertest.Number("+14155550142"),
		carriertest.Malformed(`<content><status>ok</status><numbers><did>4155550142</numbers>`))
}
