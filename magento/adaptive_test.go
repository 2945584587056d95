package magento

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

const testRoute = "POST /rest/default/V1/customers"

// driver feeds a limiter synthetic answers, without a network or sleeps:
// send lets requests go as long as the limiter allows, answer gives one
// back with the latency the test chooses.
type driver struct {
	tb      testing.TB
	l       *limiter
	clock   *fakeClock
	pending []ticket
	top     int // the most requests in flight at once
}

func newDriver(tb testing.TB, max int) *driver {
	tb.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	l := newGradientLimiter(max)
	l.now = clock.now
	return &driver{tb: tb, l: l, clock: clock}
}

// fill lets requests go until the limiter holds the next one back.
func (d *driver) fill() {
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	for {
		t, _, ok := d.l.take()
		if !ok {
			break
		}
		d.pending = append(d.pending, t)
		d.top = max(d.top, d.l.inFlight)
	}
}

// answer gives back the oldest request in flight with outcome o and
// latency rtt, then fills the free slots again.
func (d *driver) answer(o outcome, rtt time.Duration) {
	d.tb.Helper()
	if len(d.pending) == 0 {
		d.tb.Fatal("answer with no request in flight")
	}
	t := d.pending[0]
	d.pending = d.pending[1:]
	d.l.release(t, sample{outcome: o, rtt: rtt, route: testRoute})
	d.fill()
}

// answers gives back n requests, each with latency rtt.
func (d *driver) answers(n int, rtt time.Duration) {
	d.tb.Helper()
	for range n {
		d.answer(outcomeSuccess, rtt)
	}
}

func (d *driver) limit() int { return d.l.state().limit }

func TestGradientSlowStartDoublesWhileLatencyIsFlat(t *testing.T) {
	d := newDriver(t, 64)
	d.fill()
	// Each answer within 1.5 times the floor adds one: the limit doubles
	// with every round of answers.
	var got []int
	for range 6 {
		got = append(got, d.limit())
		d.answers(d.limit(), 50*time.Millisecond)
	}
	want := []int{4, 8, 16, 32, 64, 64}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("limits round by round = %v, want %v", got, want)
	}
	if d.top > 64 {
		t.Errorf("%d requests in flight at once, above the ceiling of 64", d.top)
	}
}

func TestGradientNeverExceedsCeiling(t *testing.T) {
	for _, ceiling := range []int{1, 3, 10, 64} {
		t.Run(fmt.Sprint(ceiling), func(t *testing.T) {
			d := newDriver(t, ceiling)
			d.fill()
			// Answers faster than any before them keep the ratio at
			// one or below, which asks for growth every round.
			rtt := time.Second
			for range 2000 {
				d.answer(outcomeSuccess, rtt)
				if rtt > time.Millisecond {
					rtt -= time.Millisecond / 2
				}
				if st := d.l.state(); st.limit > ceiling || st.inFlight > ceiling {
					t.Fatalf("limit %d, in flight %d: above the ceiling of %d", st.limit, st.inFlight, ceiling)
				}
			}
			if d.top != ceiling || d.l.state().peakLimit != ceiling {
				t.Errorf("at most %d in flight, peak limit %d; want both at the ceiling of %d", d.top, d.l.state().peakLimit, ceiling)
			}
		})
	}
}

func TestGradientBacksOffOnThrottling(t *testing.T) {
	for _, o := range []struct {
		name   string
		status int
	}{{"503", 503}, {"429", 429}} {
		t.Run(o.name, func(t *testing.T) {
			d := newDriver(t, 64)
			d.fill()
			for d.limit() < 32 {
				d.answers(d.limit(), 50*time.Millisecond)
			}
			if got := d.limit(); got != 32 {
				t.Fatalf("limit %d before the refusal, want 32", got)
			}
			// A burst of refusals of requests sent at the old limit
			// halves it once.
			for range 10 {
				d.answer(outcomeThrottled, time.Millisecond)
			}
			if got := d.limit(); got != 16 {
				t.Fatalf("limit %d after a burst of %ds, want 16 (halved once)", got, o.status)
			}
			// A refusal of a request sent after the cut halves again.
			for len(d.pending) > 0 && d.pending[0].cut == 0 {
				d.answer(outcomeSuccess, 50*time.Millisecond)
			}
			d.answer(outcomeThrottled, time.Millisecond)
			if got := d.limit(); got != 8 {
				t.Errorf("limit %d after a refusal at the new limit, want 8", got)
			}
			// Slow start is over: a flat round now raises the limit by a
			// quarter and half its square root (8 → 11), not twice over.
			for n := 0; n < 3*8 && d.limit() == 8; n++ {
				d.answer(outcomeSuccess, 50*time.Millisecond)
			}
			if got := d.limit(); got != 11 {
				t.Errorf("limit %d after a flat round from 8, want 11", got)
			}
		})
	}
}

