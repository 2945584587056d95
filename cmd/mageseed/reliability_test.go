package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// writeGenerated writes a manifest of n generated customers with one
// address each.
func writeGenerated(tb testing.TB, path string, n int) {
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
`, n)
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
	code, out, errOut := runCmd(t, dir, "plan", "--detailed-exitcode", manifest)
	if code != 0 {
		t.Errorf("plan after apply: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestApplyUnderFaults: against a store that answers 20% of requests with
// 503 and drops 10% of connections after doing the work, apply ends with
// every customer exactly once, complete outputs and nothing left to do
// (issue 5, point 1).
func TestApplyUnderFaults(t *testing.T) {
	n := drillSize(t, 300)
	st := newTestStore(t, sandbox.Options{ErrorRate: 0.2, DropRate: 0.1, FaultSeed: 42})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, n)
	code, out, errOut := runCmd(t, dir, "apply", "--quiet", m)
	if code != 0 {
		t.Fatalf("apply under faults: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("%s", strings.TrimSpace(out))
	checkConverged(t, st, dir, m, n)
}

// TestApplyUnderRateLimit: against a store that allows 50 requests a
// second, apply of 300 customers completes without error (issue 5, point 4).
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
