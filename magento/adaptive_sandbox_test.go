package magento_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestAdaptiveAgainstSandboxPool runs an adaptive client against the
// sandbox with a pool of two workers and no queue, so that a third request
// in flight is refused with nginx's 503 page (each request holds its
// worker for 5 ms, so that requests meet): every read ends well (503 is
// retried), the client never has more requests in flight than its ceiling,
// and every overload the store counts is a 503 the client counts.
func TestAdaptiveAgainstSandboxPool(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Workers: 2, Latency: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var (
		mu            sync.Mutex
		inFlight, top int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/rest/") {
			mu.Lock()
			inFlight++
			top = max(top, inFlight)
			mu.Unlock()
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
		}
		sb.ServeHTTP(w, r)
	}))
	defer srv.Close()

	const ceiling = 6
	c := sandboxClient(t, srv.URL, func(cfg *magento.Config) {
		cfg.Adaptive, cfg.MaxInFlight, cfg.MaxRetries = true, ceiling, 10
	})
	defer c.CloseIdleConnections()
	ctx := context.Background()
	jane, err := c.CreateCustomer(ctx, tutorialJane())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if _, err := c.GetCustomer(ctx, jane.ID); err != nil {
				t.Errorf("get customer: %v", err)
			}
		})
	}
	wg.Wait()

	st := c.Stats()
	if top > ceiling || st.PeakLimit > ceiling {
		t.Errorf("%d requests in flight at once, peak limit %d; want at most the ceiling of %d", top, st.PeakLimit, ceiling)
	}
	if !st.Adaptive || st.LatencyFloor <= 0 || st.FloorRoute != "GET /rest/default/V1/customers/:id" {
		t.Errorf("stats %+v, want an adaptive client with the floor of GET /rest/default/V1/customers/:id", st)
	}
	w := httptest.NewRecorder()
	sb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/__sandbox/stats", nil))
	var report struct {
		Pool struct {
			Overloaded int `json:"overloaded"`
		} `json:"pool"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d requests, %d refused as overloaded; limit %d..%d, at most %d in flight", st.Total(), st.Unavailable, st.MinLimit, st.PeakLimit, top)
	if report.Pool.Overloaded != st.Unavailable {
		t.Errorf("the store refused %d requests as overloaded, the client saw %d 503s", report.Pool.Overloaded, st.Unavailable)
	}
	if st.Unavailable > 0 && st.MinLimit >= 4 {
		t.Errorf("%d 503s but the limit never fell below its start of 4 (smallest %d)", st.Unavailable, st.MinLimit)
	}
}
