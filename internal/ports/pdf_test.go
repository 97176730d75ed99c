package ports

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPDFWriter checks the writer's structure: objects where the
// cross-reference table says, stream lengths, pages, escaping.
func TestPDFWriter(t *testing.T) {
	w := newPDF("a (title)")
	w.line("Letter of Authorization", 18, true, 0)
	w.line(`parens ( ) and a backslash \ and é and 漢`, 11, false, 0)
	for i := range 120 { // more than a page
		w.line(fmt.Sprintf("+1415555%04d", i), 11, false, 12)
	}
	w.line(strings.Repeat("word ", 60)+strings.Repeat("x", 200), 11, false, 0)
	pdf := w.bytes()
	if len(w.pages) < 3 {
		t.Fatalf("%d pages for 120 lines", len(w.pages))
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("header or trailer")
	}
	xref, _ := strconv.Atoi(string(regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if want := 5 + 2*len(w.pages); len(entries) != want {
		t.Fatalf("%d objects, want %d", len(entries), want)
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if !bytes.HasPrefix(pdf[off:], []byte(fmt.Sprintf("%d 0 obj\n", i+1))) {
			t.Errorf("object %d not at %d", i+1, off)
		}
	}
	if !bytes.Contains(pdf, []byte(fmt.Sprintf("/Count %d", len(w.pages)))) {
		t.Error("page count")
	}
	for _, s := range regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[s[2]:s[3]]))
		if !bytes.HasPrefix(pdf[s[1]+n:], []byte("endstream")) {
			t.Errorf("stream length %d", n)
		}
	}
	for _, want := range []string{`(a \(title\))`, `parens \( \) and a backslash \\ and \351 and ?`, "+14155550119"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	for _, page := range w.pages {
		for _, l := range page {
			if l.y < margin || len(l.text) > 100 {
				t.Errorf("line %q at y %v", l.text, l.y)
			}
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, []string{""}},
		{"a b c", 10, []string{"a b c"}},
		{"aaaa bbbb cccc", 9, []string{"aaaa bbbb", "cccc"}},
		{"abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
	} {
		if got := wrap(tc.in, tc.n); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
