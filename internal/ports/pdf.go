package ports

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A small PDF writer: pages of text in the two standard Helvetica fonts,
// which every PDF reader has, so nothing is embedded. An LOA is a page or
// two of text; a library (fonts, images, layout) would be far more than
// it needs, and this is about 150 lines with no dependency.

// Letter-size pages, in points, with one-inch margins.
const (
	pageWidth  = 612
	pageHeight = 792
	margin     = 72
)

// pdfText is one line of text on a page.
type pdfText struct {
	x, y float64
	size float64
	bold bool
	text string
}

// pdfWriter lays text out top to bottom, starting a page when one is full.
type pdfWriter struct {
	pages [][]pdfText
	y     float64
	title string
}

func newPDF(title string) *pdfWriter {
	w := &pdfWriter{title: title}
	w.newPage()
	return w
}

func (w *pdfWriter) newPage() {
	w.pages = append(w.pages, nil)
	w.y = pageHeight - margin
}

// line writes text (wrapped to the page's width) at size, indented by
// indent points, and moves down.
func (w *pdfWriter) line(text string, size float64, bold bool, indent float64) {
	width := float64(pageWidth-2*margin) - indent
	// Helvetica's average glyph is about half its size wide.
	perLine := max(int(width/(size*0.5)), 10)
	for _, l := range wrap(text, perLine) {
		if w.y-size*1.35 < margin {
			w.newPage()
		}
		w.y -= size * 1.35
		p := len(w.pages) - 1
		w.pages[p] = append(w.pages[p], pdfText{x: margin + indent, y: w.y, size: size, bold: bold, text: l})
	}
}

// space moves down by points.
func (w *pdfWriter) space(points float64) { w.y -= points }

// wrap cuts text into lines of at most n characters at spaces.
func wrap(text string, n int) []string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := ""
	for _, word := range words {
		for len(word) > n {
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			lines, word = append(lines, word[:n]), word[n:]
		}
		switch {
		case cur == "":
			cur = word
		case len(cur)+1+len(word) <= n:
			cur += " " + word
		default:
			lines, cur = append(lines, cur), word
		}
	}
	return append(lines, cur)
}

// bytes renders the document: catalog, page tree, two fonts, then each
// page and its content stream, the cross-reference table and trailer.
func (w *pdfWriter) bytes() []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(w.pages)
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj("<< /Producer (Numan) /Title (" + pdfString(w.title) + ") >>")
	for _, page := range w.pages {
		var c bytes.Buffer
		for _, t := range page {
			font := "F1"
			if t.bold {
				font = "F2"
			}
			fmt.Fprintf(&c, "BT /%s %s Tf %s %s Td (%s) Tj ET\n", font, num(t.size), num(t.x), num(t.y), pdfString(t.text))
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			pageWidth, pageHeight, len(offsets)+2))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", c.Len(), c.Bytes()))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// num writes a coordinate with at most two decimals.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// pdfString escapes text for a PDF literal string in WinAnsiEncoding:
// Latin-1 characters as themselves, anything else as '?'.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
