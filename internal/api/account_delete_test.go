package api

import (
	"context"
	"strings"
	"testing"

	"github.com/numan-dev/numan/number"
)

// An account that holds numbers is not deleted: 409 account_has_numbers
// saying how many, and nothing changes. With release_numbers=true its
// numbers are released first (as Kazoo released them), then it goes. A
// bad release_numbers is a 400.
func TestDeleteAccountHoldingNumbers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		e.seedAt(ts.a1, "local", "+14155550101", "+14155550102")
		path := "/v2/accounts/" + ts.a1

		r := e.do("DELETE", path, ts.tA, nil)
		if r.code != 409 || r.env["message"] != "account_has_numbers" || !strings.Contains(string(r.raw), "2 numbers") {
			t.Fatalf("delete an owner: %d %s", r.code, r.raw)
		}
		e.must(200, "GET", path, ts.tA, nil)
		if n := e.stored("+14155550101"); n.AssignedTo != ts.a1 || n.State != number.InService {
			t.Fatalf("changed: %+v", n)
		}
		if r := e.do("DELETE", path+"?release_numbers=maybe", ts.tA, nil); r.code != 400 {
			t.Fatalf("bad flag: %d %s", r.code, r.raw)
		}

		e.must(200, "DELETE", path+"?release_numbers=true", ts.tA, nil)
		if r := e.do("GET", path, ts.tA, nil); r.code != 404 && r.code != 403 {
			t.Fatalf("deleted account answers %d", r.code)
		}
		for _, n := range []string{"+14155550101", "+14155550102"} {
			// Local numbers are deleted on release, as in Kazoo; anything
			// left is owned by nobody.
			if got, err := e.st.GetNumber(context.Background(), n); err == nil && got.AssignedTo != "" {
				t.Fatalf("%s still owned: %+v", n, got)
			} else if err != nil && !number.IsKind(err, number.KindNotFound) {
				t.Fatal(err)
			}
		}
		// An active port request would outlive its account and keep its
		// numbers from anyone: the account stays until it is canceled.
		id := e.createPort(ts.b, ts.tB, "+14155550190")
		if r := e.do("DELETE", "/v2/accounts/"+ts.b, ts.tReseller, nil); r.code != 409 || !strings.Contains(string(r.raw), "port requests") {
			t.Fatalf("delete with a port request: %d %s", r.code, r.raw)
		}
		e.must(200, "DELETE", portPath(ts.b, id), ts.tB, nil)
		// An account without numbers or ports goes as before.
		e.must(200, "DELETE", "/v2/accounts/"+ts.b, ts.tReseller, nil)
	})
}
