package mdn_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/mdn"
	"github.com/numan-dev/numan/number"
)

func newCarrier(t *testing.T) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_mdn", json.RawMessage(`{}`), carrier.Deps{})
	if err != nil {
		t.Fatalf("carrier.New: %v", err)
	}
	return c
}

func TestFindNumbersNotAvailable(t *testing.T) {
	c := newCarrier(t)
	results, err := c.FindNumbers(t.Context(), "+1415", 10, carrier.SearchOptions{AccountID: "a", ResellerID: "r"})
	if len(results) != 0 || !errors.Is(err, mdn.ErrNotAvailable) {
		t.Fatalf("FindNumbers = %v, %v; want no results and ErrNotAvailable", results, err)
	}
	if e := number.AsError(err); e.Kind != number.KindUnspecified || e.Msg() != "not_available" {
		t.Errorf("error = kind %s message %q, want unspecified_fault not_available", e.Kind, e.Msg())
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t)
	n := number.New("+14155550100", number.InService, mdn.Name, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if i := c.Info(); i.Local || i.Billable || !i.LookupCNAM || i.MaxPrefixLength != 0 {
		t.Errorf("Local %v Billable %v LookupCNAM %v MaxPrefixLength %d; want false false true 0",
			i.Local, i.Billable, i.LookupCNAM, i.MaxPrefixLength)
	}
	if acq, err := c.Acquire(t.Context(), n); err != nil || acq.CarrierData != nil {
		t.Errorf("Acquire = %+v, %v; want an empty no-op", acq, err)
	}
	if err := c.Disconnect(t.Context(), n); err != nil {
		t.Errorf("Disconnect: %v", err)
	}
	if _, ok := c.(carrier.Checker); ok {
		t.Errorf("mdn offers CheckNumbers; Kazoo's does not")
	}
	if _, err := carrier.New(mdn.Name, json.RawMessage(`{"x":1}`), carrier.Deps{}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown settings key: error %v, want kind invalid", err)
	}
}

func TestConformance(t *testing.T) {
	carriertest.Run(t, newCarrier)
}
