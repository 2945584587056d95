package magento

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Parameters of the gradient policy; the package documentation says why
// each has its value.
const (
	// gradientInitial is the limit a run starts at.
	gradientInitial = 4
	// gradientTolerance is the latency, as a multiple of the floor, that
	// the limit aims at: during slow start an answer within it raises the
	// limit by one; after it, a round at it keeps the limit where it is
	// (but for the √limit allowance).
	gradientTolerance = 1.5
	// gradientSlowStartExit ends slow start: a round whose lower quartile
	// took more than this many times its floor.
	gradientSlowStartExit = 1.25
	// gradientSmoothing is the share of the step towards its target that
	// one round takes.
	gradientSmoothing = 0.5
	// gradientMinGradient bounds the cut of one round caused by latency
	// alone.
	gradientMinGradient = 0.5
	// gradientBackoff multiplies the limit on a 429 or 503.
	gradientBackoff = 0.5
	// gradientQuantile picks the answer that stands for a round: the lower
	// quartile of its latencies over their floors, which a queue raises
	// (every request waits in it) and a few stalled answers do not.
	gradientQuantile = 0.25
	// gradientMinRound is the fewest answers of a round, so that its
	// quartile is not one answer's luck.
	gradientMinRound = 8
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

	// The current round: its answers' latencies over their floors, and the
	// most requests that were in flight when one of them came.
	ratios []float64
	peak   int
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
// as the limit (and at least gradientMinRound).
func (g *gradient) measure(t ticket, s sample) {
	ratio := float64(s.rtt) / float64(s.floor)
	if g.slowStart && ratio <= gradientTolerance && float64(s.inFlight) >= g.limit/2 {
		// Slow start: one more for every answer that came back within
		// the tolerance while the limit was in use, which doubles the
		// limit every round trip.
		g.limit = min(g.max, g.limit+1)
	}
	if t.round != g.round {
		return
	}
	g.ratios = append(g.ratios, ratio)
	g.peak = max(g.peak, s.inFlight)
	if len(g.ratios) < max(g.current(), gradientMinRound) {
		return
	}
	slices.Sort(g.ratios)
	g.update(g.ratios[int(gradientQuantile*float64(len(g.ratios)-1))])
}

// update sets the limit at the end of a round whose lower quartile took
// ratio times its floor.
func (g *gradient) update(ratio float64) {
	// A round that never used half the limit says nothing about a larger
	// one: the limit does not grow past what was used.
	noGrowth := float64(g.peak) < g.limit/2
	if g.slowStart {
		if ratio <= gradientSlowStartExit {
			g.nextRound()
			return
		}
		// The queue has begun, and slow start overshoots it by up to one
		// round trip's growth: the round that ends it never raises the
		// limit.
		g.slowStart = false
		noGrowth = true
	}
	gradient := max(gradientMinGradient, gradientTolerance/ratio)
	target := g.limit*gradient + math.Sqrt(g.limit)
	if noGrowth {
		target = min(target, g.limit)
	}
	g.limit = min(g.max, max(1, g.limit+gradientSmoothing*(target-g.limit)))
	g.nextRound()
}

func (g *gradient) nextRound() {
	g.round++
	g.ratios, g.peak = g.ratios[:0], 0
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
