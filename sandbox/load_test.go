package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestMain fails the package's tests when any goroutine outlives them: every
// sandbox a test starts must stop all it started when it is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestLoad runs until every kind of operation has succeeded loadEach
// times and the store has injected at least one 503 (a goal, not a
// duration, so that a slow or busy machine only makes it take longer),
// bounded by loadMaxOps operations and the test's deadline. With
// MAGESEED_LOAD_SECONDS=N (the long drill, e.g. 30) it also runs for at
// least N seconds.
const (
	loadEach   = 20
	loadMaxOps = 50000
)

// loadDrill is the drill's minimum duration from MAGESEED_LOAD_SECONDS, 0
// when it is unset.
func loadDrill(tb testing.TB) time.Duration {
	v := os.Getenv("MAGESEED_LOAD_SECONDS")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		tb.Fatalf("MAGESEED_LOAD_SECONDS=%q: want a whole number of seconds >= 1", v)
	}
	return time.Duration(n) * time.Second
}

// loadGoal is the progress of all load clients towards TestLoad's goal.
type loadGoal struct {
	kinds []string
	max   int // operations sent at most, unless drill

	mu       sync.Mutex
	ops      map[string]int
	injected int
	sent     int
	done     chan struct{} // closed when the goal is met or max ops were sent
	closed   bool
}

func newLoadGoal(kinds []string, max int) *loadGoal {
	return &loadGoal{kinds: kinds, max: max, ops: map[string]int{}, done: make(chan struct{})}
}

// count records one answered operation: ok (of kind), an injected 503,
// or neither.
func (g *loadGoal) count(kind string, ok, injected bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent++
	if ok {
		g.ops[kind]++
	}
	if injected {
		g.injected++
	}
	if g.closed {
		return
	}
	if g.sent >= g.max || g.metLocked() {
		g.closed = true
		close(g.done)
	}
}

func (g *loadGoal) metLocked() bool {
	if g.injected == 0 {
		return false
	}
	for _, k := range g.kinds {
		if g.ops[k] < loadEach {
			return false
		}
	}
	return true
}

// loadTally is what one load client saw.
type loadTally struct {
	ops      map[string]int // successful operations by kind
	injected int            // 503s with the injected fault's body
	failures []string       // anything else, described
}

// loadClient runs one client's mix of operations until ctx is done: it
// creates customers (one address each), searches for them, asks for their
// tokens and reads itself with them, and updates them. It counts every
// answered operation in goal too.
func loadClient(ctx context.Context, s *edgeServer, hc *http.Client, id int, goal *loadGoal) loadTally {
	tally := loadTally{ops: map[string]int{}}
	rng := rand.New(rand.NewPCG(uint64(id), 7))
	type mine struct {
		id    int
		email string
	}
	var customers []mine
	// do sends one request and sorts its answer: ok (want), injected, or
	// a failure.
	do := func(kind, method, path, token string, body any, want int) (edgeResponse, bool) {
		r, err := edgeDo(ctx, hc, method, s.URL+path, token, body)
		switch {
		case ctx.Err() != nil:
			return r, false // the run is over; the answer does not count
		case err != nil:
			goal.count(kind, false, false)
			tally.failures = append(tally.failures, fmt.Sprintf("%s: %v", kind, err))
		case r.status == want:
			goal.count(kind, true, false)
			tally.ops[kind]++
			return r, true
		case r.status == http.StatusServiceUnavailable && isInjected(r.body):
			goal.count(kind, false, true)
			tally.injected++
		default:
			goal.count(kind, false, false)
			tally.failures = append(tally.failures, fmt.Sprintf("%s %s: status %d: %.300s", method, path, r.status, r.body))
		}
		return r, false
	}
	for n := 0; ctx.Err() == nil; n++ {
		op := rng.IntN(10)
		if len(customers) == 0 {
			op = 0
		}
		switch {
		case op < 3: // create
			email := fmt.Sprintf("load-%d-%d@example.com", id, n)
			if r, ok := do("create", http.MethodPost, "/rest/V1/customers", "", edgeCustomer(email), http.StatusOK); ok {
				var c magento.CustomerData
				if err := json.Unmarshal(r.body, &c); err != nil || c.ID == 0 {
					tally.failures = append(tally.failures, fmt.Sprintf("create %s: answer %.300s", email, r.body))
					continue
				}
				customers = append(customers, mine{id: c.ID, email: email})
			}
		case op < 6: // search
			c := customers[rng.IntN(len(customers))]
			if r, ok := do("search", http.MethodGet, edgeSearchEmail(c.email), edgeToken, nil, http.StatusOK); ok {
				var res magento.CustomerSearchResults
				if err := json.Unmarshal(r.body, &res); err != nil || res.TotalCount != 1 || res.Items[0].ID != c.id {
					tally.failures = append(tally.failures, fmt.Sprintf("search %s: want customer %d alone, got %.300s", c.email, c.id, r.body))
				}
			}
		case op < 8: // token, then read oneself with it
			c := customers[rng.IntN(len(customers))]
			r, ok := do("token", http.MethodPost, "/rest/V1/integration/customer/token", "",
				magento.CredentialsRequest{Username: c.email, Password: "Password1"}, http.StatusOK)
			if !ok {
				continue
			}
			var token string
			if err := json.Unmarshal(r.body, &token); err != nil {
				tally.failures = append(tally.failures, fmt.Sprintf("token %s: answer %.300s", c.email, r.body))
				continue
			}
			if r, ok := do("me", http.MethodGet, "/rest/V1/customers/me", token, nil, http.StatusOK); ok {
				var me magento.CustomerData
				if err := json.Unmarshal(r.body, &me); err != nil || me.ID != c.id {
					tally.failures = append(tally.failures, fmt.Sprintf("me as %s: want customer %d, got %.300s", c.email, c.id, r.body))
				}
			}
		default: // update
			c := customers[rng.IntN(len(customers))]
			body := map[string]any{"customer": map[string]any{
				"id": c.id, "email": c.email, "firstname": fmt.Sprintf("Jane%c", 'a'+rune(n%26)), "lastname": "Doe", "website_id": 1,
			}}
			do("update", http.MethodPut, "/rest/V1/customers/"+strconv.Itoa(c.id), edgeToken, body, http.StatusOK)
		}
	}
	return tally
}

