package telnyx

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
	testKey     = "KEY0123456789ABCDEF_test"
	testNum     = "+14155550100"
	testPhoneID = "1293384261075731499"
	testAddrID  = "1315261609962112019"
	testProfile = "400174e3-79c3-4c4a-b0b1-8c8f3b8c0a11"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newFake is Telnyx API v2 as documented: a bearer key, JSON bodies, and
// replies from testdata/ chosen by what each request asks.
func newFake(t *testing.T) *fakeapi.Server {
	f := fakeapi.New(t)
	f.Check = func(r *http.Request, body string) *fakeapi.Reply {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			return &fakeapi.Reply{Status: http.StatusUnauthorized, File: "error_401.json"}
		}
		if body != "" && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /v2/phone_numbers":
			if r.URL.Query().Get("filter[phone_number]") != testNum {
				return &fakeapi.Reply{File: "phone_numbers_empty.json"}
			}
		case "POST /v2/phone_numbers/" + testPhoneID + "/actions/enable_emergency":
			if strings.Contains(body, `"emergency_enabled":false`) {
				if body != `{"emergency_enabled":false,"emergency_address_id":null}` {
					t.Errorf("disable body %s", body)
				}
				return &fakeapi.Reply{File: "emergency_disabled.json"}
			}
		case "PATCH /v2/phone_numbers/" + testPhoneID + "/voice":
			if strings.Contains(body, `"cnam_listing_enabled":false`) {
				return &fakeapi.Reply{File: "voice_cnam_off.json"}
			}
		case "PATCH /v2/phone_numbers/" + testPhoneID + "/messaging":
			if body == `{"messaging_profile_id":null}` {
				return &fakeapi.Reply{File: "messaging_off.json"}
			}
		}
		return nil
	}
	f.On("GET /v2/phone_numbers", fakeapi.Reply{File: "phone_numbers_list.json"})
	f.On("POST /v2/addresses/actions/validate", fakeapi.Reply{File: "validate_valid.json"})
	f.On("POST /v2/addresses", fakeapi.Reply{File: "address_created.json"})
	f.On("DELETE /v2/addresses/"+testAddrID, fakeapi.Reply{File: "address_deleted.json"})
	f.On("DELETE /v2/addresses/1000000000000000001", fakeapi.Reply{File: "address_deleted.json"})
	f.On("POST /v2/phone_numbers/"+testPhoneID+"/actions/enable_emergency", fakeapi.Reply{File: "emergency_active.json"})
	f.On("GET /v2/phone_numbers/"+testPhoneID+"/voice", fakeapi.Reply{File: "emergency_active.json"})
	f.On("PATCH /v2/phone_numbers/"+testPhoneID+"/voice", fakeapi.Reply{File: "voice_cnam_on.json"})
	f.On("PATCH /v2/phone_numbers/"+testPhoneID+"/messaging", fakeapi.Reply{File: "messaging_on.json"})
	return f
}

func carrierSettingsDoc(url string) string {
	// The Telnyx carrier's document, with keys the providers do not read.
	return `{"api_key":"` + testKey + `","api_url":"` + url + `","messaging_profile_id":"` + testProfile + `",
		"enable_provisioning":true,"order_poll_interval_ms":2000,"user":"old","token":"old"}`
}

