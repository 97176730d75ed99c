package carriertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// FaultServer serves every request with handler, a scripted fault (a hang,
// a 500, a body cut off midway), and counts the requests, so a test can
// check that a call was not retried. It drains each request body first:
// the server notices a client hanging up only once the body is read, so a
// handler blocking on r.Context().Done() would otherwise never return.
func FaultServer(t testing.TB, handler http.HandlerFunc) (*httptest.Server, func() int) {
	var mu sync.Mutex
	count := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return count
	}
}
