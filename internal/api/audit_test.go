package api

import (
	"context"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestCarrierAuditSQLite(t *testing.T)   { testCarrierAudit(t, newEnv(t)) }
func TestCarrierAuditPostgres(t *testing.T) { testCarrierAudit(t, newPostgresEnv(t)) }

func testCarrierAudit(t *testing.T, e *env) {
	heldNum := func(e164, id string) carrier.Held {
		d := number.Doc{}
		d.Set("id", id)
		return carrier.Held{Number: e164, CarrierData: d, Status: "active"}
	}
	e.fake.SetHeld(heldNum("+14155550101", "A1"), heldNum("+14155550102", "A2"), heldNum("+14155550103", "B3"))
	e.fake.SetListPageSize(2)
	for e164, id := range map[string]string{"+14155550101": "A1", "+14155550103": "A3", "+14155550199": "A9"} {
		n := number.New(e164, number.InService, "fake", e.clock.now().Add(-time.Hour))
		n.AssignedTo = e.master
		n.CarrierData.Set("id", id)
		if err := e.st.InsertNumber(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	count := func(r *resp, finding string) float64 {
		t.Helper()
		f, _ := r.dataMap()[finding].(map[string]any)
		c, ok := f["count"].(float64)
		if !ok {
			t.Fatalf("no %s.count in %s", finding, r.raw)
		}
		return c
	}

	r := e.must(200, "GET", "/v2/carriers/fake/audit", e.token, nil)
	if count(r, "unknown") != 1 || count(r, "vanished") != 1 || count(r, "mismatched") != 1 || r.dataMap()["carrier"] != "fake" || r.env["status"] != "success" {
		t.Fatalf("audit: %s", r.raw)
	}
	mm := r.dataMap()["mismatched"].(map[string]any)["numbers"].([]any)[0].(map[string]any)
	diff := mm["differences"].([]any)[0].(map[string]any)
	if mm["number"] != "+14155550103" || diff["field"] != "carrier_data.id" || diff["numan"] != "A3" || diff["carrier"] != "B3" {
		t.Errorf("mismatch %v", mm)
	}

	// Bad input changes nothing.
	e.must(400, "POST", "/v2/carriers/fake/audit", e.token, map[string]any{"data": map[string]any{"import": "yes"}})
	e.must(400, "POST", "/v2/carriers/fake/audit", e.token, map[string]any{"data": []any{}})
	e.must(400, "GET", "/v2/carriers/fake/audit?limit=0", e.token, nil)
	if _, err := e.st.GetNumber(context.Background(), "+14155550102"); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("a refused request imported: %v", err)
	}

	r = e.must(200, "POST", "/v2/carriers/fake/audit?limit=1", e.token, map[string]any{"data": map[string]any{"import": true}})
	if r.dataMap()["imported"] != float64(1) {
		t.Fatalf("import: %s", r.raw)
	}
	n, err := e.st.GetNumber(context.Background(), "+14155550102")
	if err != nil || n.State != number.Available || n.ModuleName != "fake" {
		t.Fatalf("imported %+v, %v", n, err)
	}
	r = e.must(200, "GET", "/v2/carriers/fake/audit", e.token, nil)
	if count(r, "unknown") != 0 || count(r, "vanished") != 1 {
		t.Fatalf("after the import: %s", r.raw)
	}
}

func TestCarrierAuditRefusals(t *testing.T) {
	e := newEnv(t)
	_, childToken := e.child(e.master, "child")
	e.must(401, "GET", "/v2/carriers/fake/audit", "", nil)
	e.must(403, "GET", "/v2/carriers/fake/audit", childToken, nil)
	e.must(403, "POST", "/v2/carriers/fake/audit", childToken, map[string]any{"data": map[string]any{"import": true}})
	if n := e.fake.Calls("list"); n != 0 {
		t.Fatalf("refused requests listed the carrier %d times", n)
	}
	e.must(400, "GET", "/v2/carriers/local/audit", e.token, nil)
	e.must(400, "GET", "/v2/carriers/nosuch/audit", e.token, nil)
	e.fake.FailListFrom(1, carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "fake: HTTP 503")))
	r := e.must(500, "GET", "/v2/carriers/fake/audit", e.token, nil)
	if r.env["status"] != "error" {
		t.Fatalf("a failed listing: %s", r.raw)
	}
}