func newProvider(t *testing.T, name, url, settings string) feature.Provider {
	t.Helper()
	p, err := feature.New(name, json.RawMessage(settings), feature.Deps{CarrierSettings: json.RawMessage(carrierSettingsDoc(url)),
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	p.(interface {
		SetRetryPolicy(httpx.Backoff, httpx.Sleeper)
	}).SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return p
}

func newNumber(feat, public string) *number.Number {
	n := number.New(testNum, number.InService, "telnyx", testNow)
	n.AssignedTo = "acct1"
	if public != "" {
		n.Public[feat] = json.RawMessage(public)
	}
	return n
}

func TestConformance(t *testing.T) {
	for _, name := range []string{E911, CNAM, Messaging} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, name, f.URL(), "{}") },
				featuretest.Calls(f.Calls), featuretest.CarrierSettings(carrierSettingsDoc(f.URL())),
				featuretest.Settings(`{"country_code":"US"}`))
		})
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name, provider, own, carrier string
		wantErr                      bool
	}{
		{"carrier credentials", E911, `{}`, `{"api_key":"k"}`, false},
		{"own credentials", CNAM, `{"api_key":"k","api_url":"http://127.0.0.1:1"}`, ``, false},
		{"no key", E911, `{}`, `{"user":"u","token":"t"}`, true},
		{"sandbox needs no key", E911, `{"sandbox_provisioning":true}`, ``, false},
		{"typo", CNAM, `{"apikey":"k"}`, `{"api_key":"k"}`, true},
		{"messaging without profile", Messaging, `{}`, `{"api_key":"k"}`, true},
		{"messaging with own profile", Messaging, `{"messaging_profile_id":"p"}`, `{"api_key":"k"}`, false},
		{"bad url", E911, `{"api_url":"telnyx"}`, `{"api_key":"k"}`, true},
		{"bad carrier doc", E911, `{}`, `{"api_key":5}`, true},
		{"bad country", E911, `{"country_code":"USA"}`, `{"api_key":"k"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := feature.New(tt.provider, json.RawMessage(tt.own), feature.Deps{CarrierSettings: json.RawMessage(tt.carrier)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !number.IsKind(err, number.KindInvalid) {
				t.Errorf("kind %s", number.KindOf(err))
			}
		})
	}
}

const testAddress = `{"caller_name":"Numan Test","street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco","region":"CA","postal_code":"94108"}`

func TestE911(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	want := []string{"POST /v2/addresses/actions/validate", "GET /v2/phone_numbers", "POST /v2/addresses",
		"POST /v2/phone_numbers/" + testPhoneID + "/actions/enable_emergency"}
	if got := f.Routes(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("calls\n%v\nwant\n%v", got, want)
	}
	reqs := f.Requests()
	if reqs[2].Body != `{"business_name":"Numan Test","street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco",`+
		`"administrative_area":"CA","postal_code":"94108","country_code":"US"}` {
		t.Errorf("address body %s", reqs[2].Body)
	}
	if reqs[3].Body != `{"emergency_enabled":true,"emergency_address_id":"`+testAddrID+`"}` {
		t.Errorf("enable body %s", reqs[3].Body)
	}
	var e911 map[string]any
	_ = json.Unmarshal(n.Public[number.FeatureE911], &e911)
	if e911["status"] != "PROVISIONED" || e911["street_address"] != "140 Geary St" {
		t.Errorf("public e911 %v", e911)
	}
	rec := feature.RecordOf(n, number.FeatureE911)
	if string(rec.Data) != `{"phone_number_id":"`+testPhoneID+`","address_id":"`+testAddrID+`"}` {
		t.Errorf("record %+v", rec)
	}

	// A new address replaces the old one, which is deleted afterwards.
	n.CarrierData.Set("phone_number_id", testPhoneID)
	rec.Data = json.RawMessage(`{"phone_number_id":"` + testPhoneID + `","address_id":"1000000000000000001"}`)
	feature.SetRecord(n, number.FeatureE911, rec)
	n.Public[number.FeatureE911] = json.RawMessage(strings.Replace(testAddress, "Suite 300", "Suite 400", 1))
	before := f.Calls()
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	got := f.Routes()[before:]
	if last := got[len(got)-1]; last != "DELETE /v2/addresses/1000000000000000001" || len(got) != 4 {
		t.Errorf("update calls %v", got)
	}

	// Removal disables emergency and deletes the address.
	before = f.Calls()
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	got = f.Routes()[before:]
	if strings.Join(got, ",") != "POST /v2/phone_numbers/"+testPhoneID+"/actions/enable_emergency,DELETE /v2/addresses/"+testAddrID {
		t.Errorf("release calls %v", got)
	}
}

func TestE911InvalidAddress(t *testing.T) {
	for _, tt := range []struct {
		name, route string
		reply       fakeapi.Reply
		wantSugg    int
	}{
		{"validation", "POST /v2/addresses/actions/validate", fakeapi.Reply{File: "validate_invalid.json"}, 1},
		{"creation 422", "POST /v2/addresses", fakeapi.Reply{Status: 422, File: "error_422_address.json"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On(tt.route, tt.reply)
			p := newProvider(t, E911, f.URL(), "{}")
			n := newNumber(number.FeatureE911, testAddress)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if !number.IsKind(err, number.KindInvalid) {
				t.Fatalf("err = %v", err)
			}
			d := number.AsError(err).Details.(map[string]any)
			if s := d["suggestions"].([]feature.Address); len(s) != tt.wantSugg {
				t.Errorf("suggestions %v", s)
			}
			for _, r := range f.Routes() {
				if strings.Contains(r, "enable_emergency") {
					t.Errorf("emergency enabled with an invalid address: %v", f.Routes())
				}
			}
		})
	}
}

// Enabling emergency fails after the address was created: the address is
// deleted and the failure is one that may have acted.
func TestE911EnableFails(t *testing.T) {
	f := newFake(t)
	f.On("POST /v2/phone_numbers/"+testPhoneID+"/actions/enable_emergency", fakeapi.Reply{Status: 500, Body: `{"errors":[{"detail":"upstream timeout"}]}`})
	p := newProvider(t, E911, f.URL(), `{"validate_address":false}`)
	n := newNumber(number.FeatureE911, testAddress)
	_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if !feature.MayHaveActed(err) || !strings.Contains(err.Error(), "upstream timeout") {
		t.Fatalf("err = %v", err)
	}
	if got := f.Routes(); got[len(got)-1] != "DELETE /v2/addresses/"+testAddrID {
		t.Errorf("calls %v", got)
	}
	if _, ok := n.Features[number.FeatureE911]; ok {
		t.Error("feature on")
	}
}

func TestE911Pending(t *testing.T) {
	f := newFake(t)
	f.On("POST /v2/phone_numbers/"+testPhoneID+"/actions/enable_emergency", fakeapi.Reply{File: "emergency_provisioning.json"})
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusGeocoded {
		t.Fatalf("%+v %v", out, err)
	}
	res, err := p.(feature.Refresher).Refresh(t.Context(), feature.Request{Number: n, Feature: number.FeatureE911, Record: feature.RecordOf(n, number.FeatureE911)})
	if err != nil || res.Status != feature.StatusProvisioned {
		t.Fatalf("refresh %+v %v", res, err)
	}
}

func TestNumberNotAtTelnyx(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, CNAM, f.URL(), "{}")
	n := newNumber(number.FeatureCNAM, `{"display_name":"Numan Test"}`)
	n.Number = "+14155550999"
	_, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{})
	if !feature.Refused(err) || !strings.Contains(err.Error(), "does not hold") {
		t.Fatalf("err = %v", err)
	}
	// A number of another carrier is refused before any call.
	n = newNumber(number.FeatureCNAM, `{"display_name":"Numan Test"}`)
	n.SetModuleName("bandwidth2")
	before := f.Calls()
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); !number.IsKind(err, number.KindInvalid) || f.Calls() != before {
		t.Errorf("err = %v, %d calls", err, f.Calls()-before)
	}
}

func TestCNAM(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, CNAM, f.URL(), "{}")
	n := newNumber(number.FeatureCNAM, `{"display_name":"Numan Test","inbound_lookup":true}`)
	n.CarrierData.Set("phone_number_id", testPhoneID) // kept by the Telnyx carrier: no lookup
	out, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Body != `{"cnam_listing":{"cnam_listing_enabled":true,"cnam_listing_details":"Numan Test"},"caller_id_name_enabled":true}` {
		t.Errorf("requests %+v", reqs)
	}
	if string(n.Features[number.FeatureOutboundCNAM]) != `{"display_name":"Numan Test"}` || string(n.Features[number.FeatureInboundCNAM]) != `{"inbound_lookup":true}` {
		t.Errorf("features %v", n.FeatureNames())
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if last := f.Requests()[1]; last.Body != `{"cnam_listing":{"cnam_listing_enabled":false},"caller_id_name_enabled":false}` {
		t.Errorf("release body %s", last.Body)
	}
}

func TestCNAMNotKept(t *testing.T) {
	f := newFake(t)
	f.On("PATCH /v2/phone_numbers/"+testPhoneID+"/voice", fakeapi.Reply{File: "voice_cnam_mismatch.json"})
	p := newProvider(t, CNAM, f.URL(), "{}")
	n := newNumber(number.FeatureCNAM, `{"display_name":"Numan Test","inbound_lookup":true}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); !feature.Refused(err) {
		t.Fatalf("err = %v", err)
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
	if r := f.Requests()[1]; r.Method != http.MethodPatch || r.Body != `{"messaging_profile_id":"`+testProfile+`"}` {
		t.Errorf("request %+v", r)
	}
	// SMS off while MMS stays on: the number keeps its profile.
	n.Public[number.FeatureSMS] = json.RawMessage(`{"enabled":false}`)
	before := f.Calls()
	if out, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{}); err != nil || out.Step != feature.StepDeprovision || f.Calls() != before {
		t.Fatalf("sms off: %+v %v, %d calls", out, err, f.Calls()-before)
	}
	// MMS off too: the number leaves the profile.
	delete(n.Public, number.FeatureMMS)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureMMS, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if r := f.Requests()[f.Calls()-1]; r.Body != `{"messaging_profile_id":null}` {
		t.Errorf("last request %+v", r)
	}
}

