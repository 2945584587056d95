package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// redactor is an io.Writer that replaces every known secret (passwords,
// tokens, interpolated values) with "***" before passing output on, in
// every encoding a secret can take on its way back from a store or through
// mageseed's own printers: raw, JSON-escaped (as Go and PHP's json_encode
// write it, with upper- or lower-case hex, and JSON-escaped twice),
// Go-quoted, URL-encoded (query, path and full percent-encoding, either
// case of hex) and HTML-escaped. See encodings.
//
// It passes output on as soon as it can: it holds back only the end of a
// write that could be the start of a secret (at most one byte less than the
// longest encoded secret), and only until the next write or Flush shows
// whether it is one. A live progress line ("\r" frames without a newline)
// therefore reaches the terminal at once, and a secret split across two
// writes is still masked whole.
//
// Every byte mageseed prints goes through one of these, so a secret that
// reaches a message by accident is masked all the same.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets map[string]bool // as registered, for deduplication
	m       matcher
	pending []byte // the held-back end of what was written
	prev    byte   // the last byte passed on, for the word rule
	out     []byte // reused output buffer
}

const mask = "***"

func newRedactor(w io.Writer) *redactor {
	return &redactor{w: w, secrets: make(map[string]bool)}
}

// Add registers secrets to mask. Empty strings are ignored.
func (r *redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var fresh []string
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if s == "" || r.secrets[s] {
			continue
		}
		r.secrets[s] = true
		fresh = append(fresh, encodings(s)...)
	}
	if len(fresh) > 0 {
		r.m.add(fresh)
	}
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.emit(p, false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back, masked.
func (r *redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.emit(nil, true)
}

// emit scans what is pending plus p and writes everything that cannot be
// the start of a secret; with final it writes everything.
func (r *redactor) emit(p []byte, final bool) error {
	buf := p
	if len(r.pending) > 0 {
		r.pending = append(r.pending, p...)
		buf = r.pending
	}
	if len(buf) == 0 {
		return nil
	}
	out := r.out[:0]
	i := r.m.scan(buf, r.prev, final, func(b []byte) { out = append(out, b...) })
	if i > 0 {
		r.prev = buf[i-1]
	}
	rest := buf[i:]
	if len(rest) > 0 {
		r.pending = append(r.pending[:0:0], rest...)
	} else {
		r.pending = r.pending[:0]
	}
	r.out = out
	if len(out) == 0 {
		return nil
	}
	_, err := r.w.Write(out)
	if cap(r.out) > 64<<10 {
		r.out = nil // do not keep a large buffer for ever
	}
	return err
}

// shortSecret is the length under which a secret is masked only where it
// stands as a word of its own: a one-letter password must not turn
// "websites" into "we***sites".
const shortSecret = 6

// matcher finds many secrets in text in one pass. Candidates are indexed
// by their first two bytes and looked up by length, so the cost of a byte
// of output grows with the number of distinct secret lengths, not with the
// number of secrets.
type matcher struct {
	first  [256]bool               // bytes some secret starts with
	first2 [1 << 16]bool           // pairs of bytes some secret starts with
	bylen  map[int]map[string]bool // secrets by length
	lens   []int                   // the lengths, longest first
	sorted []string                // secrets, sorted, for prefix checks
	recent []string                // secrets added since sorted was last sorted
	maxLen int
}

// maxRecent bounds matcher.recent: secrets registered one at a time (a
// token per customer) are sorted in batches, not one sort each.
const maxRecent = 1024

func (m *matcher) add(secrets []string) {
	if m.bylen == nil {
		m.bylen = make(map[int]map[string]bool)
	}
	for _, s := range secrets {
		m.first[s[0]] = true
		if len(s) >= 2 {
			m.first2[int(s[0])<<8|int(s[1])] = true
		}
		m.maxLen = max(m.maxLen, len(s))
		set := m.bylen[len(s)]
		if set == nil {
			set = make(map[string]bool)
			m.bylen[len(s)] = set
			m.lens = append(m.lens, len(s))
		}
		set[s] = true
	}
	sort.Sort(sort.Reverse(sort.IntSlice(m.lens)))
	m.recent = append(m.recent, secrets...)
	if len(m.recent) > maxRecent {
		sort.Strings(m.recent)
		m.sorted = mergeSorted(m.sorted, m.recent)
		m.recent = m.recent[:0]
	}
}

// mergeSorted merges two sorted slices into a new sorted slice.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// scan writes buf through put with every secret masked, and returns how
// much of buf it consumed: all of it when final, else up to where the rest
// could still become a secret with more bytes. prev is the byte before buf.
func (m *matcher) scan(buf []byte, prev byte, final bool, put func([]byte)) int {
	n := len(buf)
	from := 0 // start of the run of plain bytes not yet put
	i := 0
	for i < n {
		c := buf[i]
		if !m.first[c] {
			i++
			continue
		}
		before := prev
		if i > 0 {
			before = buf[i-1]
		}
		l, more := m.at(buf, i, before, final)
		if more {
			put(buf[from:i])
			return i
		}
		if l > 0 {
			put(buf[from:i])
			put([]byte(mask))
			i += l
			from = i
			continue
		}
		i++
	}
	put(buf[from:])
	return n
}

// at reports the length of the secret that starts at buf[i] (0 for none),
// or more when more bytes are needed to tell.
func (m *matcher) at(buf []byte, i int, before byte, final bool) (length int, more bool) {
	rest := buf[i:]
	if !final && len(rest) < m.maxLen && m.isProperPrefix(rest) {
		return 0, true
	}
	// word reports whether the secret of length l at i stands alone.
	word := func(l int) (ok, more bool) {
		if l >= shortSecret {
			return true, false
		}
		if isWordByte(before) {
			return false, false
		}
		if i+l == len(buf) {
			return true, !final
		}
		return !isWordByte(buf[i+l]), false
	}
	if len(rest) >= 2 && !m.first2[int(rest[0])<<8|int(rest[1])] && !m.bylen[1][string(rest[:1])] {
		return 0, false
	}
	for _, l := range m.lens {
		if l > len(rest) || !m.bylen[l][string(rest[:l])] {
			continue
		}
		if ok, more := word(l); more {
			return 0, true
		} else if ok {
			return l, false
		}
	}
	return 0, false
}

// isProperPrefix reports whether b is the start of a secret longer than b.
func (m *matcher) isProperPrefix(b []byte) bool {
	s := string(b)
	j := sort.SearchStrings(m.sorted, s)
	for ; j < len(m.sorted) && strings.HasPrefix(m.sorted[j], s); j++ {
		if len(m.sorted[j]) > len(s) {
			return true
		}
	}
	for _, r := range m.recent {
		if len(r) > len(s) && strings.HasPrefix(r, s) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// encodings returns s in every form it may take in output: raw; JSON-escaped
// as Go writes it (with and without HTML escaping) and as PHP's json_encode
// does (\/ and \uXXXX for non-ASCII), with lower- and upper-case hex;
// Go-quoted (%q); URL-encoded for a query, a path and in full; HTML-escaped;
// and each escaped form JSON-escaped or Go-quoted once more, as when an
// error that quotes a store's echo is printed with --json.
func encodings(s string) []string {
	if plainSecret(s) {
		return []string{s}
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	add(s)
	var level1 []string
	for _, v := range []string{
		jsonEscape(s, true), jsonEscape(s, false), phpJSONEscape(s), goQuote(s),
		url.QueryEscape(s), url.PathEscape(s), percentEncode(s),
		html.EscapeString(s), phpHTMLEscape(s),
	} {
		level1 = append(level1, v, upperHexEscapes(v), lowerPercent(v))
	}
	for _, v := range level1 {
		add(v)
	}
	for _, v := range level1 {
		if v == s {
			continue
		}
		add(jsonEscape(v, true))
		add(jsonEscape(v, false))
		add(goQuote(v))
	}
	return out
}

// plainSecret reports whether s is made of characters that no encoding
// changes: letters, digits, "-", "_", "." and "~".
func plainSecret(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// jsonEscape returns s as JSON writes it inside a string, without the quotes.
func jsonEscape(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		return s
	}
	v := strings.TrimSuffix(b.String(), "\n")
	return v[1 : len(v)-1]
}

// phpJSONEscape returns s as PHP's json_encode writes it with no flags (as
// Magento\Framework\Serialize\Serializer\Json::serialize does): "/" as \/
// and every non-ASCII character as \uXXXX.
func phpJSONEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/':
			b.WriteString(`\/`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// goQuote returns s as %q writes it, without the quotes.
func goQuote(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// percentEncode escapes every byte but the unreserved ones (RFC 3986), as
// PHP's rawurlencode does.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// phpHTMLEscape returns s as PHP's htmlspecialchars writes it.
func phpHTMLEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;").Replace(s)
}

// upperHexEscapes upper-cases the hex digits of \uXXXX escapes.
func upperHexEscapes(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	b := []byte(s)
	for i := 0; i+6 <= len(b); i++ {
		if b[i] == '\\' && b[i+1] == 'u' {
			for j := i + 2; j < i+6; j++ {
				if b[j] >= 'a' && b[j] <= 'f' {
					b[j] -= 'a' - 'A'
				}
			}
			i += 5
		}
	}
	return string(b)
}

// lowerPercent lower-cases the hex digits of %XX escapes.
func lowerPercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if b[j] >= 'A' && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
			i += 2
		}
	}
	return string(b)
}
