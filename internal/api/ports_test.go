package api

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Port request tests: Kazoo's scenarios (reference part C) and the rules
// the reference's part B states, through the API, on both stores.

func portPath(acct string, rest ...string) string {
	return "/v2/accounts/" + acct + "/port_requests" + strings.Join(append([]string{""}, rest...), "/")
}

// seedPort is the body of pqc_cb_port_requests' seed_ports for account
// name and its numbers.
func (e *env) seedPort(name string, nums ...string) map[string]any {
	numbers := map[string]any{}
	for _, n := range nums {
		numbers[n] = map[string]any{}
	}
	now := manager.Gregorian(e.clock.now())
	return map[string]any{
		"name":          name + "-a1",
		"numbers":       numbers,
		"notifications": map[string]any{"email": map[string]any{"send_to": name + "-a1@" + name + ".com"}},
		"bill": map[string]any{"account_number": "Seed", "btn": "+15559993232", "carrier": "Hello", "locality": "CA",
			"name": "Seed", "pin": "1234", "postal_code": "11111", "street_address": "Somewhere", "street_number": "1", "street_type": "Freeway"},
		"signee_name":   "kazoo_proper",
		"signing_date":  now,
		"transfer_date": now + 10*86400,
	}
}

// createPort creates a port request of acct as tok and returns its id.
func (e *env) createPort(acct, tok string, nums ...string) string {
	e.t.Helper()
	r := e.must(201, "PUT", portPath(acct), tok, map[string]any{"data": e.seedPort("acct", nums...)})
	id, _ := r.dataMap()["id"].(string)
	if id == "" {
		e.t.Fatalf("no id in %s", r.raw)
	}
	return id
}

// schedule is the body a move to scheduled needs.
var schedule = map[string]any{"data": map[string]any{"schedule_on": map[string]any{"timezone": "America/Los_Angeles", "date_time": "2017-06-24 12:00"}}}

// moveTo moves a port request to state to as tok.
func (e *env) moveTo(acct, id, tok, to string) *resp {
	e.t.Helper()
	var body any
	if to == "scheduled" {
		body = schedule
	}
	return e.do("PATCH", portPath(acct, id, to), tok, body)
}

// drive moves a new request through states as the master.
func (e *env) drive(acct, id string, states ...string) {
	e.t.Helper()
	for _, st := range states {
		if r := e.moveTo(acct, id, e.token, st); r.code != 200 {
			e.t.Fatalf("move to %s: %d %s", st, r.code, r.raw)
		}
	}
}

// pathTo is how a new request reaches each state.
var pathTo = map[string][]string{
	"unconfirmed": nil,
	"submitted":   {"submitted"},
	"pending":     {"submitted", "pending"},
	"scheduled":   {"submitted", "pending", "scheduled"},
	"completed":   {"submitted", "pending", "completed"},
	"rejected":    {"submitted", "rejected"},
	"canceled":    {"canceled"},
}

// setPortAuthority names authority as acct's port authority (as the
// master).
func (e *env) setPortAuthority(acct, authority, email string) {
	e.t.Helper()
	e.must(200, "PUT", "/v2/accounts/"+acct+"/configs/number_manager", e.token,
		map[string]any{"data": map[string]any{"port": map[string]any{"authority": authority, "support_email": email}}})
}

func (e *env) storedOrNil(n string) *number.Number {
	e.t.Helper()
	got, err := e.st.GetNumber(context.Background(), n)
	if number.IsKind(err, number.KindNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func str(v any) string { s, _ := v.(string); return s }

func TestPortScenarios(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		normal, tNormal := e.child(e.master, "pqc_ports_normal")
		authority, tAuthority := e.child(e.master, "pqc_ports_authority")
		e.setPortAuthority(authority, authority, "port_agent@pqc_ports_authority.com")
		sub, tSub := e.child(authority, "pqc_ports_sub01")

		// 1. Each account creates its port as itself.
		for _, tc := range []struct {
			acct, tok, name, num, wantAuth, wantAuthName string
		}{
			{normal, tNormal, "pqc_ports_normal", "+13335551234", e.master, "master"},
			{authority, tAuthority, "pqc_ports_authority", "+13335554567", e.master, "master"}, // self-authority is skipped
			{sub, tSub, "pqc_ports_sub01", "+13335554321", authority, "pqc_ports_authority"},
		} {
			r := e.must(201, "PUT", portPath(tc.acct), tc.tok, map[string]any{"data": e.seedPort(tc.name, tc.num)})
			d := r.dataMap()
			ro, _ := d["_read_only"].(map[string]any)
			if str(d["id"]) == "" || d["port_state"] != "unconfirmed" || ro["account_name"] != tc.name ||
				ro["port_authority"] != tc.wantAuth || ro["port_authority_name"] != tc.wantAuthName {
				t.Errorf("%s: created %s", tc.name, r.raw)
			}
		}

		// 2. The authority lists its own account's requests.
		r := e.must(200, "GET", portPath(authority), tAuthority, nil)
		groups, _ := r.data().([]any)
		found := false
		for _, g := range groups {
			g := g.(map[string]any)
			prs, _ := g["port_requests"].([]any)
			if g["account_name"] == "pqc_ports_authority" && len(prs) > 0 {
				found = true
			}
			for _, p := range prs {
				p := p.(map[string]any)
				ro := p["_read_only"].(map[string]any)
				if ro["port_authority"] != e.master || ro["port_authority_name"] != "master" {
					t.Errorf("listed port's authority: %v", ro)
				}
				if _, ok := p["numbers"].(map[string]any)["+13335554567"]; !ok {
					t.Errorf("listed port lacks +13335554567: %v", p["numbers"])
				}
			}
		}
		if !found {
			t.Errorf("authority's listing: %s", r.raw)
		}

		// 3. The master's own listing: a list.
		r = e.must(200, "GET", portPath(e.master), e.token, nil)
		if _, ok := r.data().([]any); !ok || r.env["status"] == "error" {
			t.Errorf("master's listing: %s", r.raw)
		}
		// 4. Descendants: every account below the master, not the master.
		r = e.must(200, "GET", "/v2/accounts/"+e.master+"/descendants/port_requests", e.token, nil)
		var names []string
		for _, g := range r.data().([]any) {
			names = append(names, str(g.(map[string]any)["account_name"]))
		}
		if !slices.Equal(names, []string{"pqc_ports_authority", "pqc_ports_normal", "pqc_ports_sub01"}) {
			t.Errorf("descendants: %v", names)
		}
		r = e.must(200, "GET", "/v2/accounts/"+authority+"/descendants/port_requests", tAuthority, nil)
		if g := r.data().([]any); len(g) != 1 || g[0].(map[string]any)["account_id"] != sub {
			t.Errorf("authority's descendants: %s", r.raw)
		}

		// The agent listing (/v2/port_requests): what each authority handles.
		agent := func(tok string) []string {
			r := e.must(200, "GET", "/v2/port_requests", tok, nil)
			var out []string
			for _, g := range r.data().([]any) {
				for _, p := range g.(map[string]any)["port_requests"].([]any) {
					out = append(out, str(p.(map[string]any)["account_id"]))
				}
			}
			slices.Sort(out)
			return out
		}
		if got, want := agent(tAuthority), []string{sub}; !slices.Equal(got, want) {
			t.Errorf("authority's agent listing: %v, want %v", got, want)
		}
		want := []string{normal, authority}
		slices.Sort(want)
		if got := agent(e.token); !slices.Equal(got, want) {
			t.Errorf("master's agent listing: %v, want %v", got, want)
		}
		if r := e.do("GET", "/v2/port_requests", tNormal, nil); r.code != 403 {
			t.Errorf("agent listing by a non-authority: %d %s", r.code, r.raw)
		}
		if r := e.do("PUT", "/v2/port_requests", e.token, map[string]any{"data": map[string]any{}}); r.code != 405 {
			t.Errorf("PUT /v2/port_requests: %d", r.code)
		}
	})
}