func TestFailures(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reply  fakeapi.Reply
		refuse bool
		retry  bool
	}{
		{"garbage", fakeapi.Reply{File: "truncated.json"}, false, true},
		{"server error", fakeapi.Reply{Status: 502, Body: "<html>bad gateway</html>"}, false, true},
		{"rate limited", fakeapi.Reply{Status: 429, Body: `{"errors":[{"detail":"slow down"}]}`, Header: http.Header{"Retry-After": {"3600"}}}, true, true},
		{"refused", fakeapi.Reply{Status: 403, Body: `{"errors":[{"detail":"messaging not allowed"}]}`}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On("PATCH /v2/phone_numbers/"+testPhoneID+"/messaging", tt.reply)
			p := newProvider(t, Messaging, f.URL(), "{}")
			n := newNumber(number.FeatureSMS, `{"enabled":true}`)
			_, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{})
			if err == nil || feature.Refused(err) != tt.refuse || feature.Unavailable(err) != tt.retry {
				t.Fatalf("err = %v (refused %t, unavailable %t)", err, feature.Refused(err), feature.Unavailable(err))
			}
			if !strings.HasPrefix(number.AsError(err).Cause, Messaging) || strings.Contains(err.Error(), testKey) {
				t.Errorf("error %v", err)
			}
			if _, ok := n.Features[number.FeatureSMS]; ok {
				t.Error("sms on after a failure")
			}
		})
	}
}

func TestHang(t *testing.T) {
	f := newFake(t)
	f.On("POST /v2/addresses", fakeapi.Reply{Hang: true})
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-f.Started(); cancel() }()
	_, err := feature.Save(ctx, p, n, number.FeatureE911, feature.Options{})
	if !feature.Unavailable(err) || !feature.MayHaveActed(err) {
		t.Fatalf("err = %v", err)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); !rec.Unsettled || rec.Status != feature.StatusError {
		t.Errorf("record %+v", rec)
	}
}

func TestSandbox(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL(), `{"sandbox_provisioning":true}`)
	n := newNumber(number.FeatureE911, testAddress)
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil || !out.Status.Active() {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if f.Calls() != 0 {
		t.Errorf("sandbox called Telnyx: %v", f.Routes())
	}
}
