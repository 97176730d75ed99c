package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlite"
)

func TestCarriersAudit(t *testing.T) {
	ctx := context.Background()
	carriertest.RegisterFake()
	f := carriertest.NewFake(t)
	heldNum := func(e164, id string) carrier.Held {
		d := number.Doc{}
		d.Set("id", id)
		return carrier.Held{Number: e164, CarrierData: d, Status: "active"}
	}
	f.SetHeld(heldNum("+14155550101", "A1"), heldNum("+14155550102", "A2"), heldNum("+14155550103", "B3"))
	f.SetListPageSize(2)

	db := filepath.Join(t.TempDir(), "numan.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	settings, _ := json.Marshal(map[string]json.RawMessage{"default": f.Settings()})
	if err := st.PutConfig(ctx, "number_manager.fake", settings); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Hour)
	for e164, id := range map[string]string{"+14155550101": "A1", "+14155550103": "A3", "+14155550199": "A9"} {
		n := number.New(e164, number.InService, "fake", before)
		n.CarrierData.Set("id", id)
		if err := st.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"carriers", "audit", "--db", db}, args...), &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
		return out.String(), errb.String(), code
	}

	out, errOut, code := run("--progress", "always", "fake")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"carrier fake: 2 pages listed, 3 numbers held",
		"unknown (the carrier holds them, Numan does not record them): 1\n  +14155550102  active  {\"id\":\"A2\"}\n",
		"vanished (Numan sells them, the carrier does not hold them): 1\n  +14155550199  in_service\n",
		"mismatched (both know them, and disagree): 1\n  +14155550103  in_service  carrier_data.id: Numan \"A3\", carrier \"B3\"\n",
		"imported: 0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "listing") || !strings.HasSuffix(errOut, "0 imported\n") {
		t.Errorf("progress on stderr:\n%q", errOut)
	}

	out, _, code = run("--import", "--json", "--progress", "never", "fake")
	var rep manager.AuditReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Imported != 1 || rep.Unknown.Count != 1 || !rep.Unknown.Numbers[0].Imported {
		t.Fatalf("import (%d):\n%s", code, out)
	}
	out, errOut, code = run("--json", "fake")
	rep = manager.AuditReport{}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Unknown.Count != 0 || rep.Vanished.Count != 1 || rep.Mismatched.Count != 1 {
		t.Fatalf("after the import (%d):\n%s", code, out)
	}
	if errOut != "" {
		t.Errorf("progress on a stderr that is no terminal: %q", errOut)
	}

	f.FailListFrom(2, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "fake: HTTP 502")))
	out, errOut, code = run("fake")
	if code != 1 || !strings.Contains(errOut, "stopped after 1 page ") || !strings.Contains(out, "the findings below are partial") {
		t.Errorf("a listing failing midway (%d):\n%s%s", code, out, errOut)
	}

	// Flags may come before the subcommand too.
	var outb, errb bytes.Buffer
	if code := Run(ctx, []string{"carriers", "--db", db, "audit", "--progress=never", "local", "--json"}, &Env{Stdout: &outb, Stderr: &errb, Getenv: func(string) string { return "" }}); code != 1 || !strings.Contains(errb.String(), "cannot list the numbers") {
		t.Errorf("carriers --db DB audit local (%d): %s%s", code, outb.String(), errb.String())
	}

	if _, errOut, code = run("local"); code != 1 || !strings.Contains(errOut, "cannot list the numbers") {
		t.Errorf("audit of local (%d): %s", code, errOut)
	}
	if _, _, code = run(); code != 2 {
		t.Errorf("no carrier name: exit %d", code)
	}
	if _, _, code = run("--progress", "sometimes", "fake"); code != 2 {
		t.Errorf("a bad -progress: exit %d", code)
	}
}