func TestPortTransitionTable(t *testing.T) {
	// Reference B.3, cell by cell: rows are targets, columns the states
	// moved from; the master may make every move the table allows.
	allowed := map[string][]string{
		"submitted": {"unconfirmed", "rejected"},
		"pending":   {"submitted"},
		"scheduled": {"pending"},
		"completed": {"pending", "scheduled", "rejected"},
		"rejected":  {"submitted", "pending", "scheduled"},
		"canceled":  {"unconfirmed", "submitted", "pending", "scheduled", "rejected"},
	}
	froms := []string{"unconfirmed", "submitted", "pending", "scheduled", "completed", "rejected", "canceled"}
	eachStore(t, func(t *testing.T, e *env) {
		a, _ := e.child(e.master, "a")
		i := 0
		for to, ok := range allowed {
			for _, from := range froms {
				i++
				t.Run(from+"_to_"+to, func(t *testing.T) {
					id := e.createPort(a, e.token, fmt.Sprintf("+1415555%04d", i))
					e.drive(a, id, pathTo[from]...)
					r := e.moveTo(a, id, e.token, to)
					if slices.Contains(ok, from) {
						if r.code != 200 || r.dataMap()["port_state"] != to {
							t.Fatalf("allowed move: %d %s", r.code, r.raw)
						}
						return
					}
					if r.code != 400 || r.env["message"] != "validation error" {
						t.Fatalf("forbidden move: %d %s", r.code, r.raw)
					}
					rule := r.dataMap()["port_state"].(map[string]any)["enum"].(map[string]any)
					if rule["message"] != "Cannot move to new state from current state" || rule["cause"] != to {
						t.Fatalf("forbidden move: %s", r.raw)
					}
					if got := e.must(200, "GET", portPath(a, id), e.token, nil).dataMap()["port_state"]; got != from {
						t.Fatalf("state after a refused move: %v", got)
					}
				})
			}
		}
		// There is no move back to unconfirmed, nor any unknown state.
		id := e.createPort(a, e.token, "+14155559990")
		for _, to := range []string{"unconfirmed", "waiting", "ported"} {
			if r := e.do("PATCH", portPath(a, id, to), e.token, nil); r.code != 404 {
				t.Errorf("PATCH .../%s: %d", to, r.code)
			}
		}
		// submitted -> scheduled once number_manager allows it.
		e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token,
			map[string]any{"data": map[string]any{"allow_port_transition_from_submitted_to_scheduled": true}})
		e.drive(a, id, "submitted", "scheduled")
		// A move to scheduled needs a date.
		id = e.createPort(a, e.token, "+14155559991")
		e.drive(a, id, "submitted", "pending")
		if r := e.do("PATCH", portPath(a, id, "scheduled"), e.token, nil); r.code != 400 || r.dataMap()["schedule_on"] == nil {
			t.Errorf("scheduled without a date: %d %s", r.code, r.raw)
		}
		r := e.must(200, "PATCH", portPath(a, id, "scheduled"), e.token, schedule)
		// 2017-06-24 12:00 in Los Angeles (PDT, UTC-7) is 19:00 UTC.
		if got, _ := r.dataMap()["scheduled_date"].(float64); int64(got) != 63665550000 {
			t.Errorf("scheduled_date = %v, want 63665550000", r.dataMap()["scheduled_date"])
		}
	})
}

func TestPortAuthorityRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		// master -> r (its own authority) -> s -> tt; u is r's other child.
		r, tR := e.child(e.master, "r")
		e.setPortAuthority(r, r, "")
		s, tS := e.child(r, "s")
		tt, tT := e.child(s, "t")
		u, tU := e.child(r, "u")
		e.setPortAuthority(s, u, "") // u is no ancestor of s: ignored

		authorityOf := func(acct, tok string) string {
			id := e.createPort(acct, tok, fmt.Sprintf("+1212555%04d", len(acct)+int(acct[0])))
			got := str(e.must(200, "GET", portPath(acct, id), tok, nil).dataMap()["_read_only"].(map[string]any)["port_authority"])
			e.must(200, "DELETE", portPath(acct, id), tok, nil)
			return got
		}
		if got := authorityOf(tt, tT); got != r {
			t.Errorf("t's authority = %s, want r", got)
		}
		if got := authorityOf(r, tR); got != e.master {
			t.Errorf("r's own authority = %s, want the master (an account is not its own authority)", got)
		}
		e.setPortAuthority(s, e.master, "")
		if got := authorityOf(tt, tT); got != e.master {
			t.Errorf("t's authority once s names the master = %s", got)
		}
		e.setPortAuthority(s, "", "")

		actors := []struct {
			name, tok string
		}{{"submitter", tT}, {"ancestor", tS}, {"authority", tR}, {"master", e.token}}
		handler := map[string]bool{"authority": true, "master": true}
		n := 0
		for _, to := range []string{"submitted", "pending", "scheduled", "completed", "rejected", "canceled"} {
			for _, from := range []string{"unconfirmed", "submitted", "pending"} {
				for _, who := range actors {
					if !ports.CanMove(ports.State(from), ports.State(to), false) {
						continue
					}
					n++
					id := e.createPort(tt, tT, fmt.Sprintf("+1646555%04d", n))
					e.drive(tt, id, pathTo[from]...)
					may := to == "submitted" || handler[who.name] ||
						to == "canceled" && from == "unconfirmed" // the account and its ancestors cancel a draft
					got := e.moveTo(tt, id, who.tok, to)
					switch {
					case may && got.code != 200:
						t.Errorf("%s %s -> %s: %d %s", who.name, from, to, got.code, got.raw)
					case !may && (got.code != 400 || !strings.Contains(string(got.raw), "please contact your port authority")):
						t.Errorf("%s %s -> %s: %d %s, want refused", who.name, from, to, got.code, got.raw)
					}
				}
			}
		}
		// An account that does not reach the request's account cannot
		// even see it.
		id := e.createPort(tt, tT, "+16465559999")
		if got := e.do("PATCH", portPath(tt, id, "submitted"), tU, nil); got.code != 403 {
			t.Errorf("u moves t's request: %d", got.code)
		}
		if got := e.do("GET", portPath(u, id), tU, nil); got.code != 404 {
			t.Errorf("u reads t's request through its own account: %d %s", got.code, got.raw)
		}
	})
}

func TestNumberIsPorting(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		b, tB := e.child(e.master, "b", "wnm_allow_additions", true)
		const create, activate, buy, legacy = "+14155550301", "+14155550302", "+14155550303", "+14155550304"
		id := e.createPort(a, tA, create, activate, buy, legacy)
		// While unconfirmed nothing is held (Kazoo): the port_in records
		// come with the submission.
		if e.storedOrNil(create) != nil {
			t.Fatal("a number of an unconfirmed request is stored")
		}
		e.drive(a, id, "submitted")
		for _, n := range []string{create, activate, buy, legacy} {
			got := e.storedOrNil(n)
			if got == nil || got.State != number.PortIn || got.AssignedTo != a || manager.PortOf(got) != id {
				t.Fatalf("%s after submission: %+v", n, got)
			}
		}
		isPorting := func(what string, r *resp) {
			t.Helper()
			if r.code != 400 || r.env["message"] != "number_is_porting" {
				t.Errorf("%s: %d %s, want 400 number_is_porting", what, r.code, r.raw)
			}
		}
		isPorting("create as the master", e.do("PUT", e.numPath(b, create), e.token, nil))
		isPorting("create as an account allowed additions", e.do("PUT", e.numPath(b, create), tB, nil))
		isPorting("create as port_in", e.do("PUT", e.numPath(a, legacy)+"/port", tA, nil))
		isPorting("activate by another account", e.do("PUT", e.numPath(b, activate)+"/activate", tB, nil))
		isPorting("activate by the porting account", e.do("PUT", e.numPath(a, activate)+"/activate", tA, nil))
		e.fake.Offer(buy)
		e.must(200, "GET", "/v2/accounts/"+b+"/phone_numbers?prefix=415&quantity=5", tB, nil)
		isPorting("buy", e.do("PUT", e.numPath(b, buy)+"/activate", tB, nil))
		r := e.must(400, "PUT", "/v2/accounts/"+b+"/phone_numbers/collection/activate", tB,
			map[string]any{"data": map[string]any{"numbers": []string{buy}}})
		if !strings.Contains(string(r.raw), "number_is_porting") {
			t.Errorf("collection activate: %s", r.raw)
		}
		isPorting("reserve", e.do("PUT", e.numPath(a, activate)+"/reserve", tA, nil))
		isPorting("release", e.do("DELETE", e.numPath(a, activate), tA, nil))
		if n := e.fake.Calls(carriertest.OpAcquire); n != 0 {
			t.Errorf("the carrier was asked to sell a porting number %d time(s)", n)
		}
		for _, n := range []string{create, activate, buy, legacy} {
			if got := e.storedOrNil(n); got.State != number.PortIn || got.AssignedTo != a || manager.PortOf(got) != id {
				t.Errorf("%s changed: %+v", n, got)
			}
		}
	})
}

