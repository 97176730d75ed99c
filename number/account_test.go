package number

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAccountsRelations(t *testing.T) {
	rel := fixtureAccounts()
	ids := []string{master, reseller, child, grandchild, unrelated, ""}
	for _, a := range ids {
		for _, b := range ids {
			if got, want := rel.InHierarchy(a, b), wantInHierarchy(a, b); got != want {
				t.Errorf("InHierarchy(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
		if got := rel.IsAdmin(a); got != (a == master) {
			t.Errorf("IsAdmin(%q) = %v", a, got)
		}
	}
	if !rel[reseller].IsAncestorOf(rel[grandchild]) || rel[child].IsAncestorOf(rel[reseller]) || rel[child].IsAncestorOf(rel[child]) {
		t.Error("IsAncestorOf is wrong")
	}
	isReseller := func(id string) bool { return rel[id] != nil && rel[id].Reseller }
	for id, want := range map[string]string{master: master, reseller: reseller, child: reseller, grandchild: reseller} {
		if got := rel[id].ResellerID(isReseller); got != want {
			t.Errorf("ResellerID(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		master: true, "0123456789abcdef0123456789abcdef": true,
		"0123456789ABCDEF0123456789ABCDEF": false, unrelated: false, "": false, "system": false,
		"0123456789abcdef0123456789abcdeg": false, "0123456789abcdef0123456789abcde": false, "0123456789abcdef0123456789abcdef0": false,
		"0123456789abcdef0123456789abcd/e": false, "0123456789abcdef0123456789abcdé": false,
	} {
		if IsAccountID(s) != want {
			t.Errorf("IsAccountID(%q) != %v", s, want)
		}
	}
}

// §2.2's read rule: available numbers are world-readable; otherwise the
// owner, its ancestors, admins, and descendants of a reserving account.
func TestCanRead(t *testing.T) {
	rel := fixtureAccounts()
	for _, st := range States {
		for _, rl := range relations {
			n := New("+15551233322", st, "local", time.Time{})
			n.AssignedTo = child
			want := st == Available || wantIsAuthorized(rl.req, child, "") || wantReservedFromParent(st, child, rl.req)
			if got := CanRead(n, rl.req, rel); got != want {
				t.Errorf("CanRead(%s, %s) = %v, want %v", st, rl.name, got, want)
			}
		}
	}
}

func TestCarrierName(t *testing.T) {
	for in, want := range map[string]string{
		"knm_bandwidth2": "bandwidth2", "wnm_local": "local", "knm_bandwidth": "bandwidth2", "bandwidth": "bandwidth2",
		"undefined": "local", "": "local", " knm_telnyx ": "telnyx", "knm_mdn": "mdn",
	} {
		if got := CarrierName(in); got != want {
			t.Errorf("CarrierName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPublicFields(t *testing.T) {
	body := Doc{
		"_id": json.RawMessage(`"x"`), "pvt_state": json.RawMessage(`"x"`), "id": json.RawMessage(`"x"`),
		"used_by": json.RawMessage(`"x"`), "state": json.RawMessage(`"x"`), "features": json.RawMessage(`[]`),
		"create_with_state": json.RawMessage(`"x"`), "accept_charges": json.RawMessage(`true`),
		"cnam":         json.RawMessage(`{"display_name":"Rose Bud"}`),
		"my_own_field": json.RawMessage(`[1, 2]`),
	}
	n := New("+15551233322", InService, "local", time.Time{})
	n.ResetPublic(body)
	if got := n.Public.Keys(); len(got) != 2 || got[0] != "cnam" || got[1] != "my_own_field" {
		t.Fatalf("public keys = %v", got)
	}
	if string(n.Public["my_own_field"]) != `[1, 2]` {
		t.Errorf("free-form value not kept byte for byte: %s", n.Public["my_own_field"])
	}
	n.MergePublic(Doc{"cnam": json.RawMessage(` null `), "ui_metadata": json.RawMessage(`{"a":1}`), "pvt_x": json.RawMessage(`1`)})
	if got := n.Public.Keys(); len(got) != 2 || got[0] != "my_own_field" || got[1] != "ui_metadata" {
		t.Errorf("after merge: %v", got)
	}
}
