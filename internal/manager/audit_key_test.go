package manager

import "testing"

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
