package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// testStore is a sandbox on loopback for one test, with mageseed's
// environment pointing at it.
type testStore struct {
	url string
	sb  *sandbox.Sandbox

	mu       sync.Mutex
	received map[string]int // requests received per route, counted on arrival
	arrived  chan struct{}  // closed (and replaced) when a request arrives
}

func newTestStore(tb testing.TB, opts sandbox.Options) *testStore {
	return newTestStoreWith(tb, opts, nil)
}

// newTestStoreWith is newTestStore with wrap, if not nil, between mageseed
// and the sandbox: a store that lies, echoes or stalls.
func newTestStoreWith(tb testing.TB, opts sandbox.Options, wrap func(http.Handler) http.Handler) *testStore {
	tb.Helper()
	opts.IntegrationToken = scriptAdminToken
	sb, err := sandbox.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	ts := &testStore{sb: sb, received: map[string]int{}, arrived: make(chan struct{})}
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.arrive(r)
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(func() {
		srv.Close()
		sb.Close()
	})
	tb.Setenv("MAGENTO_URL", srv.URL)
	tb.Setenv("MAGENTO_ADMIN_TOKEN", scriptAdminToken)
	tb.Setenv("NO_COLOR", "1")
	ts.url = srv.URL
	return ts
}

// route names a request as the sandbox's stats do for static paths:
// "POST /V1/customers" for POST /rest/default/V1/customers.
func route(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/rest")
	if rest, ok := strings.CutPrefix(p, "/"); ok && !strings.HasPrefix(rest, "V1/") {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			p = rest[i:]
		}
	}
	return r.Method + " " + p
}

func (ts *testStore) arrive(r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.received[route(r)]++
	close(ts.arrived)
	ts.arrived = make(chan struct{})
}

// waitFor blocks until the store has received n requests of route (as
// route names them). It fails the test after a minute without them.
func (ts *testStore) waitFor(t testing.TB, r string, n int) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		ts.mu.Lock()
		got, ch := ts.received[r], ts.arrived
		ts.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("the store received %d %s requests in a minute, want %d", got, r, n)
		}
	}
}

// receivedOf returns how many requests of route the store has received.
func (ts *testStore) receivedOf(r string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.received[r]
}

