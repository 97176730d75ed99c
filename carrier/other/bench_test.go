package other

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseNumbers parses a search reply of MaxSearchQuantity numbers.
func BenchmarkParseNumbers(b *testing.B) {
	var items []string
	for i := range MaxSearchQuantity {
		items = append(items, fmt.Sprintf(`"+1415555%04d":{"rate_center":"SAN FRANCISCO","state":"CA"}`, i))
	}
	body := []byte(`{"status":"success","data":{` + strings.Join(items, ",") + `}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseNumbers(body)
		if err != nil || len(offers) != MaxSearchQuantity {
			b.Fatal(len(offers), err)
		}
	}
}

// BenchmarkExpand expands a block search into MaxSearchQuantity numbers.
func BenchmarkExpand(b *testing.B) {
	blk := block{Start: "+14155550000", End: "+14155559999"}
	for b.Loop() {
		if n := len(expand(blk, MaxSearchQuantity)); n != MaxSearchQuantity {
			b.Fatal(n)
		}
	}
}
