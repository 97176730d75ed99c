package vitelity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	"github.com/numan-dev/numan/feature/internal/fakeapi"
	"github.com/numan-dev/numan/number"
)

const (
	testLogin = "numan"
	testPass  = "vitelity-secret"
	testNum   = "+14155550100"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fake is Vitelity's api.php: credentials and the command in the query
// string, a reply per command from testdata/.
type fake struct {
	*fakeapi.Server
	mu      sync.Mutex
	replies map[string]fakeapi.Reply // by cmd
}

func newFake(t *testing.T) *fake {
	f := &fake{Server: fakeapi.New(t), replies: map[string]fakeapi.Reply{
		"e911send": {File: "e911send_ok.xml"}, "e911delete": {File: "ok.xml"},
		"lidb": {File: "ok.xml"}, "cnamenable": {File: "ok.xml"}, "cnamdisable": {File: "ok.xml"},
	}}
	f.Check = func(r *http.Request, _ string) *fakeapi.Reply {
		q := r.URL.Query()
		if q.Get("login") != testLogin || q.Get("pass") != testPass {
			return &fakeapi.Reply{File: "login_fail.xml"}
		}
		if q.Get("xml") != "yes" || q.Get("did") != "4155550100" || r.Method != http.MethodPost {
			t.Errorf("bad request %s %s", r.Method, r.URL)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		rep, ok := f.replies[q.Get("cmd")]
		if !ok {
			t.Errorf("unexpected cmd %q", q.Get("cmd"))
			return &fakeapi.Reply{Status: 400}
		}
		return &rep
	}
	return f
}

func (f *fake) set(cmd string, r fakeapi.Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[cmd] = r
}

// cmds returns the cmd of each request, with its other parameters.
func (f *fake) cmds() []url.Values {
	var out []url.Values
	for _, r := range f.Requests() {
		q, _ := url.ParseQuery(r.Query)
		q.Del("login")
		q.Del("pass")
		q.Del("xml")
		q.Del("did")
		out = append(out, q)
	}
	return out
}

func carrierDoc(u string) string {
	return `{"login":"` + testLogin + `","pass":"` + testPass + `","api_uri":"` + u + `/api.php","routesip":"10.0.0.1","use_stepswitch_cnam":false}`
}

func newProvider(t *testing.T, name, u string) feature.Provider {
	t.Helper()
	p, err := feature.New(name, nil, feature.Deps{CarrierSettings: json.RawMessage(carrierDoc(u))})
	if err != nil {
		t.Fatal(err)
	}
	p.(interface {
		SetRetryPolicy(httpx.Backoff, httpx.Sleeper)
	}).SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return p
}

func newNumber(feat, public string) *number.Number {
	n := number.New(testNum, number.InService, "vitelity", testNow)
	n.AssignedTo = "acct1"
	n.Public[feat] = json.RawMessage(public)
	return n
}

func TestConformance(t *testing.T) {
	for _, name := range []string{E911, CNAM} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, name, f.URL()) },
				featuretest.Calls(f.Calls), featuretest.CarrierSettings(carrierDoc(f.URL())), featuretest.Settings(`{"login":"other"}`))
		})
	}
}

func TestSettings(t *testing.T) {
	for _, tt := range []struct {
		own, carrier string
		wantErr      bool
		wantURL      string
	}{
		{`{}`, `{"login":"l","pass":"p"}`, false, DefaultAPIURL},
		{`{}`, `{"login":"l","api_uri":"http://api.vitelity.net/api.php"}`, false, DefaultAPIURL},
		{`{"api_url":"http://127.0.0.1:9/api.php","login":"x"}`, ``, false, "http://127.0.0.1:9/api.php"},
		{`{}`, `{"pass":"p"}`, true, ""},
		{`{"password":"p"}`, `{"login":"l"}`, true, ""},
		{`{}`, `{"login":"l","api_uri":"ftp://x"}`, true, ""},
	} {
		p, err := feature.New(E911, json.RawMessage(tt.own), feature.Deps{CarrierSettings: json.RawMessage(tt.carrier)})
		if (err != nil) != tt.wantErr {
			t.Errorf("%s %s: %v", tt.own, tt.carrier, err)
			continue
		}
		if err == nil && p.(*e911Provider).url != tt.wantURL {
			t.Errorf("%s %s: url %s", tt.own, tt.carrier, p.(*e911Provider).url)
		}
	}
}

func TestE911(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL())
	n := newNumber(number.FeatureE911, `{"street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco","region":"ca","postal_code":"94108"}`)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{AccountName: "Acme"})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	got := f.cmds()[0]
	want := url.Values{"cmd": {"e911send"}, "name": {"Acme"}, "address": {"140 Geary St"}, "unittype": {"Suite"}, "unitnumber": {"300"},
		"city": {"San Francisco"}, "state": {"CA"}, "zip": {"94108"}}
	if got.Encode() != want.Encode() {
		t.Errorf("e911send\n%v\nwant\n%v", got, want)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); !strings.Contains(string(rec.Data), `"unitnumber":"300"`) {
		t.Errorf("record %+v", rec)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.cmds(); len(got) != 2 || got[1].Get("cmd") != "e911delete" {
		t.Errorf("cmds %v", got)
	}
}

