package sqlstore

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
		end, ok := prefixEnd(tc.prefix)
		if end != tc.end || ok != tc.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tc.prefix, end, ok, tc.end, tc.ok)
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
	doc, err := encodeNumber(n)
	if err != nil {
		t.Fatal(err)
	}
	var got number.Number
	if err := decodeNumber(&got, doc); err != nil {
		t.Fatal(err)
	}
	if string(got.Public["x"]) != string(n.Public["x"]) {
		t.Errorf("public value = %s, want %s byte for byte", got.Public["x"], n.Public["x"])
	}
	if got.Locality == nil || got.Features == nil || got.CarrierData == nil {
		t.Errorf("empty Docs came back nil: %+v", got)
	}
	n.Public["bad"] = json.RawMessage("{")
	if _, err := encodeNumber(n); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("encodeNumber of invalid JSON: %v, want kind invalid", err)
	}
}

func TestAccountPath(t *testing.T) {
	a := &number.Account{ID: "c", Tree: []string{"a", "b"}}
	path, err := accountPath(a)
	if err != nil || path != "/a/b/c/" {
		t.Fatalf("accountPath = %q, %v", path, err)
	}
	if tree := treeFromPath(path); len(tree) != 2 || tree[0] != "a" || tree[1] != "b" {
		t.Errorf("treeFromPath = %v", tree)
	}
	if tree := treeFromPath("/a/"); tree == nil || len(tree) != 0 {
		t.Errorf("treeFromPath of a root = %#v, want empty", tree)
	}
	if _, err := accountPath(&number.Account{ID: "x/y"}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("accountPath of an id with a slash: %v", err)
	}
}
