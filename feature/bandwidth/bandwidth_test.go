package bandwidth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	"github.com/numan-dev/numan/feature/internal/fakeapi"
	"github.com/numan-dev/numan/number"
)

const (
	testAccount = "9900012"
	testUser    = "numan-api"
	testPass    = "bw-secret-password"
	testNum     = "+14155550100"
	base        = "/accounts/" + testAccount + "/"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newFake is Bandwidth's Dashboard API as documented: Basic auth, XML
// orders, replies from testdata/.
func newFake(t *testing.T) *fakeapi.Server {
	f := fakeapi.New(t)
	f.Check = func(r *http.Request, body string) *fakeapi.Reply {
		if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
			return &fakeapi.Reply{Status: http.StatusUnauthorized, File: "error_401.xml"}
		}
		if r.Method == http.MethodPost && (r.Header.Get("Content-Type") != "application/xml" || !strings.HasPrefix(body, "<")) {
			t.Errorf("bad order %s: %s %s", r.URL.Path, r.Header.Get("Content-Type"), body)
		}
		return nil
	}
	f.On("POST "+base+"e911s", fakeapi.Reply{Status: 201, File: "e911_complete.xml"})
	f.On("POST "+base+"lidbs", fakeapi.Reply{Status: 201, File: "lidb_received.xml"})
	f.On("POST "+base+"tnOptions", fakeapi.Reply{Status: 201, File: "tnoption_complete.xml"})
	f.On("GET "+base+"e911s/1d863522-c9bf-430c-8e79-cc63cad04a1d", fakeapi.Reply{File: "e911_get_complete.xml"})
	return f
}

func carrierDoc(u string) string {
	return `{"account_id":"` + testAccount + `","api_username":"` + testUser + `","api_password":"` + testPass + `","api_url":"` + u + `",
		"sip_peer":"1","site_id":"2","enable_provisioning":true,"order_name_prefix":"Kazoo"}`
}

func newProvider(t *testing.T, name, u, own string) feature.Provider {
	t.Helper()
	p, err := feature.New(name, json.RawMessage(own), feature.Deps{CarrierSettings: json.RawMessage(carrierDoc(u))})
	if err != nil {
		t.Fatal(err)
	}
	p.(interface {
		SetRetryPolicy(httpx.Backoff, httpx.Sleeper)
	}).SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return p
}

func newNumber(feat, public string) *number.Number {
	n := number.New(testNum, number.InService, "bandwidth2", testNow)
	n.AssignedTo = "acct1"
	n.Public[feat] = json.RawMessage(public)
	return n
}

const testAddress = `{"street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco","region":"CA","postal_code":"94108","caller_name":"Numan Test"}`

func TestConformance(t *testing.T) {
	for _, name := range []string{E911, CNAM, Messaging} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, name, f.URL(), "{}") },
				featuretest.Calls(f.Calls), featuretest.CarrierSettings(carrierDoc(f.URL())),
				featuretest.Settings(`{"use_type":"residential"}`))
		})
	}
}

func TestSettings(t *testing.T) {
	for _, tt := range []struct {
		own, carrier string
		wantErr      bool
	}{
		{`{}`, `{"account_id":"1","api_username":"u"}`, false},
		{`{"account_id":"1","api_username":"u","api_password":"p"}`, ``, false},
		{`{}`, `{"api_username":"u"}`, true},
		{`{"use_type":"PERSONAL"}`, `{"account_id":"1","api_username":"u"}`, true},
		{`{"visibility":"hidden"}`, `{"account_id":"1","api_username":"u"}`, true},
		{`{"accountid":"1"}`, `{"account_id":"1","api_username":"u"}`, true},
	} {
		if _, err := feature.New(CNAM, json.RawMessage(tt.own), feature.Deps{CarrierSettings: json.RawMessage(tt.carrier)}); (err != nil) != tt.wantErr {
			t.Errorf("%s %s: %v", tt.own, tt.carrier, err)
		}
	}
}