func TestPortCompletionAndCancellation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		b, _ := e.child(e.master, "b")
		const fresh, legacy = "+13125550101", "+13125550102"
		// A port_in number the account made itself (PUT .../port) is
		// adopted by its request.
		e.must(200, "PUT", e.numPath(a, legacy)+"/port", tA, nil)
		id := e.createPort(a, tA, fresh, legacy)
		e.drive(a, id, "submitted", "pending")
		r := e.must(200, "PATCH", portPath(a, id, "completed"), e.token, nil)
		d := r.dataMap()
		if d["port_state"] != "completed" || len(d["numbers"].(map[string]any)) != 0 ||
			len(d["_read_only"].(map[string]any)["ported_numbers"].(map[string]any)) != 2 {
			t.Fatalf("completed: %s", r.raw)
		}
		for _, n := range []string{fresh, legacy} {
			got := e.storedOrNil(n)
			var portID string
			got.Public.Get("port_id", &portID)
			if got.State != number.InService || got.AssignedTo != a || !got.PortedIn || got.ModuleName != "local" ||
				portID != id || manager.PortOf(got) != "" {
				t.Errorf("%s after completion: %+v", n, got)
			}
		}
		// A completed request is still found by its numbers.
		if got := e.must(200, "GET", portPath(a)+"?by_number="+enc(fresh), tA, nil).data().([]any); len(got) != 1 {
			t.Errorf("by_number of a completed request: %v", got)
		}

		// Canceled and rejected: the port_in numbers go away.
		for i, to := range []string{"canceled", "rejected"} {
			n := fmt.Sprintf("+1312555020%d", i)
			id := e.createPort(a, tA, n)
			e.drive(a, id, "submitted", "pending", to)
			if got := e.storedOrNil(n); got != nil {
				t.Errorf("%s: %s is still stored: %+v", to, n, got)
			}
			if to == "rejected" {
				// Submitted again, it holds its number again.
				e.drive(a, id, "submitted")
				if got := e.storedOrNil(n); got == nil || got.State != number.PortIn {
					t.Errorf("resubmitted: %+v", got)
				}
			}
		}

		// All in one transaction: a number another account holds fails
		// the whole completion, and nothing is half done.
		const ok, taken = "+13125550301", "+13125550302"
		id = e.createPort(a, tA, ok, taken)
		e.drive(a, id, "submitted", "pending")
		n := e.storedOrNil(taken)
		n.State, n.AssignedTo = number.InService, b
		delete(n.CarrierData, manager.PortKey)
		if err := e.st.UpdateNumber(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		r = e.do("PATCH", portPath(a, id, "completed"), e.token, nil)
		if r.code != 409 || r.env["message"] != "number_exists" {
			t.Errorf("completion with a taken number: %d %s", r.code, r.raw)
		}
		if got := e.storedOrNil(ok); got.State != number.PortIn || manager.PortOf(got) != id {
			t.Errorf("the other number was moved: %+v", got)
		}
		if got := e.must(200, "GET", portPath(a, id), tA, nil).dataMap()["port_state"]; got != "pending" {
			t.Errorf("state after a failed completion: %v", got)
		}
		if got := e.storedOrNil(taken); got.AssignedTo != b || got.State != number.InService {
			t.Errorf("the taken number: %+v", got)
		}
	})
}

