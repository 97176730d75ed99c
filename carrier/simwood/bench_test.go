package simwood

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseAvailable parses an available/ reply of MaxSearchQuantity
// numbers.
func BenchmarkParseAvailable(b *testing.B) {
	var items []string
	for i := range MaxSearchQuantity {
		items = append(items, fmt.Sprintf(`{"country_code":"44","number":"207946%04d","recommended_gold_premium":0,"wholesale_gold_premium":0,"block":"5c1b8e0f7a2d4c1e9b3a6d8f0e2c4a61","bill_class":"DDI","SMS":0}`, i))
	}
	body := []byte("[" + strings.Join(items, ",") + "]")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseAvailable(body)
		if err != nil || len(offers) != MaxSearchQuantity {
			b.Fatal(len(offers), err)
		}
	}
}
