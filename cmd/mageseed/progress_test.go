package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mageseed/mageseed/apply"
)

// TestProgress: without a terminal, a plain line every few seconds and one
// at the end; on a terminal, a bar redrawn in place and cleared at the end;
// with --quiet, nothing.
func TestProgress(t *testing.T) {
	run := func(tty, off bool) string {
		var b bytes.Buffer
		p := newProgress(streams{err: &b, errTTY: tty}, off, "applying")
		now := p.start
		p.now = func() time.Time { return now }
		for i := 1; i <= 100; i++ {
			now = now.Add(time.Second)
			p.event(apply.Event{Done: i, Total: 100})
		}
		p.done()
		return b.String()
	}
	plain := run(false, false)
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	if len(lines) != 20 {
		t.Errorf("got %d lines without a terminal, want 20 (one per 5 s):\n%s", len(lines), plain)
	}
	if want := "mageseed: applying: 5/100 customers (1/s, about 1m35s left)"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "mageseed: applying: 100/100 customers") {
		t.Errorf("last line %q does not report the end", last)
	}
	bar := run(true, false)
	if !strings.Contains(bar, "\rapplying [===============               ] 50/100") || !strings.HasSuffix(bar, "\r") {
		t.Errorf("terminal output has no bar redrawn in place or is not cleared:\n%q", bar[:min(len(bar), 300)])
	}
	if quiet := run(true, true); quiet != "" {
		t.Errorf("--quiet printed %q", quiet)
	}

	// With the client's limit, every line shows it.
	var lb bytes.Buffer
	lp := newProgress(streams{err: &lb}, false, "applying")
	lp.now = func() time.Time { return lp.start.Add(10 * time.Second) }
	lp.parallelism = func() int { return 12 }
	lp.event(apply.Event{Done: 50, Total: 100})
	if got, want := lb.String(), "mageseed: applying: 50/100 customers (5/s, parallelism 12, about 10s left)\n"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}

	// A run shorter than the interval prints nothing off a terminal.
	var b bytes.Buffer
	p := newProgress(streams{err: &b}, false, "applying")
	p.event(apply.Event{Done: 1, Total: 1})
	if b.Len() != 0 {
		t.Errorf("a short run printed %q", b.String())
	}
}