// isInjected reports whether body is the error the fault injector writes.
func isInjected(body []byte) bool {
	var e magento.ErrorResponse
	return json.Unmarshal(body, &e) == nil && e.Message != "" && len(e.Errors) == 0 && e.Parameters == nil &&
		e.Message == injectedMessage
}

// injectedMessage is the message of the fault injector's 503.
const injectedMessage = "Service temporarily unavailable (fault injected by the sandbox). Try again later."

func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const clients = 64
	kinds := []string{"create", "search", "token", "me", "update"}
	drill := loadDrill(t)
	max := loadMaxOps
	if drill > 0 {
		max = math.MaxInt // the drill's length is its duration
	}
	goal := newLoadGoal(kinds, max)
	s := edgeServe(t, sandbox.Options{DB: t.TempDir() + "/sandbox.db", ErrorRate: 0.05, FaultSeed: 1})
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: transport}

	// The run ends when the goal is met (and the drill's duration is
	// over), or shortly before the test's deadline, leaving time to report.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if deadline, ok := t.Deadline(); ok {
		var stopAt context.CancelFunc
		ctx, stopAt = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/10))
		defer stopAt()
	}
	start := time.Now()
	go func() {
		defer cancel()
		if drill > 0 {
			timer := time.NewTimer(drill)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		select {
		case <-goal.done:
		case <-ctx.Done():
		}
	}()
	tallies := make([]loadTally, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tallies[i] = loadClient(ctx, s, hc, i, goal)
		}()
	}
	wg.Wait()
	cancel()
	dur := time.Since(start).Round(time.Millisecond)

	ops := map[string]int{}
	injected := 0
	var failures []string
	for _, tl := range tallies {
		for k, v := range tl.ops {
			ops[k] += v
		}
		injected += tl.injected
		failures = append(failures, tl.failures...)
	}
	goal.mu.Lock()
	sent := goal.sent
	goal.mu.Unlock()
	t.Logf("%d clients, %d operations in %s: %v, %d injected 503s", clients, sent, dur, ops, injected)
	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more failures", len(failures)-20)
			break
		}
		t.Errorf("failure beyond the injected faults: %s", f)
	}
	for _, k := range kinds {
		if ops[k] < loadEach {
			t.Errorf("%d successful %s after %d operations in %s, want %d", ops[k], k, sent, dur, loadEach)
		}
	}
	// Requests cut short at the deadline may have drawn a 503 the client
	// never read, so the store may count a few more than the clients saw.
	if st := edgeStats(t, s); st.Faults["error"] < int64(injected) || st.Faults["error"] > int64(injected+clients) {
		t.Errorf("stats count %d injected errors, clients saw %d (at most %d more may be unread)", st.Faults["error"], injected, clients)
	}
	if injected == 0 {
		t.Errorf("no injected 503 seen at error rate 0.05 after %d operations in %s", sent, dur)
	}
	transport.CloseIdleConnections()
	s.stop(t)
}

