package sandbox

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatsCountsConcurrently(t *testing.T) {
	st := newStats()
	const workers, each = 8, 250
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				st.countRequest("POST /V1/customers")
				if i%2 == 0 {
					st.countRequest("unmatched")
					st.countFault(faultDrop)
				}
			}
		}()
	}
	wg.Wait()
	got := st.snapshot()
	want := statsReport{
		Requests: map[string]int64{"POST /V1/customers": workers * each, "unmatched": workers / 2 * each},
		Total:    workers*each + workers/2*each,
		Faults:   map[string]int64{faultDrop: workers / 2 * each},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshot mismatch (-want +got):\n%s", diff)
	}
}

func TestStatsServeHTTP(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		count    func(*stats)
		wantCode int
		wantBody string // JSON, compared as data; "" for no body check
	}{
		{
			name:     "empty",
			method:   http.MethodGet,
			count:    func(*stats) {},
			wantCode: http.StatusOK,
			wantBody: `{"requests":{},"total":0,"faults":{}}`,
		},
		{
			name:   "requests and faults",
			method: http.MethodGet,
			count: func(st *stats) {
				st.countRequest("GET /V1/customers/search")
				st.countRequest("GET /V1/customers/search")
				st.countRequest("POST /V1/customers")
				st.countFault(faultError)
				st.countFault(faultRateLimit)
				st.countFault(faultRateLimit)
			},
			wantCode: http.StatusOK,
			wantBody: `{"requests":{"GET /V1/customers/search":2,"POST /V1/customers":1},"total":3,"faults":{"error":1,"rate_limit":2}}`,
		},
		{
			name:     "post is refused",
			method:   http.MethodPost,
			count:    func(*stats) {},
			wantCode: http.StatusMethodNotAllowed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStats()
			tt.count(st)
			rec := httptest.NewRecorder()
			st.serveHTTP(rec, httptest.NewRequest(tt.method, "/__sandbox/stats", nil))
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantCode)
			}
			if tt.wantBody == "" {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode stats %q: %v", rec.Body.String(), err)
			}
			if err := json.Unmarshal([]byte(tt.wantBody), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatsSnapshotIsACopy(t *testing.T) {
	st := newStats()
	st.countRequest("unmatched")
	snap := st.snapshot()
	st.countRequest("unmatched")
	st.countFault(faultLatency)
	if got, want := snap.Requests["unmatched"], int64(1); got != want {
		t.Errorf("snapshot requests[unmatched] = %d after more counting, want %d", got, want)
	}
	if got := len(snap.Faults); got != 0 {
		t.Errorf("snapshot has %d fault kinds after more counting, want 0", got)
	}
}

// The fault injector's draws are tested here, inside the package, where
// the clock can be set; faults_test.go tests the faults from outside.

func newTestFaults(t *testing.T, opts Options) *faults {
	t.Helper()
	h := newFaults(opts, newStats(), http.NotFoundHandler())
	f, ok := h.(*faults)
	if !ok {
		t.Fatalf("newFaults(%+v) injects nothing", opts)
	}
	return f
}

func TestFaultDrawsJitterRange(t *testing.T) {
	const latency, jitter = 100 * time.Millisecond, 50 * time.Millisecond
	f := newTestFaults(t, Options{Latency: latency, Jitter: jitter, FaultSeed: 5})
	now := time.Now()
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for range 1000 {
		d := f.draw(now).delay
		if d < latency || d >= latency+jitter {
			t.Fatalf("delay %s outside [%s, %s)", d, latency, latency+jitter)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	// With the seed fixed this is deterministic; it shows that the draws
	// spread over the range instead of sticking to one end.
	if lo > latency+jitter/10 || hi < latency+jitter*9/10 {
		t.Errorf("1000 delays span [%s, %s], want most of [%s, %s)", lo, hi, latency, latency+jitter)
	}
}

func TestFaultDrawsRates(t *testing.T) {
	f := newTestFaults(t, Options{ErrorRate: 0.2, DropRate: 0.1, FaultSeed: 9})
	const n = 20000
	var fails, drops int
	now := time.Now()
	for range n {
		d := f.draw(now)
		if d.fail && d.drop {
			t.Fatal("a request drew both an error and a drop")
		}
		if d.fail {
			fails++
		}
		if d.drop {
			drops++
		}
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"error", float64(fails) / n, 0.2}, {"drop", float64(drops) / n, 0.1}} {
		if math.Abs(c.got-c.want) > 0.01 {
			t.Errorf("%s rate over %d draws = %.4f, want %.2f ± 0.01", c.name, n, c.got, c.want)
		}
	}
}

func TestFaultDrawsRateLimitWindow(t *testing.T) {
	f := newTestFaults(t, Options{RateLimit: 3})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration // since t0
		want int           // retryAfter; 0 means served
	}{
		{0, 0},
		{100 * time.Millisecond, 0},
		{200 * time.Millisecond, 0},
		{300 * time.Millisecond, 1}, // fourth in the window
		{999 * time.Millisecond, 1},
		{time.Second, 0}, // a new window
		{time.Second + time.Millisecond, 0},
		{time.Second + 2*time.Millisecond, 0},
		{time.Second + 3*time.Millisecond, 1},
		{5 * time.Second, 0},
	}
	var got, want []int
	for _, s := range steps {
		got = append(got, f.draw(t0.Add(s.at)).retryAfter)
		want = append(want, s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("retryAfter per request mismatch (-want +got):\n%s", diff)
	}
}

func TestNewFaultsWithoutFaultsIsNext(t *testing.T) {
	next := http.NotFoundHandler()
	h := newFaults(Options{FaultSeed: 3}, newStats(), next)
	if _, ok := h.(*faults); ok {
		t.Errorf("newFaults with no fault configured wraps next; want next itself")
	}
}
