package dash

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
	testUser = "dashuser"
	testPass = "dash-secret-pass"
	testNum  = "+14155550100"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newFake is DASH as documented: Basic auth and text/xml POSTs to the
// lowercased verb, each answered with a sample.
func newFake(t *testing.T) *fakeapi.Server {
	f := fakeapi.New(t)
	f.Check = func(r *http.Request, body string) *fakeapi.Reply {
		if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
			return &fakeapi.Reply{Status: http.StatusUnauthorized, File: "error_401.xml"}
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "text/xml" || !strings.HasPrefix(body, `<?xml version="1.0"?>`) {
			t.Errorf("bad request %s %s (%s): %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"), body)
		}
		return nil
	}
	f.On("POST /validatelocation", fakeapi.Reply{File: "validate_geocoded.xml"})
	f.On("POST /addlocation", fakeapi.Reply{File: "add_provisioned.xml"})
	f.On("POST /provisionlocation", fakeapi.Reply{File: "provision_provisioned.xml"})
	f.On("POST /removeuri", fakeapi.Reply{File: "remove_removed.xml"})
	return f
}

func settings(url string) string {
	return `{"auth_username":"` + testUser + `","auth_password":"` + testPass + `","emergency_provisioning_url":"` + url + `"}`
}

func newProvider(t *testing.T, url string) feature.Provider {
	t.Helper()
	p, err := feature.New(Name, json.RawMessage(settings(url)), feature.Deps{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	p.(*Provider).SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return p
}

func newNumber(public string) *number.Number {
	n := number.New(testNum, number.InService, "bandwidth2", testNow)
	n.AssignedTo = "acct1"
	if public != "" {
		n.Public[number.FeatureE911] = json.RawMessage(public)
	}
	return n
}

const address = `{"street_address":"140 Geary St","extended_address":"Suite 300","locality":"San Francisco","region":"CA",` +
	`"postal_code":"94108","notification_contact_emails":["noc@example.net"]}`

func TestConformance(t *testing.T) {
	f := newFake(t)
	featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, f.URL()) },
		featuretest.Settings(settings(f.URL())), featuretest.Calls(f.Calls))
}

