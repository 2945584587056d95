package magento

import (
	"context"
	"sync"
	"time"
)

// outcome classifies an answer for the limiter.
type outcome int

const (
	outcomeNeutral   outcome = iota // transport errors and answers that say nothing about load
	outcomeSuccess                  // 2xx and 4xx other than 429: the store kept up
	outcomeThrottled                // 429 or 503: the store asks us to slow down
)

// limiter is an AIMD concurrency limiter. Its limit starts at max, halves on
// a throttled answer (at most once per window) and grows by one every
// growEvery successes, back up to max. It also holds the client-wide pause
// that a Retry-After header asks for.
type limiter struct {
	max       int
	growEvery int
	window    time.Duration
	now       func() time.Time

	mu           sync.Mutex
	limit        int
	minLimit     int
	inFlight     int
	successes    int
	lastDecrease time.Time
	notBefore    time.Time
	// changed is closed and replaced whenever a waiter may proceed: a slot
	// was freed, the limit grew or a pause was set.
	changed chan struct{}
}

func newLimiter(max int) *limiter {
	if max < 1 {
		max = 1
	}
	return &limiter{
		max:       max,
		growEvery: 10,
		window:    time.Second,
		now:       time.Now,
		limit:     max,
		minLimit:  max,
		changed:   make(chan struct{}),
	}
}

// broadcast wakes every waiter. l.mu must be held.
func (l *limiter) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// acquire waits until a request may be sent: no pause is in force and fewer
// than limit requests are in flight. It returns ctx's error if ctx ends first.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		wait := l.notBefore.Sub(l.now())
		if wait <= 0 && l.inFlight < l.limit {
			l.inFlight++
			l.mu.Unlock()
			return nil
		}
		changed := l.changed
		l.mu.Unlock()

		var t *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// release frees the slot taken by acquire and adapts the limit to the
// answer. It returns the limit before and after.
func (l *limiter) release(o outcome) (before, after int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	before = l.limit
	l.inFlight--
	switch o {
	case outcomeThrottled:
		now := l.now()
		if l.lastDecrease.IsZero() || now.Sub(l.lastDecrease) >= l.window {
			l.limit = max(1, l.limit/2)
			l.minLimit = min(l.minLimit, l.limit)
			l.lastDecrease = now
		}
		l.successes = 0
	case outcomeSuccess:
		if l.limit < l.max {
			l.successes++
			if l.successes >= l.growEvery {
				l.limit++
				l.successes = 0
			}
		}
	}
	l.broadcast()
	return before, l.limit
}

// pause stops every request until d from now (a Retry-After). A shorter
// pause never cuts a longer one short.
func (l *limiter) pause(d time.Duration) {
	if d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.now().Add(d)
	if until.After(l.notBefore) {
		l.notBefore = until
	}
	l.broadcast()
}

// state returns the current and smallest limit and the requests in flight.
func (l *limiter) state() (limit, minLimit, inFlight int, pausedUntil time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.minLimit, l.inFlight, l.notBefore
}