func TestHostileInput(t *testing.T) {
	s := edgeServe(t, sandbox.Options{})
	hc := s.Client()
	emails := []string{"a@example.com", "b@example.com", "c@example.net"}
	for _, e := range emails {
		if r := edgeMust(t, hc, http.MethodPost, s.URL+"/rest/V1/customers", "", edgeCustomer(e)); r.status != http.StatusOK {
			t.Fatalf("create %s: status %d: %s", e, r.status, r.body)
		}
	}
	search := func(field, value, cond string) string {
		q := url.Values{}
		q.Set("searchCriteria[filterGroups][0][filters][0][field]", field)
		q.Set("searchCriteria[filterGroups][0][filters][0][value]", value)
		if cond != "" {
			q.Set("searchCriteria[filterGroups][0][filters][0][conditionType]", cond)
		}
		return "/rest/V1/customers/search?" + q.Encode()
	}
	const maxBody = 10 << 20
	tests := []struct {
		name, method, path string
		body               any
		status             int
		want               magento.ErrorResponse // for errors
		wantTotal          int                   // for searches (status 200)
	}{
		{
			name: "malformed json", method: http.MethodPost, path: "/rest/V1/customers", body: "{not json",
			status: 400, want: magento.ErrorResponse{Message: "Decoding error."},
		},
		{
			name: "truncated json", method: http.MethodPost, path: "/rest/V1/customers", body: `{"customer":{"email":"t@example.com"`,
			status: 400, want: magento.ErrorResponse{Message: "Decoding error."},
		},
		{
			name: "trailing garbage", method: http.MethodPost, path: "/rest/V1/customers/isEmailAvailable", body: `{"customerEmail":"a@example.com"} DROP`,
			status: 400, want: magento.ErrorResponse{Message: "Decoding error."},
		},
		{
			name: "deep nesting", method: http.MethodPost, path: "/rest/V1/customers", body: strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
			status: 400, want: magento.ErrorResponse{Message: "Decoding error."},
		},
		{
			name: "huge body", method: http.MethodPost, path: "/rest/V1/customers", body: `{"customer":{"firstname":"` + strings.Repeat("x", maxBody) + `"}}`,
			status: 413, want: magento.ErrorResponse{Message: "The request body is larger than the %max bytes the sandbox accepts.", Parameters: map[string]any{"max": float64(maxBody)}},
		},
		{
			name: "unknown search field", method: http.MethodGet, path: search("password_hash", "x", "eq"),
			status: 400, want: magento.ErrorResponse{Message: "Invalid attribute name: %1", Parameters: []any{"password_hash"}},
		},
		{
			name: "sql in the field name", method: http.MethodGet, path: search("email) OR 1=1 --", "x", "eq"),
			status: 400, want: magento.ErrorResponse{Message: "Invalid attribute name: %1", Parameters: []any{"email) OR 1=1 --"}},
		},
		{
			name: "unknown criteria key", method: http.MethodGet, path: "/rest/V1/customers/search?searchCriteria[where]=1",
			status: 400, want: magento.ErrorResponse{Message: `"%fieldName" is not supported. Correct the field name and try again.`, Parameters: map[string]any{"fieldName": "Where"}},
		},
		{
			// Magento's EAV collection ignores a sort on an unknown attribute.
			name: "unknown sort field", method: http.MethodGet, path: "/rest/V1/customers/search?searchCriteria[sortOrders][0][field]=1;DROP&searchCriteria[sortOrders][0][direction]=ASC",
			status: 200, wantTotal: 3,
		},
		{name: "or 1=1 as a value", method: http.MethodGet, path: search("email", "' OR 1=1 --", "eq"), status: 200, wantTotal: 0},
		{name: "or 1=1 in a list", method: http.MethodGet, path: search("email", "' OR 1=1 --,a@example.com", "in"), status: 200, wantTotal: 1},
		{name: "drop table as a value", method: http.MethodGet, path: search("firstname", `"; DROP TABLE customer_entity; --`, "like"), status: 200, wantTotal: 0},
		{name: "percent is literal for eq", method: http.MethodGet, path: search("email", "%", "eq"), status: 200, wantTotal: 0},
		{name: "percent matches all for like", method: http.MethodGet, path: search("email", "%", "like"), status: 200, wantTotal: 3},
		{name: "sql as a condition type", method: http.MethodGet, path: search("email", "a@example.com", "eq' OR '1'='1"), status: 200, wantTotal: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := edgeMust(t, hc, tt.method, s.URL+tt.path, edgeToken, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tt.status, r.body)
			}
			if tt.status == http.StatusOK {
				var res magento.CustomerSearchResults
				if err := json.Unmarshal(r.body, &res); err != nil {
					t.Fatalf("decode %q: %v", r.body, err)
				}
				if res.TotalCount != tt.wantTotal || len(res.Items) != tt.wantTotal {
					t.Errorf("total_count %d with %d items, want %d", res.TotalCount, len(res.Items), tt.wantTotal)
				}
				return
			}
			var got magento.ErrorResponse
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("decode %q: %v", r.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Nothing above changed the store.
	for _, e := range emails {
		if got := edgeCount(t, s, e); got != 1 {
			t.Errorf("customers with %s after the hostile requests = %d, want 1", e, got)
		}
	}
}
