package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// The helpers in this file are shared by the fault, contract, concurrency,
// load and benchmark tests; their names start with "edge".

// edgeToken is the integration token the test sandboxes accept as an admin
// bearer token.
const edgeToken = "edge-test-integration-token-0123456789"

// edgeServer is a sandbox served on a loopback port.
type edgeServer struct {
	*httptest.Server
	sb       *sandbox.Sandbox
	stopOnce sync.Once
}

// edgeServe starts a sandbox with opts on a loopback port; it is stopped
// when the test ends, or earlier by stop. opts.IntegrationToken defaults to
// edgeToken.
func edgeServe(tb testing.TB, opts sandbox.Options) *edgeServer {
	tb.Helper()
	if opts.IntegrationToken == "" {
		opts.IntegrationToken = edgeToken
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		tb.Fatalf("new sandbox: %v", err)
	}
	s := &edgeServer{Server: httptest.NewServer(sb), sb: sb}
	tb.Cleanup(func() { s.stop(tb) })
	return s
}

// stop closes the server, waiting for requests in flight, then the
// sandbox. It may be called more than once.
func (s *edgeServer) stop(tb testing.TB) {
	s.stopOnce.Do(func() {
		s.Server.Close()
		if err := s.sb.Close(); err != nil {
			tb.Errorf("close sandbox: %v", err)
		}
	})
}

// edgeResponse is one answer, read in full.
type edgeResponse struct {
	status int
	header http.Header
	body   []byte
}