func TestE911(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	want := `<E911Order><CustomerOrderId>numan-e911-4155550100</CustomerOrderId><TelephoneNumbers><TelephoneNumber>4155550100</TelephoneNumber>` +
		`</TelephoneNumbers><CallerName>Numan Test</CallerName><Address><HouseNumber>140</HouseNumber><StreetName>Geary St</StreetName>` +
		`<AddressLine2>Suite 300</AddressLine2><City>San Francisco</City><StateCode>CA</StateCode><Zip>94108</Zip></Address></E911Order>`
	if got := f.Requests()[0].Body; got != want {
		t.Errorf("order\n%s\nwant\n%s", got, want)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	want = `<E911Order><CustomerOrderId>numan-e911-4155550100</CustomerOrderId><TelephoneNumbers><TelephoneNumber>4155550100</TelephoneNumber>` +
		`</TelephoneNumbers><DeleteTNSpecificE911Address>true</DeleteTNSpecificE911Address></E911Order>`
	if got := f.Requests()[1].Body; got != want {
		t.Errorf("delete order\n%s\nwant\n%s", got, want)
	}
}

// An order Bandwidth has received is GEOCODED (on, under way) until
// Refresh reads it COMPLETE, or FAILED.
func TestE911Asynchronous(t *testing.T) {
	f := newFake(t)
	f.On("POST "+base+"e911s", fakeapi.Reply{Status: 201, File: "e911_received.xml"})
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusGeocoded {
		t.Fatalf("%+v %v", out, err)
	}
	rec := feature.RecordOf(n, number.FeatureE911)
	if string(rec.Data) != `{"order_id":"1d863522-c9bf-430c-8e79-cc63cad04a1d"}` {
		t.Errorf("record %+v", rec)
	}
	r := p.(feature.Refresher)
	res, err := r.Refresh(t.Context(), feature.Request{Number: n, Feature: number.FeatureE911, Record: rec})
	if err != nil || res.Status != feature.StatusProvisioned {
		t.Fatalf("refresh %+v %v", res, err)
	}
	f.On("GET "+base+"e911s/1d863522-c9bf-430c-8e79-cc63cad04a1d", fakeapi.Reply{File: "e911_get_failed.xml"})
	res, err = r.Refresh(t.Context(), feature.Request{Number: n, Feature: number.FeatureE911, Record: rec})
	if err != nil || res.Status != feature.StatusError || !strings.Contains(res.Message, "Inservice") {
		t.Fatalf("refresh %+v %v", res, err)
	}
}

func TestE911Refused(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply fakeapi.Reply
		want  string
	}{
		{"400", fakeapi.Reply{Status: 400, File: "e911_error_400.xml"}, "does not belong to this account"},
		{"failed", fakeapi.Reply{Status: 201, File: "e911_failed.xml"}, "8018 The address could not be validated"},
		{"bad credentials", fakeapi.Reply{Status: 401, File: "error_401.xml"}, "Invalid credentials"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On("POST "+base+"e911s", tt.reply)
			p := newProvider(t, E911, f.URL(), "{}")
			n := newNumber(number.FeatureE911, testAddress)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if !feature.Refused(err) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), testPass) {
				t.Fatalf("err = %v", err)
			}
			if _, ok := n.Features[number.FeatureE911]; ok {
				t.Error("feature on")
			}
		})
	}
}

