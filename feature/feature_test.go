package feature_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// fakeRemote is a remote e911 provider whose calls a test scripts.
type fakeRemote struct {
	name string
	mu   sync.Mutex
	// fail, when set, is returned by the next Provision/Deprovision.
	fail      error
	status    feature.Status
	provision int
	remove    int
}

func (f *fakeRemote) Info() feature.Info {
	return feature.Info{Name: f.name, Features: []string{number.FeatureE911}, Remote: true}
}

func (f *fakeRemote) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	return spec, err
}

func (f *fakeRemote) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.provision++
	if err := f.fail; err != nil {
		f.fail = nil
		return feature.Result{}, err
	}
	st := f.status
	if st == "" {
		st = feature.StatusProvisioned
	}
	return feature.Result{Status: st, Features: req.Spec.Features, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, f.provision))}, nil
}

func (f *fakeRemote) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remove++
	if err := f.fail; err != nil {
		f.fail = nil
		return feature.Result{}, err
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const addr = `{"street_address":"140 Geary St","locality":"San Francisco","region":"CA","postal_code":"94108"}`

func newNumber() *number.Number {
	n := number.New("+14155550100", number.InService, "local", testNow)
	n.AssignedTo = "acct1"
	n.Public[number.FeatureE911] = json.RawMessage(addr)
	return n
}

var opts = feature.Options{Now: func() time.Time { return testNow }}

func TestSaveAndRelease(t *testing.T) {
	p := &fakeRemote{name: "fake_e911"}
	n := newNumber()

	// Dry run: the feature shows for the quote, nothing is called, no record.
	dry := n.Clone()
	out, err := feature.Save(t.Context(), p, dry, number.FeatureE911, feature.Options{DryRun: true})
	if err != nil || out.Called || out.Step != feature.StepProvision || p.provision != 0 {
		t.Fatalf("dry run: %+v %v", out, err)
	}
	if _, ok := dry.Features[number.FeatureE911]; !ok {
		t.Error("dry run: feature not shown")
	}

	out, err = feature.Save(t.Context(), p, n, number.FeatureE911, opts)
	if err != nil || out.Status != feature.StatusProvisioned || p.provision != 1 {
		t.Fatalf("save: %+v %v", out, err)
	}
	rec := feature.RecordOf(n, number.FeatureE911)
	if rec.Provider != "fake_e911" || string(rec.Data) != `{"n":1}` || !rec.Updated.Equal(testNow) || !rec.Holds() {
		t.Errorf("record %+v", rec)
	}
	var e911 map[string]any
	_ = json.Unmarshal(n.Public[number.FeatureE911], &e911)
	if e911["status"] != "PROVISIONED" {
		t.Errorf("public e911.status = %v", e911["status"])
	}
	// Unchanged (whitespace and the status aside): no call.
	n.Public[number.FeatureE911] = json.RawMessage(strings.Replace(addr, "140 Geary St", " 140  Geary St ", 1))
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil || out.Called {
		t.Fatalf("unchanged: %+v %v", out, err)
	}
	// Reserved still acts for e911; available does not: it deprovisions.
	n.State = number.Reserved
	if out, _ := feature.Save(t.Context(), p, n, number.FeatureE911, opts); out.Called {
		t.Error("reserved: called")
	}
	n.State = number.Available
	out, err = feature.Save(t.Context(), p, n, number.FeatureE911, opts)
	if err != nil || out.Step != feature.StepDeprovision || p.remove != 1 {
		t.Fatalf("available: %+v %v", out, err)
	}
	if _, ok := n.Features[number.FeatureE911]; ok {
		t.Error("feature kept")
	}
	if rec := feature.RecordOf(n, number.FeatureE911); rec.Status != feature.StatusRemoved || rec.Holds() {
		t.Errorf("record %+v", rec)
	}
	// Releasing what is no longer held calls nothing.
	if out, err := feature.Release(t.Context(), p, n, number.FeatureE911, opts); err != nil || out.Called {
		t.Errorf("release: %+v %v", out, err)
	}
}

func TestFailureKeepsWhatIsApplied(t *testing.T) {
	p := &fakeRemote{name: "fake_e911"}
	n := newNumber()
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil {
		t.Fatal(err)
	}
	applied := feature.RecordOf(n, number.FeatureE911).Applied
	before := n.Features[number.FeatureE911]

	// A definite refusal of a new address: the old one stands.
	p.fail = feature.Refusal("fake_e911", "provision", n.Number, "no")
	n.Public[number.FeatureE911] = json.RawMessage(strings.Replace(addr, "140", "150", 1))
	_, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts)
	if !feature.Refused(err) || number.AsError(err).Number != n.Number {
		t.Fatalf("err = %v", err)
	}
	rec := feature.RecordOf(n, number.FeatureE911)
	if rec.Status != feature.StatusError || string(rec.Applied) != string(applied) || !rec.Holds() || string(n.Features[number.FeatureE911]) != string(before) {
		t.Errorf("after refusal: record %+v, feature %s", rec, n.Features[number.FeatureE911])
	}
	// The retry provisions the new address.
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil || !out.Called {
		t.Fatalf("retry: %+v %v", out, err)
	}
	// Removing it fails: the record stays unsettled, the feature is kept.
	p.fail = feature.RemoteError("fake_e911", "deprovision", n.Number, context.DeadlineExceeded)
	_, err = feature.Release(t.Context(), p, n, number.FeatureE911, opts)
	if !feature.Unavailable(err) {
		t.Fatalf("err = %v", err)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); !rec.Unsettled || feature.HeldBy(n, number.FeatureE911) != "fake_e911" {
		t.Errorf("record %+v", rec)
	}
	// Even with the features reset (a release), the record says to retry.
	n.ResetFeatures()
	if out, err := feature.Release(t.Context(), p, n, number.FeatureE911, opts); err != nil || !out.Called {
		t.Errorf("retry release: %+v %v", out, err)
	}
	if feature.HeldBy(n, number.FeatureE911) != "" {
		t.Errorf("still held: %+v", feature.RecordOf(n, number.FeatureE911))
	}
}

