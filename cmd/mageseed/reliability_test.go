package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// drillSize is the number of customers of the reliability tests: small in
// CI, larger for the documented drills (MAGESEED_DRILL_CUSTOMERS=3000).
func drillSize(tb testing.TB, def int) int {
	if v := os.Getenv("MAGESEED_DRILL_CUSTOMERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			tb.Fatalf("MAGESEED_DRILL_CUSTOMERS: %v", err)
		}
		return n
	}
	return def
}

// faultSeed is the seed of the injected faults of the reliability tests:
// def, or MAGESEED_FAULT_SEED to replay or vary a drill.
func faultSeed(tb testing.TB, def int64) int64 {
	if v := os.Getenv("MAGESEED_FAULT_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			tb.Fatalf("MAGESEED_FAULT_SEED: %v", err)
		}
		return n
	}
	return def
}

// writeGenerated writes a manifest of n generated customers with one
// address each.
func writeGenerated(tb testing.TB, path string, n int) {
	tb.Helper()
	writeGeneratedWith(tb, path, n, "")
}

// writeGeneratedWith is writeGenerated with more fields of the generator
// (YAML lines, indented by 4 spaces).
func writeGeneratedWith(tb testing.TB, path string, n int, more string) {
	tb.Helper()
	m := fmt.Sprintf(`version: 1
generate:
  - key: drill
    count: %d
    seed: 7
    email: drill-{n}@example.test
    password: Password1
    addresses: 1
    countries: [US]
%s`, n, more)
	if err := os.WriteFile(path, []byte(m), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// countCustomers returns how many customers the store holds per email.
func (ts *testStore) countCustomers(tb testing.TB) (total int, perEmail map[string]int) {
	tb.Helper()
	var res struct {
		Items []struct {
			Email string `json:"email"`
		} `json:"items"`
		TotalCount int `json:"total_count"`
	}
	// The store may be injecting faults: ask until it answers.
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest("GET", ts.url+"/rest/default/V1/customers/search?searchCriteria=", nil)
		req.Header.Set("Authorization", "Bearer "+scriptAdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			err = json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if err != nil {
				tb.Fatal(err)
			}
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		if attempt == 50 {
			tb.Fatalf("the store did not answer a search in 50 attempts")
		}
	}
	perEmail = map[string]int{}
	for _, it := range res.Items {
		perEmail[strings.ToLower(it.Email)]++
	}
	return res.TotalCount, perEmail
}

// readTries bounds the runs of a command that failed on a read before it
// wrote anything; see runReads.
const readTries = 3

// runReads runs a mageseed command against st as runCmd does, and runs it
// again (up to readTries runs in all) when it failed because the store did
// not answer a read before the command sent any write: under 20% 503s and
// 10% drops each attempt of a read fails 30% of the time, so a read fails
// after the client's 5 attempts about once in 400 (0.3^5), and a plan of
// 300 customers (6 reads) about once in 70. mageseed then stops with a
// clear error before it writes anything, and a rerun is safe, as its hint
// says: that is the designed outcome of a bounded retry, not what the
// reliability tests check. Any other failure, or one after a write was
// sent, is returned as it is.
func runReads(t *testing.T, st *testStore, dir string, args ...string) (int, string, string) {
	t.Helper()
	for try := 1; ; try++ {
		before := st.writes()
		code, out, errOut := runCmd(t, dir, args...)
		if code != 1 || try == readTries || st.writes() != before || !readUnanswered(errOut) {
			return code, out, errOut
		}
		t.Logf("%s, run %d: the store did not answer a read, nothing was written; running it again:\n%s", args[0], try, strings.TrimSpace(errOut))
	}
}

// readUnanswered reports whether a command's stderr says it stopped
// because the store did not answer a read of the plan (an injected 503 or
// a dropped connection, past the client's retries).
func readUnanswered(errOut string) bool {
	text := "\n" + errOut
	read := strings.Contains(text, "\nmageseed: error: read customers from ") ||
		strings.Contains(text, "\nmageseed: error: resolve the manifest against ")
	return read && (strings.Contains(errOut, ": 503: ") || strings.Contains(errOut, "no answer from the store"))
}

// writes returns how many requests that may write (POST, PUT, DELETE)
// have reached the store; token requests are not writes.
func (ts *testStore) writes() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for r, k := range ts.received {
		if (strings.HasPrefix(r, "POST ") || strings.HasPrefix(r, "PUT ") || strings.HasPrefix(r, "DELETE ")) && !strings.Contains(r, "/token") {
			n += k
		}
	}
	return n
}

// checkConverged checks that the store holds each of the n customers once,
// that the outputs hold all of them, and that a plan shows no changes.
func checkConverged(t *testing.T, st *testStore, dir, manifest string, n int) {
	t.Helper()
	total, per := st.countCustomers(t)
	if total != n {
		t.Errorf("the store holds %d customers, want %d", total, n)
	}
	for email, k := range per {
		if k != 1 {
			t.Errorf("%s is in the store %d times", email, k)
		}
	}
	outputs, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs.Customers) != n {
		t.Errorf("the outputs hold %d customers, want %d", len(outputs.Customers), n)
	}
	for k, c := range outputs.Customers {
		if c.ID == 0 || len(c.Addresses) != 1 {
			t.Errorf("outputs for %s are incomplete: %+v", k, c)
		}
	}
	code, out, errOut := runReads(t, st, dir, "plan", "--detailed-exitcode", manifest)
	if code != 0 {
		t.Errorf("plan after apply: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestApplyUnderFaults: against a store that answers 20% of requests with
// 503 and drops 10% of connections after doing the work, apply ends with
// every customer exactly once, complete outputs and nothing left to do.
func TestApplyUnderFaults(t *testing.T) {
	n := drillSize(t, 300)
	st := newTestStore(t, sandbox.Options{ErrorRate: 0.2, DropRate: 0.1, FaultSeed: faultSeed(t, 42)})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, n)
	code, out, errOut := runReads(t, st, dir, "apply", "--quiet", m)
	if code != 0 {
		t.Fatalf("apply under faults: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("%s", strings.TrimSpace(out))
	checkConverged(t, st, dir, m, n)
}

// TestApplyUnderFaultsWithTokens: the same faults, on customers that ask
// for a token. A run sends at most 3 sign-in attempts per customer (a lost
// answer may have been a failed sign-in, and Magento locks an account after
// a few), so a customer whose 3 token requests all get a 503 or a dropped
// connection (0.3^3, about 8 of 300) ends with a clear error naming that
// bound, and only that: it is still created once and recorded, without a
// token, and a following plan shows no changes. With --keep-going every
// other customer is converged and gets its token.
func TestApplyUnderFaultsWithTokens(t *testing.T) {
	n := drillSize(t, 300)
	var mu sync.Mutex
	signIns := map[string]int{} // token requests per username, counted at the store
	st := newTestStoreWith(t, sandbox.Options{ErrorRate: 0.2, DropRate: 0.1, FaultSeed: faultSeed(t, 42)}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if route(r) == "POST /V1/integration/customer/token" {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				var c struct{ Username string }
				json.Unmarshal(body, &c)
				mu.Lock()
				signIns[strings.ToLower(c.Username)]++
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGeneratedWith(t, m, n, "    token: true\n")
	code, out, errOut := runReads(t, st, dir, "apply", "--quiet", "--keep-going", m)
	if code != 0 && code != 1 {
		t.Fatalf("apply under faults: exit %d\n%s\n%s", code, out, errOut)
	}
	failed := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "Failed:") {
			continue
		}
		if !strings.Contains(line, ": mint token for customer ") || !strings.Contains(line, "not sent: 3 sign-in attempts for this customer got no token in this run") {
			t.Errorf("a failure other than the sign-in bound: %s", line)
			continue
		}
		// "Failed: customer KEY (EMAIL) is in the store, but: ...": the
		// create went through, only the token did not.
		if !strings.Contains(line, ") is in the store, but: ") {
			t.Errorf("a token failure not reported as such: %s", line)
		}
		if f := strings.Fields(strings.TrimSpace(line)); len(f) > 2 {
			failed[f[2]] = true
		}
	}
	if code == 1 && len(failed) == 0 {
		t.Fatalf("apply failed without a failure line:\n%s\n%s", out, errOut)
	}
	t.Logf("%s", strings.TrimSpace(out))
	for email, k := range signIns {
		if k > 3 {
			t.Errorf("%s: %d sign-in attempts reached the store, want at most 3", email, k)
		}
	}
	checkConverged(t, st, dir, m, n)
	o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := 0
	for key, c := range o.Customers {
		if c.Token != "" {
			tokens++
		} else if !failed[key] {
			t.Errorf("%s has no token and no failure", key)
		}
	}
	t.Logf("%d tokens minted, %d customers failed on the sign-in bound", tokens, n-tokens)
}

// TestApplyUnderRateLimit: against a store that allows 50 requests a
// second, apply of 300 customers completes without error.
func TestApplyUnderRateLimit(t *testing.T) {
	n := drillSize(t, 300)
	st := newTestStore(t, sandbox.Options{RateLimit: 50})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, n)
	code, out, errOut := runCmd(t, dir, "apply", "--quiet", "--parallelism", "16", m)
	if code != 0 {
		t.Fatalf("apply under a rate limit: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("%s", strings.TrimSpace(out))
	checkConverged(t, st, dir, m, n)
}

// child starts mageseed as a child process in dir.
func child(t *testing.T, dir string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	return childB(t, dir, args...)
}

func childB(t testing.TB, dir string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MAGESEED_TEST_MAIN=1")
	out := newSyncBuffer()
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// syncBuffer collects a child's output; tests wait on its content.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed (and replaced) on every write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor blocks until the output holds s; it fails the test after a minute
// without it.
func (b *syncBuffer) waitFor(t testing.TB, s string) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		ok, ch := strings.Contains(b.b.String(), s), b.changed
		b.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no %q in a minute; output:\n%s", s, b.String())
		}
	}
}

// watchOutputs reads the outputs file every millisecond until stop is
// closed. It reports a read that is not valid JSON, and a customer that
// disappears once recorded.
func watchOutputs(t *testing.T, path string, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		seen := map[string]int{}
		reads := 0
		for {
			select {
			case <-stop:
				t.Logf("read the outputs file %d times", reads)
				return
			case <-tick.C:
			}
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			reads++
			var o outputs.File
			if err := json.Unmarshal(data, &o); err != nil {
				t.Errorf("the outputs file is not valid JSON at one moment: %v", err)
				return
			}
			for k, id := range seen {
				if c, ok := o.Customers[k]; !ok || c.ID != id {
					t.Errorf("customer %s (id %d) was recorded, then lost", k, id)
					return
				}
			}
			for k, c := range o.Customers {
				seen[k] = c.ID
			}
		}
	}()
	return &wg
}

// TestApplySurvivesKill kills apply while its creates are in flight, four
// times at different points of a slow run, then applies again: the store
// converges with no duplicates, and the outputs file is valid JSON at every
// moment and never loses a recorded customer. Each kill
// is checked to have landed: the process died of it, not of its own end,
// with customers still to create.
func TestApplySurvivesKill(t *testing.T) {
	n := drillSize(t, 120)
	st := newTestStore(t, sandbox.Options{Latency: 20 * time.Millisecond, Jitter: 20 * time.Millisecond})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, n)
	stop := make(chan struct{})
	wg := watchOutputs(t, filepath.Join(dir, "mageseed.outputs.json"), stop)
	rng := rand.New(rand.NewSource(1))
	const create = "POST /V1/customers"
	for i := 0; i < 4; i++ {
		before := st.receivedOf(create)
		cmd, out := child(t, dir, "apply", "--quiet", m)
		// Kill when a few more creates have reached the store: each takes
		// 20 to 40 ms to answer, so the kill lands while they are in
		// flight.
		st.waitFor(t, create, before+1+rng.Intn(8))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: apply ended on its own (%v) before the kill landed\n%s", i+1, cmd.ProcessState, out)
		}
		if got := st.receivedOf(create); got >= n {
			t.Fatalf("kill %d: the store had received %d creates of %d: the run was over", i+1, got, n)
		}
	}
	cmd, out := child(t, dir, "apply", "--quiet", m)
	err := cmd.Wait()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("final apply: %v\n%s", err, out)
	}
	checkConverged(t, st, dir, m, n)
}

