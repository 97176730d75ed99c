package requests_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/requests"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/storetest"
)

// A reply is kept unless it is a server error: a 5xx changed nothing, so
// its key is forgotten and the request may be sent again.
func TestFinishKeepsAnswersNotServerErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	s := requests.New(storetest.OpenSQLite(t), requests.Options{Now: func() time.Time { return now }})
	h := requests.Hash("PUT", "/v2/accounts/x", "", []byte(`{"data":{}}`))
	for _, tc := range []struct {
		code   int
		replay bool
	}{{201, true}, {400, true}, {409, true}, {500, false}, {503, false}} {
		key := "k" + strconv.Itoa(tc.code)
		if rp, err := s.Begin(ctx, "acct", key, h); rp != nil || err != nil {
			t.Fatalf("%d: first: %v %v", tc.code, rp, err)
		}
		if err := s.Finish(ctx, "acct", key, requests.Reply{Code: tc.code, ContentType: "application/json", Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		rp, err := s.Begin(ctx, "acct", key, h)
		if err != nil || (rp != nil) != tc.replay || (rp != nil && rp.Code != tc.code) {
			t.Errorf("%d: repeat got %+v %v, want replay %v", tc.code, rp, err, tc.replay)
		}
	}
	if _, err := s.Begin(ctx, "acct", "kz", h); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "acct", "kz", h); !number.IsKind(err, number.KindConflict) {
		t.Fatalf("in progress: %v", err)
	}
	if _, err := s.Begin(ctx, "acct", "kz", requests.Hash("PUT", "/v2/accounts/y", "", nil)); !number.IsKind(err, number.KindIdempotencyMismatch) {
		t.Fatalf("other request: %v", err)
	}
}

func FuzzCheckKey(f *testing.F) {
	for _, k := range []string{"abc", "", " ", "a b", "é", "k-123_ABC.~"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		err := requests.CheckKey(k)
		if err == nil && (len(k) == 0 || len(k) > requests.MaxKeyLength) {
			t.Fatalf("accepted %q", k)
		}
		if err != nil && !number.IsKind(err, number.KindInvalid) {
			t.Fatalf("%q: %v", k, err)
		}
	})
}
