package apply

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// customers returns n desired customers c0001..cNNNN with one address
// each; every third asks for a token.
func customers(n int) []mageseed.Customer {
	out := make([]mageseed.Customer, n)
	for i := range out {
		k := fmt.Sprintf("c%04d", i+1)
		a := home()
		a.Key = "home"
		a.Street = []string{fmt.Sprintf("%d Main St", i+1)}
		out[i] = mageseed.Customer{
			Key: k, Email: k + "@example.test", Firstname: "Cust", Lastname: k, WebsiteID: 1,
			Password: "Password1", Token: i%3 == 0, Addresses: []mageseed.Address{a},
		}
	}
	return out
}

// plan reads desired from the store and diffs it.
func plan(tb testing.TB, m *memStore, desired []mageseed.Customer) *Plan {
	tb.Helper()
	remote, err := Read(context.Background(), m, desired)
	if err != nil {
		tb.Fatalf("Read: %v", err)
	}
	return Diff(desired, remote)
}

// fast are Options that keep retries quick in tests.
func fast(o Options) Options {
	o.RetryDelay = time.Millisecond
	return o
}

// newWriter opens an outputs writer in a temporary directory.
func newWriter(tb testing.TB) (*outputs.Writer, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "mageseed.outputs.json")
	w, err := outputs.NewWriter(path, outputs.FormatJSON, &outputs.File{Store: outputs.Store{URL: "http://127.0.0.1:1", StoreCode: "default", WebsiteID: 1}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return w, path
}

func TestApplyConverges(t *testing.T) {
	m := newMemStore()
	desired := customers(40)
	w, path := newWriter(t)
	var events []Event
	res, err := Apply(context.Background(), m, plan(t, m, desired), fast(Options{
		Parallelism: 4, Outputs: w,
		Progress: func(e Event) { events = append(events, e) }, // unsynchronised: -race proves one goroutine
	}))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantTokens := 14 // c0001, c0004, ..., c0040
	got := []int{res.Created, res.Updated, res.Unchanged, res.Adopted, res.Tokens, len(res.Failed), len(res.Skipped)}
	if diff := cmp.Diff(got, []int{40, 0, 0, 0, wantTokens, 0, 0}); diff != "" {
		t.Errorf("created, updated, unchanged, adopted, tokens, failed, skipped (-got +want):\n%s", diff)
	}
	if n := m.count("token"); n != wantTokens {
		t.Errorf("token requests = %d, want one per token customer, %d", n, wantTokens)
	}
	for i, e := range events {
		if e.Done != i+1 || e.Total != 40 {
			t.Errorf("event %d: Done %d Total %d, want %d and 40", i, e.Done, e.Total, i+1)
		}
	}

	// Convergence: the store now diffs clean, and a second apply writes
	// nothing (tokens are still minted, one each).
	again := plan(t, m, desired)
	if again.HasChanges() {
		t.Fatalf("plan after apply has changes: %+v", again.Changes[0])
	}
	writes, tokens := m.writes(), m.count("token")
	res, err = Apply(context.Background(), m, again, Options{Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.writes() != writes {
		t.Errorf("a no-change apply sent %d writes", m.writes()-writes)
	}
	if got := m.count("token") - tokens; got != wantTokens || res.Tokens != wantTokens || res.Unchanged != 40 {
		t.Errorf("no-change apply: %d token requests, Tokens %d, Unchanged %d; want %d, %d, 40", got, res.Tokens, res.Unchanged, wantTokens, wantTokens)
	}

	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != 40 {
		t.Fatalf("outputs hold %d customers, want 40", len(out.Customers))
	}
	for _, s := range m.all() {
		key := strings.TrimSuffix(s.Email, "@example.test")
		c := out.Customers[key]
		want := outputs.Customer{ID: s.ID, Email: s.Email, WebsiteID: 1, GroupID: 1,
			Addresses: map[string]outputs.Address{"home": {ID: s.Addresses[0].ID, DefaultBilling: true, DefaultShipping: true}}}
		if key == "c0001" {
			if c.Token == "" || c.TokenExpiresAt == "" {
				t.Errorf("c0001 has no token in the outputs")
			}
		}
		c.Token, c.TokenExpiresAt = "", ""
		if diff := cmp.Diff(c, want); diff != "" {
			t.Errorf("outputs of %s (-got +want):\n%s", key, diff)
		}
	}
}

func TestApplyUpdateKeepsAddresses(t *testing.T) {
	m := newMemStore()
	j := jane()
	first := m.put(j)
	// Someone adds an address in the admin.
	extra := home()
	extra.Street, extra.DefaultBilling, extra.DefaultShipping = []string{"9 Admin Ave"}, false, false
	c := first
	c.Addresses = append(c.Addresses, extra)
	m.mu.Lock()
	if _, err := m.update(c); err != nil {
		t.Fatal(err)
	}
	m.mu.Unlock()

	j.Lastname = "Smith"
	p := plan(t, m, []mageseed.Customer{j})
	if diff := cmp.Diff(p.Changes[0].Fields, []FieldChange{{Path: "lastname", Action: Update, Old: "Doe", New: "Smith"}}); diff != "" {
		t.Fatalf("plan (-got +want):\n%s", diff)
	}
	res, err := Apply(context.Background(), m, p, Options{})
	if err != nil || res.Updated != 1 {
		t.Fatalf("Apply: updated %d, err %v", res.Updated, err)
	}
	got := m.all()[0]
	if got.Lastname != "Smith" || len(got.Addresses) != 2 || got.DefaultBilling != first.Addresses[0].ID {
		t.Errorf("after update: lastname %q, %d addresses, default billing %d; want Smith, 2, %d",
			got.Lastname, len(got.Addresses), got.DefaultBilling, first.Addresses[0].ID)
	}
	if p := plan(t, m, []mageseed.Customer{j}); p.HasChanges() {
		t.Errorf("plan after update has changes: %+v", p.Changes[0].Fields)
	}
}

func TestApplyAdoptsOnConflict(t *testing.T) {
	m := newMemStore()
	j := jane()
	p := plan(t, m, []mageseed.Customer{j}) // a create
	// The customer appears between plan and apply, with another lastname.
	other := j
	other.Lastname = "Before"
	other.Addresses = nil
	m.put(other)

	res, err := Apply(context.Background(), m, p, Options{})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.Adopted != 1 || res.Created != 0 || res.Tokens != 1 {
		t.Errorf("adopted %d created %d tokens %d, want 1 0 1", res.Adopted, res.Created, res.Tokens)
	}
	all := m.all()
	if len(all) != 1 {
		t.Fatalf("the store holds %d customers, want 1 (no duplicate)", len(all))
	}
	if p := plan(t, m, []mageseed.Customer{j}); p.HasChanges() {
		t.Errorf("the adopted customer was not converged: %+v", p.Changes[0].Fields)
	}
}

func TestApplyUnknownCreateOutcome(t *testing.T) {
	tests := []struct {
		name string
		// fail decides the fate of the n-th create (1-based).
		fail func(n int) (error, bool)
		// lookupFail, if set, decides the fate of the n-th lookup after a
		// create (1-based; the plan's read is not one).
		lookupFail  func(n int) error
		wantCreates int
		wantLookups int
		wantAdopted int
		wantCreated int
		wantFailed  bool
		wantErr     string // a part of the failure's message
	}{
		{
			name:        "answer lost after the create: found and adopted, not repeated",
			fail:        func(n int) (error, bool) { return nil, n == 1 },
			wantCreates: 1, wantLookups: 1, wantAdopted: 1,
		},
		{
			name: "failed before the create: looked up, not found, created again",
			fail: func(n int) (error, bool) {
				if n == 1 {
					return mageseed.Errorf(mageseed.EUNAVAILABLE, "503 Service Unavailable"), false
				}
				return nil, false
			},
			wantCreates: 2, wantLookups: 1, wantCreated: 1,
		},
		{
			name: "never answered: bounded attempts, then a failure",
			fail: func(n int) (error, bool) {
				return mageseed.Errorf(mageseed.EUNAVAILABLE, "503 Service Unavailable"), false
			},
			wantCreates: 3, wantLookups: 3, wantFailed: true,
		},
		{
			// Under a store that fails a share of requests, the lookup
			// after a lost answer is lost too now and then: that is no
			// reason to fail a customer that is in the store.
			name:        "answer lost, the first lookup lost too: looked up again and adopted, not created twice",
			fail:        func(n int) (error, bool) { return nil, n == 1 },
			lookupFail:  func(n int) error { return lostLookup(n == 1) },
			wantCreates: 1, wantLookups: 2, wantAdopted: 1,
		},
		{
			name: "failed before the create, the lookup lost: looked up again, then created once",
			fail: func(n int) (error, bool) {
				if n == 1 {
					return mageseed.Errorf(mageseed.EUNAVAILABLE, "503 Service Unavailable"), false
				}
				return nil, false
			},
			lookupFail:  func(n int) error { return lostLookup(n == 1) },
			wantCreates: 2, wantLookups: 2, wantCreated: 1,
		},
		{
			name:        "lookups never answered: bounded attempts, the create not sent again, then a failure",
			fail:        func(n int) (error, bool) { return nil, n == 1 },
			lookupFail:  func(n int) error { return lostLookup(true) },
			wantCreates: 1, wantLookups: 3, wantFailed: true,
			wantErr: "create customer jdoe@example.com: outcome unknown (create: connection closed before the answer); look it up: gave up after 3 attempts: GET /V1/customers/search: 503",
		},
		{
			name: "a conflict whose lookup is lost: looked up again and adopted",
			fail: func(n int) (error, bool) {
				return mageseed.Errorf(mageseed.ECONFLICT, "A customer with the same email address already exists in an associated website."), false
			},
			lookupFail:  func(n int) error { return lostLookup(n == 1) },
			wantCreates: 1, wantLookups: 2, wantAdopted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemStore()
			var mu sync.Mutex
			creates, finds := 0, 0
			j := jane()
			m.fault = func(op, email string) (error, bool) {
				mu.Lock()
				defer mu.Unlock()
				switch op {
				case "create":
					creates++
					err, drop := tt.fail(creates)
					if mageseed.ErrorCode(err) == mageseed.ECONFLICT && creates == 1 {
						// The customer the store says it holds.
						m.put(j)
					}
					return err, drop
				case "find":
					finds++
					if finds > 1 && tt.lookupFail != nil {
						return tt.lookupFail(finds - 1), false
					}
				}
				return nil, false
			}
			res, err := Apply(context.Background(), m, plan(t, m, []mageseed.Customer{j}), fast(Options{Attempts: 3}))
			if (err != nil) != tt.wantFailed {
				t.Fatalf("Apply error = %v, want failure %v", err, tt.wantFailed)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Apply error = %v, want it to say %q", err, tt.wantErr)
			}
			if got := m.count("create"); got != tt.wantCreates {
				t.Errorf("creates sent = %d, want %d", got, tt.wantCreates)
			}
			// One find is the plan's read; each unknown outcome adds one.
			if got := m.count("find"); got != 1+tt.wantLookups {
				t.Errorf("finds = %d, want 1 + %d lookups", got, tt.wantLookups)
			}
			if res.Adopted != tt.wantAdopted || res.Created != tt.wantCreated {
				t.Errorf("adopted %d created %d, want %d %d", res.Adopted, res.Created, tt.wantAdopted, tt.wantCreated)
			}
			if n := len(m.all()); n > 1 {
				t.Errorf("the store holds %d customers: a duplicate", n)
			}
		})
	}
}

// lostLookup is the failure of a lookup whose answer was lost, when lost.
func lostLookup(lost bool) error {
	if lost {
		return mageseed.Errorf(mageseed.EUNAVAILABLE, "GET /V1/customers/search: 503: Service temporarily unavailable")
	}
	return nil
}

// TestApplyFailFast runs in a synctest bubble so that it does not depend on
// the scheduler: the failing create is held until every worker is parked,
// the creates that start after it are held until Apply has stopped, and
// only then does the work in flight finish.
func TestApplyFailFast(t *testing.T) {
	const parallelism = 4
	synctest.Test(t, func(t *testing.T) {
		var (
			mu    sync.Mutex
			later []string // the creates of customers after c0050 that ran
		)
		arrived := make(chan struct{}) // c0050's create has arrived
		fail := make(chan struct{})    // let c0050's create fail
		release := make(chan struct{}) // let the later creates finish
		m := newMemStore()
		m.fault = func(op, email string) (error, bool) {
			if op != "create" {
				return nil, false
			}
			switch key := strings.TrimSuffix(email, "@example.test"); {
			case key == "c0050":
				close(arrived)
				<-fail
				return mageseed.Errorf(mageseed.EINVALID, "\"First Name\" is a required value."), false
			case key > "c0050":
				mu.Lock()
				later = append(later, key)
				mu.Unlock()
				<-release
			}
			return nil, false
		}
		w, path := newWriter(t)
		desired := customers(100)
		p := plan(t, m, desired)
		type result struct {
			res *Result
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := Apply(context.Background(), m, p, Options{Parallelism: parallelism, Outputs: w})
			done <- result{res, err}
		}()
		<-arrived
		// Every goroutine is parked: the creates before c0050 are done,
		// c0050 holds one slot, the next customers' creates hold the
		// others, and Apply waits for a slot.
		synctest.Wait()
		mu.Lock()
		inFlight := slices.Sorted(slices.Values(later))
		mu.Unlock()
		if want := []string{"c0051", "c0052", "c0053"}; !slices.Equal(inFlight, want) {
			t.Fatalf("creates in flight beside c0050: %v, want %v", inFlight, want)
		}
		close(fail)
		// Apply has stopped new work and waits for the creates in flight.
		synctest.Wait()
		mu.Lock()
		if len(later) != len(inFlight) {
			t.Errorf("creates run after c0050 failed: %v, want none besides %v", later, inFlight)
		}
		mu.Unlock()
		close(release)
		r := <-done
		res, err := r.res, r.err
		if err == nil {
			t.Fatal("Apply succeeded, want the 50th customer's failure")
		}
		if !strings.Contains(err.Error(), "c0050") || !strings.Contains(err.Error(), `"First Name" is a required value.`) {
			t.Errorf("error %q does not name c0050 and the store's message", err)
		}
		if len(res.Failed) != 1 || res.Failed[0].Key != "c0050" || res.Failed[0].Action != Create {
			t.Fatalf("Failed = %+v, want c0050 only", res.Failed)
		}
		stored := len(m.all())
		// Customers c0001..c0049 ran before c0050; those in flight beside
		// it finished; every other one was skipped.
		if want := 49 + len(inFlight); stored != want {
			t.Errorf("%d stored, want %d (the 49 before c0050 and %v)", stored, want, inFlight)
		}
		for _, k := range res.Skipped {
			if slices.Contains(inFlight, k) || k <= "c0050" {
				t.Errorf("%s skipped: it ran or came before the failure", k)
			}
		}
		if stored+len(res.Skipped)+1 != 100 {
			t.Errorf("%d stored + %d skipped + 1 failed != 100", stored, len(res.Skipped))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out, _, err := outputs.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Customers) != stored || res.Created != stored {
			t.Errorf("outputs hold %d customers, created %d; the store holds %d", len(out.Customers), res.Created, stored)
		}
		for _, s := range m.all() {
			key := strings.TrimSuffix(s.Email, "@example.test")
			if out.Customers[key].ID != s.ID {
				t.Errorf("outputs lack %s", key)
			}
		}
		if _, ok := out.Customers["c0050"]; ok {
			t.Errorf("outputs hold the failed customer")
		}
	})
}

func TestApplyKeepGoing(t *testing.T) {
	m := newMemStore()
	m.fault = func(op, email string) (error, bool) {
		if op == "create" && (email == "c0005@example.test" || email == "c0009@example.test") {
			return mageseed.Errorf(mageseed.EINVALID, "Invalid Phone Number."), false
		}
		return nil, false
	}
	res, err := Apply(context.Background(), m, plan(t, m, customers(20)), Options{Parallelism: 3, KeepGoing: true})
	if err == nil || !strings.Contains(err.Error(), "1 more") {
		t.Errorf("error = %v, want a summary of 2 failures", err)
	}
	if res.Created != 18 || len(res.Failed) != 2 || len(res.Skipped) != 0 {
		t.Errorf("created %d failed %d skipped %d, want 18 2 0", res.Created, len(res.Failed), len(res.Skipped))
	}
}

func TestApplyCancel(t *testing.T) {
	m := newMemStore()
	m.latency = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	n := 0
	m.fault = func(op, email string) (error, bool) {
		if op == "create" {
			mu.Lock()
			n++
			if n == 10 {
				cancel() // as the first SIGINT does, while this create is in flight
			}
			mu.Unlock()
		}
		return nil, false
	}
	w, path := newWriter(t)
	res, err := Apply(ctx, m, plan(t, m, customers(100)), Options{Parallelism: 4, Outputs: w})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply error = %v, want one wrapping context.Canceled", err)
	}
	if len(res.Failed) != 0 {
		t.Errorf("in-flight work failed: %+v", res.Failed)
	}
	stored := len(m.all())
	if len(res.Skipped) == 0 || stored+len(res.Skipped) != 100 || res.Created != stored {
		t.Errorf("created %d, stored %d, skipped %d: want every customer either done or skipped", res.Created, stored, len(res.Skipped))
	}
	// Apply flushed the outputs before returning: they hold every customer
	// created, without waiting for Close.
	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != stored {
		t.Errorf("outputs hold %d customers, the store %d", len(out.Customers), stored)
	}
}

// TestApplyParallelismBound runs in a synctest bubble: the store's latency
// passes on the fake clock only once every worker is parked, so the
// requests in flight reach the limit exactly, and never pass it.
func TestApplyParallelismBound(t *testing.T) {
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMemStore()
				m.latency = time.Millisecond
				if _, err := Apply(context.Background(), m, plan(t, m, customers(30)), Options{Parallelism: limit}); err != nil {
					t.Fatal(err)
				}
				m.mu.Lock()
				got := m.maxInflight
				m.mu.Unlock()
				if got != limit {
					t.Errorf("at most %d requests in flight at once, want the limit %d", got, limit)
				}
			})
		})
	}
}

