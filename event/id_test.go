package event

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Every id NewID makes at t is at or above IDFloor(t) and below the floor
// of the next millisecond; floors rise with time.
func TestIDFloorBoundsNewID(t *testing.T) {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 2000 {
		at := base.Add(time.Duration(i)*time.Millisecond + time.Duration(rand.IntN(1000))*time.Microsecond)
		id, floor, next := NewID(at), IDFloor(at), IDFloor(at.Truncate(time.Millisecond).Add(time.Millisecond))
		if id < floor || id >= next {
			t.Fatalf("NewID(%v) = %s, not in [%s, %s)", at, id, floor, next)
		}
		if floor <= prev {
			t.Fatalf("IDFloor(%v) = %s, not above the previous millisecond's %s", at, floor, prev)
		}
		prev = floor
	}
	if IDFloor(time.Unix(0, 0).Add(-time.Hour)) != IDFloor(time.Unix(0, 0)) {
		t.Error("a time before 1970 has a floor of its own")
	}
}
