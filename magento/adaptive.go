package magento

import (
	"math"
	"strings"
	"time"
)

// Parameters of the gradient policy; the package documentation says why
// each has its value.
const (
	// gradientInitial is the limit a run starts at.
	gradientInitial = 4
	// gradientSlowStartExit ends slow start: a round whose answers took
	// more than this many times their route's floor, on average.
	gradientSlowStartExit = 1.25
	// gradientTolerance is the latency, as a multiple of the floor, up to
	// which the limit keeps growing once slow start is over.
	gradientTolerance = 1.5
	// gradientSmoothing is the share of the step towards the new limit
	// that one round takes.
	gradientSmoothing = 0.5
	// gradientMinGradient bounds the cut of one round caused by latency
	// alone.
	gradientMinGradient = 0.5
	// gradientBackoff multiplies the limit on a 429 or 503.
	gradientBackoff = 0.5
	// gradientMaxRatio caps one answer's latency, as a multiple of its
	// floor, in a round's average, so that one stall does not count as a
	// queue.
	gradientMaxRatio = 4
)

// gradient is the policy of --parallelism auto: a latency-gradient limiter
// in the manner of TCP Vegas and Netflix's concurrency-limits gradient2.
// The package documentation describes it.
type gradient struct {
	max       float64
	limit     float64
	slowStart bool

	// round counts the updates of the limit and cut its decreases; a
	// ticket carries both, so that answers to requests sent before the
	// limit last changed do not count twice.
	round, cut uint64

	// The current round: its answers, the sum of their latency ratios and
	// the most requests that were in flight when one of them came.
	n    int
	sum  float64
	peak int
}

// floors are the lowest latencies of the successful answers, by route.
type floors map[string]*routeFloor

// routeFloor is the lowest latency of one route's successful answers.
type routeFloor struct {
	floor   time.Duration
	answers int
}

// observe takes one answer's latency and returns its route's floor.
func (fs floors) observe(route string, rtt time.Duration) time.Duration {
	f := fs[route]
	if f == nil {
		f = &routeFloor{floor: rtt}
		fs[route] = f
	}
	f.answers++
	f.floor = min(f.floor, rtt)
	return f.floor
}

// busiest returns the route answered most often and its floor.
func (fs floors) busiest() (string, time.Duration) {
	route, best := "", (*routeFloor)(nil)
	for r, f := range fs {
		if best == nil || f.answers > best.answers || f.answers == best.answers && r < route {
			route, best = r, f
		}
	}
	if best == nil {
		return "", 0
	}
	return route, best.floor
}

// newGradientLimiter returns the limiter of --parallelism auto, with a
// ceiling of max.
func newGradientLimiter(max int) *limiter {
	if max < 1 {
		max = 1
	}
	initial := min(gradientInitial, max)
	g := &gradient{max: float64(max), limit: float64(initial), slowStart: true}
	return newPolicyLimiter(max, initial, g)
}

func (g *gradient) stamp(t *ticket) { t.round, t.cut = g.round, g.cut }

func (g *gradient) observe(_ time.Time, t ticket, s sample) int {
	switch s.outcome {
	case outcomeThrottled:
		// The store refused: cut at once, once per burst (the answers to
		// requests sent before the cut say nothing about the new limit).
		if t.cut == g.cut {
			g.limit = max(1, math.Floor(g.limit*gradientBackoff))
			g.slowStart = false
			g.cut++
			g.nextRound()
		}
	case outcomeSuccess:
		if s.rtt > 0 && s.floor > 0 {
			g.measure(t, s)
		}
	}
	return g.current()
}

// current is the limit as a number of requests.
func (g *gradient) current() int {
	return max(1, int(g.limit))
}

// measure takes one answer's latency, as a multiple of its route's floor,
// into the current round, and ends the round when it has as many answers
// as the limit.
func (g *gradient) measure(t ticket, s sample) {
	ratio := min(float64(s.rtt)/float64(s.floor), gradientMaxRatio)
	if g.slowStart && ratio <= gradientSlowStartExit && float64(s.inFlight) >= g.limit/2 {
		// Slow start: one more for every answer that came back as fast
		// as the floor allows, which doubles the limit every round trip.
		g.limit = min(g.max, g.limit+1)
	}
	if t.round != g.round {
		return
	}
	g.n++
	g.sum += ratio
	g.peak = max(g.peak, s.inFlight)
	if g.n < g.current() {
		return
	}
	g.update(g.sum / float64(g.n))
}

// update sets the limit at the end of a round whose answers took ratio
// times their floor on average.
func (g *gradient) update(ratio float64) {
	// A round that never used half the limit says nothing about a larger
	// one: the limit does not grow past what was used.
	appLimited := float64(g.peak) < g.limit/2
	if g.slowStart {
		if ratio <= gradientSlowStartExit {
			g.nextRound()
			return
		}
		g.slowStart = false
	}
	gradient := min(1, max(gradientMinGradient, gradientTolerance/ratio))
	target := g.limit*gradient + math.Sqrt(g.limit)
	if appLimited {
		target = min(target, g.limit)
	}
	g.limit = min(g.max, max(1, g.limit+gradientSmoothing*(target-g.limit)))
	g.nextRound()
}

func (g *gradient) nextRound() {
	g.round++
	g.n, g.sum, g.peak = 0, 0, 0
}

// routeOf is the route of a request for its latency floor: the method and
// the path with every segment that holds a digit (an id, a bulk uuid),
// other than the API version (V1), replaced by ":id".
func routeOf(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "0123456789") && !isVersion(s) {
			segs[i] = ":id"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// isVersion reports whether a path segment is an API version such as V1.
func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'V' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