func TestApplyCredentialDrift(t *testing.T) {
	m := newMemStore()
	j := jane()
	changed := j
	changed.Password = "Changed-Elsewhere9"
	m.put(changed)

	w, path := newWriter(t)
	res, err := Apply(context.Background(), m, plan(t, m, []mageseed.Customer{j}), Options{Outputs: w})
	if err != nil {
		t.Fatalf("credential drift failed the run: %v", err)
	}
	if m.count("token") != 1 {
		t.Errorf("token requests = %d, want exactly 1 (never retried)", m.count("token"))
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "jane") || !strings.Contains(res.Warnings[0], "credential drift") {
		t.Errorf("warnings = %q, want one naming jane and credential drift", res.Warnings)
	}
	for _, s := range res.Warnings {
		if strings.Contains(s, j.Password) || strings.Contains(s, changed.Password) {
			t.Errorf("a warning holds a password: %q", s)
		}
	}
	if res.Tokens != 0 || res.Unchanged != 1 {
		t.Errorf("tokens %d unchanged %d, want 0 1", res.Tokens, res.Unchanged)
	}
	w.Close()
	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if c := out.Customers["jane"]; c.ID == 0 || c.Token != "" {
		t.Errorf("outputs of jane = %+v, want ids and no token", c)
	}
}