func TestSettings(t *testing.T) {
	for _, s := range []string{`{}`, `{"auth_username":"u","emergency_provisioning_url":"ftp://x"}`, `{"auth_username":"u","authpassword":"x"}`} {
		if _, err := feature.New("knm_dash_e911", json.RawMessage(s), feature.Deps{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("%s: %v", s, err)
		}
	}
	p, err := feature.New("knm_dash_e911", json.RawMessage(`{"auth_username":"u","auth_password":"","debug":true}`), feature.Deps{})
	if err != nil || p.(*Provider).http.BaseURL != DefaultURL {
		t.Errorf("Kazoo's document: %v", err)
	}
}

func TestProvision(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f.URL())
	n := newNumber(address)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{AccountName: "Ab", Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != feature.StatusProvisioned {
		t.Errorf("status %s", out.Status)
	}
	if got := f.Routes(); strings.Join(got, ",") != "POST /validatelocation,POST /addlocation" {
		t.Errorf("calls %v", got)
	}
	reqs := f.Requests()
	wantValidate := `<?xml version="1.0"?><validateLocation><location><address1>140 Geary St</address1><address2>Suite 300</address2>` +
		`<community>San Francisco</community><state>CA</state><postalcode>94108</postalcode><type>ADDRESS</type></location></validateLocation>`
	if reqs[0].Body != wantValidate {
		t.Errorf("validateLocation body\n%s\nwant\n%s", reqs[0].Body, wantValidate)
	}
	// Kazoo's caller name rule: the account name padded to 3 characters.
	if !strings.Contains(reqs[1].Body, "<uri><uri>tel:14155550100</uri><callername>Ab </callername></uri>") {
		t.Errorf("addLocation body %s", reqs[1].Body)
	}
	var e911 map[string]any
	_ = json.Unmarshal(n.Public[number.FeatureE911], &e911)
	if e911["street_address"] != "140 GEARY ST" || e911["location_id"] != "30216042" || e911["status"] != "PROVISIONED" ||
		e911["notification_contact_emails"] == nil || e911["legacy_data"].(map[string]any)["house_number"] != "140" {
		t.Errorf("public e911 = %v", e911)
	}
	if string(n.Features[number.FeatureE911]) != string(n.Public[number.FeatureE911]) {
		t.Errorf("private e911 %s differs from public %s", n.Features[number.FeatureE911], n.Public[number.FeatureE911])
	}
	rec := feature.RecordOf(n, number.FeatureE911)
	if rec.Provider != Name || rec.Status != feature.StatusProvisioned || string(rec.Data) != `{"location_id":"30216042"}` || !rec.Updated.Equal(testNow) {
		t.Errorf("record %+v", rec)
	}
	// Saving the number as read back calls DASH no more.
	before := f.Calls()
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil || out.Called || f.Calls() != before {
		t.Errorf("second save: %+v %v, %d calls", out, err, f.Calls()-before)
	}
	// Removing the address removes the URI.
	delete(n.Public, number.FeatureE911)
	out, err = feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Step != feature.StepDeprovision || out.Status != feature.StatusRemoved {
		t.Fatalf("removal: %+v %v", out, err)
	}
	if last := f.Requests()[f.Calls()-1]; last.Path != "/removeuri" || last.Body != `<?xml version="1.0"?><removeURI><uri>tel:14155550100</uri></removeURI>` {
		t.Errorf("removeURI request %+v", last)
	}
	if _, ok := n.Features[number.FeatureE911]; ok {
		t.Error("private e911 kept")
	}
}

func TestProvisionGeocodedThenProvisioned(t *testing.T) {
	f := newFake(t)
	f.On("POST /addlocation", fakeapi.Reply{File: "add_geocoded.xml"})
	p := newProvider(t, f.URL())
	n := newNumber(address)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("%+v %v", out, err)
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[2].Body != `<?xml version="1.0"?><provisionLocation><locationid>30216042</locationid></provisionLocation>` {
		t.Errorf("requests %v", f.Routes())
	}
}

// provisionLocation failing leaves the location GEOCODED (on, pending),
// and Refresh finishes it later.
func TestProvisionLocationFailsThenRefresh(t *testing.T) {
	f := newFake(t)
	f.On("POST /addlocation", fakeapi.Reply{File: "add_geocoded.xml"})
	down := fakeapi.Reply{Status: http.StatusInternalServerError, Body: "oops"}
	// provisionLocation is idempotent, so the client tries it three times.
	f.On("POST /provisionlocation", down, down, down, fakeapi.Reply{File: "provision_provisioned.xml"})
	p := newProvider(t, f.URL())
	n := newNumber(address)
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusGeocoded {
		t.Fatalf("%+v %v", out, err)
	}
	if _, ok := n.Features[number.FeatureE911]; !ok {
		t.Error("a geocoded location is not on")
	}
	res, err := p.(feature.Refresher).Refresh(t.Context(), feature.Request{Number: n, Feature: number.FeatureE911, Record: feature.RecordOf(n, number.FeatureE911)})
	if err != nil || res.Status != feature.StatusProvisioned {
		t.Fatalf("refresh %+v %v", res, err)
	}
}

func TestInvalidAddresses(t *testing.T) {
	tests := []struct {
		name            string
		reply           fakeapi.Reply
		wantKind        number.Kind
		wantSuggestions int
		wantCause       string
	}{
		{"invalid", fakeapi.Reply{File: "validate_invalid.xml"}, number.KindInvalid, 1, "Street name not found in MSAG"},
		{"several candidates", fakeapi.Reply{File: "validate_multiple.xml"}, number.KindInvalid, 2, "more than one address found"},
		{"error", fakeapi.Reply{File: "validate_error.xml"}, number.KindByCarrier, -1, "Geocoding service unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On("POST /validatelocation", tt.reply)
			p := newProvider(t, f.URL())
			n := newNumber(address)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if !number.IsKind(err, tt.wantKind) {
				t.Fatalf("err = %v, want %s", err, tt.wantKind)
			}
			ne := number.AsError(err)
			if !strings.Contains(ne.Cause, tt.wantCause) || !strings.HasPrefix(ne.Cause, Name) || ne.Number != testNum {
				t.Errorf("error %+v", ne)
			}
			if tt.wantSuggestions >= 0 {
				d := ne.Details.(map[string]any)
				if s := d["suggestions"].([]feature.Address); len(s) != tt.wantSuggestions || d["provider"] != Name {
					t.Errorf("details %v", d)
				}
			}
			if f.Calls() != 1 {
				t.Errorf("calls after a refused address: %v", f.Routes())
			}
			if _, ok := n.Features[number.FeatureE911]; ok {
				t.Error("feature on after a refusal")
			}
			if feature.MayHaveActed(err) {
				t.Error("a refusal may have acted")
			}
			if rec := feature.RecordOf(n, number.FeatureE911); rec.Holds() {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

func TestValidateAddress(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f.URL()).(*Provider)
	n := newNumber("")
	got, err := p.ValidateAddress(t.Context(), feature.Request{Number: n}, feature.Address{StreetAddress: "140 geary", Locality: "SF", Region: "CA", PostalCode: "94108"})
	if err != nil || got.StreetAddress != "140 GEARY ST" || got.PlusFour != "5630" {
		t.Fatalf("%+v %v", got, err)
	}
	if f.Routes()[0] != "POST /validatelocation" || f.Calls() != 1 {
		t.Errorf("calls %v", f.Routes())
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name        string
		route       string
		reply       fakeapi.Reply
		wantActed   bool // may the provider have acted?
		wantRetry   bool
		wantMessage string
	}{
		{"add 500", "POST /addlocation", fakeapi.Reply{Status: 500, Body: "<errors><error><description>database down</description></error></errors>"}, true, true, "database down"},
		{"add garbage", "POST /addlocation", fakeapi.Reply{File: "truncated.xml"}, true, true, "malformed XML"},
		{"add wrong root", "POST /addlocation", fakeapi.Reply{File: "wrong_root.xml"}, true, true, "root <html>"},
		{"add refused", "POST /addlocation", fakeapi.Reply{File: "add_invalid.xml"}, false, false, "could not be added"},
		{"bad credentials", "POST /validatelocation", fakeapi.Reply{Status: 401, File: "error_401.xml"}, false, false, "Authentication failed"},
		{"validate 503", "POST /validatelocation", fakeapi.Reply{Status: 503, Body: "busy"}, false, true, "HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.On(tt.route, tt.reply)
			p := newProvider(t, f.URL())
			n := newNumber(address)
			_, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantMessage) || !strings.Contains(number.AsError(err).Cause, Name) {
				t.Errorf("err = %v", err)
			}
			if strings.Contains(err.Error(), testPass) {
				t.Errorf("password in error: %v", err)
			}
			if tt.route == "POST /addlocation" && feature.MayHaveActed(err) != tt.wantActed {
				t.Errorf("MayHaveActed = %v", !tt.wantActed)
			}
			if feature.Unavailable(err) != tt.wantRetry {
				t.Errorf("Unavailable = %v", !tt.wantRetry)
			}
			if _, ok := n.Features[number.FeatureE911]; ok {
				t.Error("feature on after a failure")
			}
			rec := feature.RecordOf(n, number.FeatureE911)
			if rec.Status != feature.StatusError || rec.Holds() != (tt.route == "POST /addlocation" && tt.wantActed) {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// A hung DASH: the call ends when the context does, and the error says the
// provider may have acted.
func TestHang(t *testing.T) {
	f := newFake(t)
	f.On("POST /addlocation", fakeapi.Reply{Hang: true})
	p := newProvider(t, f.URL())
	n := newNumber(address)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-f.Started(); cancel() }()
	_, err := feature.Save(ctx, p, n, number.FeatureE911, feature.Options{})
	if !feature.Unavailable(err) || !feature.MayHaveActed(err) {
		t.Fatalf("err = %v", err)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); !rec.Unsettled {
		t.Errorf("record %+v", rec)
	}
	// The retry later succeeds.
	f.On("POST /addlocation", fakeapi.Reply{File: "add_provisioned.xml"})
	out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("retry: %+v %v", out, err)
	}
}

func TestRelease(t *testing.T) {
	tests := []struct {
		name    string
		reply   fakeapi.Reply
		wantErr bool
	}{
		{"removed", fakeapi.Reply{File: "remove_removed.xml"}, false},
		{"unknown URI", fakeapi.Reply{Status: 404, File: "error_404.xml"}, false},
		{"refused", fakeapi.Reply{File: "remove_failed.xml"}, true},
		{"down", fakeapi.Reply{Status: 502, Body: "bad gateway"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f.URL())
			n := newNumber(address)
			if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
				t.Fatal(err)
			}
			f.On("POST /removeuri", tt.reply)
			_, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			rec := feature.RecordOf(n, number.FeatureE911)
			if tt.wantErr != rec.Holds() {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// Kazoo's numbers: a private e911 equal to the request and no record is
// taken as provisioned, and releasing it still removes the URI.
func TestKazooNumber(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f.URL())
	n := newNumber(address)
	n.Features[number.FeatureE911] = n.Public[number.FeatureE911]
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil || out.Called {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.Routes(); len(got) != 1 || got[0] != "POST /removeuri" {
		t.Errorf("calls %v", got)
	}
}

func TestNotNANP(t *testing.T) {
	p := newProvider(t, "http://127.0.0.1:1")
	n := number.New("+442079460000", number.InService, "local", testNow)
	n.Public[number.FeatureE911] = json.RawMessage(address)
	if _, err := p.Validate(feature.Request{Number: n, Feature: number.FeatureE911}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("err = %v", err)
	}
}