func TestConcurrentActivationOfAPortingNumberLoses(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		b, tB := e.child(e.master, "b")
		for round := range 3 {
			n := fmt.Sprintf("+1718555%04d", round)
			id := e.createPort(a, tA, n)
			e.drive(a, id, "submitted", "pending")
			e.fake.Offer(n)
			var wins atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			var completed *resp
			wg.Go(func() {
				<-start
				completed = e.do("PATCH", portPath(a, id, "completed"), e.token, nil)
			})
			for range 8 {
				wg.Go(func() {
					<-start
					if r := e.do("PUT", e.numPath(b, n)+"/activate", tB, nil); r.code < 300 {
						wins.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if wins.Load() != 0 {
				t.Errorf("round %d: %d activations of a porting number won", round, wins.Load())
			}
			if completed.code != 200 {
				t.Errorf("round %d: completion: %d %s", round, completed.code, completed.raw)
			}
			if got := e.storedOrNil(n); got.State != number.InService || got.AssignedTo != a || !got.PortedIn {
				t.Errorf("round %d: %+v", round, got)
			}
		}

		// A submission racing a purchase: never both.
		for round := range 3 {
			n := fmt.Sprintf("+1718556%04d", round)
			id := e.createPort(a, tA, n)
			e.fake.Offer(n)
			e.must(200, "GET", "/v2/accounts/"+b+"/phone_numbers?prefix=718&quantity=20", tB, nil)
			var sub, buy *resp
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() { <-start; sub = e.do("PATCH", portPath(a, id, "submitted"), tA, nil) })
			wg.Go(func() { <-start; buy = e.do("PUT", e.numPath(b, n)+"/activate", tB, nil) })
			close(start)
			wg.Wait()
			got := e.storedOrNil(n)
			switch {
			case sub.code == 200 && buy.code < 300:
				t.Errorf("round %d: both the submission and the purchase won", round)
			case sub.code == 200:
				if got.State != number.PortIn || manager.PortOf(got) != id {
					t.Errorf("round %d: submission won, number %+v", round, got)
				}
			case buy.code < 300:
				if got.State != number.InService || got.AssignedTo != b {
					t.Errorf("round %d: purchase won, number %+v", round, got)
				}
				if st := e.must(200, "GET", portPath(a, id), tA, nil).dataMap()["port_state"]; st != "unconfirmed" {
					t.Errorf("round %d: purchase won, request %v", round, st)
				}
			default:
				t.Errorf("round %d: neither won: %s / %s", round, sub.raw, buy.raw)
			}
		}
	})
}

func TestPortValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		b, tB := e.child(e.master, "b")
		rule := func(r *resp, path, rule string) map[string]any {
			t.Helper()
			if r.code != 400 || r.env["message"] != "validation error" {
				t.Fatalf("want a validation error on %s: %d %s", path, r.code, r.raw)
			}
			d, _ := r.dataMap()[path].(map[string]any)[rule].(map[string]any)
			if d == nil {
				t.Fatalf("no %s.%s in %s", path, rule, r.raw)
			}
			return d
		}
		put := func(tok, acct string, data map[string]any) *resp {
			return e.do("PUT", portPath(acct), tok, map[string]any{"data": data})
		}
		rule(put(tA, a, map[string]any{"numbers": map[string]any{"+14155550100": map[string]any{}}}), "name", "required")
		rule(put(tA, a, map[string]any{"name": "x", "numbers": map[string]any{}}), "numbers", "minProperties")
		rule(put(tA, a, map[string]any{"name": "", "numbers": map[string]any{"4155550100": map[string]any{}}}), "name", "minLength")
		rule(put(tA, a, map[string]any{"name": "x", "numbers": map[string]any{"abc": map[string]any{}}}), "numbers.abc", "pattern")
		rule(put(tA, a, map[string]any{"name": "x", "numbers": map[string]any{"4155550100": map[string]any{}}, "signing_date": "today"}), "signing_date", "type")

		// Keys are normalised to E.164; computed keys are ignored.
		r := e.must(201, "PUT", portPath(a), tA, map[string]any{"data": map[string]any{"name": "x", "port_state": "completed",
			"numbers": map[string]any{"4155550100": map[string]any{}}, "my_own": map[string]any{"k": 1}}})
		first := str(r.dataMap()["id"])
		if _, ok := r.dataMap()["numbers"].(map[string]any)["+14155550100"]; !ok || r.dataMap()["port_state"] != "unconfirmed" ||
			r.dataMap()["my_own"] == nil {
			t.Errorf("created: %s", r.raw)
		}
		// One active request per number: the account's own is named, another's is not.
		d := rule(put(tA, a, map[string]any{"name": "y", "numbers": map[string]any{"+14155550100": map[string]any{}}}), "+14155550100", "type")
		if d["message"] != "Number is on a port request already: "+first {
			t.Errorf("same account: %v", d)
		}
		d = rule(put(tB, b, map[string]any{"name": "y", "numbers": map[string]any{"+14155550100": map[string]any{}}}), "+14155550100", "type")
		if d["message"] != "Number is on a port request already" {
			t.Errorf("another account: %v", d)
		}
		e.seed(b, number.InService, "+14155550199")
		d = rule(put(tA, a, map[string]any{"name": "y", "numbers": map[string]any{"+14155550199": map[string]any{}}}), "+14155550199", "type")
		if d["message"] != "Number exists on the system already" {
			t.Errorf("number in service: %v", d)
		}

		// POST only while unconfirmed or rejected; PATCH in any state but
		// its numbers only then; DELETE only unconfirmed, rejected, canceled.
		e.drive(a, first, "submitted")
		d = rule(e.do("POST", portPath(a, first), tA, map[string]any{"data": map[string]any{"name": "z", "numbers": map[string]any{"4155550100": map[string]any{}}}}), "submitted", "type")
		if d["message"] != "Updating port requests not allowed in current port state" {
			t.Errorf("POST when submitted: %v", d)
		}
		r = e.must(200, "PATCH", portPath(a, first), tA, map[string]any{"data": map[string]any{"name": "renamed", "my_own": nil}})
		if r.dataMap()["name"] != "renamed" || r.dataMap()["my_own"] != nil {
			t.Errorf("PATCH: %s", r.raw)
		}
		rule(e.do("PATCH", portPath(a, first), tA, map[string]any{"data": map[string]any{"numbers": map[string]any{"4155550101": map[string]any{}}}}), "numbers", "type")
		if r := e.do("DELETE", portPath(a, first), tA, nil); r.code != 405 {
			t.Errorf("DELETE when submitted: %d %s", r.code, r.raw)
		}
		e.drive(a, first, "canceled")
		e.must(200, "DELETE", portPath(a, first), tA, nil)
		if r := e.do("GET", portPath(a, first), tA, nil); r.code != 404 {
			t.Errorf("GET after DELETE: %d", r.code)
		}
		// Another account's request is not found through one's own account.
		other := e.createPort(b, tB, "+14155550400")
		if r := e.do("GET", portPath(a, other), tA, nil); r.code != 404 {
			t.Errorf("another tenant's request: %d %s", r.code, r.raw)
		}
		if r := e.do("GET", portPath(b, other), tA, nil); r.code != 403 {
			t.Errorf("another tenant's account: %d", r.code)
		}
	})
}

