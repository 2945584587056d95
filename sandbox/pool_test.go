package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// blockingAPI is a handler whose requests report that they started and then
// hold their worker until the test releases them.
type blockingAPI struct {
	started chan string   // the path of each request that started
	release chan struct{} // one receive per request that may finish
}

func newBlockingAPI() *blockingAPI {
	return &blockingAPI{started: make(chan string, 100), release: make(chan struct{})}
}

func (b *blockingAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.started <- r.URL.Path
	<-b.release
	w.WriteHeader(http.StatusOK)
}

// poolRig sends requests to a pool in goroutines and collects their answers.
type poolRig struct {
	t        *testing.T
	p        *pool
	api      *blockingAPI
	enqueued chan struct{}
	wg       sync.WaitGroup
	answers  chan *httptest.ResponseRecorder
}

func newPoolRig(t *testing.T, workers, queue int) *poolRig {
	t.Helper()
	api := newBlockingAPI()
	h := newPool(workers, queue, api)
	p, ok := h.(*pool)
	if !ok {
		t.Fatalf("newPool(%d, %d) is not a pool", workers, queue)
	}
	rig := &poolRig{t: t, p: p, api: api, enqueued: make(chan struct{}, 100), answers: make(chan *httptest.ResponseRecorder, 100)}
	p.enqueued = func() { rig.enqueued <- struct{}{} }
	t.Cleanup(func() {
		close(api.release) // let whatever a failed test left blocked finish
		rig.wg.Wait()
	})
	return rig
}

// send starts a request for path in a goroutine.
func (rig *poolRig) send(ctx context.Context, path string) {
	rig.wg.Add(1)
	go func() {
		defer rig.wg.Done()
		w := httptest.NewRecorder()
		rig.p.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodPost, path, nil))
		rig.answers <- w
	}()
}

