package voipinnovations

import (
	"encoding/json"
	"errors"
	"net/http"
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
		npa, nxx string
		want     []string
	}{
		{name: "npa", prefix: "+1303", quantity: 10, npa: "303", nxx: "<nil>",
			want: []string{"+13035550110", "+13035550111", "+13037210042"}},
		{name: "npa capped at quantity", prefix: "+1303", quantity: 2, npa: "303", nxx: "<nil>",
			want: []string{"+13035550110", "+13035550111"}},
		{name: "four digits narrow the npa", prefix: "+13037", quantity: 10, npa: "303", nxx: "<nil>",
			want: []string{"+13037210042"}},
		{name: "npa-nxx", prefix: "+1303721", quantity: 10, npa: "<nil>", nxx: "303721",
			want: []string{"+13037210042", "+13037219876"}},
		{name: "longer than npa-nxx", prefix: "+130372198", quantity: 10, npa: "<nil>", nxx: "303721",
			want: []string{"+13037219876"}},
		{name: "toll-free npa", prefix: "+1844", quantity: 1, npa: "844", nxx: "<nil>",
			want: []string{"+18445550163"}},
		{name: "wildcard ignored", prefix: "+1844*", quantity: 1, npa: "844", nxx: "<nil>",
			want: []string{"+18445550163"}},
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
			call, _ := f.lastCall()
			if call.action != "getDIDs" || call.args["npa"] != tc.npa || call.args["nxx"] != tc.nxx {
				t.Fatalf("sent %+v", call)
			}
		})
	}
}

func TestFindNumbersRejectsWhatVIcannotSearch(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	for _, prefix := range []string{"+44207", "+14", "+1", "+180*", "+1415abc"} {
		if _, err := c.FindNumbers(testCtx(t), prefix, 1, carrier.SearchOptions{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("FindNumbers(%q) err = %v, want invalid", prefix, err)
		}
	}
	if _, ok := f.lastCall(); ok {
		t.Fatal("the carrier was called")
	}
}

func TestFindNumbersCarrierErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]any
		status   int
		file     string
		want     string
		class    carrier.Class
		definite bool
	}{
		{name: "bad credentials", settings: map[string]any{"password": "wrong-password"}, want: "Invalid login or secret",
			class: carrier.Auth, definite: true},
		{name: "soap fault", status: http.StatusInternalServerError, file: "fault.xml", want: "Server was unable to read request",
			class: carrier.Transient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			if tc.status != 0 {
				f.status = tc.status
			}
			if tc.file != "" {
				f.replies["getDIDs"] = tc.file
			}
			c := newTestCarrier(t, srv.URL, tc.settings)
			_, err := c.FindNumbers(testCtx(t), "+1303", 1, carrier.SearchOptions{})
			if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want by_carrier with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "wrong-password") {
				t.Fatalf("error leaks the password: %v", err)
			}
			carriertest.CheckFailure(t, err, tc.class, tc.definite)
		})
	}
}

func TestAcquire(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.Acquire(testCtx(t), number.New("+13035550110", number.Discovery, Name, time.Now())); err != nil {
		t.Fatal(err)
	}
	call, _ := f.lastCall()
	if call.action != "assignDID" || call.args["DIDParam.tn"] != "3035550110" || call.args["DIDParam.epg"] != testEPG {
		t.Fatalf("sent %+v", call)
	}
}

func TestAcquireRefused(t *testing.T) {
	f, srv := startFake(t)
	f.replies["assignDID"] = "assigndid_taken.xml"
	c := newTestCarrier(t, srv.URL, nil)
	_, err := c.Acquire(testCtx(t), number.New("+13035550110", number.Discovery, Name, time.Now()))
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "Number not available for assignment") {
		t.Fatalf("err = %v, want by_carrier with the DID status", err)
	}
	if number.AsError(err).Number != "+13035550110" {
		t.Fatalf("error number = %q", number.AsError(err).Number)
	}
	carriertest.CheckFailure(t, err, carrier.Taken, true)
}

