package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mageseed/mageseed/magento"
)

// Messages of the injected error answers. The 429 phrase is the one Magento's
// backpressure limiter answers with.
const (
	msgInjectedUnavailable = "Service temporarily unavailable (fault injected by the sandbox). Try again later."
	msgTooManyRequests     = "Too Many Requests"
)

// faults injects the faults that Options asks for into the requests whose
// path starts with /rest; every other path (the stats endpoint, for one)
// goes to next untouched.
//
// For each /rest request, in this order:
//
//   - rate limit: past RateLimit requests in the current one-second window
//     the answer is 429 with a Retry-After header (whole seconds, at least 1)
//     that, once waited, lands in a fresh window. A window opens with the
//     first request that arrives a second or more after the previous one
//     opened (fixed windows: a burst across a window's end may pass up to
//     twice the limit within one second). Windows follow the store's clock,
//     Options.Now;
//   - latency: the request waits Latency plus a uniform draw in [0, Jitter)
//     before it is handled, or until the client goes away;
//   - error: with probability ErrorRate the answer is 503 with a
//     Magento-style JSON error body, before any work is done;
//   - drop: with probability DropRate the request is handled in full (its
//     work is committed), then the connection is closed without an answer.
//
// A request gets at most one of error and drop (one draw decides both), so
// the rates are exact and their sum is at most 1; a drop rate past
// 1-ErrorRate is cut to it.
//
// All random draws come from one source seeded with FaultSeed. Each request
// takes its draws at once, under a lock, when it arrives, so a serial run
// with the same seed and options gets the same faults in the same order.
// Concurrent requests take their draws in the order they arrive, which the
// scheduler may change from run to run.
type faults struct {
	latency   time.Duration
	jitter    time.Duration
	errorRate float64
	dropRate  float64
	rateLimit int
	now       func() time.Time // the store's clock, for the rate limit
	st        *stats
	next      http.Handler

	mu          sync.Mutex
	rng         *rand.Rand
	windowStart time.Time // start of the current rate-limit window
	windowCount int       // requests that arrived in the current window
}

// newFaults returns next wrapped in the faults that opts configures, or next
// itself when it configures none. Injected faults are counted in st.
func newFaults(opts Options, st *stats, next http.Handler) http.Handler {
	f := &faults{
		latency:   max(opts.Latency, 0),
		jitter:    max(opts.Jitter, 0),
		errorRate: clampRate(opts.ErrorRate),
		dropRate:  min(clampRate(opts.DropRate), 1-clampRate(opts.ErrorRate)),
		rateLimit: max(opts.RateLimit, 0),
		now:       opts.Now,
		st:        st,
		next:      next,
		rng:       rand.New(rand.NewPCG(uint64(opts.FaultSeed), 0x6d61676573656564)),
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.latency == 0 && f.jitter == 0 && f.errorRate == 0 && f.dropRate == 0 && f.rateLimit == 0 {
		return next
	}
	return f
}

// validateFaults reports the first fault option that is out of range.
func (o Options) validateFaults() error {
	switch {
	case o.Latency < 0:
		return fmt.Errorf("latency %s is negative", o.Latency)
	case o.Jitter < 0:
		return fmt.Errorf("jitter %s is negative", o.Jitter)
	case !(o.ErrorRate >= 0 && o.ErrorRate <= 1):
		return fmt.Errorf("error rate %v is not between 0 and 1", o.ErrorRate)
	case !(o.DropRate >= 0 && o.DropRate <= 1):
		return fmt.Errorf("drop rate %v is not between 0 and 1", o.DropRate)
	case o.ErrorRate+o.DropRate > 1:
		return fmt.Errorf("error rate %v and drop rate %v add up to more than 1", o.ErrorRate, o.DropRate)
	case o.RateLimit < 0:
		return fmt.Errorf("rate limit %d is negative", o.RateLimit)
	}
	return nil
}

// clampRate maps a probability into [0, 1]; NaN becomes 0.
func clampRate(p float64) float64 {
	if !(p > 0) {
		return 0
	}
	return min(p, 1)
}

// isRESTPath reports whether faults apply to path.
func isRESTPath(path string) bool {
	return path == "/rest" || strings.HasPrefix(path, "/rest/")
}

// draws are one request's random choices.
type draws struct {
	delay time.Duration
	fail  bool // answer 503
	drop  bool // drop the connection after the work
	// retryAfter is the whole number of seconds to wait when the request
	// is over the rate limit, or 0 when it is within it.
	retryAfter int
}

// draw takes the random choices of one request, and counts it against the
// rate limit, under one lock.
func (f *faults) draw(now time.Time) draws {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := draws{delay: f.latency}
	if f.jitter > 0 {
		d.delay += time.Duration(f.rng.Int64N(int64(f.jitter)))
	}
	if f.errorRate > 0 || f.dropRate > 0 {
		// One draw decides both, so that the two faults exclude each
		// other and each happens at exactly its own rate.
		u := f.rng.Float64()
		d.fail = u < f.errorRate
		d.drop = !d.fail && u < f.errorRate+f.dropRate
	}
	if f.rateLimit > 0 {
		if f.windowStart.IsZero() || now.Sub(f.windowStart) >= time.Second {
			f.windowStart = now
			f.windowCount = 0
		}
		f.windowCount++
		if f.windowCount > f.rateLimit {
			left := f.windowStart.Add(time.Second).Sub(now)
			d.retryAfter = max(1, int(math.Ceil(left.Seconds())))
		}
	}
	return d
}

func (f *faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isRESTPath(r.URL.Path) {
		f.next.ServeHTTP(w, r)
		return
	}
	d := f.draw(f.now())
	if d.retryAfter > 0 {
		f.st.countFault(faultRateLimit)
		w.Header().Set("Retry-After", strconv.Itoa(d.retryAfter))
		writeFaultError(w, http.StatusTooManyRequests, msgTooManyRequests)
		return
	}
	if d.delay > 0 {
		f.st.countFault(faultLatency)
		t := time.NewTimer(d.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client is gone: nobody would read an answer.
			t.Stop()
			return
		}
	}
	if d.fail {
		f.st.countFault(faultError)
		writeFaultError(w, http.StatusServiceUnavailable, msgInjectedUnavailable)
		return
	}
	if d.drop {
		f.st.countFault(faultDrop)
		f.next.ServeHTTP(&discardWriter{header: http.Header{}}, r)
		dropConnection(w)
		return
	}
	f.next.ServeHTTP(w, r)
}

// dropConnection closes the client's connection without writing anything
// to it. When the connection cannot be taken over (HTTP/2), it aborts the
// handler, which resets the stream instead.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeFaultError writes Magento's error envelope with the given status.
func writeFaultError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(magento.ErrorResponse{Message: msg})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// discardWriter is the ResponseWriter of a request whose connection is
// dropped: the handler's answer goes nowhere.
type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header { return d.header }

func (d *discardWriter) WriteHeader(int) {}

func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
