package magento

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestLimiter(tb testing.TB, max int) (*limiter, *fakeClock) {
	tb.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	l := newLimiter(max)
	l.now = clock.now
	return l, clock
}

// step is one event in a limiter scenario.
type step struct {
	advance time.Duration
	outcome outcome
}

func TestLimiterAIMD(t *testing.T) {
	throttled := step{outcome: outcomeThrottled}
	success := step{outcome: outcomeSuccess}
	repeat := func(s step, n int) []step {
		out := make([]step, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	tests := []struct {
		name      string
		max       int
		steps     []step
		wantLimit int
		wantMin   int
	}{
		{
			name:      "successes at the ceiling keep it",
			max:       8,
			steps:     repeat(success, 50),
			wantLimit: 8, wantMin: 8,
		},
		{
			name:      "one 429 halves the limit",
			max:       8,
			steps:     []step{throttled},
			wantLimit: 4, wantMin: 4,
		},
		{
			name:      "a burst of 429s in one window halves once",
			max:       16,
			steps:     repeat(throttled, 5),
			wantLimit: 8, wantMin: 8,
		},
		{
			name:      "429s in separate windows halve each time, down to one",
			max:       16,
			steps:     []step{throttled, {advance: time.Second, outcome: outcomeThrottled}, {advance: time.Second, outcome: outcomeThrottled}, {advance: time.Second, outcome: outcomeThrottled}, {advance: time.Second, outcome: outcomeThrottled}, {advance: time.Second, outcome: outcomeThrottled}},
			wantLimit: 1, wantMin: 1,
		},
		{
			name:      "ten successes grow the limit by one",
			max:       8,
			steps:     append([]step{throttled}, repeat(success, 10)...),
			wantLimit: 5, wantMin: 4,
		},
		{
			name:      "nine successes do not",
			max:       8,
			steps:     append([]step{throttled}, repeat(success, 9)...),
			wantLimit: 4, wantMin: 4,
		},
		{
			name:      "growth stops at the ceiling",
			max:       8,
			steps:     append([]step{throttled}, repeat(success, 200)...),
			wantLimit: 8, wantMin: 4,
		},
		{
			name:      "a throttled answer resets the success count",
			max:       8,
			steps:     append(append(append([]step{throttled}, repeat(success, 9)...), throttled), repeat(success, 9)...),
			wantLimit: 4, wantMin: 4,
		},
		{
			name:      "neutral answers change nothing",
			max:       8,
			steps:     append([]step{throttled}, repeat(step{outcome: outcomeNeutral}, 30)...),
			wantLimit: 4, wantMin: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, clock := newTestLimiter(t, tt.max)
			for _, s := range tt.steps {
				clock.advance(s.advance)
				if _, err := l.acquire(context.Background()); err != nil {
					t.Fatalf("acquire: %v", err)
				}
				l.release(ticket{}, sample{outcome: s.outcome})
			}
			st := l.state()
			limit, minLimit, inFlight := st.limit, st.minLimit, st.inFlight
			if limit != tt.wantLimit || minLimit != tt.wantMin || inFlight != 0 {
				t.Errorf("limit, min, in flight = %d, %d, %d; want %d, %d, 0", limit, minLimit, inFlight, tt.wantLimit, tt.wantMin)
			}
		})
	}
}

func TestLimiterBlocksAtLimit(t *testing.T) {
	l, _ := newTestLimiter(t, 2)
	ctx := context.Background()
	for range 2 {
		if _, err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	acquired := make(chan error, 1)
	go func() { _, err := l.acquire(ctx); acquired <- err }()
	select {
	case err := <-acquired:
		t.Fatalf("third acquire returned %v while two requests were in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	l.release(ticket{}, sample{outcome: outcomeSuccess})
	if err := <-acquired; err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	inFlight := l.state().inFlight
	if inFlight != 2 {
		t.Errorf("in flight = %d, want 2", inFlight)
	}
}

func TestLimiterHalvingBlocksNewRequests(t *testing.T) {
	l, _ := newTestLimiter(t, 4)
	ctx := context.Background()
	for range 4 {
		if _, err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// One answer is a 429: the limit halves to 2 while 3 are still in
	// flight, so nothing new may start until two more finish.
	l.release(ticket{}, sample{outcome: outcomeThrottled})
	acquired := make(chan error, 1)
	go func() { _, err := l.acquire(ctx); acquired <- err }()
	l.release(ticket{}, sample{outcome: outcomeNeutral})
	select {
	case err := <-acquired:
		t.Fatalf("acquire returned %v with 2 in flight and a limit of 2", err)
	case <-time.After(20 * time.Millisecond):
	}
	l.release(ticket{}, sample{outcome: outcomeNeutral})
	if err := <-acquired; err != nil {
		t.Fatal(err)
	}
}

func TestLimiterAcquireHonoursContext(t *testing.T) {
	l, _ := newTestLimiter(t, 1)
	if _, err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := l.acquire(ctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("acquire = %v, want context.Canceled", err)
	}
	inFlight := l.state().inFlight
	if inFlight != 1 {
		t.Errorf("in flight = %d, want 1 (the cancelled waiter must not hold a slot)", inFlight)
	}
}

func TestLimiterPause(t *testing.T) {
	l := newLimiter(4)
	const pause = 150 * time.Millisecond
	start := time.Now()
	l.pause(pause)
	l.pause(time.Millisecond) // a shorter pause does not cut the first short
	if _, err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < pause {
		t.Errorf("acquire returned after %s, before the %s pause ended", got, pause)
	}
}
