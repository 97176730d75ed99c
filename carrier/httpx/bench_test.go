package httpx

import (
	"strings"
	"testing"
)

// BenchmarkRedactText redacts a 2 KiB reply, the most a debug log record
// keeps of a body; it runs only when debug logging is on.
func BenchmarkRedactText(b *testing.B) {
	body := strings.Repeat(`{"phone_number":"+14155550142","api_key":"KEY0123","detail":"ok"},`, 32)[:2048]
	secrets := []string{"KEY0123456789", "s3cret-Passw0rd"}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = RedactText(body, secrets)
	}
}
