package featuretest_test

import (
	"testing"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	_ "github.com/numan-dev/numan/feature/local"
)

// The suite passes a provider that keeps the contract, with every option.
func TestRunOnAGoodProvider(t *testing.T) {
	calls := 0
	featuretest.Run(t, func(t *testing.T) feature.Provider {
		p, err := feature.New("prepend", nil, feature.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, featuretest.Calls(func() int { return calls }), featuretest.Carrier("bandwidth2"), featuretest.Number("+13125550100"),
		featuretest.Request("prepend", `{"enabled":true,"name":"Support"}`), featuretest.Deps(feature.Deps{}))
}