func TestPortCommentsAndTimeline(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		id := e.createPort(a, tA, "+14155550500")
		patch := func(tok string, comments ...map[string]any) *resp {
			return e.do("PATCH", portPath(a, id), tok, map[string]any{"data": map[string]any{"comments": comments}})
		}
		r := patch(tA, map[string]any{"content": "private?", "is_private": true})
		if r.code != 403 || !strings.Contains(string(r.raw), "you're not allowed to make private comment or set action_required") {
			t.Errorf("submitter's private comment: %d %s", r.code, r.raw)
		}
		if r := patch(tA, map[string]any{"content": "do it", "action_required": true}); r.code != 403 {
			t.Errorf("submitter's action_required: %d", r.code)
		}
		if r := patch(e.token, map[string]any{"content": "x", "is_private": true, "action_required": true}); r.code != 400 ||
			!strings.Contains(string(r.raw), "setting action_required on private comment is not allowed") {
			t.Errorf("private action_required: %d %s", r.code, r.raw)
		}
		r = e.must(200, "PATCH", portPath(a, id), tA, map[string]any{"data": map[string]any{"comments": []any{map[string]any{"content": "hello"}}}})
		comments := r.dataMap()["comments"].([]any)
		if len(comments) != 1 || comments[0].(map[string]any)["author"] != "a" || comments[0].(map[string]any)["account_id"] != a {
			t.Fatalf("public comment: %s", r.raw)
		}
		// Sending back what was read adds nothing; the legacy private key is honoured.
		e.clock.advance(60e9)
		r = e.must(200, "PATCH", portPath(a, id), e.token, map[string]any{"data": map[string]any{"comments": append(comments,
			map[string]any{"content": "internal note", "superduper_comment": true})}})
		if n := len(r.dataMap()["comments"].([]any)); n != 2 {
			t.Errorf("the authority sees %d comments, want 2", n)
		}
		e.clock.advance(60e9)
		e.must(200, "PATCH", portPath(a, id, "submitted"), tA, map[string]any{"data": map[string]any{"reason": "please"}})
		got := e.must(200, "GET", portPath(a, id), tA, nil).dataMap()["comments"].([]any)
		if len(got) != 1 {
			t.Errorf("the submitter sees %d comments, want 1 (private ones hidden)", len(got))
		}
		var kinds []string
		for _, x := range e.must(200, "GET", portPath(a, id, "timeline"), tA, nil).data().([]any) {
			x := x.(map[string]any)
			if tr, ok := x["transition"].(map[string]any); ok {
				kinds = append(kinds, "->"+str(tr["new"]))
				if tr["new"] == "submitted" && (x["reason"] != "please" || x["authorization"].(map[string]any)["account"].(map[string]any)["id"] != a) {
					t.Errorf("submission entry: %v", x)
				}
			} else {
				kinds = append(kinds, str(x["content"]))
			}
		}
		if want := []string{"->unconfirmed", "hello", "->submitted"}; !slices.Equal(kinds, want) {
			t.Errorf("submitter's timeline: %v, want %v", kinds, want)
		}
		if n := len(e.must(200, "GET", portPath(a, id, "timeline"), e.token, nil).data().([]any)); n != 4 {
			t.Errorf("master's timeline has %d entries, want 4", n)
		}

		// Notifications: who is told what (reference B.11).
		type note struct{ typ, sub, auth string }
		read := func(tok string) []note {
			var out []note
			for _, x := range e.must(200, "GET", portPath(a, id, "notifications"), tok, nil).data().([]any) {
				x := x.(map[string]any)
				to := x["to"].(map[string]any)
				n := note{typ: str(x["type"])}
				if to["submitter"] != nil {
					n.sub = "submitter"
				}
				if to["authority"] != nil {
					n.auth = "authority"
				}
				out = append(out, n)
			}
			return out
		}
		e.drive(a, id, "pending", "scheduled")
		want := []note{{"port_comment", "submitter", "authority"}, {"port_comment", "", "authority"}, {"port_request", "submitter", "authority"},
			{"port_pending", "submitter", ""}, {"port_scheduled", "submitter", ""}}
		if got := read(e.token); !slices.Equal(got, want) {
			t.Errorf("notifications: %v, want %v", got, want)
		}
		if got := read(tA); len(got) != 4 {
			t.Errorf("the submitter sees %d notifications, want 4 (not the private comment's)", len(got))
		}
		// A new scheduled date is news too.
		e.must(200, "PATCH", portPath(a, id), e.token, map[string]any{"data": map[string]any{"schedule_on": map[string]any{"timezone": "UTC", "date_time": "2027-01-02 10:00"}}})
		if got := read(e.token); got[len(got)-1].typ != "port_scheduled" || len(got) != 6 {
			t.Errorf("after rescheduling: %v", got)
		}
	})
}

func TestPortListings(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		sub, tSub := e.child(a, "sub")
		draft := e.createPort(a, tA, "+15105550100")
		submitted := e.createPort(a, tA, "+15105550101")
		e.drive(a, submitted, "submitted")
		rejected := e.createPort(a, tA, "+15105550102")
		e.drive(a, rejected, "submitted", "rejected")
		done := e.createPort(a, tA, "+15105550103")
		e.drive(a, done, "submitted", "pending", "completed")
		below := e.createPort(sub, tSub, "+15105550104")

		ids := func(path string) []string {
			t.Helper()
			var out []string
			for _, g := range e.must(200, "GET", path, tA, nil).data().([]any) {
				for _, p := range g.(map[string]any)["port_requests"].([]any) {
					out = append(out, str(p.(map[string]any)["id"]))
				}
			}
			slices.Sort(out)
			return out
		}
		sorted := func(s ...string) []string { slices.Sort(s); return s }
		for q, want := range map[string][]string{
			"":                                   sorted(draft, submitted, rejected),
			"?by_types=active":                   sorted(draft, submitted, rejected),
			"?by_types=progressing":              {submitted},
			"?by_types=suspended":                sorted(draft, rejected),
			"?by_types=completed":                {done},
			"?by_types=all":                      sorted(draft, submitted, rejected, done),
			"?by_types=unconfirmed,completed":    sorted(draft, done),
			"?by_types=completed&modified_to=10": nil,
		} {
			if got := ids(portPath(a) + q); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		if got := ids("/v2/accounts/" + a + "/descendants/port_requests?by_types=all"); !slices.Equal(got, []string{below}) {
			t.Errorf("descendants: %v", got)
		}
		if r := e.do("GET", portPath(a)+"?by_types=bogus", tA, nil); r.code != 400 {
			t.Errorf("by_types=bogus: %d", r.code)
		}
		// by_number: the account's own requests and those below it.
		for n, want := range map[string][]string{"+15105550101": {submitted}, "5105550104": {below}, "+15105550199": nil} {
			var got []string
			for _, p := range e.must(200, "GET", portPath(a)+"?by_number="+enc(n), tA, nil).data().([]any) {
				got = append(got, str(p.(map[string]any)["id"]))
			}
			if !slices.Equal(got, want) {
				t.Errorf("by_number %s: %v, want %v", n, got, want)
			}
		}
		// last_submitted: submitted, not sent to a carrier.
		r := e.must(200, "GET", portPath(a, "last_submitted"), tA, nil)
		if got := r.data().([]any); len(got) != 1 || got[0].(map[string]any)["id"] != submitted ||
			got[0].(map[string]any)["transition"].(map[string]any)["transition"].(map[string]any)["new"] != "submitted" {
			t.Errorf("last_submitted: %s", r.raw)
		}
		// The number listing shows the requests' numbers, as Kazoo merged them.
		nums := e.must(200, "GET", "/v2/accounts/"+a+"/phone_numbers", tA, nil).dataMap()["numbers"].(map[string]any)
		for n, want := range map[string]string{"+15105550101": submitted, "+15105550102": rejected} {
			entry, _ := nums[n].(map[string]any)
			if entry == nil || entry["state"] != "port_in" || entry["port_id"] != want {
				t.Errorf("listing entry of %s: %v", n, entry)
			}
		}
		if _, ok := nums["+15105550100"]; ok {
			t.Errorf("a draft's number is listed")
		}
		if e, ok := nums["+15105550103"].(map[string]any); !ok || e["state"] != "in_service" || e["port_id"] != nil {
			t.Errorf("completed number: %v", nums["+15105550103"])
		}
	})
}

