package number

import "testing"

// CauseText is Kazoo's cause: the error's own, else the number for the
// kinds about one number, else nothing.
func TestCauseText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{NewError(KindNumberExists, "+14155550100"), "+14155550100"},
		{NewError(KindNotFound, "+14155550100"), "+14155550100"},
		{NewError(KindNumberIsPorting, "+14155550100"), "+14155550100"},
		{&Error{Kind: KindByCarrier}, "unknown"},
		{&Error{Kind: KindByCarrier, Number: "+14155550100", Cause: "rejected"}, "rejected"},
		{NewError(KindForbidden, "+14155550100"), ""},
		{NewError(KindNoChangeRequired, "+14155550100"), ""},
		{&Error{Kind: KindInvalidStateTransition, Cause: "from a to b"}, "from a to b"},
	}
	for _, tc := range tests {
		if got := tc.err.CauseText(); got != tc.want {
			t.Errorf("%v: cause %q, want %q", tc.err, got, tc.want)
		}
	}
}
