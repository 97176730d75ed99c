package sqlrow

import (
	"encoding/json"
	"testing"

	"github.com/numan-dev/numan/number"
)

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix, end string
		ok          bool
	}{
		{"+1415", "+1416", true},
		{"+1419", "+141:", true}, // ':' follows '9': +1419... < +141: and +1420 > +141:
		{"+", ",", true},
		{"", "", false},
		{"a\x7f", "b", true},
		{"\x7f\x7f", "", false},
	}
	for _, tc := range tests {
		end, ok := PrefixEnd(tc.prefix)
		if end != tc.end || ok != tc.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
		}
	}
}

func TestNumberDocRoundTrip(t *testing.T) {
	n := &number.Number{
		Number:         "+14155550100",
		ReserveHistory: []string{"a", "b"},
		Public:         number.Doc{"x": json.RawMessage("{ \"spaced\" :  [1, 2] }")},
		Locality:       number.Doc{},
	}
	doc, err := EncodeNumber(n)
	if err != nil {
		t.Fatal(err)
	}
	var got number.Number
	if err := DecodeNumber(&got, doc); err != nil {
		t.Fatal(err)
	}
	if string(got.Public["x"]) != string(n.Public["x"]) {
		t.Errorf("public value = %s, want %s byte for byte", got.Public["x"], n.Public["x"])
	}
	if got.Locality == nil || got.Features == nil || got.CarrierData == nil {
		t.Errorf("empty Docs came back nil: %+v", got)
	}
	n.Public["bad"] = json.RawMessage("{")
	if _, err := EncodeNumber(n); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("EncodeNumber of invalid JSON: %v, want kind invalid", err)
	}
}

func TestAccountPath(t *testing.T) {
	a := &number.Account{ID: "c", Tree: []string{"a", "b"}}
	path, err := AccountPath(a)
	if err != nil || path != "/a/b/c/" {
		t.Fatalf("AccountPath = %q, %v", path, err)
	}
	if tree := TreeFromPath(path); len(tree) != 2 || tree[0] != "a" || tree[1] != "b" {
		t.Errorf("TreeFromPath = %v", tree)
	}
	if tree := TreeFromPath("/a/"); tree == nil || len(tree) != 0 {
		t.Errorf("TreeFromPath of a root = %#v, want empty", tree)
	}
	if _, err := AccountPath(&number.Account{ID: "x/y"}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("AccountPath of an id with a slash: %v", err)
	}
}
