package event

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// marshalSnapshot is SnapshotOf as json.Marshal of the Snapshot, which
// SnapshotOf must equal byte for byte.
func marshalSnapshot(n *number.Number) string {
	raw, err := json.Marshal(Snapshot{Number: n.Number, State: string(n.State), AssignedTo: n.AssignedTo, PrevAssignedTo: n.PrevAssignedTo,
		UsedBy: n.UsedBy, Carrier: n.ModuleName, Pool: n.Pool, PortedIn: n.PortedIn, Features: n.Features.Keys(),
		Version: n.Version, Created: n.Created.UTC(), Modified: n.Modified.UTC()})
	if err != nil {
		return "error: " + err.Error()
	}
	return string(raw)
}

func snapshotNumber(num, state, owner, usedBy, module string, ported bool, version int64, created int64) *number.Number {
	n := number.New(num, number.State(state), module, time.Unix(0, created).In(time.FixedZone("x", 3600)))
	n.AssignedTo, n.PrevAssignedTo, n.UsedBy, n.PortedIn, n.Version = owner, owner, usedBy, ported, version
	n.Modified = n.Created.Add(1500 * time.Millisecond)
	return n
}

func TestSnapshotOfIsJSONMarshal(t *testing.T) {
	full := snapshotNumber("+14155550100", "in_service", "0123456789abcdef0123456789abcdef", "callflow", "telnyx", true, 7, 1764565200123456789)
	full.Pool = "spare"
	full.Features = number.Doc{"e911": json.RawMessage(`{}`), "cnam": json.RawMessage(`{}`)}
	for name, n := range map[string]*number.Number{
		"plain":         snapshotNumber("+14155550100", "available", "", "", "local", false, 1, 0),
		"full":          full,
		"escapes":       snapshotNumber("+1<&>\"\\", "in_service", "ü\u2028\x01", "a\tb", "local", false, -3, 1),
		"invalid utf-8": snapshotNumber("+1\xff", "reserved", "", "", "", false, 0, 5),
	} {
		if got, want := string(SnapshotOf(n)), marshalSnapshot(n); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	if SnapshotOf(nil) != nil {
		t.Error("the snapshot of nil is not nil")
	}
}

func FuzzSnapshotOf(f *testing.F) {
	f.Add("+14155550100", "in_service", "0123456789abcdef0123456789abcdef", "callflow", "local", true, int64(2), int64(1764565200123456789))
	f.Add("+1<&>", "x\"y", "\u2028", "\x00", "\xff", false, int64(-1), int64(-62135596800000000))
	f.Fuzz(func(t *testing.T, num, state, owner, usedBy, module string, ported bool, version, created int64) {
		n := snapshotNumber(num, state, owner, usedBy, module, ported, version, created)
		if got, want := string(SnapshotOf(n)), marshalSnapshot(n); got != want && want[:5] != "error" {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}
