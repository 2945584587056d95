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

func (r *redactor) scrub(s string) string {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, mask)
		}
	}
	return s
}