// edgeDo sends one request. body is sent as is when it is a string or
// []byte, else encoded as JSON; nil sends no body. token "" sends none. A
// transport error (a dropped connection, for one) is returned as err.
func edgeDo(ctx context.Context, hc *http.Client, method, url, token string, body any) (edgeResponse, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return edgeResponse{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return edgeResponse{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return edgeResponse{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return edgeResponse{}, fmt.Errorf("read answer of %s %s: %w", method, url, err)
	}
	return edgeResponse{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// edgeMust sends one request and fails the test on a transport error.
func edgeMust(tb testing.TB, hc *http.Client, method, url, token string, body any) edgeResponse {
	tb.Helper()
	r, err := edgeDo(context.Background(), hc, method, url, token, body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// edgeCustomer is a createAccount body for email with one address.
func edgeCustomer(email string) map[string]any {
	return map[string]any{
		"customer": map[string]any{
			"email":     email,
			"firstname": "Jane",
			"lastname":  "Doe",
			"addresses": []any{map[string]any{
				"defaultShipping": true,
				"defaultBilling":  true,
				"firstname":       "Jane",
				"lastname":        "Doe",
				"region":          map[string]any{"regionCode": "NY", "region": "New York", "regionId": 43},
				"postcode":        "11501",
				"street":          []string{"160 1st St."},
				"city":            "Mineola",
				"telephone":       "516-555-1111",
				"countryId":       "US",
			}},
		},
		"password": "Password1",
	}
}

// edgeSearchEmail returns the path and query of a customer search for one
// email.
func edgeSearchEmail(email string) string {
	q := url.Values{}
	q.Set("searchCriteria[filterGroups][0][filters][0][field]", "email")
	q.Set("searchCriteria[filterGroups][0][filters][0][value]", email)
	q.Set("searchCriteria[filterGroups][0][filters][0][conditionType]", "eq")
	return "/rest/V1/customers/search?" + q.Encode()
}

// edgeCount returns how many customers have email, searching as the admin.
func edgeCount(tb testing.TB, s *edgeServer, email string) int {
	tb.Helper()
	r := edgeMust(tb, s.Client(), http.MethodGet, s.URL+edgeSearchEmail(email), edgeToken, nil)
	if r.status != http.StatusOK {
		tb.Fatalf("search %s: status %d: %s", email, r.status, r.body)
	}
	var res magento.CustomerSearchResults
	if err := json.Unmarshal(r.body, &res); err != nil {
		tb.Fatalf("search %s: decode %q: %v", email, r.body, err)
	}
	return res.TotalCount
}

// edgeLogin exchanges a user name and password for a token at path, one
// of the token endpoints.
func edgeLogin(tb testing.TB, s *edgeServer, path, username, password string) string {
	tb.Helper()
	r := edgeMust(tb, s.Client(), http.MethodPost, s.URL+path, "", magento.CredentialsRequest{Username: username, Password: password})
	if r.status != http.StatusOK {
		tb.Fatalf("POST %s for %s: status %d: %s", path, username, r.status, r.body)
	}
	var token string
	if err := json.Unmarshal(r.body, &token); err != nil || token == "" {
		tb.Fatalf("POST %s for %s: body %q is not a token (err %v)", path, username, r.body, err)
	}
	return token
}

// edgeStats reads the sandbox's stats.
func edgeStats(tb testing.TB, s *edgeServer) statsJSON {
	tb.Helper()
	r := edgeMust(tb, s.Client(), http.MethodGet, s.URL+"/__sandbox/stats", "", nil)
	if r.status != http.StatusOK {
		tb.Fatalf("get stats: status %d: %s", r.status, r.body)
	}
	var st statsJSON
	if err := json.Unmarshal(r.body, &st); err != nil {
		tb.Fatalf("get stats: decode %q: %v", r.body, err)
	}
	return st
}

// statsJSON is the body of GET /__sandbox/stats.
type statsJSON struct {
	Requests map[string]int64 `json:"requests"`
	Total    int64            `json:"total"`
	Faults   map[string]int64 `json:"faults"`
}

// noKeepAlive returns a client that opens a new connection per request,
// so that the transport never retries a request on a reused connection.
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestFaultLatency(t *testing.T) {
	const latency = 150 * time.Millisecond
	s := edgeServe(t, sandbox.Options{Latency: latency, Jitter: 50 * time.Millisecond})
	start := time.Now()
	r := edgeMust(t, s.Client(), http.MethodGet, s.URL+"/rest/V1/directory/countries/US", "", nil)
	took := time.Since(start)
	if r.status != http.StatusOK {
		t.Fatalf("get country: status %d: %s", r.status, r.body)
	}
	// Only the lower bound is certain: a busy machine adds its own delay.
	if took < latency {
		t.Errorf("request took %s, want at least the latency %s", took, latency)
	}
	if got := edgeStats(t, s).Faults["latency"]; got != 1 {
		t.Errorf("stats faults.latency = %d, want 1", got)
	}
}

func TestFaultLatencyHonoursClientContext(t *testing.T) {
	s := edgeServe(t, sandbox.Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := edgeDo(ctx, s.Client(), http.MethodGet, s.URL+"/rest/V1/directory/countries/US", "", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get country under an hour of latency: err = %v, want %v", err, context.DeadlineExceeded)
	}
	// The handler must give up its sleep once the client is gone, or this
	// blocks: httptest.Server.Close waits for handlers in flight.
	s.stop(t)
}

func TestFaultErrorRate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	s := edgeServe(t, sandbox.Options{DB: db, ErrorRate: 1})
	const email = "error-rate@example.com"
	for i := range 3 {
		r := edgeMust(t, s.Client(), http.MethodPost, s.URL+"/rest/V1/customers", edgeToken, edgeCustomer(email))
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("create %d: status %d, want 503: %s", i, r.status, r.body)
		}
		var e magento.ErrorResponse
		if err := json.Unmarshal(r.body, &e); err != nil || e.Message == "" {
			t.Fatalf("create %d: body %q is not a Magento error (err %v)", i, r.body, err)
		}
	}
	if got := edgeStats(t, s).Faults["error"]; got != 3 {
		t.Errorf("stats faults.error = %d, want 3", got)
	}
	s.stop(t)

	clean := edgeServe(t, sandbox.Options{DB: db})
	if got := edgeCount(t, clean, email); got != 0 {
		t.Errorf("customers with %s after three 503s = %d, want 0", email, got)
	}
}

func TestFaultDropRate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	s := edgeServe(t, sandbox.Options{DB: db, DropRate: 1})
	const email = "drop-rate@example.com"
	r, err := edgeDo(context.Background(), noKeepAlive(), http.MethodPost, s.URL+"/rest/V1/customers", edgeToken, edgeCustomer(email))
	if err == nil {
		t.Fatalf("create under drop rate 1: got status %d and no error, want a connection error: %s", r.status, r.body)
	}
	st := edgeStats(t, s)
	if got := st.Faults["drop"]; got != 1 {
		t.Errorf("stats faults.drop = %d, want 1", got)
	}
	if got := st.Requests["POST /V1/customers"]; got != 1 {
		t.Errorf(`stats requests["POST /V1/customers"] = %d, want 1 (requests: %v)`, got, st.Requests)
	}
	s.stop(t)

	clean := edgeServe(t, sandbox.Options{DB: db})
	if got := edgeCount(t, clean, email); got != 1 {
		t.Errorf("customers with %s after a dropped create = %d, want 1: the work must be committed", email, got)
	}
}

// TestFaultRateLimit checks the rate limit on the store's clock: past the
// limit a 429 with a Retry-After that, once waited (the clock moved on by
// it), lets requests through again.
func TestFaultRateLimit(t *testing.T) {
	const limit = 2
	clk := &clock{now: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)}
	s := edgeServe(t, sandbox.Options{RateLimit: limit, Now: clk.Now})
	get := func() edgeResponse {
		return edgeMust(t, s.Client(), http.MethodGet, s.URL+"/rest/V1/directory/countries/US", "", nil)
	}
	// The clock stands still, so every request falls in the window the
	// first one opened.
	for i := range limit {
		if r := get(); r.status != http.StatusOK {
			t.Fatalf("request %d of %d allowed: status %d: %s", i+1, limit, r.status, r.body)
		}
	}
	limited := get()
	if limited.status != http.StatusTooManyRequests {
		t.Fatalf("request %d, past the limit: status %d, want 429: %s", limit+1, limited.status, limited.body)
	}
	wait, err := strconv.Atoi(limited.header.Get("Retry-After"))
	if err != nil || wait != 1 {
		t.Fatalf("429 Retry-After = %q, want 1 (the window's second is not over)", limited.header.Get("Retry-After"))
	}
	var e magento.ErrorResponse
	if err := json.Unmarshal(limited.body, &e); err != nil || e.Message != "Too Many Requests" {
		t.Errorf("429 body = %q, want a Magento error with message %q", limited.body, "Too Many Requests")
	}
	clk.Add(time.Duration(wait)*time.Second - time.Millisecond)
	if r := get(); r.status != http.StatusTooManyRequests {
		t.Errorf("request just before Retry-After's %ds are over: status %d, want 429: %s", wait, r.status, r.body)
	}
	clk.Add(time.Millisecond)
	if r := get(); r.status != http.StatusOK {
		t.Errorf("request after waiting Retry-After %ds: status %d, want 200: %s", wait, r.status, r.body)
	}
	if got := edgeStats(t, s).Faults["rate_limit"]; got != 2 {
		t.Errorf("stats faults.rate_limit = %d, want 2", got)
	}
}

// faultSequence sends n requests one after the other to a new sandbox
// with opts and returns what each got: "ok", "503" or "drop".
func faultSequence(t *testing.T, opts sandbox.Options, n int) []string {
	t.Helper()
	s := edgeServe(t, opts)
	hc := noKeepAlive()
	out := make([]string, n)
	for i := range n {
		body := map[string]any{"customerEmail": fmt.Sprintf("seq-%d@example.com", i)}
		r, err := edgeDo(context.Background(), hc, http.MethodPost, s.URL+"/rest/V1/customers/isEmailAvailable", "", body)
		switch {
		case err != nil:
			out[i] = "drop"
		case r.status == http.StatusServiceUnavailable:
			out[i] = "503"
		case r.status == http.StatusOK:
			out[i] = "ok"
		default:
			t.Fatalf("request %d: status %d: %s", i, r.status, r.body)
		}
	}
	return out
}

func TestFaultSeedRepeatsSerialRun(t *testing.T) {
	opts := sandbox.Options{ErrorRate: 0.3, DropRate: 0.2, FaultSeed: 42}
	first := faultSequence(t, opts, 40)
	second := faultSequence(t, opts, 40)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("two serial runs with seed 42 differ (-first +second):\n%s", diff)
	}
	kinds := map[string]int{}
	for _, k := range first {
		kinds[k]++
	}
	for _, k := range []string{"ok", "503", "drop"} {
		if kinds[k] == 0 {
			t.Errorf("40 requests at error rate 0.3 and drop rate 0.2 got no %q: %v", k, first)
		}
	}
	opts.FaultSeed = 43
	if other := faultSequence(t, opts, 40); cmp.Equal(first, other) {
		t.Errorf("seeds 42 and 43 gave the same 40 faults: %v", first)
	}
}

func TestFaultsSpareNonRESTPaths(t *testing.T) {
	s := edgeServe(t, sandbox.Options{ErrorRate: 1, RateLimit: 1, Latency: time.Millisecond})
	for i := range 5 {
		if r := edgeMust(t, s.Client(), http.MethodGet, s.URL+"/__sandbox/stats", "", nil); r.status != http.StatusOK {
			t.Fatalf("stats %d: status %d, want 200", i, r.status)
		}
		for _, path := range []string{"/V1/directory/countries/US", "/restful/V1/directory/countries/US", "/"} {
			r := edgeMust(t, s.Client(), http.MethodGet, s.URL+path, "", nil)
			if r.status == http.StatusServiceUnavailable || r.status == http.StatusTooManyRequests {
				t.Errorf("GET %s: status %d, want no injected fault", path, r.status)
			}
		}
	}
	if got := edgeStats(t, s).Faults; len(got) != 0 {
		t.Errorf("stats faults = %v, want none", got)
	}
}

func TestFaultOptionsOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		opts sandbox.Options
	}{
		{"negative latency", sandbox.Options{Latency: -time.Second}},
		{"negative jitter", sandbox.Options{Jitter: -time.Second}},
		{"error rate above 1", sandbox.Options{ErrorRate: 1.5}},
		{"negative drop rate", sandbox.Options{DropRate: -0.1}},
		{"rates add up past 1", sandbox.Options{ErrorRate: 0.6, DropRate: 0.6}},
		{"negative rate limit", sandbox.Options{RateLimit: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, err := sandbox.New(tt.opts)
			if err == nil {
				sb.Close()
				t.Fatalf("New(%+v) = nil error, want one", tt.opts)
			}
		})
	}
}