func TestApplyTokenRetry(t *testing.T) {
	tests := []struct {
		name       string
		faults     []error // the answers to the token requests, in order; nil: no fault
		drop       bool    // the first request is answered by a dropped connection
		wantCalls  int
		wantTokens int
		wantFailed bool
	}{
		{name: "503 then success", faults: []error{mageseed.Errorf(mageseed.EUNAVAILABLE, "503")}, wantCalls: 2, wantTokens: 1},
		{name: "429 then success", faults: []error{mageseed.Errorf(mageseed.ERATELIMIT, "429")}, wantCalls: 2, wantTokens: 1},
		{name: "dropped answer then success", drop: true, wantCalls: 2, wantTokens: 1},
		{name: "never answered", faults: []error{
			mageseed.Errorf(mageseed.EUNAVAILABLE, "503"), mageseed.Errorf(mageseed.EUNAVAILABLE, "503"), mageseed.Errorf(mageseed.EUNAVAILABLE, "503"),
		}, wantCalls: 3, wantFailed: true},
		{name: "other error is not retried", faults: []error{mageseed.Errorf(mageseed.EINVALID, "bad")}, wantCalls: 1, wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemStore()
			var mu sync.Mutex
			n := 0
			m.fault = func(op, email string) (error, bool) {
				if op != "token" {
					return nil, false
				}
				mu.Lock()
				defer mu.Unlock()
				n++
				if tt.drop && n == 1 {
					return nil, true
				}
				if n <= len(tt.faults) {
					return tt.faults[n-1], false
				}
				return nil, false
			}
			res, err := Apply(context.Background(), m, plan(t, m, []mageseed.Customer{jane()}), fast(Options{Attempts: 3}))
			if (err != nil) != tt.wantFailed {
				t.Errorf("Apply error = %v, want failure %v", err, tt.wantFailed)
			}
			if got := m.count("token"); got != tt.wantCalls || res.Tokens != tt.wantTokens {
				t.Errorf("token requests %d, tokens %d; want %d, %d", got, res.Tokens, tt.wantCalls, tt.wantTokens)
			}
			if res.Created != 1 {
				t.Errorf("created %d, want 1 whatever became of the token", res.Created)
			}
		})
	}
}