// multipartBody is a form with one file part.
func multipartBody(t *testing.T, name, ctype string, data []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := map[string][]string{"Content-Disposition": {`form-data; name="file"; filename="` + name + `"`}, "Content-Type": {ctype}}
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func TestPortAttachments(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		const limit = 64 << 10
		e.srv = New(Options{Manager: e.srv.mgr, Config: e.srv.cfg, Auth: e.srv.auth, Now: e.clock.now, Node: "test-node",
			Ports: ports.New(e.srv.mgr, ports.Options{MaxAttachmentBytes: limit, Now: e.clock.now, Keys: e.srv.cfg.Keyring()})})
		a, tA := e.child(e.master, "a")
		id := e.createPort(a, tA, "+14155550700")
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 255, '\r', '\n'}, 1000)...)
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
		jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{9}, 200)...)

		put := func(method, path string, body []byte, ctype string) *resp {
			return e.do(method, path, tA, body, "Content-Type", ctype)
		}
		if r := put("PUT", portPath(a, id, "attachments")+"?filename=loa.pdf", pdf, "application/pdf"); r.code != 200 {
			t.Fatalf("upload PDF: %d %s", r.code, r.raw)
		}
		body, ctype := multipartBody(t, "bill.png", "image/png", png)
		if r := put("PUT", portPath(a, id, "attachments"), body, ctype); r.code != 200 {
			t.Fatalf("upload PNG (multipart): %d %s", r.code, r.raw)
		}
		// No name: a generated one, with the type's extension.
		if r := put("PUT", portPath(a, id, "attachments"), jpeg, "application/octet-stream"); r.code != 200 {
			t.Fatalf("upload JPEG: %d %s", r.code, r.raw)
		}
		list := e.must(200, "GET", portPath(a, id, "attachments"), tA, nil).dataMap()
		if len(list) != 3 || list["loa.pdf"].(map[string]any)["content_type"] != "application/pdf" ||
			list["loa.pdf"].(map[string]any)["length"].(float64) != float64(len(pdf)) ||
			list["bill.png"].(map[string]any)["content_type"] != "image/png" {
			t.Fatalf("attachments: %v", list)
		}
		var jpegName string
		for name := range list {
			if strings.HasSuffix(name, ".jpg") {
				jpegName = name
			}
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}\.jpg$`).MatchString(jpegName) {
			t.Errorf("generated name %q", jpegName)
		}
		if up := e.must(200, "GET", portPath(a, id), tA, nil).dataMap()["uploads"].(map[string]any); len(up) != 3 {
			t.Errorf("uploads in the request: %v", up)
		}
		for name, want := range map[string]struct {
			data  []byte
			ctype string
		}{"loa.pdf": {pdf, "application/pdf"}, "bill.png": {png, "image/png"}, jpegName: {jpeg, "image/jpeg"}} {
			r := e.do("GET", portPath(a, id, "attachments", name), tA, nil)
			if r.code != 200 || !bytes.Equal(r.raw, want.data) || r.header.Get("Content-Type") != want.ctype ||
				!strings.Contains(r.header.Get("Content-Disposition"), name) {
				t.Errorf("download %s: %d %q %q, %d bytes", name, r.code, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"), len(r.raw))
			}
		}
		// Replace one under its name.
		if r := put("POST", portPath(a, id, "attachments", "bill.png"), pdf, "application/x-pdf"); r.code != 200 {
			t.Fatalf("replace: %d %s", r.code, r.raw)
		}
		if r := e.do("GET", portPath(a, id, "attachments", "bill.png"), tA, nil); !bytes.Equal(r.raw, pdf) || r.header.Get("Content-Type") != "application/x-pdf" {
			t.Errorf("replaced: %q", r.header.Get("Content-Type"))
		}
		// Limits: size and type; nothing is stored.
		big := append([]byte("%PDF-1.4\n"), make([]byte, limit)...)
		for _, tc := range []struct {
			name, ctype string
			data        []byte
			code        int
		}{
			{"big.pdf", "application/pdf", big, 413},
			{"note.txt", "text/plain", []byte("hello"), 415},
			{"fake.png", "image/png", pdf, 415},
			{"x.gif", "image/gif", []byte("GIF89a...."), 415},
			{"unknown", "application/octet-stream", []byte("MZ\x90\x00"), 415},
			{"empty.pdf", "application/pdf", nil, 400},
			{"../etc.pdf", "application/pdf", pdf, 400},
		} {
			r := put("PUT", portPath(a, id, "attachments")+"?filename="+tc.name, tc.data, tc.ctype)
			if r.code != tc.code {
				t.Errorf("%s: %d %s, want %d", tc.name, r.code, r.raw, tc.code)
			}
		}
		body, ctype = multipartBody(t, "big.pdf", "application/pdf", big)
		if r := put("PUT", portPath(a, id, "attachments"), body, ctype); r.code != 413 {
			t.Errorf("big multipart: %d", r.code)
		}
		if n := len(e.must(200, "GET", portPath(a, id, "attachments"), tA, nil).dataMap()); n != 3 {
			t.Errorf("%d attachments after refusals, want 3", n)
		}

		// The LOA, generated from the request.
		for _, tc := range []struct{ path, accept, ctype string }{
			{portPath(a, id, "loa"), "", "application/pdf"},
			{portPath(a, id), "application/x-pdf", "application/x-pdf"},
		} {
			r := e.do("GET", tc.path, tA, nil, "Accept", tc.accept)
			if r.code != 200 || r.header.Get("Content-Type") != tc.ctype {
				t.Fatalf("LOA %s: %d %q", tc.path, r.code, r.header.Get("Content-Type"))
			}
			checkPDF(t, r.raw, "+14155550700", "kazoo_proper", "Letter of Authorization")
		}

		// Deleting a document only while unconfirmed, rejected or canceled.
		e.drive(a, id, "submitted")
		if r := e.do("DELETE", portPath(a, id, "attachments", "loa.pdf"), tA, nil); r.code != 405 {
			t.Errorf("delete when submitted: %d", r.code)
		}
		e.drive(a, id, "rejected")
		e.must(200, "DELETE", portPath(a, id, "attachments", "loa.pdf"), tA, nil)
		if r := e.do("GET", portPath(a, id, "attachments", "loa.pdf"), tA, nil); r.code != 404 {
			t.Errorf("a deleted document: %d", r.code)
		}
		if r := e.do("DELETE", portPath(a, id, "attachments", "loa.pdf"), tA, nil); r.code != 404 {
			t.Errorf("deleting twice: %d", r.code)
		}
	})
}

// checkPDF checks a PDF's structure (header, objects where the
// cross-reference table says, trailer) and that it says each of texts.
func checkPDF(t *testing.T, pdf []byte, texts ...string) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.40q", pdf)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) < 6 {
		t.Fatalf("%d objects", len(entries))
	}
	for i, en := range entries {
		off, _ := strconv.Atoi(string(en[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d is not at %d", i+1, off)
		}
	}
	for _, s := range regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[s[2]:s[3]]))
		if !bytes.HasPrefix(pdf[s[1]+n:], []byte("endstream")) {
			t.Errorf("a stream's /Length %d is wrong", n)
		}
	}
	for _, text := range texts {
		if !bytes.Contains(pdf, []byte(text)) {
			t.Errorf("the PDF does not say %q", text)
		}
	}
}

// The losing carrier's account PIN is sealed at rest and never shown.
func TestPortPINSealed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		a, tA := e.child(e.master, "a")
		id := e.createPort(a, tA, "+14155550800") // the seed's bill.pin is 1234
		pin := func(r *resp) any { return r.dataMap()["bill"].(map[string]any)["pin"] }
		r := e.must(200, "GET", portPath(a, id), tA, nil)
		if pin(r) != "********" {
			t.Errorf("pin shown: %v", pin(r))
		}
		stored, err := e.st.GetPort(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored.Doc, []byte(`"1234"`)) || !bytes.Contains(stored.Doc, []byte(`"pin":"numan-sealed:`)) {
			t.Errorf("stored document: %s", stored.Doc)
		}
		// Sending back what was read keeps it; a new PIN replaces it.
		doc := r.dataMap()
		e.must(200, "POST", portPath(a, id), tA, map[string]any{"data": doc})
		again, _ := e.st.GetPort(context.Background(), id)
		if !bytes.Contains(again.Doc, []byte(`"pin":"numan-sealed:`)) {
			t.Errorf("a masked PIN sent back lost the PIN: %s", again.Doc)
		}
		doc["bill"].(map[string]any)["pin"] = "5678"
		if r := e.must(200, "POST", portPath(a, id), tA, map[string]any{"data": doc}); pin(r) != "********" {
			t.Errorf("new pin shown: %v", pin(r))
		}
		doc["bill"].(map[string]any)["pin"] = "numan-sealed:v1:0000:forged"
		if r := e.do("POST", portPath(a, id), tA, map[string]any{"data": doc}); r.code != 400 {
			t.Errorf("a sealed-looking PIN: %d", r.code)
		}
	})
}

