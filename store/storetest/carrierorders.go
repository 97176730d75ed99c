package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runCarrierOrders is the conformance suite of store.CarrierOrders:
// remembered search results (paging, expiry, lookup by number) and the queue
// of carrier releases to retry.
func runCarrierOrders(t *testing.T, open Opener) {
	t.Run("search results", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		found := []store.Discovered{
			{Number: "+14155550100", Carrier: "telnyx", State: number.Discovery, CarrierData: number.Doc{"id": []byte(`"a"`)}},
			{Number: "+14155550101", Carrier: "twilio", State: number.Discovery},
			{Number: "+14155550102", Carrier: "local", State: number.Available},
		}
		if err := s.RememberSearch(ctx, "q1", found, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		page, total, ok, err := s.RecallSearch(ctx, "q1", now, 1, 5)
		if err != nil || !ok || total != 3 || len(page) != 2 || page[0].Number != "+14155550101" || page[1].State != number.Available {
			t.Fatalf("recall = %+v %d %v %v", page, total, ok, err)
		}
		if _, _, ok, _ := s.RecallSearch(ctx, "q1", now.Add(2*time.Hour), 0, 5); ok {
			t.Fatal("expired results recalled")
		}
		if _, _, ok, _ := s.RecallSearch(ctx, "other", now, 0, 5); ok {
			t.Fatal("unknown query recalled")
		}
		d, err := s.DiscoveredNumber(ctx, "+14155550100", now)
		if err != nil || d.Carrier != "telnyx" || string(d.CarrierData["id"]) != `"a"` {
			t.Fatalf("discovered = %+v, %v", d, err)
		}
		if _, err := s.DiscoveredNumber(ctx, "+14155550199", now); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("unknown number: %v", err)
		}
		// A new search with the same query id replaces the old results.
		if err := s.RememberSearch(ctx, "q1", found[:1], now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, total, _, _ := s.RecallSearch(ctx, "q1", now, 0, 5); total != 1 {
			t.Fatalf("total after replace = %d", total)
		}
		n, err := s.PurgeDiscovery(ctx, now.Add(2*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purge = %d, %v", n, err)
		}
	})
	t.Run("disconnects to retry", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		d := store.PendingDisconnect{Number: "+14155550100", Carrier: "telnyx", CarrierData: number.Doc{"id": []byte(`"x"`)}, Attempts: 1, NextAttempt: now.Add(time.Minute), LastError: "500"}
		if err := s.QueueDisconnect(ctx, d); err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueDisconnects(ctx, now, 10); err != nil || len(due) != 0 {
			t.Fatalf("due early = %+v, %v", due, err)
		}
		d.Attempts, d.NextAttempt = 2, now.Add(-time.Second)
		if err := s.QueueDisconnect(ctx, d); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueDisconnects(ctx, now, 10)
		if err != nil || len(due) != 1 || due[0].Attempts != 2 || due[0].Carrier != "telnyx" || string(due[0].CarrierData["id"]) != `"x"` {
			t.Fatalf("due = %+v, %v", due, err)
		}
		if err := s.DeleteDisconnect(ctx, d.Number); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DueDisconnects(ctx, now.Add(time.Hour), 10); len(due) != 0 {
			t.Fatalf("deleted disconnect still due: %+v", due)
		}
	})
}
