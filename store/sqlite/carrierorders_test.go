package sqlite_test

import (
	"testing"

	"github.com/numan-dev/numan/store/storetest"
)

func TestCarrierOrdersConformance(t *testing.T) {
	storetest.RunCarrierOrders(t, func(t *testing.T) storetest.CarrierOrdersStore { return openTemp(t) })
}