func TestGradientBacksOffOnRisingLatency(t *testing.T) {
	d := newDriver(t, 64)
	d.fill()
	for d.limit() < 64 {
		d.answers(d.limit(), 50*time.Millisecond)
	}
	// The store slows down: each answer takes three times the floor. The
	// limit is cut within three rounds of answers (the answers to requests
	// sent before the last change do not count), each time by half at
	// most.
	prev := d.limit()
	for round := 0; round < 4; round++ {
		for n := 0; n < 3*prev && d.limit() == prev; n++ {
			d.answer(outcomeSuccess, 150*time.Millisecond)
		}
		got := d.limit()
		if got >= prev || got < prev/2 {
			t.Fatalf("round %d of slow answers: limit %d after %d, want a cut of at most half", round, got, prev)
		}
		prev = got
	}
	// It settles where latency is within the tolerance again: with the
	// queue the limit leaves, answers at twice the floor hold it still.
	for range 20 {
		d.answers(prev, 100*time.Millisecond)
		prev = d.limit()
	}
	if prev < 4 || prev > 32 {
		t.Errorf("limit %d after rounds at twice the floor, want it between 4 and 32", prev)
	}
	if route, floor := d.l.floors.busiest(); floor != 50*time.Millisecond || route != testRoute {
		t.Errorf("floor %s of %q, want 50ms of %q", floor, route, testRoute)
	}
}

func TestGradientIgnoresAFewStalls(t *testing.T) {
	d := newDriver(t, 64)
	d.fill()
	for d.limit() < 64 {
		d.answers(d.limit(), 50*time.Millisecond)
	}
	// One answer in five stalls for four times the floor, as on a busy
	// machine: the lower quartile of every round stays at the floor, so
	// neither slow start nor the limit is cut.
	for i := range 20 * 64 {
		rtt := 50 * time.Millisecond
		if i%5 == 0 {
			rtt = 200 * time.Millisecond
		}
		d.answer(outcomeSuccess, rtt)
	}
	if got := d.limit(); got != 64 || !d.l.policy.(*gradient).slowStart {
		t.Errorf("limit %d (slow start %v) after rounds with a fifth of stalls, want 64 and slow start still on", got, d.l.policy.(*gradient).slowStart)
	}
}

func TestGradientDoesNotGrowWhenIdle(t *testing.T) {
	d := newDriver(t, 64)
	// One request at a time, never more: the limit has no reason to grow
	// past the start.
	for range 100 {
		d.l.mu.Lock()
		tk, _, ok := d.l.take()
		d.l.mu.Unlock()
		if !ok {
			t.Fatal("a lone request was held back")
		}
		d.l.release(tk, sample{outcome: outcomeSuccess, rtt: 50 * time.Millisecond, route: testRoute})
	}
	if got := d.limit(); got != gradientInitial {
		t.Errorf("limit %d after 100 lone requests, want %d", got, gradientInitial)
	}
}

func TestGradientFloorsPerRoute(t *testing.T) {
	d := newDriver(t, 64)
	d.fill()
	// A fast route and a slow one, interleaved: each is compared with
	// its own floor, so the mix looks flat and slow start goes on.
	for range 4 {
		n := d.limit()
		for i := range n {
			tk := d.pending[0]
			d.pending = d.pending[1:]
			s := sample{outcome: outcomeSuccess, rtt: 5 * time.Millisecond, route: "GET /rest/default/V1/directory/countries"}
			if i%2 == 0 {
				s.rtt, s.route = 200*time.Millisecond, testRoute
			}
			d.l.release(tk, s)
			d.fill()
		}
	}
	if got := d.limit(); got != 64 {
		t.Errorf("limit %d, want 64: a mix of fast and slow routes is not a queue", got)
	}
}

