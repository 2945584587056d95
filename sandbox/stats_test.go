package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

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
