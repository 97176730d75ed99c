package sqlite_test

import (
	"testing"

	"github.com/numan-dev/numan/store/storetest"
)

func TestBillingConformance(t *testing.T) {
	storetest.RunBilling(t, func(t *testing.T) storetest.BillingStore { return openTemp(t) })
}
