package magento

import (
	"maps"
	"net/http"
	"sync"
	"time"
)

// Stats counts what a Client did, for the summaries of apply and plan.
type Stats struct {
	// Requests counts the attempts sent, by HTTP method; retries are
	// attempts too.
	Requests map[string]int
	// Retries counts the attempts that repeated a failed one.
	Retries int
	// TooManyRequests and Unavailable count the 429 and 503 answers.
	TooManyRequests int
	Unavailable     int
	// Reauthentications counts the admin token exchanges made because the
	// store refused the previous token.
	Reauthentications int

	// Limit is the adaptive concurrency limit now; MinLimit the smallest it
	// has been, PeakLimit the largest; MaxLimit its ceiling
	// (Config.MaxInFlight).
	Limit, MinLimit, PeakLimit, MaxLimit int
	// InFlight is the number of attempts in flight now.
	InFlight int
	// Adaptive reports Config.Adaptive. LatencyFloor is the lowest latency
	// of a successful answer of the route the client sent most requests to
	// (FloorRoute, e.g. "POST /rest/default/V1/customers"), from the moment
	// the limiter let the request go to the answer's headers.
	Adaptive     bool
	LatencyFloor time.Duration
	FloorRoute   string
}

// Total returns the number of attempts sent.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// stats is the Client's counters.
type stats struct {
	maxLimit int
	adaptive bool

	mu          sync.Mutex
	requests    map[string]int
	retries     int
	tooMany     int
	unavailable int
	reauths     int
}

func (s *stats) addRequest(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == nil {
		s.requests = make(map[string]int)
	}
	s.requests[method]++
}

func (s *stats) addRetry() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries++
}

func (s *stats) addReauth() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reauths++
}

func (s *stats) addThrottled(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch status {
	case http.StatusTooManyRequests:
		s.tooMany++
	case http.StatusServiceUnavailable:
		s.unavailable++
	}
}

// Stats returns a snapshot of the client's counters and its concurrency
// limit.
func (c *Client) Stats() Stats {
	c.stats.mu.Lock()
	st := Stats{
		Requests:          maps.Clone(c.stats.requests),
		Retries:           c.stats.retries,
		TooManyRequests:   c.stats.tooMany,
		Unavailable:       c.stats.unavailable,
		Reauthentications: c.stats.reauths,
		MaxLimit:          c.stats.maxLimit,
		Adaptive:          c.stats.adaptive,
	}
	c.stats.mu.Unlock()
	if st.Requests == nil {
		st.Requests = map[string]int{}
	}
	ls := c.lim.state()
	st.Limit, st.MinLimit, st.PeakLimit, st.InFlight = ls.limit, ls.minLimit, ls.peakLimit, ls.inFlight
	st.LatencyFloor, st.FloorRoute = ls.floor, ls.floorRoute
	return st
}