// No extended address: Kazoo crashed; Numan sends no unit.
func TestE911NoUnit(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL())
	n := newNumber(number.FeatureE911, `{"street_address":"140 Geary St","locality":"San Francisco","region":"CA","postal_code":"94108","caller_name":"Front Desk"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	got := f.cmds()[0]
	if got.Has("unittype") || got.Has("unitnumber") || got.Get("name") != "Front Desk" {
		t.Errorf("e911send %v", got)
	}
}

func TestE911Refused(t *testing.T) {
	f := newFake(t)
	f.set("e911send", fakeapi.Reply{File: "e911send_fail.xml"})
	p := newProvider(t, E911, f.URL())
	n := newNumber(number.FeatureE911, `{"street_address":"1 Nowhere","locality":"X","region":"CA","postal_code":"00000"}`)
	_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if !feature.Refused(err) || !strings.Contains(err.Error(), "MSAG") || !strings.HasPrefix(number.AsError(err).Cause, E911) {
		t.Fatalf("err = %v", err)
	}
	if _, ok := n.Features[number.FeatureE911]; ok {
		t.Error("feature on")
	}
}

func TestCNAM(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, CNAM, f.URL())
	n := newNumber(number.FeatureCNAM, `{"display_name":"Rose Bud","inbound_lookup":true}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	got := f.cmds()
	if len(got) != 2 || got[0].Get("cmd") != "lidb" || got[0].Get("name") != "Rose Bud" || got[1].Get("cmd") != "cnamenable" {
		t.Fatalf("cmds %v", got)
	}
	// Only the inbound half changes: no lidb.
	n.Public[number.FeatureCNAM] = json.RawMessage(`{"display_name":"Rose Bud"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.cmds(); len(got) != 3 || got[2].Get("cmd") != "cnamdisable" {
		t.Fatalf("cmds %v", got)
	}
	if _, ok := n.Features[number.FeatureInboundCNAM]; ok {
		t.Error("inbound_cnam kept")
	}
}

func TestCNAMRejected(t *testing.T) {
	f := newFake(t)
	f.set("lidb", fakeapi.Reply{File: "lidb_rejected.xml"})
	p := newProvider(t, CNAM, f.URL())
	n := newNumber(number.FeatureCNAM, `{"display_name":"Rose Bud"}`)
	_, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{})
	if !feature.Refused(err) || !strings.Contains(err.Error(), "invalid characters") {
		t.Fatalf("err = %v", err)
	}
	if _, ok := n.Features[number.FeatureOutboundCNAM]; ok {
		t.Error("outbound_cnam on after a refused lidb")
	}
}

func TestFailures(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reply  fakeapi.Reply
		refuse bool
	}{
		{"bad login", fakeapi.Reply{File: "login_fail.xml"}, true},
		{"truncated", fakeapi.Reply{File: "truncated.xml"}, false},
		{"plain text", fakeapi.Reply{File: "plain_text.txt"}, false},
		{"server error", fakeapi.Reply{Status: 500, Body: "down"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set("e911send", tt.reply)
			p := newProvider(t, E911, f.URL())
			n := newNumber(number.FeatureE911, `{"street_address":"140 Geary St","locality":"San Francisco","region":"CA","postal_code":"94108"}`)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if err == nil || feature.Refused(err) != tt.refuse || feature.MayHaveActed(err) == tt.refuse {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), testPass) {
				t.Errorf("password in %v", err)
			}
		})
	}
}

func TestHang(t *testing.T) {
	f := newFake(t)
	f.set("e911delete", fakeapi.Reply{Hang: true})
	p := newProvider(t, E911, f.URL())
	n := newNumber(number.FeatureE911, `{"street_address":"140 Geary St","locality":"San Francisco","region":"CA","postal_code":"94108"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-f.Started(); cancel() }()
	_, err := feature.Release(ctx, p, n, number.FeatureE911, feature.Options{})
	if !feature.Unavailable(err) {
		t.Fatalf("err = %v", err)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); !rec.Unsettled {
		t.Errorf("record %+v", rec)
	}
}

func TestSplitUnit(t *testing.T) {
	for in, want := range map[string][2]string{"": {"", ""}, "#5": {"", "#5"}, "Suite 300": {"Suite", "300"}, " Apt  4 B ": {"Apt", "4 B"}} {
		if a, b := splitUnit(in); a != want[0] || b != want[1] {
			t.Errorf("%q: %q %q", in, a, b)
		}
	}
}
