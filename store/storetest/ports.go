package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runPorts is the conformance suite of store.Ports: a request's round
// trip, conditional writes, one active request per number, listings,
// the carrier follower's queue and attachments.
func runPorts(t *testing.T, open Opener) {
	suite{
		{"round trip", testPortRoundTrip},
		{"version conflicts", testPortConflicts},
		{"one active request per number", testPortOneActive},
		{"listings", testPortListings},
		{"due for a carrier check", testPortDue},
		{"attachments", testPortAttachments},
		{"delete takes numbers and attachments", testPortDelete},
		{"racing for a number", testPortRace},
		{"in a transaction with a number", testPortTx},
	}.run(t, open)
}

// port returns a request of account acct holding nums.
func port(id, acct, state string, active bool, nums ...string) *store.PortRequest {
	return &store.PortRequest{
		ID: id, AccountID: acct, AuthorityID: accountID(1), State: state, Active: active, Numbers: nums,
		Doc: json.RawMessage(`{"name":"` + id + `","ü":"é"}`), Created: at, Modified: at,
	}
}

func testPortRoundTrip(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	p := port("p1", accountID(2), "unconfirmed", true, "+14155550102", "+14155550101")
	p.NextCheck = at.Add(time.Minute)
	if err := s.InsertPort(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 {
		t.Fatalf("version after insert = %d", p.Version)
	}
	got, err := s.GetPort(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccountID != p.AccountID || got.AuthorityID != p.AuthorityID || got.State != "unconfirmed" || !got.Active ||
		!slices.Equal(got.Numbers, []string{"+14155550101", "+14155550102"}) || !bytes.Equal(got.Doc, p.Doc) ||
		!got.Created.Equal(at) || got.Created.Location() != time.UTC || !got.NextCheck.Equal(p.NextCheck) || got.Version != 1 {
		t.Fatalf("got %+v\nwant %+v", got, p)
	}
	got.State, got.Active, got.Numbers, got.NextCheck = "completed", false, []string{"+14155550101"}, time.Time{}
	got.Modified = at.Add(time.Hour)
	if err := s.UpdatePort(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 {
		t.Fatalf("version after update = %d", got.Version)
	}
	again, err := s.GetPort(ctx, "p1")
	if err != nil || again.State != "completed" || again.Active || !again.NextCheck.IsZero() || len(again.Numbers) != 1 ||
		!again.Modified.Equal(at.Add(time.Hour)) || again.Version != 2 {
		t.Fatalf("after update: %+v, %v", again, err)
	}
	_, err = s.GetPort(ctx, "nope")
	wantKind(t, "GetPort of an unknown id", err, number.KindNotFound)
	wantKind(t, "InsertPort of an id stored", s.InsertPort(ctx, port("p1", accountID(2), "unconfirmed", true)), number.KindConflict)
}

func testPortConflicts(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	p := port("p1", accountID(2), "unconfirmed", true, "+14155550101")
	if err := s.InsertPort(ctx, p); err != nil {
		t.Fatal(err)
	}
	a, _ := s.GetPort(ctx, "p1")
	b, _ := s.GetPort(ctx, "p1")
	a.State = "submitted"
	if err := s.UpdatePort(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.State = "canceled"
	wantKind(t, "UpdatePort of a stale version", s.UpdatePort(ctx, b), number.KindConflict)
	wantKind(t, "DeletePort of a stale version", s.DeletePort(ctx, "p1", 1), number.KindConflict)
	wantKind(t, "UpdatePort of an unknown id", s.UpdatePort(ctx, port("nope", accountID(2), "x", false)), number.KindNotFound)
	wantKind(t, "DeletePort of an unknown id", s.DeletePort(ctx, "nope", 1), number.KindNotFound)
	if got, _ := s.GetPort(ctx, "p1"); got.State != "submitted" || got.Version != 2 {
		t.Fatalf("after conflicts: %+v", got)
	}
}

func testPortOneActive(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	if err := s.InsertPort(ctx, port("p1", accountID(2), "submitted", true, "+14155550101", "+14155550102")); err != nil {
		t.Fatal(err)
	}
	err := s.InsertPort(ctx, port("p2", accountID(3), "unconfirmed", true, "+14155550103", "+14155550102"))
	wantKind(t, "a second active request with a number", err, number.KindNumberIsPorting)
	if ne := number.AsError(err); ne.Number != "+14155550102" {
		t.Errorf("error names %q, want +14155550102", ne.Number)
	}
	if _, err := s.GetPort(ctx, "p2"); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("the refused request was stored: %v", err)
	}
	// An inactive request (completed, canceled) may hold it too.
	if err := s.InsertPort(ctx, port("p3", accountID(3), "canceled", false, "+14155550102")); err != nil {
		t.Fatal(err)
	}
	// Adding it to another active request by an update is refused too.
	p4 := port("p4", accountID(3), "unconfirmed", true, "+14155550104")
	if err := s.InsertPort(ctx, p4); err != nil {
		t.Fatal(err)
	}
	p4.Numbers = append(p4.Numbers, "+14155550101")
	wantKind(t, "an update adding a number held", s.UpdatePort(ctx, p4), number.KindNumberIsPorting)
	// Once the first is over, the number is free.
	p1, _ := s.GetPort(ctx, "p1")
	p1.State, p1.Active = "completed", false
	if err := s.UpdatePort(ctx, p1); err != nil {
		t.Fatal(err)
	}
	p4, _ = s.GetPort(ctx, "p4")
	p4.Numbers = append(p4.Numbers, "+14155550101")
	if err := s.UpdatePort(ctx, p4); err != nil {
		t.Fatalf("adding a number whose request is over: %v", err)
	}
	// Updating a request with its own numbers is no conflict with itself.
	p4.Doc = json.RawMessage(`{"name":"again"}`)
	if err := s.UpdatePort(ctx, p4); err != nil {
		t.Fatal(err)
	}
}

func testPortListings(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	a, b, auth := accountID(2), accountID(3), accountID(9)
	ps := []*store.PortRequest{
		port("p1", a, "unconfirmed", true, "+14155550101"),
		port("p2", a, "completed", false, "+14155550102"),
		port("p3", b, "submitted", true, "+14155550103", "+14155550101x"),
		port("p4", b, "completed", false, "+14155550101"),
	}
	ps[2].AuthorityID = auth
	for i, p := range ps {
		p.Created = at.Add(time.Duration(i) * time.Minute)
		p.Modified = at.Add(time.Duration(i) * time.Hour)
		if err := s.InsertPort(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q store.PortQuery) []string {
		t.Helper()
		got, err := s.ListPorts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, p := range got {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    store.PortQuery
		want []string
	}{
		{"all", store.PortQuery{}, []string{"p1", "p2", "p3", "p4"}},
		{"one account", store.PortQuery{AccountIDs: []string{a}}, []string{"p1", "p2"}},
		{"no account", store.PortQuery{AccountIDs: []string{}}, []string{}},
		{"states", store.PortQuery{States: []string{"completed", "submitted"}}, []string{"p2", "p3", "p4"}},
		{"authority", store.PortQuery{AuthorityID: auth}, []string{"p3"}},
		{"number in any state", store.PortQuery{Number: "+14155550101"}, []string{"p1", "p4"}},
		{"number and account", store.PortQuery{Number: "+14155550101", AccountIDs: []string{b}}, []string{"p4"}},
		{"modified window", store.PortQuery{ModifiedFrom: at.Add(time.Hour), ModifiedTo: at.Add(2 * time.Hour)}, []string{"p2", "p3"}},
		{"accounts and state", store.PortQuery{AccountIDs: []string{b, a}, States: []string{"completed"}}, []string{"p2", "p4"}},
	} {
		if got := ids(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// Many accounts (more than one SQLite statement's worth).
	many := []string{}
	for i := range 1200 {
		many = append(many, accountID(5000+i))
	}
	many = append(many, b)
	if got := ids(store.PortQuery{AccountIDs: many}); !slices.Equal(got, []string{"p3", "p4"}) {
		t.Errorf("many accounts: got %v", got)
	}
	got, _ := s.ListPorts(ctx, store.PortQuery{AccountIDs: []string{b}, States: []string{"submitted"}})
	if len(got) != 1 || !slices.Equal(got[0].Numbers, []string{"+14155550101x", "+14155550103"}) {
		t.Errorf("listed numbers: %+v", got)
	}
}

func testPortDue(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	for i, due := range []time.Duration{time.Minute, -time.Minute, 0, -time.Hour} {
		p := port(fmt.Sprintf("p%d", i), accountID(2), "submitted", false)
		if due != 0 {
			p.NextCheck = at.Add(due)
		}
		if err := s.InsertPort(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DuePorts(ctx, at, 10)
	if err != nil || len(got) != 2 || got[0].ID != "p3" || got[1].ID != "p1" {
		t.Fatalf("due = %v, %v", got, err)
	}
	if got, _ := s.DuePorts(ctx, at, 1); len(got) != 1 || got[0].ID != "p3" {
		t.Fatalf("due, limit 1 = %v", got)
	}
}

func testPortAttachments(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	if err := s.InsertPort(ctx, port("p1", accountID(2), "unconfirmed", true)); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 70000)
	for i := range data {
		data[i] = byte(i * 7) // every byte value, NUL included
	}
	a := &store.PortAttachment{PortID: "p1", Name: "loa.pdf", ContentType: "application/pdf", Data: data, Created: at}
	if err := s.PutPortAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetPortAttachment(ctx, "p1", "loa.pdf")
	if err != nil || got.ContentType != "application/pdf" || got.Size != int64(len(data)) || !bytes.Equal(got.Data, data) || !got.Created.Equal(at) {
		t.Fatalf("get = %+v, %v", got, err)
	}
	// Replace.
	a.ContentType, a.Data = "image/png", []byte("\x89PNG")
	if err := s.PutPortAttachment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetPortAttachment(ctx, "p1", "loa.pdf"); got.ContentType != "image/png" || got.Size != 4 {
		t.Fatalf("after replace: %+v", got)
	}
	_, err = s.GetPortAttachment(ctx, "p1", "bill.pdf")
	wantKind(t, "GetPortAttachment of an unknown name", err, number.KindNotFound)
	err = s.PutPortAttachment(ctx, &store.PortAttachment{PortID: "nope", Name: "x.pdf", ContentType: "application/pdf", Data: []byte("%PDF"), Created: at})
	wantKind(t, "PutPortAttachment to an unknown request", err, number.KindNotFound)
	if err := s.DeletePortAttachment(ctx, "p1", "loa.pdf"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeletePortAttachment twice", s.DeletePortAttachment(ctx, "p1", "loa.pdf"), number.KindNotFound)
}

func testPortDelete(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	p := port("p1", accountID(2), "unconfirmed", true, "+14155550101")
	if err := s.InsertPort(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPortAttachment(ctx, &store.PortAttachment{PortID: "p1", Name: "bill.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4"), Created: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePort(ctx, "p1", p.Version); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetPortAttachment(ctx, "p1", "bill.pdf")
	wantKind(t, "an attachment of a deleted request", err, number.KindNotFound)
	if got, _ := s.ListPorts(ctx, store.PortQuery{Number: "+14155550101"}); len(got) != 0 {
		t.Fatalf("a deleted request is still found by number: %v", got)
	}
	// Its number is free.
	if err := s.InsertPort(ctx, port("p2", accountID(3), "unconfirmed", true, "+14155550101")); err != nil {
		t.Fatal(err)
	}
}

// testPortRace has 20 requests race to hold the same number: exactly one
// may, whoever retries.
func testPortRace(t *testing.T, s store.Store) {
	const workers = 20
	var won atomic.Int64
	together(workers, func(w int) {
		p := port(fmt.Sprintf("p%02d", w), accountID(100+w), "unconfirmed", true, "+14155550199")
		for range 5 {
			err := s.InsertPort(ctxT(t), p)
			switch {
			case err == nil:
				won.Add(1)
				return
			case number.IsKind(err, number.KindNumberIsPorting):
				return
			case number.IsKind(err, number.KindConflict):
				continue // lost the race between the check and the insert: ask again
			default:
				t.Errorf("worker %d: %v", w, err)
				return
			}
		}
		t.Errorf("worker %d: still conflicting after 5 tries", w)
	})
	if won.Load() != 1 {
		t.Fatalf("%d requests hold the number, want 1", won.Load())
	}
}

// testPortTx writes a request and a number in one transaction: both, or
// (when fn fails after both writes) neither.
func testPortTx(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	p := port("p1", accountID(2), "submitted", true, "+14155550101")
	if err := s.InsertPort(ctx, p); err != nil {
		t.Fatal(err)
	}
	fail := fmt.Errorf("fail after the writes")
	err := s.InTx(ctx, func(tx store.Tx) error {
		q, err := tx.GetPort(ctx, "p1")
		if err != nil {
			return err
		}
		q.State, q.Modified = "completed", at.Add(time.Hour)
		if err := tx.UpdatePort(ctx, q); err != nil {
			return err
		}
		if err := tx.InsertNumber(ctx, plain("+14155550101", number.InService)); err != nil {
			return err
		}
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatalf("InTx = %v", err)
	}
	if got, _ := s.GetPort(ctx, "p1"); got.State != "submitted" || got.Version != 1 {
		t.Fatalf("rolled back request: %+v", got)
	}
	wantAbsent(t, s, "+14155550101")
	err = s.InTx(ctx, func(tx store.Tx) error {
		q, err := tx.GetPort(ctx, "p1")
		if err != nil {
			return err
		}
		q.State = "completed"
		if err := tx.UpdatePort(ctx, q); err != nil {
			return err
		}
		return tx.InsertNumber(ctx, plain("+14155550101", number.InService))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetPort(ctx, "p1"); got.State != "completed" {
		t.Fatalf("committed request: %+v", got)
	}
	mustGet(t, s, "+14155550101")
}
