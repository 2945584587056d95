package mageseed

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// EscapeTerminal returns s with every character that a terminal could take
// as a command written as a visible escape, so that text a store returns
// (names, Magento's messages, ids) is printed as data: control characters
// (C0, DEL and C1, among them ESC, which starts colour and cursor sequences
// and OSC titles and hyperlinks, CR and BS, which overwrite what was printed,
// and newlines, which could forge a line of mageseed's own), the Unicode
// line and paragraph separators, the bidirectional formatting characters
// that reorder text (U+202E and friends, CVE-2021-42574) and bytes that are
// not UTF-8. kubectl escapes the text of API objects the same way since
// CVE-2021-25743.
//
// The escapes read as in Go: \n, \r, \t, \b, \x1b, \u202e. Text without any
// of these characters is returned unchanged.
func EscapeTerminal(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true // C0, DEL, C1 (0x9b is a one-byte CSI, 0x9d an OSC)
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true // arabic letter mark, left-to-right and right-to-left marks
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi embeddings, overrides and isolates
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}