func TestApplyTokenExpiryFromJWT(t *testing.T) {
	m := newMemStore()
	m.jwt = true
	m.tokenTime = time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	w, path := newWriter(t)
	now := func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := Apply(context.Background(), m, plan(t, m, []mageseed.Customer{jane()}), Options{Outputs: w, Now: now}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Customers["jane"].TokenExpiresAt; got != "2026-11-27T14:00:00Z" {
		t.Errorf("tokenExpiresAt = %q, want the JWT's exp 2026-11-27T14:00:00Z", got)
	}
}

func TestApplyDestroy(t *testing.T) {
	m := newMemStore()
	desired := customers(10)
	w, path := newWriter(t)
	if _, err := Apply(context.Background(), m, plan(t, m, desired), Options{Outputs: w}); err != nil {
		t.Fatal(err)
	}
	remote, err := Read(context.Background(), m, desired)
	if err != nil {
		t.Fatal(err)
	}
	// One customer is already gone when destroy runs.
	if err := m.DeleteCustomer(context.Background(), remote[3].ID); err != nil {
		t.Fatal(err)
	}
	res, err := Apply(context.Background(), m, DestroyPlan(desired, remote), Options{Outputs: w})
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if res.Deleted != 10 || len(m.all()) != 0 {
		t.Errorf("deleted %d, %d left in the store; want 10 and 0", res.Deleted, len(m.all()))
	}
	w.Close()
	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != 0 {
		t.Errorf("outputs still hold %d deleted customers", len(out.Customers))
	}
}

func TestResolve(t *testing.T) {
	m := newMemStore()
	ok := jane()
	ok.Addresses[0].Region = mageseed.Region{Code: "ny"}
	b2b := jane()
	b2b.Key, b2b.Website = "b2b", "B2B"
	b2b.Addresses[0].Region = mageseed.Region{Name: "california"}
	got, err := Resolve(context.Background(), m, []mageseed.Customer{ok, b2b}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].WebsiteID != 1 || got[1].WebsiteID != 2 {
		t.Errorf("website ids %d %d, want 1 2", got[0].WebsiteID, got[1].WebsiteID)
	}
	if diff := cmp.Diff(got[0].Addresses[0].Region, mageseed.Region{ID: 43, Code: "NY", Name: "New York"}); diff != "" {
		t.Errorf("region by code (-got +want):\n%s", diff)
	}
	if got[1].Addresses[0].Region.ID != 12 {
		t.Errorf("region by name resolved to %+v, want id 12", got[1].Addresses[0].Region)
	}
	if ok.Addresses[0].Region.ID != 0 {
		t.Errorf("Resolve changed its input")
	}
	if n := m.count("regions"); n != 1 {
		t.Errorf("regions requests = %d, want 1 (cached per country)", n)
	}

	bad := jane()
	bad.Addresses[0].Region = mageseed.Region{Code: "ZZ"}
	admin := jane()
	admin.Key, admin.Website = "root", "admin"
	nowhere := jane()
	nowhere.Key, nowhere.Website = "lost", "nowhere"
	abroad := jane()
	abroad.Key = "abroad"
	abroad.Addresses[0].CountryID, abroad.Addresses[0].Region = "XX", mageseed.Region{Name: "Nowhere"}
	_, err = Resolve(context.Background(), m, []mageseed.Customer{bad, admin, nowhere, abroad}, "")
	for _, want := range []string{"customer abroad: address home: country XX is not available in the store", `customer jane: address home: region code "ZZ" is not a region of country US`, "customer root: website \"admin\" is the admin website", `customer lost: website "nowhere" is not in the store (it has base, b2b)`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve error = %v, want it to contain %q", err, want)
		}
	}

	fromManifest := jane()
	fromManifest.WebsiteID = 0
	got, err = Resolve(context.Background(), m, []mageseed.Customer{fromManifest}, "b2b")
	if err != nil || got[0].WebsiteID != 2 {
		t.Errorf("default website b2b: id %d, err %v", got[0].WebsiteID, err)
	}
}

