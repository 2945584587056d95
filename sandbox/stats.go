package sandbox

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Fault kinds, as they appear under "faults" in the stats.
const (
	faultLatency   = "latency"
	faultError     = "error"
	faultDrop      = "drop"
	faultRateLimit = "rate_limit"
)

// stats counts the requests the store received, by route, and the faults
// it injected. It is safe for concurrent use.
type stats struct {
	mu       sync.Mutex
	requests map[string]int64
	faults   map[string]int64
	total    int64
	// pool, when the store has a pool of workers, reports it.
	pool func() poolStats
}

// statsReport is the JSON shape of GET /__sandbox/stats.
type statsReport struct {
	// Requests counts the requests by route, those answered with an
	// injected fault included: the method and the path pattern
	// ("GET /V1/customers/:customerId"), or "unmatched" for paths no route
	// serves.
	Requests map[string]int64 `json:"requests"`
	// Total is the sum of Requests.
	Total int64 `json:"total"`
	// Faults counts the injected faults by kind: "latency", "error",
	// "drop" and "rate_limit".
	Faults map[string]int64 `json:"faults"`
	// Pool reports the pool of workers (Options.Workers), when there is
	// one: its size, the peak queue length and the requests refused with
	// 503 because the queue was full (overloaded), which are not faults.
	Pool *poolStats `json:"pool,omitempty"`
}

func newStats() *stats {
	return &stats{requests: map[string]int64{}, faults: map[string]int64{}}
}

// countRequest counts one request for route, a method and path pattern
// such as "GET /V1/customers/:customerId", or "unmatched".
func (st *stats) countRequest(route string) {
	st.mu.Lock()
	st.requests[route]++
	st.total++
	st.mu.Unlock()
}

// countFault counts one injected fault of the given kind.
func (st *stats) countFault(kind string) {
	st.mu.Lock()
	st.faults[kind]++
	st.mu.Unlock()
}

// snapshot returns a copy of the counters.
func (st *stats) snapshot() statsReport {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := statsReport{
		Requests: make(map[string]int64, len(st.requests)),
		Total:    st.total,
		Faults:   make(map[string]int64, len(st.faults)),
	}
	for k, v := range st.requests {
		r.Requests[k] = v
	}
	for k, v := range st.faults {
		r.Faults[k] = v
	}
	if st.pool != nil {
		ps := st.pool()
		r.Pool = &ps
	}
	return r
}

// serveHTTP answers GET /__sandbox/stats with the counters as JSON. Other
// methods get 405.
func (st *stats) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := json.Marshal(st.snapshot())
	if err != nil {
		http.Error(w, "encode stats: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(append(body, '\n'))
	}
}
