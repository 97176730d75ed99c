package httpx

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRedactText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"api_key":"abc","user":"bob"}`, `{"api_key":"[REDACTED]","user":"bob"}`},
		{`{"Password" : "p\"q"}`, `{"Password" : "[REDACTED]"}`},
		{`<Order><Password>x</Password><Name>n</Name></Order>`, `<Order><Password>[REDACTED]</Password><Name>n</Name></Order>`},
		{`<ns:AuthToken a="1">x</ns:AuthToken>`, `<ns:AuthToken a="1">[REDACTED]</ns:AuthToken>`},
		{`PhoneNumber=%2B1415&AuthToken=zz&x=1`, `PhoneNumber=%2B1415&AuthToken=[REDACTED]&x=1`},
		{`https://h/p?token=abc&areaCode=415`, `https://h/p?token=[REDACTED]&areaCode=415`},
		{`login=u&pass=p`, `login=u&pass=[REDACTED]`},
		{`the key sekrit-value appears`, `the key [REDACTED] appears`},
		{`escaped sekrit%2Bvalue`, `escaped sekrit%2Bvalue`},
		{`nothing here`, `nothing here`},
	}
	for _, tt := range tests {
		if got := RedactText(tt.in, []string{"sekrit-value", "ab"}); got != tt.want {
			t.Errorf("RedactText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := RedactText("a b+c/d here", []string{"b+c/d"}); got != "a [REDACTED] here" {
		t.Errorf("literal = %q", got)
	}
	if got := RedactText("a b%2Bc%2Fd here", []string{"b+c/d"}); got != "a [REDACTED] here" {
		t.Errorf("escaped literal = %q", got)
	}
}

func TestRedactHeaderAndURL(t *testing.T) {
	h := http.Header{"Authorization": {"Basic dTpw"}, "X-Api-Key": {"k"}, "Accept": {"application/xml"}, "X-Echo": {"has s3cr3tval"}}
	got := RedactHeader(h, []string{"s3cr3tval"})
	if got.Get("Authorization") != Redacted || got.Get("X-Api-Key") != Redacted || got.Get("Accept") != "application/xml" || got.Get("X-Echo") != "has "+Redacted {
		t.Errorf("headers = %v", got)
	}
	if h.Get("Authorization") != "Basic dTpw" {
		t.Error("original header changed")
	}
	u, _ := url.Parse("https://user:pw@api.example/v1?api_key=k1&npaNxx=415555")
	s := RedactURL(u, nil)
	if strings.Contains(s, "pw@") || strings.Contains(s, "k1") || !strings.Contains(s, "npaNxx=415555") {
		t.Errorf("url = %s", s)
	}
}

func FuzzRedactText(f *testing.F) {
	f.Add(`{"api_key":"abcd"}`, "abcd")
	f.Add(`<Password>abcd</Password>`, "wxyz")
	f.Add(`a=1&token=abcd`, "token")
	f.Fuzz(func(t *testing.T, text, secret string) {
		out := RedactText(text, []string{secret})
		if len(secret) >= 4 && !strings.ContainsAny(secret, "[]") && strings.Contains(out, secret) {
			t.Fatalf("secret %q survives in %q", secret, out)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, v string) {
		if d, _ := ParseRetryAfter(v, time.Time{}); d < 0 {
			t.Fatalf("negative delay %v for %q", d, v)
		}
	})
}
