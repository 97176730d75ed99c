package api

import (
	"fmt"
	"testing"

	"github.com/numan-dev/numan/number"
)

// BenchmarkUnacceptedPatch measures a PATCH of a number by a client that
// has not accepted charges, with billing on (the write costs nothing, so
// it is quoted, then committed): the cost of the quote-then-commit runs.
//
//	go test ./internal/api -run '^$' -bench UnacceptedPatch -benchtime 2000x
func BenchmarkUnacceptedPatch(b *testing.B) {
	e := newEnv(b)
	e.withBilling()
	const n = "+14155560000"
	e.seed(e.master, number.InService, n)
	path := e.numPath(e.master, n)
	i := 0
	for b.Loop() {
		i++
		r := e.do("PATCH", path, e.token, map[string]any{"data": map[string]any{"note": fmt.Sprint(i)}})
		if r.code != 200 {
			b.Fatalf("%d %s", r.code, r.raw)
		}
	}
}
