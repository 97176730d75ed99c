package twilio

import "testing"

func TestHolds(t *testing.T) {
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for num, want := range map[string]bool{testOwnedNumber: true, "+14155550999": false} {
		got, err := c.Holds(t.Context(), num)
		if err != nil || got != want {
			t.Fatalf("Holds(%s) = %v, %v; want %v", num, got, err, want)
		}
	}
}
