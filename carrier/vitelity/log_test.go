package vitelity

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
)

// Debug logs show every exchange with the carrier, but never the password.
func TestDebugLogHidesThePassword(t *testing.T) {
	_, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	var logs bytes.Buffer
	c.client.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{}); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	if strings.Contains(logs.String(), testPass) {
		t.Fatalf("the password is in the log:\n%s", logs.String())
	}
}
