package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/mageseed/mageseed/apply"
)

// progress reports a long run on stderr: a live bar on a terminal, a plain
// line every few seconds otherwise. apply calls event from one goroutine
// only.
type progress struct {
	s       streams
	off     bool
	what    string
	start   time.Time
	last    time.Time
	every   time.Duration
	drawn   bool
	now     func() time.Time
	lastLen int
	// parallelism, when set, returns the client's concurrency limit now,
	// shown on every line.
	parallelism func() int
}

func newProgress(s streams, off bool, what string) *progress {
	p := &progress{s: s, off: off, what: what, now: time.Now, every: 5 * time.Second}
	if s.errTTY {
		p.every = 100 * time.Millisecond
	}
	p.start = p.now()
	p.last = p.start
	return p
}

func (p *progress) event(e apply.Event) {
	if p.off || e.Total == 0 {
		return
	}
	now := p.now()
	if now.Sub(p.last) < p.every && (e.Done != e.Total || now.Sub(p.start) < p.every) {
		// Report every interval, and at the end of a run that lasted one.
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(e.Done) / elapsed.Seconds()
	}
	left := ""
	if rate > 0 && e.Done < e.Total {
		eta := time.Duration(float64(e.Total-e.Done) / rate * float64(time.Second))
		left = ", about " + roundDuration(eta.Round(time.Second)) + " left"
	}
	if p.parallelism != nil {
		left = fmt.Sprintf(", parallelism %d", p.parallelism()) + left
	}
	if p.s.errTTY {
		const width = 30
		filled := width * e.Done / e.Total
		bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
		line := fmt.Sprintf("\r%s [%s] %d/%d %.0f/s%s", p.what, bar, e.Done, e.Total, rate, left)
		pad := ""
		if n := len(line); n < p.lastLen {
			pad = strings.Repeat(" ", p.lastLen-n)
		}
		p.lastLen = len(line)
		fmt.Fprint(p.s.err, line+pad)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.s.err, "mageseed: %s: %d/%d customers (%.0f/s%s)\n", p.what, e.Done, e.Total, rate, left)
}

// done clears the live bar, if one is drawn.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.s.err, "\r"+strings.Repeat(" ", p.lastLen)+"\r")
		p.drawn = false
	}
}
