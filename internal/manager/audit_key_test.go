package manager

import (
	"runtime"
	"testing"
)

func TestE164Key(t *testing.T) {
	keys := map[uint64]string{}
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"+14155550100", true}, {"+441134960001", true}, {"+999999999999999", true}, {"+44207", true}, {"+442070", true},
		{"14155550100", false}, {"+0415", false}, {"+1", false}, {"+1415555010x", false}, {"+1234567890123456", false}, {"", false},
	} {
		k, ok := e164Key(tt.in)
		if ok != tt.ok {
			t.Errorf("e164Key(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if other, dup := keys[k]; dup {
			t.Errorf("%q and %q share key %d", tt.in, other, k)
		}
		keys[k] = tt.in
	}
}

func TestHeldSet(t *testing.T) {
	s := newHeldSet(4)
	for i, tt := range []struct {
		key    uint64
		endNow bool
		new    bool
	}{
		{key: 5, new: true}, {key: 3, new: true}, {key: 5}, {key: 3, endNow: true},
		{key: 5}, {key: 7, new: true, endNow: true}, // 5 was on the previous page
		{key: 9, new: true}, {key: 5, new: true}, // 5 is two pages back: new again
	} {
		if got := s.add(tt.key); got != tt.new {
			t.Errorf("step %d: add(%d) = %v, want %v", i, tt.key, got, tt.new)
		}
		if tt.endNow {
			s.endPage()
		}
	}
	if !s.overflow {
		t.Error("five keys in a set of four did not overflow")
	}
	s.seal()
	for key, want := range map[uint64]bool{3: true, 5: true, 7: true, 9: true, 4: false} {
		if s.has(key) != want {
			t.Errorf("has(%d) = %v", key, !want)
		}
	}
}

// BenchmarkHeldSet measures what an audit spends remembering the numbers a
// carrier holds: a million of them, in pages of 1,000.
func BenchmarkHeldSet(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newHeldSet(DefaultAuditMaxHeld)
		for i := range uint64(n) {
			s.add(14150000000 + i*7919%n)
			if i%1000 == 999 {
				s.endPage()
			}
		}
		s.seal()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/number")
		runtime.KeepAlive(s)
	}
}