func TestPoolQueuesThenRefuses(t *testing.T) {
	rig := newPoolRig(t, 2, 2)
	ctx := context.Background()
	// Two requests take the two workers.
	rig.send(ctx, "/rest/V1/customers/1")
	rig.send(ctx, "/rest/V1/customers/2")
	<-rig.api.started
	<-rig.api.started
	// Two more wait, in order.
	rig.send(ctx, "/rest/V1/customers/3")
	<-rig.enqueued
	rig.send(ctx, "/rest/V1/customers/4")
	<-rig.enqueued
	if st := rig.p.stats(); st.Busy != 2 || st.Waiting != 2 || st.PeakQueue != 2 || st.Overloaded != 0 {
		t.Fatalf("stats %+v, want 2 busy, 2 waiting, a peak queue of 2, no overload", st)
	}
	// The fifth finds the queue full: 503 at once, with nginx's page,
	// while the others still hold their workers.
	rig.send(ctx, "/rest/V1/customers/5")
	w := <-rig.answers
	if w.Code != http.StatusServiceUnavailable || w.Body.String() != overloadBody || w.Header().Get("Content-Type") != "text/html" {
		t.Fatalf("answer %d %q (%s), want 503 with nginx's page", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
	if st := rig.p.stats(); st.Overloaded != 1 {
		t.Errorf("overloaded %d, want 1", st.Overloaded)
	}
	// A freed worker goes to the request that waited longest.
	rig.api.release <- struct{}{}
	if got := <-rig.api.started; got != "/rest/V1/customers/3" {
		t.Errorf("the freed worker took %s, want the first in the queue, /rest/V1/customers/3", got)
	}
	rig.api.release <- struct{}{}
	if got := <-rig.api.started; got != "/rest/V1/customers/4" {
		t.Errorf("the next freed worker took %s, want /rest/V1/customers/4", got)
	}
	rig.api.release <- struct{}{}
	rig.api.release <- struct{}{}
	for range 4 {
		if w := <-rig.answers; w.Code != http.StatusOK {
			t.Errorf("a queued request got %d, want 200", w.Code)
		}
	}
	if st := rig.p.stats(); st.Busy != 0 || st.Waiting != 0 || st.PeakQueue != 2 || st.Overloaded != 1 {
		t.Errorf("stats at the end %+v, want none busy or waiting, peak queue 2, 1 overload", st)
	}
}

func TestPoolWithoutQueueRefusesAtOnce(t *testing.T) {
	rig := newPoolRig(t, 1, 0)
	ctx := context.Background()
	rig.send(ctx, "/rest/V1/customers/1")
	<-rig.api.started
	rig.send(ctx, "/rest/V1/customers/2")
	if w := <-rig.answers; w.Code != http.StatusServiceUnavailable {
		t.Fatalf("answer %d with the one worker busy and no queue, want 503", w.Code)
	}
	rig.api.release <- struct{}{}
	if w := <-rig.answers; w.Code != http.StatusOK {
		t.Errorf("the first request got %d, want 200", w.Code)
	}
	if st := rig.p.stats(); st.PeakQueue != 0 || st.Overloaded != 1 {
		t.Errorf("stats %+v, want no queue and 1 overload", st)
	}
}

func TestPoolClientGoneLeavesQueue(t *testing.T) {
	rig := newPoolRig(t, 1, 1)
	rig.send(context.Background(), "/rest/V1/customers/1")
	<-rig.api.started
	ctx, cancel := context.WithCancel(context.Background())
	rig.send(ctx, "/rest/V1/customers/2")
	<-rig.enqueued
	cancel()
	<-rig.answers // the cancelled request returns without a worker
	if st := rig.p.stats(); st.Waiting != 0 || st.Busy != 1 {
		t.Fatalf("stats %+v, want the queue empty and the one worker busy", st)
	}
	// Its place in the queue is free again.
	rig.send(context.Background(), "/rest/V1/customers/3")
	<-rig.enqueued
	rig.api.release <- struct{}{}
	if got := <-rig.api.started; got != "/rest/V1/customers/3" {
		t.Errorf("the freed worker took %s, want /rest/V1/customers/3", got)
	}
	rig.api.release <- struct{}{}
	for range 2 {
		if w := <-rig.answers; w.Code != http.StatusOK {
			t.Errorf("answer %d, want 200", w.Code)
		}
	}
	if st := rig.p.stats(); st.Overloaded != 0 {
		t.Errorf("overloaded %d, want 0: a client that left is not an overload", st.Overloaded)
	}
}

func TestPoolOnlyForREST(t *testing.T) {
	rig := newPoolRig(t, 1, 0)
	rig.send(context.Background(), "/rest/V1/customers/1")
	<-rig.api.started
	// The pool is full, but a path outside /rest goes straight through.
	rig.send(context.Background(), "/__sandbox/other")
	if got := <-rig.api.started; got != "/__sandbox/other" {
		t.Fatalf("started %s, want /__sandbox/other", got)
	}
	rig.api.release <- struct{}{}
	rig.api.release <- struct{}{}
	for range 2 {
		if w := <-rig.answers; w.Code != http.StatusOK {
			t.Errorf("answer %d, want 200", w.Code)
		}
	}
}

func TestPoolZeroWorkersIsNoPool(t *testing.T) {
	api := newBlockingAPI()
	if h := newPool(0, 16, api); h != http.Handler(api) {
		t.Errorf("newPool(0, 16) = %T, want the handler itself (no limit)", h)
	}
}

// TestPoolNeverExceedsWorkers sends many requests at a pool of three
// workers and a queue of five, releasing them one by one: at no time do
// more than three run, and exactly the requests past eight are refused.
func TestPoolNeverExceedsWorkers(t *testing.T) {
	const workers, queue, n = 3, 5, 20
	rig := newPoolRig(t, workers, queue)
	var mu sync.Mutex
	running, top := 0, 0
	inner := rig.p.next
	rig.p.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		running++
		top = max(top, running)
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		inner.ServeHTTP(w, r)
	})
	ctx := context.Background()
	for i := range workers {
		rig.send(ctx, fmt.Sprintf("/rest/V1/customers/%d", i))
		<-rig.api.started
	}
	for i := range queue {
		rig.send(ctx, fmt.Sprintf("/rest/V1/customers/q%d", i))
		<-rig.enqueued
	}
	refused := 0
	for i := range n - workers - queue {
		rig.send(ctx, fmt.Sprintf("/rest/V1/customers/x%d", i))
		if w := <-rig.answers; w.Code == http.StatusServiceUnavailable {
			refused++
		}
	}
	for range workers + queue {
		rig.api.release <- struct{}{}
		if w := <-rig.answers; w.Code != http.StatusOK {
			t.Errorf("answer %d, want 200", w.Code)
		}
	}
	if refused != n-workers-queue || top > workers {
		t.Errorf("%d refused, at most %d running; want %d refused, at most %d running", refused, top, n-workers-queue, workers)
	}
	if st := rig.p.stats(); st.PeakQueue != queue || st.Overloaded != int64(refused) {
		t.Errorf("stats %+v, want a peak queue of %d and %d overloads", st, queue, refused)
	}
}

// TestPoolInStats: a store with workers reports its pool in
// GET /__sandbox/stats, and overloads apart from the injected faults; a
// store without workers reports no pool.
func TestPoolInStats(t *testing.T) {
	for _, tt := range []struct {
		workers, queue int
		want           string
	}{
		{2, 3, `"pool":{"workers":2,"queue":3,"busy":0,"waiting":0,"peak_queue":0,"overloaded":0}`},
		{0, 0, ""},
	} {
		t.Run(fmt.Sprintf("workers=%d", tt.workers), func(t *testing.T) {
			sb, err := New(Options{Workers: tt.workers, Queue: tt.queue})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			w := httptest.NewRecorder()
			sb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/__sandbox/stats", nil))
			body := w.Body.String()
			switch {
			case tt.want != "" && !strings.Contains(body, tt.want):
				t.Errorf("stats %s, want them to contain %s", body, tt.want)
			case tt.want == "" && strings.Contains(body, `"pool"`):
				t.Errorf("stats %s report a pool, want none", body)
			}
		})
	}
	for _, o := range []Options{{Workers: -1}, {Workers: 1, Queue: -1}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted a negative size", o)
		}
	}
}