// requests returns the sandbox's request count per route.
func (ts *testStore) requests(tb testing.TB) map[string]int {
	tb.Helper()
	resp, err := http.Get(ts.url + "/__sandbox/stats")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		tb.Fatal(err)
	}
	return st.Requests
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// mageseed runs one command line in-process and returns its exit code,
// stdout and stderr.
func runCmd(tb testing.TB, dir string, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	wd, _ := os.Getwd()
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			tb.Fatal(err)
		}
		defer os.Chdir(wd)
	}
	code := execute(context.Background(), args, streams{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// writeCustomers writes a manifest with n customers; customize may change
// the YAML of customer i.
func writeCustomers(tb testing.TB, path string, n int, customize func(i int) string) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("version: 1\ncustomers:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  c%04d:\n    email: c%04d@example.test\n    firstname: Cust\n    lastname: Number\n    password: Password1\n", i, i)
		if customize != nil {
			b.WriteString(customize(i))
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestRequestBudget shows the request counts of issues 4 and 6 on 1,000
// customers that ask for tokens: apply makes one create and one token
// request per customer; plan over them makes at most ceil(N/100) + 6
// requests (so at most 16: 10 searches, the websites, the store's metadata
// in three requests (customer and address attributes, groups) and the
// sharing-scope question); a second apply writes nothing and mints exactly
// one token per customer again.
func TestRequestBudget(t *testing.T) {
	const n = 1000
	st := newTestStore(t, sandbox.Options{})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeCustomers(t, m, n, func(int) string { return "    token: true\n" })
	delta := func(run func()) map[string]int {
		before := st.requests(t)
		run()
		after := st.requests(t)
		for k, v := range before {
			after[k] -= v
		}
		return after
	}
	mustRun := func(args ...string) func() {
		return func() {
			if code, out, errOut := runCmd(t, dir, args...); code != 0 {
				t.Fatalf("mageseed %v: exit %d\n%s\n%s", args, code, out, errOut)
			}
		}
	}
	const token = "POST /V1/integration/customer/token"
	first := delta(mustRun("apply", "--quiet", m))
	if first["POST /V1/customers"] != n || first[token] != n {
		t.Errorf("first apply: %d creates and %d token requests, want %d of each", first["POST /V1/customers"], first[token], n)
	}
	plan := delta(mustRun("plan", m))
	if got, max := total(plan), (n+99)/100+6; got > max {
		t.Errorf("plan over %d customers made %d requests, want at most %d: %v", n, got, max, plan)
	}
	second := delta(mustRun("apply", "--quiet", m))
	writes := 0
	for route, k := range second {
		if isCustomerWrite(route) {
			writes += k
		}
	}
	if writes != 0 || second[token] != n {
		t.Errorf("second apply: %d writes and %d token requests, want 0 and %d: %v", writes, second[token], n, second)
	}
	t.Logf("apply: %d requests; plan: %d; second apply: %d", total(first), total(plan), total(second))
}

// TestApplyFailFast shows that a manifest whose 50th customer the store
// rejects stops, exits 1, names that customer and Magento's message, and
// that the outputs hold the customers that were done.
func TestApplyFailFast(t *testing.T) {
	newTestStore(t, sandbox.Options{})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeCustomers(t, m, 100, func(i int) string {
		if i == 50 {
			return "    groupId: 99\n"
		}
		return ""
	})
	code, out, errOut := runCmd(t, dir, "apply", "--parallelism", "4", m)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "c0050") || !strings.Contains(out, "The specified customer group id does not exist") {
		t.Errorf("output does not name c0050 and Magento's message:\n%s", out)
	}
	outputs, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := outputs.Customers["c0050"]; ok {
		t.Errorf("the rejected customer is in the outputs")
	}
	if _, ok := outputs.Customers["c0001"]; !ok {
		t.Errorf("the first customer is missing from the outputs")
	}
	for k, c := range outputs.Customers {
		if c.ID == 0 {
			t.Errorf("outputs hold %s without an id", k)
		}
	}
	if !strings.Contains(out, "Not run") {
		t.Errorf("the summary does not list what did not run:\n%s", out)
	}
}

// TestExamplesApply validates and applies every manifest in examples/, so
// that the examples never rot; a second apply changes nothing.
func TestExamplesApply(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(examples)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasSuffix(name, ".yaml") || name == "ci" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			// A directory with a profile.yaml models its own store: the
			// sandbox starts with that profile, and manifest.yaml is
			// applied to it.
			var opts sandbox.Options
			path := filepath.Join(examples, name)
			if e.IsDir() {
				if p, err := sandbox.LoadProfile(filepath.Join(path, "profile.yaml")); err == nil {
					opts.Profile = p
					path = filepath.Join(path, "manifest.yaml")
				} else if !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
			}
			newTestStore(t, opts)
			dir := t.TempDir()
			if code, out, errOut := runCmd(t, dir, "validate", path); code != 0 {
				t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
			}
			if code, out, errOut := runCmd(t, dir, "apply", "--quiet", path); code != 0 {
				t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
			}
			code, out, errOut := runCmd(t, dir, "plan", "--detailed-exitcode", path)
			if code != 0 {
				t.Fatalf("plan after apply: exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// TestApplyBulk applies generated customers through the store's async bulk
// API: one bulk request per 100 customers, the reads batched, and outputs
// equal to those of an apply without --bulk.
func TestApplyBulk(t *testing.T) {
	n := drillSize(t, 1000)
	outputsOf := func(bulk bool) (*outputs.File, map[string]int) {
		st := newTestStore(t, sandbox.Options{})
		dir := t.TempDir()
		m := filepath.Join(dir, "m.yaml")
		writeGenerated(t, m, n)
		args := []string{"apply", "--quiet", m}
		if bulk {
			args = append(args, "--bulk")
		}
		before := st.requests(t)
		if code, out, errOut := runCmd(t, dir, args...); code != 0 {
			t.Fatalf("mageseed %v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		after := st.requests(t)
		for k, v := range before {
			after[k] -= v
		}
		o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
		if err != nil {
			t.Fatal(err)
		}
		// Ids depend on the order in which the store finished the creates;
		// every one must be set, and the rest must be equal.
		o.Store.URL = ""
		for k, c := range o.Customers {
			if c.ID == 0 {
				t.Errorf("bulk=%v: %s has no id", bulk, k)
			}
			c.ID = 0
			for ak, a := range c.Addresses {
				if a.ID == 0 {
					t.Errorf("bulk=%v: %s address %s has no id", bulk, k, ak)
				}
				a.ID = 0
				c.Addresses[ak] = a
			}
			o.Customers[k] = c
		}
		return o, after
	}
	plain, _ := outputsOf(false)
	bulk, reqs := outputsOf(true)
	if diff := cmp.Diff(plain, bulk); diff != "" {
		t.Errorf("outputs with --bulk differ from outputs without (-plain +bulk):\n%s", diff)
	}
	submits := reqs["POST /async/bulk/V1/customers"]
	if want := (n + 99) / 100; submits != want {
		t.Errorf("%d bulk requests for %d customers, want %d", submits, n, want)
	}
	if creates := reqs["POST /V1/customers"]; creates != 0 {
		t.Errorf("%d single creates with --bulk, want 0", creates)
	}
	polls := reqs["GET /V1/bulk/:bulkUuid/detailed-status"]
	searches := reqs["GET /V1/customers/search"]
	t.Logf("%d customers: %d bulk requests, %d polls, %d searches, %d requests in all", n, submits, polls, searches, total(reqs))
	if searches > 2*((n+99)/100)+1 {
		t.Errorf("%d searches for %d customers: reads are not batched", searches, n)
	}
}
