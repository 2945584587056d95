package sandbox

import (
	"fmt"
	"net/http"
	"sync"
)

// overloadBody is the answer to a request that finds every worker busy and
// the queue full: the stock error page of nginx, which is what a client of
// Magento sees when the web server in front of PHP-FPM sheds load (nginx's
// limit_conn and limit_req answer 503 by default). Magento's own 503 page
// (pub/errors/503.php) is PHP, and cannot be served by a pool that has no
// worker left.
const overloadBody = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n" +
	"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// pool models the fixed pool of PHP-FPM workers that serves a Magento
// store's REST API, for the requests whose path starts with /rest (other
// paths, the stats endpoint for one, go to next untouched):
//
//   - at most workers requests are handled at once; each holds its worker
//     for the whole of its handling, the latency that Options.Latency adds
//     included, which is therefore the service time of one request;
//   - a request that finds every worker busy waits, in order of arrival,
//     while fewer than queue requests are waiting; a waiting request whose
//     client goes away leaves the queue;
//   - past the queue, the answer is 503 at once, with nginx's stock page
//     (overloadBody), and the request is counted as an overload, apart from
//     the faults that Options injects.
//
// workers 0 means no limit: pool is then not used at all.
type pool struct {
	next  http.Handler
	queue int
	// slots holds one token per busy worker. Senders blocked on a full
	// channel are woken in the order they blocked, which keeps the queue
	// first come, first served.
	slots chan struct{}
	// enqueued, when set, is called when a request starts to wait (tests
	// use it to know that the queue holds it).
	enqueued func()

	mu         sync.Mutex
	waiting    int
	peakQueue  int
	overloaded int64
}

// validatePool reports a pool size that is out of range.
func (o Options) validatePool() error {
	switch {
	case o.Workers < 0:
		return fmt.Errorf("workers %d is negative", o.Workers)
	case o.Queue < 0:
		return fmt.Errorf("queue %d is negative", o.Queue)
	}
	return nil
}

// newPool returns next behind a pool of workers with a queue of queue
// requests, or next itself when workers is 0.
func newPool(workers, queue int, next http.Handler) http.Handler {
	if workers <= 0 {
		return next
	}
	return &pool{next: next, queue: max(queue, 0), slots: make(chan struct{}, workers)}
}

func (p *pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isRESTPath(r.URL.Path) {
		p.next.ServeHTTP(w, r)
		return
	}
	select {
	case p.slots <- struct{}{}:
	default:
		if !p.wait(w, r) {
			return
		}
	}
	defer func() { <-p.slots }()
	p.next.ServeHTTP(w, r)
}

// wait queues r until a worker is free, or answers 503 when the queue is
// full. It reports whether r holds a worker.
func (p *pool) wait(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	if p.waiting >= p.queue {
		p.overloaded++
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(overloadBody))
		return false
	}
	p.waiting++
	p.peakQueue = max(p.peakQueue, p.waiting)
	p.mu.Unlock()
	if p.enqueued != nil {
		p.enqueued()
	}
	defer func() {
		p.mu.Lock()
		p.waiting--
		p.mu.Unlock()
	}()
	select {
	case p.slots <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	}
}

// poolStats is the pool's part of GET /__sandbox/stats.
type poolStats struct {
	// Workers and Queue are the pool's size (Options.Workers and
	// Options.Queue).
	Workers int `json:"workers"`
	Queue   int `json:"queue"`
	// Busy and Waiting are the requests being handled and waiting now.
	Busy    int `json:"busy"`
	Waiting int `json:"waiting"`
	// PeakQueue is the most requests that waited at once.
	PeakQueue int `json:"peak_queue"`
	// Overloaded counts the requests answered 503 because the queue was
	// full.
	Overloaded int64 `json:"overloaded"`
}

func (p *pool) stats() poolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolStats{
		Workers: cap(p.slots), Queue: p.queue, Busy: len(p.slots),
		Waiting: p.waiting, PeakQueue: p.peakQueue, Overloaded: p.overloaded,
	}
}