func TestE911NeedsHouseNumber(t *testing.T) {
	p := newProvider(t, E911, "http://127.0.0.1:1", "{}")
	n := newNumber(number.FeatureE911, `{"street_address":"Geary St","locality":"San Francisco","region":"CA","postal_code":"94108"}`)
	if _, err := p.Validate(feature.Request{Number: n, Feature: number.FeatureE911}); !number.IsKind(err, number.KindInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestCNAM(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, CNAM, f.URL(), `{"use_type":"residential"}`)
	n := newNumber(number.FeatureCNAM, `{"display_name":"Numan Test","inbound_lookup":true}`)
	out, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{})
	if err != nil || out.Status != feature.StatusGeocoded { // the LIDB order was only received
		t.Fatalf("%+v %v", out, err)
	}
	reqs := f.Requests()
	if len(reqs) != 2 || reqs[0].Path != base+"lidbs" || reqs[1].Path != base+"tnOptions" {
		t.Fatalf("requests %v", f.Routes())
	}
	if want := `<LidbOrder><CustomerOrderId>numan-lidb-4155550100</CustomerOrderId><LidbTnGroups><LidbTnGroup><TelephoneNumbers>` +
		`<TelephoneNumber>4155550100</TelephoneNumber></TelephoneNumbers><SubscriberInformation>Numan Test</SubscriberInformation>` +
		`<UseType>RESIDENTIAL</UseType><Visibility>PUBLIC</Visibility></LidbTnGroup></LidbTnGroups></LidbOrder>`; reqs[0].Body != want {
		t.Errorf("lidb\n%s\nwant\n%s", reqs[0].Body, want)
	}
	if !strings.Contains(reqs[1].Body, "<CallingNameDisplay>on</CallingNameDisplay>") {
		t.Errorf("tn option %s", reqs[1].Body)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if last := f.Requests()[2]; !strings.Contains(last.Body, "<CallingNameDisplay>off</CallingNameDisplay>") {
		t.Errorf("release %s", last.Body)
	}
}

func TestMessaging(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, Messaging, f.URL(), "{}")
	n := newNumber(number.FeatureSMS, `{"enabled":true}`)
	n.Public[number.FeatureMMS] = json.RawMessage(`{"enabled":true}`)
	for _, feat := range []string{number.FeatureSMS, number.FeatureMMS} {
		if out, err := feature.Save(t.Context(), p, n, feat, feature.Options{}); err != nil || out.Status != feature.StatusProvisioned {
			t.Fatalf("%s: %+v %v", feat, out, err)
		}
	}
	if f.Calls() != 1 || !strings.Contains(f.Requests()[0].Body, "<Sms>on</Sms>") {
		t.Fatalf("requests %v", f.Routes())
	}
	for _, feat := range []string{number.FeatureSMS, number.FeatureMMS} {
		if _, err := feature.Release(t.Context(), p, n, feat, feature.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if f.Calls() != 2 || !strings.Contains(f.Requests()[1].Body, "<Sms>off</Sms>") {
		t.Errorf("requests %v", f.Routes())
	}
}

func TestMessagingRefused(t *testing.T) {
	f := newFake(t)
	f.On("POST "+base+"tnOptions", fakeapi.Reply{Status: 201, File: "tnoption_failed.xml"})
	p := newProvider(t, Messaging, f.URL(), "{}")
	n := newNumber(number.FeatureSMS, `{"enabled":true}`)
	_, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{})
	if !feature.Refused(err) || !strings.Contains(err.Error(), "Messaging is not enabled") {
		t.Fatalf("err = %v", err)
	}
}

func TestGarbage(t *testing.T) {
	for _, file := range []string{"truncated.xml", "not_an_order.xml"} {
		f := newFake(t)
		f.On("POST "+base+"tnOptions", fakeapi.Reply{Status: 201, File: file})
		p := newProvider(t, Messaging, f.URL(), "{}")
		n := newNumber(number.FeatureSMS, `{"enabled":true}`)
		_, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{})
		if !feature.MayHaveActed(err) || f.Calls() != 1 {
			t.Errorf("%s: err = %v after %d calls (an order is never retried)", file, err, f.Calls())
		}
	}
}

func TestHang(t *testing.T) {
	f := newFake(t)
	f.On("POST "+base+"e911s", fakeapi.Reply{Hang: true})
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-f.Started(); cancel() }()
	_, err := feature.Save(ctx, p, n, number.FeatureE911, feature.Options{})
	if !feature.Unavailable(err) || !feature.MayHaveActed(err) {
		t.Fatalf("err = %v", err)
	}
}