// TestApplyInterrupt: the first SIGINT stops new work, lets work in flight
// finish, writes the outputs and exits 130 with a summary; a second SIGINT
// exits at once.
func TestApplyInterrupt(t *testing.T) {
	st := newTestStore(t, sandbox.Options{Latency: 50 * time.Millisecond})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, 200)

	cmd, out := child(t, dir, "apply", "--parallelism", "4", m)
	st.waitFor(t, "POST /V1/customers", 8)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupt {
		t.Fatalf("exit %d (%v), want %d\n%s", code, err, exitInterrupt, out)
	}
	text := out.String()
	for _, want := range []string{"interrupted", "Apply incomplete:", "Not run ("} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatalf("outputs after interrupt: %v", err)
	}
	if len(o.Customers) == 0 || len(o.Customers) == 200 {
		t.Errorf("outputs hold %d customers after an interrupt, want some but not all", len(o.Customers))
	}

	// Two interrupts while a slow request is in flight: the second one ends
	// the process at once, without waiting for the request or the summary.
	st = newTestStore(t, sandbox.Options{Latency: time.Second})
	dir = t.TempDir()
	writeGenerated(t, filepath.Join(dir, "m.yaml"), 200)
	cmd, out = child(t, dir, "apply", "--parallelism", "1", "m.yaml")
	st.waitFor(t, "POST /V1/customers", 1)
	cmd.Process.Signal(os.Interrupt)
	out.waitFor(t, "interrupted: finishing work in flight")
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupt {
		t.Errorf("after two interrupts: exit %d, want %d\n%s", code, exitInterrupt, out)
	}
	if text := out.String(); !strings.Contains(text, "interrupted again: exiting now") || strings.Contains(text, "Apply incomplete") {
		t.Errorf("the second interrupt did not end the process at once:\n%s", text)
	}
}