// A provider never provisioned that fails definitely leaves nothing held;
// one that may have acted leaves the record unsettled.
func TestFirstFailure(t *testing.T) {
	for _, tt := range []struct {
		err     error
		settled bool
	}{
		{feature.Refusal("fake_e911", "provision", "", "no"), true},
		{feature.RemoteError("fake_e911", "provision", "", &number.Error{Kind: number.KindByCarrier, Cause: "x", Err: &httpx.StatusError{Status: 502}}), false},
		{feature.InvalidAddress("fake_e911", "", "bad", feature.Address{}, nil), true},
	} {
		p := &fakeRemote{name: "fake_e911", fail: tt.err}
		n := newNumber()
		_, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts)
		rec := feature.RecordOf(n, number.FeatureE911)
		if err == nil || rec.Holds() == tt.settled {
			t.Errorf("%v: record %+v", tt.err, rec)
		}
		if number.IsKind(err, number.KindInvalid) && rec.Status != feature.StatusInvalid {
			t.Errorf("invalid address: status %s", rec.Status)
		}
	}
}

// Kazoo's numbers carry the feature and no record: equal means done.
func TestKazooNumberAdopted(t *testing.T) {
	p := &fakeRemote{name: "fake_e911"}
	n := newNumber()
	n.Features[number.FeatureE911] = json.RawMessage(addr)
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil || out.Called {
		t.Fatalf("%+v %v", out, err)
	}
	n.Features[number.FeatureE911] = json.RawMessage(`{"street_address":"1 Other St","locality":"X","region":"CA","postal_code":"1"}`)
	if out, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil || !out.Called {
		t.Fatalf("changed: %+v %v", out, err)
	}
}

// When configuration moves e911 to another provider, HeldBy names the old
// one, released before the new one provisions.
func TestProviderSwitch(t *testing.T) {
	oldP, newP := &fakeRemote{name: "old_e911"}, &fakeRemote{name: "new_e911"}
	n := newNumber()
	if _, err := feature.Save(t.Context(), oldP, n, number.FeatureE911, opts); err != nil {
		t.Fatal(err)
	}
	if held := feature.HeldBy(n, number.FeatureE911); held != "old_e911" {
		t.Fatalf("HeldBy = %q", held)
	}
	if _, err := feature.Release(t.Context(), oldP, n, number.FeatureE911, opts); err != nil || oldP.remove != 1 {
		t.Fatal(err)
	}
	if out, err := feature.Save(t.Context(), newP, n, number.FeatureE911, opts); err != nil || !out.Called {
		t.Fatalf("%+v %v", out, err)
	}
	if rec := feature.RecordOf(n, number.FeatureE911); rec.Provider != "new_e911" {
		t.Errorf("record %+v", rec)
	}
}

func TestCarrierRestriction(t *testing.T) {
	p := &carrierBound{fakeRemote{name: "fake_e911"}}
	n := newNumber()
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); !number.IsKind(err, number.KindInvalid) || p.provision != 0 {
		t.Fatalf("err = %v", err)
	}
	n.SetModuleName("knm_telnyx")
	if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil {
		t.Fatal(err)
	}
}