// A completed port charges its numbers as created ones, in the
// completion's transaction: charged once, or (without the credit) not
// completed at all. (The local carrier's numbers are not billable, as in
// Kazoo: the ported numbers go to a billable module here.)
func TestPortCompletionCharges(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.withBilling()
		e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token,
			map[string]any{"data": map[string]any{"port_in_module_name": "fake"}})
		ts := newTenants(e)
		e.must(201, "PUT", "/v2/service_plans", ts.tReseller, `{"data": {"id": "retail", `+apiPlan[1:]+`}`)
		e.must(200, "POST", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)
		e.must(201, "PUT", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": map[string]any{"amount": "4.00"}})
		nums := []string{"+14155550901", "+14155550902"}
		id := e.createPort(ts.a, ts.tA, nums...)
		e.drive(ts.a, id, "submitted", "pending")
		// 2.60 each (did_us 2.50, the fake carrier 0.10): 5.20 is more than
		// the 4.00 of credit.
		r := e.do("PATCH", portPath(ts.a, id, "completed"), e.token, nil)
		if r.code != 402 || r.env["message"] != "not_enough_credit" {
			t.Fatalf("completion without the credit: %d %s", r.code, r.raw)
		}
		for _, n := range nums {
			if got := e.storedOrNil(n); got.State != number.PortIn {
				t.Errorf("%s moved: %+v", n, got)
			}
		}
		if st := e.must(200, "GET", portPath(ts.a, id), ts.tA, nil).dataMap()["port_state"]; st != "pending" {
			t.Errorf("state %v", st)
		}
		e.must(201, "PUT", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": map[string]any{"amount": "2.00"}})
		e.must(200, "PATCH", portPath(ts.a, id, "completed"), e.token, nil)
		var debits []string
		for _, l := range e.ledgerOf(ts.a) {
			if l.Type == store.LedgerDebit {
				debits = append(debits, fmt.Sprintf("%s %d", l.Number, l.AmountMinor))
			}
		}
		slices.Sort(debits)
		if want := []string{"+14155550901 260", "+14155550902 260"}; !slices.Equal(debits, want) {
			t.Errorf("debits %v, want %v", debits, want)
		}
		if c := e.must(200, "GET", "/v2/accounts/"+ts.a+"/credits", ts.tA, nil).dataMap(); c["amount_minor"] != 80.0 {
			t.Errorf("credit left: %v", c)
		}
	})
}
