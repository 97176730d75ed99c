package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
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
	testSID     = "AC00000000000000000000000000000000"
	testToken   = "twilio-auth-token-secret"
	testNum     = "+14155550100"
	testPN      = "PN2a0747eba6abf96b7e3c3ff0b4530f6e"
	testAD      = "AD2a0747eba6abf96b7e3c3ff0b4530f6e"
	testService = "MG2172dd2db502e20dd981ef0d67850e1a"
	acct        = "/2010-04-01/Accounts/" + testSID
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newFake is Twilio's REST and Messaging APIs as documented: Basic auth
// with the account SID, form bodies, JSON replies from testdata/.
func newFake(t *testing.T) *fakeapi.Server {
	f := fakeapi.New(t)
	f.Check = func(r *http.Request, body string) *fakeapi.Reply {
		if u, p, ok := r.BasicAuth(); !ok || u != testSID || p != testToken {
			return &fakeapi.Reply{Status: http.StatusUnauthorized, File: "error_401.json"}
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("POST %s with %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		form, _ := url.ParseQuery(body)
		switch r.Method + " " + r.URL.Path {
		case "GET " + acct + "/IncomingPhoneNumbers.json":
			if r.URL.Query().Get("PhoneNumber") != testNum {
				return &fakeapi.Reply{File: "incoming_list_empty.json"}
			}
		case "POST " + acct + "/IncomingPhoneNumbers/" + testPN + ".json":
			switch {
			case form.Has("EmergencyAddressSid") && form.Get("EmergencyAddressSid") == "":
				return &fakeapi.Reply{File: "incoming_cleared.json"}
			case form.Has("SmsUrl") && form.Get("SmsUrl") == "":
				return &fakeapi.Reply{File: "incoming_cleared.json"}
			case form.Has("SmsUrl"):
				return &fakeapi.Reply{File: "incoming_sms_url.json"}
			}
		}
		return nil
	}
	f.On("GET "+acct+"/IncomingPhoneNumbers.json", fakeapi.Reply{File: "incoming_list.json"})
	f.On("POST "+acct+"/Addresses.json", fakeapi.Reply{Status: 201, File: "address_created.json"})
	f.On("DELETE "+acct+"/Addresses/"+testAD+".json", fakeapi.Reply{Status: 204})
	f.On("DELETE "+acct+"/Addresses/AD00000000000000000000000000000001.json", fakeapi.Reply{Status: 204})
	f.On("POST "+acct+"/IncomingPhoneNumbers/"+testPN+".json", fakeapi.Reply{File: "incoming_registered.json"})
	f.On("GET "+acct+"/IncomingPhoneNumbers/"+testPN+".json", fakeapi.Reply{File: "incoming_registered.json"})
	f.On("POST /v1/Services/"+testService+"/PhoneNumbers", fakeapi.Reply{Status: 201, File: "service_number_added.json"})
	f.On("DELETE /v1/Services/"+testService+"/PhoneNumbers/"+testPN, fakeapi.Reply{Status: 204})
	return f
}

func carrierDoc(u string) string {
	return `{"account_sid":"` + testSID + `","auth_token":"` + testToken + `","api_url":"` + u + `","enable_provisioning":true,"trunk_sid":"TK1"}`
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
	n := number.New(testNum, number.InService, "twilio", testNow)
	n.AssignedTo = "acct1"
	n.Public[feat] = json.RawMessage(public)
	return n
}

func serviceSettings(u string) string {
	return `{"messaging_service_sid":"` + testService + `","messaging_api_url":"` + u + `"}`
}

const testAddress = `{"street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco","region":"CA","postal_code":"94108","caller_name":"Numan Test"}`

func TestConformance(t *testing.T) {
	f := newFake(t)
	t.Run(E911, func(t *testing.T) {
		featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, E911, f.URL(), "{}") },
			featuretest.Calls(f.Calls), featuretest.CarrierSettings(carrierDoc(f.URL())), featuretest.Settings(`{"iso_country":"US"}`))
	})
	for _, own := range []string{`{"sms_url":"https://hooks.example.net/sms"}`, serviceSettings(f.URL())} {
		t.Run(Messaging+own, func(t *testing.T) {
			featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, Messaging, f.URL(), own) },
				featuretest.Calls(f.Calls), featuretest.CarrierSettings(carrierDoc(f.URL())), featuretest.Settings(own))
		})
	}
}