type carrierBound struct{ fakeRemote }

func (c *carrierBound) Info() feature.Info {
	i := c.fakeRemote.Info()
	i.Carriers = []string{"telnyx"}
	return i
}

func TestSaveRefusesBadRequest(t *testing.T) {
	p := &fakeRemote{name: "fake_e911"}
	n := newNumber()
	n.Public[number.FeatureE911] = json.RawMessage(`{"street_address":"1 A St","region":"California"}`)
	_, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts)
	var fe feature.FieldErrors
	if !number.IsKind(err, number.KindInvalid) || !errors.As(err, &fe) || p.provision != 0 {
		t.Fatalf("err = %v", err)
	}
	data := fe.Data()
	for _, path := range []string{"e911.locality", "e911.postal_code", "e911.region"} {
		if _, ok := data[path]; !ok {
			t.Errorf("no error for %s: %v", path, data)
		}
	}
	if _, ok := data["e911.region"].(map[string]any)["maxLength"]; !ok {
		t.Errorf("region: %v", data["e911.region"])
	}
}

// N concurrent saves of different numbers through one provider.
func TestConcurrentSaves(t *testing.T) {
	p := &fakeRemote{name: "fake_e911"}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := newNumber()
			if _, err := feature.Save(t.Context(), p, n, number.FeatureE911, opts); err != nil {
				t.Error(err)
			}
			if _, err := feature.Release(t.Context(), p, n, number.FeatureE911, opts); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p.provision != 16 || p.remove != 16 {
		t.Errorf("provision %d, remove %d", p.provision, p.remove)
	}
}

func TestRemoteErrorClassification(t *testing.T) {
	status := func(code int) error {
		return &number.Error{Kind: number.KindByCarrier, Cause: "p: HTTP", Err: &httpx.StatusError{Status: code}}
	}
	for _, tt := range []struct {
		name                  string
		err                   error
		refused, retry, acted bool
	}{
		{"400", status(http.StatusBadRequest), true, false, false},
		{"404", status(http.StatusNotFound), true, false, false},
		{"408", status(http.StatusRequestTimeout), false, true, true},
		{"429", status(http.StatusTooManyRequests), true, true, false},
		{"500", status(http.StatusInternalServerError), false, true, true},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false, true, true},
		{"garbage", &number.Error{Kind: number.KindByCarrier, Cause: "malformed"}, false, true, true},
	} {
		err := feature.RemoteError("prov", "provision", "+14155550100", tt.err)
		if feature.Refused(err) != tt.refused || feature.Unavailable(err) != tt.retry || feature.MayHaveActed(err) != tt.acted {
			t.Errorf("%s: refused %t unavailable %t acted %t", tt.name, feature.Refused(err), feature.Unavailable(err), feature.MayHaveActed(err))
		}
		ne := number.AsError(err)
		if ne.Number != "+14155550100" || !strings.HasPrefix(ne.Cause, "prov") || ne.Details.(map[string]any)["provider"] != "prov" {
			t.Errorf("%s: %+v", tt.name, ne)
		}
		if !errors.Is(err, tt.err) && !errors.Is(err, context.DeadlineExceeded) && httpx.StatusCode(err) == 0 && tt.name != "garbage" {
			t.Errorf("%s: chain lost", tt.name)
		}
	}
	if feature.RemoteError("p", "op", "n", nil) != nil {
		t.Error("nil error wrapped")
	}
}

func TestRegister(t *testing.T) {
	factory := func(json.RawMessage, feature.Deps) (feature.Provider, error) { return &fakeRemote{name: "x"}, nil }
	for name, info := range map[string]feature.Info{
		"empty name":      {Features: []string{"e911"}},
		"no features":     {Name: "test_nofeature"},
		"unknown feature": {Name: "test_unknown", Features: []string{"teleport"}},
		"prefixed name":   {Name: "knm_test", Features: []string{"e911"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			feature.Register(info, factory)
		}()
	}
	feature.Register(feature.Info{Name: "test_once", Features: []string{"e911"}}, factory)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("duplicate: no panic")
			}
		}()
		feature.Register(feature.Info{Name: "test_once", Features: []string{"e911"}}, factory)
	}()
	if _, err := feature.New("nonexistent", nil, feature.Deps{}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown provider: %v", err)
	}
	if feature.Canonical(" knm_wnm_dash_e911") != "dash_e911" {
		t.Error("Canonical")
	}
}

