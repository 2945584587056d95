package main

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"
)

// redactor is an io.Writer that replaces every known secret (passwords,
// tokens, interpolated values) with "***" before passing output on. It
// buffers up to the end of a line, so a secret split across two writes is
// still caught; Flush writes what is left.
//
// Every byte mageseed prints goes through one of these, so a secret that
// reaches a message by accident is masked all the same.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []string // longest first, so a secret that contains another is masked whole
	buf     bytes.Buffer
}

const mask = "***"

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// Add registers secrets to mask. Empty strings are ignored.
func (r *redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		r.secrets = append(r.secrets, s)
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Write(p)
	data := r.buf.Bytes()
	i := bytes.LastIndexByte(data, '\n')
	if i < 0 {
		return len(p), nil
	}
	out := r.scrub(string(data[:i+1]))
	rest := append([]byte(nil), data[i+1:]...)
	r.buf.Reset()
	r.buf.Write(rest)
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes any buffered partial line.
func (r *redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf.Len() == 0 {
		return nil
	}
	out := r.scrub(r.buf.String())
	r.buf.Reset()
	_, err := io.WriteString(r.w, out)
	return err
}

// shortSecret is the length under which a secret is masked only where it
// stands as a word of its own: a one-letter password must not turn
// "websites" into "we***sites".
const shortSecret = 6

func (r *redactor) scrub(s string) string {
	for _, secret := range r.secrets {
		if !strings.Contains(s, secret) {
			continue
		}
		if len(secret) >= shortSecret {
			s = strings.ReplaceAll(s, secret, mask)
			continue
		}
		s = replaceWords(s, secret)
	}
	return s
}

// replaceWords masks the occurrences of secret that no letter or digit
// touches on either side.
func replaceWords(s, secret string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, secret)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(secret)
		if (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j])) {
			b.WriteString(s[:i])
			b.WriteString(mask)
		} else {
			b.WriteString(s[:j])
		}
		s = s[j:]
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
