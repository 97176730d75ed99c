package api

import (
	"encoding/json"
	"testing"

	"github.com/numan-dev/numan/number"
)

// The HTTP status of each error kind is the API's to say (the domain says
// only what went wrong); these are Kazoo's.
func TestKindStatus(t *testing.T) {
	tests := []struct {
		kind   number.Kind
		status int
	}{
		{number.KindNumberIsPorting, 400},
		{number.KindNumberExists, 409},
		{number.KindNotFound, 404},
		{number.KindNotReconcilable, 404},
		{number.KindForbidden, 403},
		{number.KindUnauthenticated, 401},
		{number.KindServiceRestriction, 402},
		{number.KindNoChangeRequired, 400},
		{number.KindInvalidStateTransition, 400},
		{number.KindAssignFailure, 400},
		{number.KindInvalid, 400},
		{number.KindByCarrier, 500},
		{number.KindNotEnoughCredit, 402},
		{number.KindConflict, 409},
		{number.KindTooManyRequests, 429},
		{number.KindUnspecified, 500},
		{number.KindInternal, 500},
		{number.KindHasDescendants, 400},
		{number.KindPurchasePending, 409},
		{number.KindUnavailable, 503},
		{number.KindAccountHasNumbers, 409},
		{number.KindIdempotencyMismatch, 422},
		{number.Kind("no_such_kind"), 500},
	}
	for _, tc := range tests {
		if got := statusOf(tc.kind); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.kind, got, tc.status)
		}
		if _, ok := kindStatus[tc.kind]; !ok && tc.kind != "no_such_kind" {
			t.Errorf("%s is not in the table", tc.kind)
		}
	}
	if len(kindStatus) != len(tests)-1 {
		t.Errorf("the table has %d kinds, the test %d: test the new ones", len(kindStatus), len(tests)-1)
	}
}

// Errors render as Kazoo's envelope and per-number error object.
func TestErrorReply(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		msg    string
		data   string
	}{
		{"forbidden, no cause", number.NewError(number.KindForbidden, "+15551233322"), 403, "forbidden",
			`{"code":403,"error":"forbidden","message":"requestor is unauthorized to perform operation"}`},
		{"forbidden with a cause", &number.Error{Kind: number.KindForbidden, Cause: "only the master account may set is_reseller"}, 403, "forbidden",
			`{"cause":"only the master account may set is_reseller","code":403,"error":"forbidden","message":"requestor is unauthorized to perform operation"}`},
		{"number exists names the number as its cause", number.NewError(number.KindNumberExists, "+15551233322"), 409, "number_exists",
			`{"cause":"+15551233322","code":409,"error":"number_exists","message":"number +15551233322 already exists"}`},
		{"porting names the number", number.NewError(number.KindNumberIsPorting, "+15551233322"), 400, "number_is_porting",
			`{"cause":"+15551233322","code":400,"error":"number_is_porting","message":"number +15551233322 is porting"}`},
		{"a carrier fault about no number is unknown", &number.Error{Kind: number.KindByCarrier}, 500, "unspecified_fault",
			`{"cause":"unknown","code":500,"error":"unspecified_fault","message":"fault by carrier"}`},
		{"a carrier fault keeps its own cause", &number.Error{Kind: number.KindByCarrier, Number: "+15551233322", Cause: "telnyx: 422"}, 500, "unspecified_fault",
			`{"cause":"telnyx: 422","code":500,"error":"unspecified_fault","message":"fault by carrier"}`},
		{"invalid state transition", &number.Error{Kind: number.KindInvalidStateTransition, Number: "+15551233322", Cause: "from available to port_out"}, 400, "invalid_state_transition",
			`{"cause":"from available to port_out","code":400,"error":"invalid_state_transition","message":"invalid state transition"}`},
		{"not enough credit", &number.Error{Kind: number.KindNotEnoughCredit, Number: "00000000000000000000000000000003", Cause: "balance 1.00 USD"}, 402, "not_enough_credit",
			`{"cause":"balance 1.00 USD","code":402,"error":"not_enough_credit","message":"account 00000000000000000000000000000003 does not have enough credit to perform the operation"}`},
		{"unspecified fault", &number.Error{Kind: number.KindUnspecified, Message: "missing_provider_url"}, 500, "unspecified_fault",
			`{"code":500,"error":"unspecified_fault","message":"missing_provider_url"}`},
		{"account with descendants", number.NewError(number.KindHasDescendants, "00000000000000000000000000000003"), 400, "account_has_descendants",
			`{"cause":"00000000000000000000000000000003","message":"account has descendants; delete them first"}`},
		{"unknown account", number.NewError(number.KindNotFound, "00000000000000000000000000000003"), 404, "bad_identifier",
			`{"cause":"00000000000000000000000000000003","message":"bad identifier"}`},
		{"field error", &number.FieldError{Field: "currency", Rule: "enum", Message: "a plan's currency cannot change", Value: "EUR"}, 400, "validation error",
			`{"currency":{"enum":{"message":"a plan's currency cannot change","value":"EUR"}}}`},
		{"forbidden as the API says it", errForbidden("only the master account may set is_reseller"), 403, "forbidden",
			`{"cause":"only the master account may set is_reseller","code":403,"error":"forbidden","message":"requestor is unauthorized to perform operation"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := errorReply(tc.err)
			data, err := json.Marshal(rp.data)
			if err != nil {
				t.Fatal(err)
			}
			if rp.status != tc.status || rp.errMsg != tc.msg || string(data) != tc.data {
				t.Errorf("got %d %q %s\nwant %d %q %s", rp.status, rp.errMsg, data, tc.status, tc.msg, tc.data)
			}
		})
	}
}
