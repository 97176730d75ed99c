package httpx_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/httpx"
)

// Credentials inside a configured base URL (user info, query values of any
// name) never reach an error or a debug log line, even when the carrier
// echoes the request.
func TestBaseURLCredentialsAreRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"bad request ` + r.URL.String() + ` from ` + r.Header.Get("Authorization") + `"}`))
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://PLANTEDUSER:PLANTEDPASS@", 1) + "/v1?tenant=PLANTEDQUERY"
	var logs bytes.Buffer
	c := &httpx.Client{Carrier: "x", BaseURL: base, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), MaxAttempts: 1}
	_, err := c.Get(t.Context(), "numbers", nil)
	if err == nil {
		t.Fatal("no error from a 400")
	}
	for _, where := range []string{err.Error(), logs.String()} {
		for _, secret := range []string{"PLANTEDUSER", "PLANTEDPASS", "PLANTEDQUERY"} {
			if strings.Contains(where, secret) {
				t.Errorf("%s in clear: %s", secret, where)
			}
		}
	}
}