func TestParseAddress(t *testing.T) {
	for _, tt := range []struct {
		in      string
		wantErr string // a path that must be in error, "" for none
	}{
		{`{"street_address":"1 A St","locality":"X","region":"ca","postal_code":"1","caller_name":"Bob"}`, ""},
		{`{"street_address":"1 A St","locality":"X","region":"CA","postal_code":"1","caller_name":"Bo"}`, "e911.caller_name"},
		{`{"street_address":" ","locality":"X","region":"CA","postal_code":"1"}`, "e911.street_address"},
		{`{"street_address":"1","locality":"X","region":"C1","postal_code":"1"}`, "e911.region"},
		{`{"street_address":"1","locality":"X","region":"CA","postal_code":"1","status":"DONE"}`, "e911.status"},
		{`{"street_address":"1","locality":"X","region":"CA","postal_code":"1","notification_contact_emails":[1]}`, "e911.notification_contact_emails.0"},
		{`{"street_address":"1","locality":"X","region":"CA","postal_code":1}`, "e911.postal_code"},
		{`{"street_address":"1","locality":"X","region":"CA","postal_code":"1","legacy_data":{"suite":5}}`, "e911.legacy_data.suite"},
	} {
		a, err := feature.ParseAddress("+14155550100", json.RawMessage(tt.in))
		if tt.wantErr == "" {
			if err != nil || a.Region != strings.ToUpper(a.Region) {
				t.Errorf("%s: %+v %v", tt.in, a, err)
			}
			continue
		}
		var fe feature.FieldErrors
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v", tt.in, err)
			continue
		}
		if _, ok := fe.Data()[tt.wantErr]; !ok {
			t.Errorf("%s: %v lacks %s", tt.in, fe.Data(), tt.wantErr)
		}
	}
}

func TestCallerName(t *testing.T) {
	for _, tt := range []struct{ asked, account, want string }{
		{"Front Desk", "Acme", "Front Desk"}, {"", "Acme", "Acme"}, {"", "Ab", "Ab "}, {"", "", "Valued Customer"},
	} {
		if got := (feature.Address{CallerName: tt.asked}).CallerNameOr(tt.account); got != tt.want {
			t.Errorf("%q/%q: %q", tt.asked, tt.account, got)
		}
	}
}

func TestStatus(t *testing.T) {
	for s, active := range map[feature.Status]bool{feature.StatusProvisioned: true, feature.StatusGeocoded: true, feature.StatusPending: true,
		feature.StatusRemoved: false, feature.StatusError: false, feature.StatusInvalid: false} {
		if s.Active() != active || !s.Valid() {
			t.Errorf("%s", s)
		}
	}
	if feature.Status("DONE").Valid() {
		t.Error("DONE valid")
	}
}

func TestNANP(t *testing.T) {
	for in, want := range map[string]string{"+14155550100": "4155550100", "+11155550100": "", "+442079460000": "", "+1415555010": ""} {
		if got, ok := feature.NANP(in); got != want || ok != (want != "") {
			t.Errorf("%s: %q %t", in, got, ok)
		}
	}
}

func TestRecords(t *testing.T) {
	n := newNumber()
	feature.SetRecord(n, "e911", feature.Record{Provider: "p", Status: feature.StatusProvisioned})
	feature.SetRecord(n, "cnam", feature.Record{Provider: "q", Status: feature.StatusPending})
	if len(feature.Records(n)) != 2 || feature.RecordOf(n, "cnam").Provider != "q" {
		t.Fatalf("records %v", feature.Records(n))
	}
	feature.SetRecord(n, "e911", feature.Record{})
	feature.SetRecord(n, "cnam", feature.Record{})
	if _, ok := n.CarrierData[feature.RecordsKey]; ok {
		t.Errorf("empty records kept: %s", n.CarrierData[feature.RecordsKey])
	}
}

func TestManualActionID(t *testing.T) {
	a := feature.NewManualAction(feature.ManualAction{Provider: "p", Number: "+1", Feature: "cnam", Action: "update", Details: map[string]any{"display_name": "A"}})
	b := feature.NewManualAction(feature.ManualAction{Provider: "p", Number: "+1", Feature: "cnam", Action: "update", Details: map[string]any{"display_name": "A"}, Created: testNow})
	c := feature.NewManualAction(feature.ManualAction{Provider: "p", Number: "+1", Feature: "cnam", Action: "update", Details: map[string]any{"display_name": "B"}})
	if a.ID == "" || a.ID != b.ID || a.ID == c.ID {
		t.Errorf("ids %s %s %s", a.ID, b.ID, c.ID)
	}
}