// TestRunReads: runReads runs a plan again when its read went unanswered
// past the client's retries and nothing was written, and never runs again
// an apply that sent a write.
func TestRunReads(t *testing.T) {
	var mu sync.Mutex
	searches := 0
	st := newTestStoreWith(t, sandbox.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			status, msg := 0, "Service temporarily unavailable"
			switch route(r) {
			case "GET /V1/customers/search":
				searches++
				if searches <= 1+magento.DefaultMaxRetries { // every attempt of the first run
					status = http.StatusServiceUnavailable
				}
			case "POST /V1/customers":
				status, msg = http.StatusBadRequest, "Refused by the test." // at once, not retried
			}
			mu.Unlock()
			if status != 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(map[string]string{"message": msg})
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, 3)

	code, out, errOut := runReads(t, st, dir, "plan", m)
	if code != 0 {
		t.Fatalf("plan: exit %d, want 0 on the second run\n%s\n%s", code, out, errOut)
	}
	if searches != 1+magento.DefaultMaxRetries+1 {
		t.Errorf("the store received %d searches, want %d (a failed run, then one search)", searches, 1+magento.DefaultMaxRetries+1)
	}

	before, websites := st.receivedOf("POST /V1/customers"), st.receivedOf("GET /V1/store/websites")
	code, _, errOut = runReads(t, st, dir, "apply", "--quiet", m)
	if code != 1 || !strings.Contains(errOut, "create customer") {
		t.Fatalf("apply against a store that refuses every create: exit %d, want 1\n%s", code, errOut)
	}
	if got := st.receivedOf("GET /V1/store/websites") - websites; got != 1 {
		t.Errorf("the store was asked for its websites %d times, want 1: the apply that wrote was run again", got)
	}
	if st.receivedOf("POST /V1/customers") == before {
		t.Errorf("apply sent no create")
	}
}
