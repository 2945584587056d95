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

// sample is what the limiter learns from one answer.
type sample struct {
	outcome outcome
	// rtt is the time from the moment the limiter let the request go to
	// its answer's headers; 0 when the answer says nothing about the
	// store's latency (anything but a 2xx).
	rtt time.Duration
	// route is the request's method and path with its ids replaced
	// ("POST /rest/default/V1/customers"): answers of one route are
	// compared with that route's own latency floor.
	route string
	// floor is the lowest latency of the route's successful answers so
	// far, this one included, and inFlight the number of requests in
	// flight when the answer came, its own included; the limiter sets
	// both.
	floor    time.Duration
	inFlight int
}

// ticket is handed to a request when the limiter lets it go, and given
// back with its answer.
type ticket struct {
	// round and cut are the policy's counters when the request was let go:
	// the limit's updates and decreases so far.
	round, cut uint64
}

// limitPolicy decides the concurrency limit from the answers. The limiter calls
// it with its lock held.
type limitPolicy interface {
	// stamp marks a request that the limiter lets go.
	stamp(t *ticket)
	// observe adapts to one answer and returns the new limit.
	observe(now time.Time, t ticket, s sample) int
}

// limiter bounds the requests in flight by a limit that its policy adapts
// to the answers: aimd for a fixed --parallelism, gradient for auto. It also
// holds the client-wide pause that a Retry-After header asks for.
type limiter struct {
	max    int
	now    func() time.Time
	policy limitPolicy

	mu        sync.Mutex
	limit     int
	minLimit  int
	peakLimit int
	inFlight  int
	notBefore time.Time
	floors    floors
	// changed is closed and replaced whenever a waiter may proceed: a slot
	// was freed, the limit grew or a pause was set.
	changed chan struct{}
}

// newLimiter returns the limiter of a fixed parallelism: AIMD from max.
func newLimiter(max int) *limiter {
	if max < 1 {
		max = 1
	}
	return newPolicyLimiter(max, max, &aimd{max: max, limit: max, growEvery: 10, window: time.Second})
}

func newPolicyLimiter(max, initial int, p limitPolicy) *limiter {
	return &limiter{
		max:       max,
		now:       time.Now,
		policy:    p,
		limit:     initial,
		minLimit:  initial,
		peakLimit: initial,
		floors:    floors{},
		changed:   make(chan struct{}),
	}
}

// broadcast wakes every waiter. l.mu must be held.
func (l *limiter) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// acquire waits until a request may be sent: no pause is in force and fewer
// than limit requests are in flight. It returns ctx's error if ctx ends first,
// and otherwise the request's ticket, to give back to release.
func (l *limiter) acquire(ctx context.Context) (ticket, error) {
	for {
		if err := ctx.Err(); err != nil {
			return ticket{}, err
		}
		l.mu.Lock()
		t, wait, ok := l.take()
		if ok {
			l.mu.Unlock()
			return t, nil
		}
		changed := l.changed
		l.mu.Unlock()

		var tm *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			tm = time.NewTimer(wait)
			timer = tm.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

// take lets a request go when no pause is in force and fewer than limit
// requests are in flight; otherwise it returns the pause left, if any.
// l.mu must be held.
func (l *limiter) take() (t ticket, wait time.Duration, ok bool) {
	wait = l.notBefore.Sub(l.now())
	if wait > 0 || l.inFlight >= l.limit {
		return ticket{}, wait, false
	}
	l.inFlight++
	l.policy.stamp(&t)
	return t, 0, true
}

// release frees the slot taken by acquire and lets the policy adapt the
// limit to the answer. It returns the limit before and after.
func (l *limiter) release(t ticket, s sample) (before, after int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	before = l.limit
	s.inFlight = l.inFlight
	if s.outcome == outcomeSuccess && s.rtt > 0 && s.route != "" {
		s.floor = l.floors.observe(s.route, s.rtt)
	}
	l.inFlight--
	l.limit = min(max(l.policy.observe(l.now(), t, s), 1), l.max)
	l.minLimit = min(l.minLimit, l.limit)
	l.peakLimit = max(l.peakLimit, l.limit)
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

// limiterState is a snapshot of a limiter.
type limiterState struct {
	limit, minLimit, peakLimit, inFlight int
	// floor and floorRoute are the latency floor of the route answered
	// most often, and that route.
	floor      time.Duration
	floorRoute string
}

// state returns a snapshot of the limit and the requests in flight.
func (l *limiter) state() limiterState {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := limiterState{limit: l.limit, minLimit: l.minLimit, peakLimit: l.peakLimit, inFlight: l.inFlight}
	st.floorRoute, st.floor = l.floors.busiest()
	return st
}

// aimd is the policy of a fixed parallelism. Its limit starts at max,
// halves on a throttled answer (at most once per window) and grows by one
// every growEvery successes, back up to max.
type aimd struct {
	max       int
	growEvery int
	window    time.Duration

	limit        int
	successes    int
	lastDecrease time.Time
}

func (a *aimd) stamp(*ticket) {}

func (a *aimd) observe(now time.Time, _ ticket, s sample) int {
	switch s.outcome {
	case outcomeThrottled:
		if a.lastDecrease.IsZero() || now.Sub(a.lastDecrease) >= a.window {
			a.limit = max(1, a.limit/2)
			a.lastDecrease = now
		}
		a.successes = 0
	case outcomeSuccess:
		if a.limit < a.max {
			a.successes++
			if a.successes >= a.growEvery {
				a.limit++
				a.successes = 0
			}
		}
	}
	return a.limit
}
