package billing_test

import (
	"testing"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
)

// Who may own plans, price an account and credit it.
func TestPermissions(t *testing.T) {
	m := &number.Account{ID: master, SuperduperAdmin: true, Reseller: true}
	r := &number.Account{ID: reseller, Tree: []string{master}, Reseller: true}
	c := &number.Account{ID: child, Tree: []string{master, reseller}}
	g := &number.Account{ID: grandchild, Tree: []string{master, reseller, child}}
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"the master manages plans", billing.MayManagePlans(m), true},
		{"a reseller manages plans", billing.MayManagePlans(r), true},
		{"others do not", billing.MayManagePlans(c), false},
		{"nobody does not", billing.MayManagePlans(nil), false},
		{"the master prices anyone", billing.MayPrice(m, c), true},
		{"a reseller prices itself", billing.MayPrice(r, r), true},
		{"a reseller prices its descendants", billing.MayPrice(r, g), true},
		{"an account does not price itself", billing.MayPrice(c, c), false},
		{"nor its descendants unless a reseller", billing.MayPrice(c, g), false},
		{"the master credits anyone", billing.MayAddCredit(m, m), true},
		{"a reseller credits its descendants", billing.MayAddCredit(r, c), true},
		{"a reseller does not credit itself", billing.MayAddCredit(r, r), false},
		{"an account does not credit its children unless a reseller", billing.MayAddCredit(c, g), false},
	}
	for _, tc := range tests {
		if ok := tc.err == nil; ok != tc.ok {
			t.Errorf("%s: %v", tc.name, tc.err)
		}
		if tc.err != nil && !number.IsKind(tc.err, number.KindForbidden) {
			t.Errorf("%s: %v is not forbidden", tc.name, tc.err)
		}
	}
}
