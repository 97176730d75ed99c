package carriertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

func init() { carriertest.RegisterFake() }

func TestFakeConformance(t *testing.T) {
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		f := carriertest.NewFake(t)
		f.Offer("+14155550102", "+14155550100", "+14155550101", "+14165550100")
		return f
	}, carriertest.Prefix("+1415"), carriertest.MinResults(3))
}

func TestFakeByName(t *testing.T) {
	f := carriertest.NewFake(t)
	f.Offer("+14155550100")
	c, err := carrier.New(carriertest.FakeName, f.Settings(), carrier.Deps{})
	if err != nil {
		t.Fatalf("carrier.New: %v", err)
	}
	if c != carrier.Carrier(f) {
		t.Fatalf("carrier.New returned %p, want the scripted fake %p", c, f)
	}

	fresh, err := carrier.New(carriertest.FakeName, json.RawMessage(`{"numbers":["+14155550199"]}`), carrier.Deps{})
	if err != nil {
		t.Fatalf("carrier.New with numbers: %v", err)
	}
	rs, err := fresh.FindNumbers(t.Context(), "+1", 5, carrier.SearchOptions{})
	if err != nil || len(rs) != 1 || rs[0].Number != "+14155550199" {
		t.Errorf("fresh fake FindNumbers = %v, %v; want +14155550199", rs, err)
	}

	for _, bad := range []string{`{"instance":"fake-none"}`, `{"nope":1}`} {
		if _, err := carrier.New(carriertest.FakeName, json.RawMessage(bad), carrier.Deps{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("carrier.New(%s) error = %v, want kind invalid", bad, err)
		}
	}
}

func TestFakeSearch(t *testing.T) {
	f := carriertest.NewFake(t)
	f.Offer("+14155550102", "+14155550100", "+14155550101", "+14165550100")
	tests := []struct {
		prefix   string
		quantity int
		offset   int
		want     []string
	}{
		{"+1415", 10, 0, []string{"+14155550100", "+14155550101", "+14155550102"}},
		{"+1415", 2, 0, []string{"+14155550100", "+14155550101"}},
		{"+1415", 2, 2, []string{"+14155550102"}},
		{"+141*", 10, 3, []string{"+14165550100"}},
		{"+44", 10, 0, nil},
	}
	for _, tc := range tests {
		rs, err := f.FindNumbers(t.Context(), tc.prefix, tc.quantity, carrier.SearchOptions{Offset: tc.offset})
		if err != nil {
			t.Fatalf("FindNumbers: %v", err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.Number)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("FindNumbers(%q, %d, offset %d) = %v, want %v", tc.prefix, tc.quantity, tc.offset, got, tc.want)
		}
	}
	f.Withdraw("+14155550100")
	boom := number.Errorf(number.KindByCarrier, "", "boom")
	f.FailFind(boom)
	if _, err := f.FindNumbers(t.Context(), "+1", 1, carrier.SearchOptions{}); !errors.Is(err, boom) {
		t.Errorf("FindNumbers error = %v, want %v", err, boom)
	}
	f.FailFind(nil)
	rs, _ := f.FindNumbers(t.Context(), "+1415", 1, carrier.SearchOptions{})
	if len(rs) != 1 || rs[0].Number != "+14155550101" {
		t.Errorf("after Withdraw, FindNumbers = %v, want +14155550101 first", rs)
	}
	if got := f.Calls(carriertest.OpFind); got != len(tests)+2 {
		t.Errorf("Calls(find) = %d, want %d", got, len(tests)+2)
	}
}

func TestFakeAcquireDisconnect(t *testing.T) {
	f := carriertest.NewFake(t)
	a := number.New("+14155550100", number.Discovery, carriertest.FakeName, testTime)
	b := number.New("+14155550101", number.Discovery, carriertest.FakeName, testTime)
	refused := number.Errorf(number.KindByCarrier, b.Number, "refused")
	f.FailAcquire(b.Number, refused)

	acq, err := f.Acquire(t.Context(), a)
	var order string
	if err != nil || !acq.CarrierData.Get("order_id", &order) || order == "" {
		t.Errorf("Acquire(a) = %+v, %v; want an order id", acq, err)
	}
	if _, err := f.Acquire(t.Context(), b); !errors.Is(err, refused) {
		t.Errorf("Acquire(b) error = %v, want %v", err, refused)
	}
	f.FailAcquire(b.Number, nil)
	want := carrier.Acquired{CarrierData: number.Doc{"order_id": json.RawMessage(`"x"`)}}
	f.SetAcquired(want)
	if acq, err := f.Acquire(t.Context(), b); err != nil || !acq.CarrierData.Equal(want.CarrierData) {
		t.Errorf("Acquire(b) after clearing = %+v, %v; want %+v", acq, err, want)
	}
	f.FailDisconnect("", refused)
	if err := f.Disconnect(t.Context(), a); !errors.Is(err, refused) {
		t.Errorf("Disconnect(a) error = %v, want %v", err, refused)
	}
	f.FailDisconnect("", nil)
	if err := f.Disconnect(t.Context(), a); err != nil {
		t.Errorf("Disconnect(a): %v", err)
	}
	if got, want := f.Acquired(), []string{a.Number, b.Number}; !slices.Equal(got, want) {
		t.Errorf("Acquired() = %v, want %v", got, want)
	}
	if got, want := f.Disconnected(), []string{a.Number}; !slices.Equal(got, want) {
		t.Errorf("Disconnected() = %v, want %v", got, want)
	}
	if f.Calls(carriertest.OpAcquire) != 3 || f.Calls(carriertest.OpDisconnect) != 2 {
		t.Errorf("Calls = acquire %d disconnect %d, want 3 and 2", f.Calls(carriertest.OpAcquire), f.Calls(carriertest.OpDisconnect))
	}
}

func TestFakeCheck(t *testing.T) {
	f := carriertest.NewFake(t)
	if _, err := f.CheckNumbers(t.Context(), []string{"+14155550100"}); !number.IsKind(err, number.KindUnspecified) {
		t.Errorf("default CheckNumbers error = %v, want unspecified_fault", err)
	}
	f.SetCheck(map[string]string{"+14155550100": "success", "+14155550109": "error"}, nil)
	got, err := f.CheckNumbers(t.Context(), []string{"+14155550100", "+14155550101"})
	if err != nil || len(got) != 1 || got["+14155550100"] != "success" {
		t.Errorf("CheckNumbers = %v, %v; want only +14155550100: success", got, err)
	}
}

// TestFakeHold shows the intended use of Hold: act while a call is in flight,
// and see a held call give up when its context ends, with no sleeping.
func TestFakeHold(t *testing.T) {
	f := carriertest.NewFake(t)
	gate := f.Hold(carriertest.OpAcquire)
	t.Cleanup(gate.Release)
	n := number.New("+14155550100", number.Discovery, carriertest.FakeName, testTime)

	done := make(chan error, 1)
	go func() {
		_, err := f.Acquire(t.Context(), n)
		done <- err
	}()
	<-gate.Entered()
	if got := f.Acquired(); len(got) != 0 {
		t.Errorf("Acquired() while held = %v, want none", got)
	}
	gate.Release()
	if err := <-done; err != nil {
		t.Errorf("held Acquire: %v", err)
	}

	f.Hold(carriertest.OpFind) // never released: the context must end the call
	ctx, cancel := context.WithCancel(t.Context())
	go cancel()
	if _, err := f.FindNumbers(ctx, "+1", 1, carrier.SearchOptions{}); !errors.Is(err, context.Canceled) || number.KindOf(err) != number.KindByCarrier {
		t.Errorf("held FindNumbers with a cancelled context: error %v, want by_carrier wrapping context.Canceled", err)
	}
}

func TestFakeConcurrent(t *testing.T) {
	f := carriertest.NewFake(t)
	f.Offer("+14155550100")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			n := number.New("+14155550100", number.Discovery, carriertest.FakeName, testTime)
			_, _ = f.FindNumbers(t.Context(), "+1", 1, carrier.SearchOptions{})
			_, _ = f.Acquire(t.Context(), n)
			_ = f.Disconnect(t.Context(), n)
			f.SetBillable(!f.Info().Billable)
		})
	}
	wg.Wait()
	if f.Calls(carriertest.OpAcquire) != 8 || len(f.Disconnected()) != 8 {
		t.Errorf("Calls(acquire) = %d, Disconnected = %d; want 8 each", f.Calls(carriertest.OpAcquire), len(f.Disconnected()))
	}
}
