package bandwidth2

import "testing"

func TestHolds(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for num, want := range map[string]bool{"+14155550100": true, "+14155550999": false} {
		got, err := c.Holds(t.Context(), num)
		if err != nil || got != want {
			t.Fatalf("Holds(%s) = %v, %v; want %v", num, got, err, want)
		}
	}
	if _, err := c.Holds(t.Context(), "+442079460000"); err == nil {
		t.Fatal("a non-NANP number was looked up")
	}
}
