package vitelity

import (
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at Vitelity (removedid) leaves the pool and is never
// sold again without a new getlocaldid.
func TestReleaseThenActivate(t *testing.T) {
	_, srv := startFake(t)
	has := func(c releasetest.Call, cmd string) bool {
		return strings.Contains(c.Query+"&"+c.Body, "cmd="+cmd)
	}
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"api_url": url + "/api.php", "login": testLogin, "pass": testPass}
		},
		Number:       "+14155550142",
		IsDisconnect: func(c releasetest.Call) bool { return has(c, "removedid") },
		IsBuy:        func(c releasetest.Call) bool { return has(c, "getlocaldid") || has(c, "gettollfree") },
	})
}
