package console

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// benchNumbers is how many numbers the account holds in the list
// benchmark.
const benchNumbers = 1_000_000

// BenchmarkNumbersList measures the console's number list: the first page
// (50 numbers) of an account holding 1,000,000 numbers, rendered as a
// browser gets it, through the session check, the API calls it makes in
// process (token_info, the account, the listing page, carriers_info, the
// account's descendants) and the template. The numbers are inserted once,
// before the timer, in bulks of 100,000.
//
//	go test ./internal/console -run '^$' -bench NumbersList -benchtime 200x
func BenchmarkNumbersList(b *testing.B) {
	w := newWorld(b)
	ctx := b.Context()
	now := time.Now()
	for start := 0; start < benchNumbers; start += 100_000 {
		batch := make([]*number.Number, 0, 100_000)
		for i := start; i < start+100_000; i++ {
			n := number.New(fmt.Sprintf("+1%03d%07d", 200+i/10_000_000, 5_000_000+i%10_000_000), number.InService, "local", now)
			n.AssignedTo = w.acme
			batch = append(batch, n)
		}
		if err := w.st.InsertNumbers(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	br := w.browser()
	if rec := br.loginKey(w.acmeKey); rec.Code != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", rec.Code)
	}
	path := "/a/" + w.acme + "/numbers"
	b.ReportAllocs()
	for b.Loop() {
		rec := br.send("GET", path, nil)
		if rec.Code != http.StatusOK {
			b.Fatalf("list: %d", rec.Code)
		}
	}
}
