package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
)

// encodeEventDoc must store exactly what json.Marshal of the eventDoc
// would.
func TestEncodeEventDocIsJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	before := number.New("+14155550100", number.Available, "local", at)
	after := before.Clone()
	after.State, after.AssignedTo, after.Version = number.InService, "acc\"<&>\u2028", 2
	ctx := event.WithActor(context.Background(), event.Actor{AccountID: "a\\b", UserID: "ü", Via: "api"}, "req \"1\"")
	withData := event.NumberChange(ctx, before, after)
	withData.Data = json.RawMessage(`{"k": [1, 2]}`)
	for name, e := range map[string]*event.Event{
		"created":           event.NumberChange(ctx, nil, before),
		"updated":           event.NumberChange(ctx, before, after),
		"deleted":           event.NumberChange(context.Background(), after, nil),
		"with data":         withData,
		"no request, data":  {Type: "charge.posted", Data: json.RawMessage(`{"amount_minor":100}`)},
		"some of the actor": {Type: "charge.posted", Actor: event.Actor{UserID: "u", Via: "cli"}},
	} {
		got, err := encodeEventDoc(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := json.Marshal(eventDoc{Actor: e.Actor, RequestID: e.RequestID, Before: e.Before, After: e.After, Data: e.Data})
		if err != nil {
			t.Fatal(err)
		}
		var g, w bytes.Buffer
		if err := json.Compact(&g, got); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
		}
		_ = json.Compact(&w, want)
		if g.String() != w.String() {
			t.Errorf("%s:\n got %s\nwant %s", name, g.String(), w.String())
		}
	}
	if _, err := encodeEventDoc(&event.Event{Data: json.RawMessage(`{"broken"`)}); err == nil {
		t.Error("data that is not JSON was encoded")
	}
}