func TestProvisioningFlags(t *testing.T) {
	f, srv := startFake(t)
	n := number.New("+13035550110", number.Discovery, Name, time.Now())
	c := newTestCarrier(t, srv.URL, map[string]any{"enable_provisioning": false, "sandbox_provisioning": true})
	if _, err := c.Acquire(testCtx(t), n); err != nil {
		t.Fatalf("sandbox acquire: %v", err)
	}
	if err := c.Disconnect(testCtx(t), n); err != nil {
		t.Fatalf("sandbox disconnect: %v", err)
	}
	c = newTestCarrier(t, srv.URL, map[string]any{"enable_provisioning": false})
	_, err := c.Acquire(testCtx(t), n)
	if e := number.AsError(err); e.Kind != number.KindUnspecified || e.Msg() != "provisioning_disabled" {
		t.Fatalf("acquire err = %v, want unspecified_fault provisioning_disabled", err)
	}
	// Releasing with provisioning off: the carrier keeps the number.
	if err := c.Disconnect(testCtx(t), n); !errors.Is(err, carrier.ErrKept) {
		t.Fatalf("disconnect err = %v, want carrier.ErrKept", err)
	}
	if _, ok := f.lastCall(); ok {
		t.Fatal("the carrier was called")
	}
}

func TestDisconnect(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+13035550110", number.InService, Name, time.Now())
	if err := c.Disconnect(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	if call, _ := f.lastCall(); call.action != "releaseDID" || call.args["DIDParam.tn"] != "3035550110" {
		t.Fatalf("sent %+v", call)
	}
	// Kazoo's release scenario: responseCode 100, DID statusCode 106231.
	f.replies["releaseDID"] = "releasedid_not_yours.xml"
	err := c.Disconnect(testCtx(t), n)
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "Number currently available") {
		t.Fatalf("err = %v, want by_carrier \"Number currently available\"", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, settings, url string
		bad                 bool
	}{
		{name: "defaults", url: ProductionURL},
		{name: "sandbox", settings: `{"sandbox_provisioning":true}`, url: SandboxURL},
		{name: "api_url wins over sandbox", settings: `{"sandbox_provisioning":true,"api_url":"https://vi.example/x.asmx"}`, url: "https://vi.example/x.asmx"},
		{name: "kazoo keys", settings: `{"debug":true,"enable_provisioning":true,"endpoint_group":"1","login":"l","password":"p"}`, url: ProductionURL},
		{name: "unknown key", settings: `{"secret":"x"}`, bad: true},
		{name: "not a URL", settings: `{"api_url":"backoffice"}`, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := carrier.New("knm_voip_innovations", json.RawMessage(tc.settings), carrier.Deps{})
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
	c, err := New(DefaultConfig(), carrier.Deps{})
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

func TestConformance(t *testing.T) {
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		_, srv := startFake(t)
		return newTestCarrier(t, srv.URL, nil)
	}, carriertest.Prefix("+1303"), carriertest.MinResults(3))
}

func TestHolds(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	for file, want := range map[string]bool{"querydid_assigned.xml": true, "querydid_available.xml": false} {
		f.replies["queryDID"] = file
		held, err := c.Holds(testCtx(t), "+13035550110")
		if err != nil || held != want {
			t.Fatalf("%s: Holds = %v, %v; want %v", file, held, err, want)
		}
		if call, _ := f.lastCall(); call.action != "queryDID" || call.args["did"] != "3035550110" {
			t.Fatalf("sent %+v", call)
		}
	}
	f.replies["queryDID"] = "querydid_unknown.xml"
	_, err := c.Holds(testCtx(t), "+13035550110")
	if !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
	carriertest.CheckFailure(t, err, carrier.Unclassified, false)
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, url, nil)
	}, carriertest.Prefix("+1303"), carriertest.Number("+13035550110"),
		carriertest.Malformed(`<soap:Envelope><soap:Body><getDIDsResponse>`))
}