func TestSettings(t *testing.T) {
	for _, tt := range []struct {
		name, own, carrier string
		wantErr            bool
	}{
		{E911, `{}`, `{"account_sid":"AC1","auth_token":"t"}`, false},
		{E911, `{}`, `{"account_sid":"AC1"}`, true},
		{E911, `{"iso_country":"USA"}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
		{Messaging, `{}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
		{Messaging, `{"sms_url":"https://x.example/sms","messaging_service_sid":"MG1"}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
		{Messaging, `{"sms_url":"not a url"}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
		{Messaging, `{"sms_url":"https://x.example/sms","sms_method":"PUT"}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
		{Messaging, `{"messaging_service_sid":"MG1"}`, `{"account_sid":"AC1","auth_token":"t"}`, false},
		{Messaging, `{"messaging_service":"MG1"}`, `{"account_sid":"AC1","auth_token":"t"}`, true},
	} {
		if _, err := feature.New(tt.name, json.RawMessage(tt.own), feature.Deps{CarrierSettings: json.RawMessage(tt.carrier)}); (err != nil) != tt.wantErr {
			t.Errorf("%s %s: %v", tt.name, tt.own, err)
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
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("calls %v", f.Routes())
	}
	form, _ := url.ParseQuery(reqs[1].Body)
	want := url.Values{"CustomerName": {"Numan Test"}, "Street": {"140 Geary St"}, "StreetSecondary": {"Suite 300"}, "City": {"San Francisco"},
		"Region": {"CA"}, "PostalCode": {"94108"}, "IsoCountry": {"US"}, "EmergencyEnabled": {"true"}, "AutoCorrectAddress": {"false"}}
	if form.Encode() != want.Encode() {
		t.Errorf("address form\n%v\nwant\n%v", form, want)
	}
	if reqs[2].Body != "EmergencyAddressSid="+testAD {
		t.Errorf("number update %s", reqs[2].Body)
	}
	// A new address replaces the old, which is deleted.
	rec := feature.RecordOf(n, number.FeatureE911)
	rec.Data = json.RawMessage(`{"number_sid":"` + testPN + `","address_sid":"AD00000000000000000000000000000001"}`)
	feature.SetRecord(n, number.FeatureE911, rec)
	n.CarrierData.Set("sid", testPN)
	n.Public[number.FeatureE911] = json.RawMessage(strings.Replace(testAddress, "Suite 300", "Suite 400", 1))
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.Routes(); got[len(got)-1] != "DELETE "+acct+"/Addresses/AD00000000000000000000000000000001.json" {
		t.Errorf("calls %v", got)
	}
	before := f.Calls()
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	got := f.Requests()[before:]
	if len(got) != 2 || got[0].Body != "EmergencyAddressSid=" || got[1].Method != http.MethodDelete {
		t.Errorf("release %v", f.Routes()[before:])
	}
}

func TestE911Pending(t *testing.T) {
	f := newFake(t)
	f.On("POST "+acct+"/IncomingPhoneNumbers/"+testPN+".json", fakeapi.Reply{File: "incoming_pending.json"})
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

func TestE911Refused(t *testing.T) {
	for _, tt := range []struct {
		name, route string
		reply       fakeapi.Reply
		kind        number.Kind
		want        string
	}{
		{"invalid", "POST " + acct + "/Addresses.json", fakeapi.Reply{Status: 400, File: "error_21628.json"}, number.KindInvalid, "could not be validated"},
		{"suggested", "POST " + acct + "/Addresses.json", fakeapi.Reply{Status: 400, File: "error_21629.json"}, number.KindInvalid, "140 GEARY ST STE 300"},
		{"registration failure", "POST " + acct + "/IncomingPhoneNumbers/" + testPN + ".json", fakeapi.Reply{File: "incoming_failure.json"}, number.KindByCarrier, "registration-failure"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On(tt.route, tt.reply)
			p := newProvider(t, E911, f.URL(), "{}")
			n := newNumber(number.FeatureE911, testAddress)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if !number.IsKind(err, tt.kind) || !strings.Contains(err.Error(), tt.want) || !feature.Refused(err) {
				t.Fatalf("err = %v", err)
			}
			if _, ok := n.Features[number.FeatureE911]; ok {
				t.Error("feature on")
			}
		})
	}
}

func TestMessagingSMSURL(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, Messaging, f.URL(), `{"sms_url":"https://hooks.example.net/sms"}`)
	n := newNumber(number.FeatureSMS, `{"enabled":true}`)
	if out, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{}); err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	form, _ := url.ParseQuery(f.Requests()[1].Body)
	if form.Get("SmsUrl") != "https://hooks.example.net/sms" || form.Get("SmsMethod") != "POST" {
		t.Errorf("update %v", form)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureSMS, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if last := f.Requests()[f.Calls()-1]; last.Body != "SmsUrl=" {
		t.Errorf("release %+v", last)
	}
}

func TestMessagingService(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, Messaging, f.URL(), serviceSettings(f.URL()))
	n := newNumber(number.FeatureMMS, `{"enabled":true}`)
	n.CarrierData.Set("sid", testPN)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureMMS, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if r := f.Requests()[0]; r.Path != "/v1/Services/"+testService+"/PhoneNumbers" || r.Body != "PhoneNumberSid="+testPN {
		t.Errorf("request %+v", r)
	}
	// Already in the service: success.
	f.On("POST /v1/Services/"+testService+"/PhoneNumbers", fakeapi.Reply{Status: 409, File: "error_21710.json"})
	n2 := newNumber(number.FeatureSMS, `{"enabled":true}`)
	if _, err := feature.Save(t.Context(), p, n2, number.FeatureSMS, feature.Options{}); err != nil {
		t.Fatalf("already in service: %v", err)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureMMS, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.Routes(); got[len(got)-1] != "DELETE /v1/Services/"+testService+"/PhoneNumbers/"+testPN {
		t.Errorf("calls %v", got)
	}
}

func TestFailures(t *testing.T) {
	for _, tt := range []struct {
		name          string
		reply         fakeapi.Reply
		refused, acts bool
	}{
		{"garbage", fakeapi.Reply{Status: 201, File: "truncated.json"}, false, true},
		{"server error", fakeapi.Reply{Status: 500, Body: "oops"}, false, true},
		{"bad credentials", fakeapi.Reply{Status: 401, File: "error_401.json"}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On("POST "+acct+"/Addresses.json", tt.reply)
			p := newProvider(t, E911, f.URL(), "{}")
			n := newNumber(number.FeatureE911, testAddress)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if err == nil || feature.Refused(err) != tt.refused || feature.MayHaveActed(err) != tt.acts {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("token in %v", err)
			}
			if f.Calls() != 2 {
				t.Errorf("address creation retried: %v", f.Routes())
			}
		})
	}
}

func TestHang(t *testing.T) {
	f := newFake(t)
	f.On("POST "+acct+"/Addresses.json", fakeapi.Reply{Hang: true})
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-f.Started(); cancel() }()
	if _, err := feature.Save(ctx, p, n, number.FeatureE911, feature.Options{}); !feature.Unavailable(err) || !feature.MayHaveActed(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestNotAtTwilio(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, E911, f.URL(), "{}")
	n := newNumber(number.FeatureE911, testAddress)
	n.Number = "+14155550999"
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); !feature.Refused(err) {
		t.Fatalf("err = %v", err)
	}
}