func TestReadBatchesByWebsite(t *testing.T) {
	m := newMemStore()
	desired := customers(250)
	for i := range desired {
		if i%2 == 1 {
			desired[i].WebsiteID = 2
		}
	}
	if _, err := Read(context.Background(), m, desired); err != nil {
		t.Fatal(err)
	}
	if n := m.count("find"); n != 2 {
		t.Errorf("FindCustomers calls = %d, want one per website (2)", n)
	}
}

// TestApplyFailFastWaitingCreateNotRun: a customer whose create got a 503,
// whose lookup then found it absent, and who is waiting to send the create
// again when another customer fails, is not run (the store does not hold
// it), not a second failure.
func TestApplyFailFastWaitingCreateNotRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		looked := make(chan struct{}) // c0002's lookup has answered
		fail := make(chan struct{})   // let c0001's create fail
		m := newMemStore()
		var mu sync.Mutex
		finds := 0
		m.fault = func(op, email string) (error, bool) {
			switch {
			case op == "create" && email == "c0001@example.test":
				<-fail
				return mageseed.Errorf(mageseed.EINVALID, "\"First Name\" is a required value."), false
			case op == "create" && email == "c0002@example.test":
				return mageseed.Errorf(mageseed.EUNAVAILABLE, "503 Service Unavailable"), false
			case op == "find":
				mu.Lock()
				finds++
				if finds == 2 { // the plan's read, then c0002's lookup
					close(looked)
				}
				mu.Unlock()
			}
			return nil, false
		}
		p := plan(t, m, customers(2))
		type result struct {
			res *Result
			err error
		}
		done := make(chan result)
		go func() {
			res, err := Apply(context.Background(), m, p, Options{Parallelism: 2})
			done <- result{res, err}
		}()
		<-looked
		synctest.Wait() // c0002 waits to create again; c0001's create is held
		close(fail)
		r := <-done
		if r.err == nil || !strings.Contains(r.err.Error(), "1 not run") || strings.Contains(r.err.Error(), "more failures") {
			t.Errorf("error = %v, want c0001's failure and 1 not run", r.err)
		}
		if len(r.res.Failed) != 1 || r.res.Failed[0].Key != "c0001" {
			t.Errorf("Failed = %+v, want c0001 only", r.res.Failed)
		}
		if !slices.Equal(r.res.Skipped, []string{"c0002"}) {
			t.Errorf("Skipped = %v, want [c0002]", r.res.Skipped)
		}
		if n := m.count("create"); n != 2 {
			t.Errorf("creates sent = %d, want 2 (c0002's not sent again)", n)
		}
	})
}
