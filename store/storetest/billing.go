package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runBilling is the conformance suite of store.Billing: service plans
// with optimistic versions, links to accounts in order, the append-only
// ledger and the credit balances it moves.
func runBilling(t *testing.T, open Opener) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	plan := func(id, owner, name string) *store.ServicePlan {
		return &store.ServicePlan{ID: id, OwnerID: owner, Name: name, Currency: "USD",
			Doc: json.RawMessage(`{"plan":{"phone_numbers":{"did_us":{"rate":"1.00"}}}}`), Created: at, Modified: at}
	}
	wantKind := func(t *testing.T, err error, k number.Kind) {
		t.Helper()
		if !number.IsKind(err, k) {
			t.Fatalf("got %v, want %s", err, k)
		}
	}

	t.Run("plans", func(t *testing.T) {
		s := open(t)
		p := plan("p1", "owner1", "Retail")
		if err := s.InsertServicePlan(ctx, p); err != nil || p.Version != 1 {
			t.Fatalf("insert: %v, version %d", err, p.Version)
		}
		wantKind(t, s.InsertServicePlan(ctx, plan("p1", "owner1", "Again")), number.KindConflict)
		if err := s.InsertServicePlan(ctx, plan("p2", "owner2", "Wholesale")); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertServicePlan(ctx, plan("p3", "owner1", "Basic")); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetServicePlan(ctx, "p1")
		if err != nil || got.Name != "Retail" || got.OwnerID != "owner1" || got.Currency != "USD" || !got.Created.Equal(at) {
			t.Fatalf("get = %+v, %v", got, err)
		}
		var doc map[string]any
		if json.Unmarshal(got.Doc, &doc) != nil || doc["plan"] == nil {
			t.Fatalf("doc = %s", got.Doc)
		}
		wantKind(t, func() error { _, err := s.GetServicePlan(ctx, "nope"); return err }(), number.KindNotFound)

		got.Name = "Retail 2"
		if err := s.UpdateServicePlan(ctx, got); err != nil || got.Version != 2 {
			t.Fatalf("update: %v, version %d", err, got.Version)
		}
		stale := plan("p1", "owner1", "stale")
		stale.Version = 1
		wantKind(t, s.UpdateServicePlan(ctx, stale), number.KindConflict)
		stale.ID = "nope"
		wantKind(t, s.UpdateServicePlan(ctx, stale), number.KindNotFound)
		wantKind(t, s.InsertServicePlan(ctx, &store.ServicePlan{ID: "bad", Doc: json.RawMessage(`[1]`)}), number.KindInvalid)

		mine, err := s.ListServicePlans(ctx, "owner1")
		if err != nil || len(mine) != 2 || mine[0].ID != "p3" || mine[1].ID != "p1" {
			t.Fatalf("list owner1 = %v, %v", ids(mine), err)
		}
		all, err := s.ListServicePlans(ctx, "")
		if err != nil || len(all) != 3 {
			t.Fatalf("list all = %v, %v", ids(all), err)
		}

		if err := s.DeleteServicePlan(ctx, "p3"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.DeleteServicePlan(ctx, "p3"), number.KindNotFound)
	})

	t.Run("links", func(t *testing.T) {
		s := open(t)
		for _, p := range []*store.ServicePlan{plan("a", "o", "A"), plan("b", "o", "B"), plan("c", "o", "C")} {
			if err := s.InsertServicePlan(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range [][2]string{{"acc1", "c"}, {"acc1", "a"}, {"acc2", "b"}, {"acc1", "c"}} {
			if err := s.LinkServicePlan(ctx, l[0], l[1], at); err != nil {
				t.Fatalf("link %v: %v", l, err)
			}
		}
		wantKind(t, s.LinkServicePlan(ctx, "acc1", "missing", at), number.KindNotFound)
		got, err := s.LinkedServicePlans(ctx, []string{"acc1", "acc2", "acc3"})
		if err != nil || len(got) != 2 || len(got["acc1"]) != 2 || got["acc1"][0].ID != "c" || got["acc1"][1].ID != "a" ||
			len(got["acc2"]) != 1 || got["acc2"][0].ID != "b" {
			t.Fatalf("linked = %v, %v", got, err)
		}
		wantKind(t, s.DeleteServicePlan(ctx, "b"), number.KindConflict)
		if err := s.UnlinkServicePlan(ctx, "acc2", "b"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.UnlinkServicePlan(ctx, "acc2", "b"), number.KindNotFound)
		if err := s.DeleteServicePlan(ctx, "b"); err != nil {
			t.Fatalf("delete unlinked plan: %v", err)
		}
		// Linking again after unlinking puts the plan last.
		if err := s.UnlinkServicePlan(ctx, "acc1", "c"); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkServicePlan(ctx, "acc1", "c", at); err != nil {
			t.Fatal(err)
		}
		got, _ = s.LinkedServicePlans(ctx, []string{"acc1"})
		if len(got["acc1"]) != 2 || got["acc1"][0].ID != "a" || got["acc1"][1].ID != "c" {
			t.Fatalf("relinked order = %v", ids(got["acc1"]))
		}
	})

	t.Run("ledger and credit", func(t *testing.T) {
		s := open(t)
		_, err := s.GetCredit(ctx, "acc")
		wantKind(t, err, number.KindNotFound)

		debit := func(acc, num string, amount int64, req string) *store.LedgerEntry {
			return &store.LedgerEntry{AccountID: acc, Type: store.LedgerDebit, Reason: "number_activation", Number: num,
				Category: "phone_numbers", Item: "did_us", AmountMinor: amount, Currency: "USD", RequestID: req,
				Detail: json.RawMessage(`[{"item":"did_us"}]`), Created: at}
		}
		// Without credit a debit is recorded and moves no balance.
		e1 := debit("acc", "+14155550100", 250, "r1")
		if err := s.AppendLedger(ctx, []*store.LedgerEntry{e1}); err != nil || e1.ID == 0 {
			t.Fatalf("append: %v, id %d", err, e1.ID)
		}
		if _, err := s.GetCredit(ctx, "acc"); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("a debit opened a balance: %v", err)
		}
		top := &store.LedgerEntry{AccountID: "acc", Type: store.LedgerCredit, Reason: "manual_addition", AmountMinor: 1000, Currency: "USD", Created: at.Add(time.Minute)}
		if err := s.AppendLedger(ctx, []*store.LedgerEntry{top}); err != nil {
			t.Fatal(err)
		}
		e2, e3 := debit("acc", "+14155550101", 300, "r2"), debit("acc", "+14155550102", 300, "r2")
		e2.Created, e3.Created = at.Add(2*time.Minute), at.Add(2*time.Minute)
		if err := s.AppendLedger(ctx, []*store.LedgerEntry{e2, e3}); err != nil {
			t.Fatal(err)
		}
		c, err := s.GetCredit(ctx, "acc")
		if err != nil || c.BalanceMinor != 400 || c.Currency != "USD" {
			t.Fatalf("credit = %+v, %v", c, err)
		}
		// Another currency: nothing of the batch is stored.
		eur := debit("acc", "+14155550103", 100, "r3")
		eur.Currency = "EUR"
		wantKind(t, s.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", "+14155550104", 100, "r3"), eur}), number.KindInvalid)
		wantKind(t, s.AppendLedger(ctx, []*store.LedgerEntry{{AccountID: "acc", Type: "refund", AmountMinor: 1, Currency: "USD"}}), number.KindInvalid)
		wantKind(t, s.AppendLedger(ctx, []*store.LedgerEntry{{AccountID: "acc", Type: store.LedgerDebit, AmountMinor: -1, Currency: "USD"}}), number.KindInvalid)

		all, err := s.ListLedger(ctx, store.LedgerQuery{AccountID: "acc"})
		if err != nil || len(all) != 4 {
			t.Fatalf("ledger = %d entries, %v", len(all), err)
		}
		if all[0].ID != e1.ID || all[0].Number != "+14155550100" || all[0].AmountMinor != 250 || all[0].RequestID != "r1" ||
			!all[0].Created.Equal(at) || string(all[0].Detail) != `[{"item":"did_us"}]` || all[1].Type != store.LedgerCredit || all[1].Detail != nil {
			t.Fatalf("ledger[0..1] = %+v %+v", all[0], all[1])
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Fatalf("ids not increasing: %d then %d", all[i-1].ID, all[i].ID)
			}
		}
		for _, tc := range []struct {
			q    store.LedgerQuery
			want int
		}{
			{store.LedgerQuery{AccountID: "acc", RequestID: "r2"}, 2},
			{store.LedgerQuery{AccountID: "acc", Since: at.Add(time.Minute)}, 3},
			{store.LedgerQuery{AccountID: "acc", Until: at.Add(time.Minute)}, 1},
			{store.LedgerQuery{AccountID: "acc", AfterID: e1.ID, Limit: 2}, 2},
			{store.LedgerQuery{AccountID: "other"}, 0},
		} {
			got, err := s.ListLedger(ctx, tc.q)
			if err != nil || len(got) != tc.want {
				t.Errorf("ListLedger(%+v) = %d entries, %v; want %d", tc.q, len(got), err, tc.want)
			}
		}
	})
}

func ids(ps []*store.ServicePlan) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