func TestRouteOf(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"POST", "/rest/default/V1/customers", "POST /rest/default/V1/customers"},
		{"PUT", "/rest/default/V1/customers/42", "PUT /rest/default/V1/customers/:id"},
		{"GET", "/rest/V1/bulk/9b1c-44ee/status", "GET /rest/V1/bulk/:id/status"},
	} {
		if got := routeOf(tt.method, tt.path); got != tt.want {
			t.Errorf("routeOf(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// The simulation below runs a limiter against a model of a store with a
// pool of workers, in virtual time: the store serves at most workers
// requests at once, each for service (with ±10% seeded jitter), queues at
// most queue more and refuses the rest with 503 at once. A refused create
// is sent again after retryDelay, as apply does after it looked the email
// up. It checks the targets of --parallelism auto in this model.

type simEvent struct {
	at   time.Duration
	kind int // simDone, simRefused, simReady
	tk   ticket
	sent time.Duration
	seq  int
}

const (
	simDone = iota
	simRefused
	simReady
)

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type simResult struct {
	elapsed  time.Duration
	requests int
	refused  int
	peak     int
}

func simulate(l *limiter, jobs, workers, queue int, service time.Duration, noise float64) simResult {
	const retryDelay = 500 * time.Millisecond
	epoch := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var now time.Duration
	l.now = func() time.Time { return epoch.Add(now) }
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		events  simQueue
		seq     int
		busy    int
		waiting []simEvent
		ready   = jobs
		done    int
		res     simResult
	)
	push := func(e simEvent) {
		seq++
		e.seq = seq
		heap.Push(&events, e)
	}
	serve := func(e simEvent) {
		busy++
		e.kind = simDone
		e.at = now + service + time.Duration((rng.Float64()-0.5)*0.2*float64(service))
		if noise > 0 {
			// A stall: an exponential extra delay with mean noise·service.
			e.at += time.Duration(rng.ExpFloat64() * noise * float64(service))
		}
		push(e)
	}
	for done < jobs {
		for ready > 0 {
			l.mu.Lock()
			tk, _, ok := l.take()
			l.mu.Unlock()
			if !ok {
				break
			}
			ready--
			res.requests++
			res.peak = max(res.peak, l.state().inFlight)
			e := simEvent{tk: tk, sent: now}
			switch {
			case workers == 0 || busy < workers:
				serve(e)
			case len(waiting) < queue:
				waiting = append(waiting, e)
			default:
				e.kind, e.at = simRefused, now+time.Millisecond
				push(e)
			}
		}
		e := heap.Pop(&events).(simEvent)
		now = e.at
		switch e.kind {
		case simDone:
			busy--
			done++
			l.release(e.tk, sample{outcome: outcomeSuccess, rtt: now - e.sent, route: testRoute})
			if len(waiting) > 0 {
				next := waiting[0]
				waiting = waiting[1:]
				serve(next)
			}
		case simRefused:
			res.refused++
			l.release(e.tk, sample{outcome: outcomeThrottled})
			push(simEvent{kind: simReady, at: now + retryDelay})
		case simReady:
			ready++
		}
	}
	res.elapsed = now
	return res
}

func TestGradientAgainstSimulatedWorkerPool(t *testing.T) {
	const (
		jobs    = 1000
		service = 50 * time.Millisecond
	)
	for _, pool := range []struct {
		workers, queue int
		noise          float64
	}{{8, 16, 0}, {32, 64, 0}, {0, 0, 0}, {8, 16, 0.5}, {32, 64, 0.5}, {0, 0, 0.5}} {
		t.Run(fmt.Sprintf("workers=%d,queue=%d,noise=%v", pool.workers, pool.queue, pool.noise), func(t *testing.T) {
			best, fixed64 := time.Duration(0), time.Duration(0)
			for _, n := range []int{4, 8, 16, 32, 64} {
				r := simulate(newLimiter(n), jobs, pool.workers, pool.queue, service, pool.noise)
				t.Logf("fixed %2d: %s, %d requests, %d refused", n, r.elapsed.Round(time.Millisecond), r.requests, r.refused)
				if best == 0 || r.elapsed < best {
					best = r.elapsed
				}
				if n == 64 {
					fixed64 = r.elapsed
				}
			}
			l := newGradientLimiter(64)
			r := simulate(l, jobs, pool.workers, pool.queue, service, pool.noise)
			st := l.state()
			t.Logf("auto    : %s, %d requests, %d refused, peak limit %d, final %d, %.2fx the best fixed",
				r.elapsed.Round(time.Millisecond), r.requests, r.refused, st.peakLimit, st.limit, r.elapsed.Seconds()/best.Seconds())
			if r.peak > 64 {
				t.Errorf("%d requests in flight at once, above the ceiling", r.peak)
			}
			if pool.workers == 0 {
				if ratio := fixed64.Seconds() / r.elapsed.Seconds(); ratio < 0.8 {
					t.Errorf("auto reached %.2fx the throughput of 64 fixed, want at least 0.8", ratio)
				}
				return
			}
			if ratio := r.elapsed.Seconds() / best.Seconds(); ratio > 1.15 {
				t.Errorf("auto took %.2fx the time of the best fixed parallelism, want at most 1.15", ratio)
			}
			if share := float64(r.refused) / float64(r.requests); share >= 0.01 {
				t.Errorf("%d of %d requests refused (%.1f%%), want under 1%%", r.refused, r.requests, 100*share)
			}
		})
	}
}
