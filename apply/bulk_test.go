package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// bulkOpts are Options for bulk mode that keep polls quick in tests.
func bulkOpts(o Options) Options {
	o.Bulk = true
	o.BulkPoll = time.Millisecond
	o.RetryDelay = time.Millisecond
	return o
}

func TestApplyBulk(t *testing.T) {
	m := newMemBulk()
	m.step = 30 // the consumer needs several polls per bulk
	desired := customers(1000)
	w, path := newWriter(t)
	p := plan(t, m.memStore, desired)
	finds := m.count("find")
	res, err := Apply(context.Background(), m, p, bulkOpts(Options{Parallelism: 4, Outputs: w}))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantTokens := 334
	if res.Created != 1000 || res.Adopted != 0 || res.Tokens != wantTokens {
		t.Errorf("created %d adopted %d tokens %d, want 1000 0 %d", res.Created, res.Adopted, res.Tokens, wantTokens)
	}
	// 10 submissions, polls, one lookup per bulk, one token request per
	// token customer, and not one single create.
	if m.submits != 10 || m.count("find")-finds != 10 || m.count("create") != 0 || m.count("token") != wantTokens {
		t.Errorf("submits %d, lookups %d, creates %d, tokens %d; want 10, 10, 0, %d",
			m.submits, m.count("find")-finds, m.count("create"), m.count("token"), wantTokens)
	}
	t.Logf("%d polls for 10 bulks", m.polls)
	if len(m.all()) != 1000 {
		t.Errorf("the store holds %d customers, want 1000", len(m.all()))
	}
	out, _, err := outputs.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != 1000 || out.Customers["c0001"].Token == "" || out.Customers["c0001"].Addresses["home"].ID == 0 {
		t.Errorf("outputs: %d customers, c0001 = %+v", len(out.Customers), out.Customers["c0001"])
	}
	if again := plan(t, m.memStore, desired); again.HasChanges() {
		t.Errorf("plan after a bulk apply has changes")
	}
}

func TestApplyBulkAdopts(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(m *memBulk)
		wantAdopted int
		wantCreated int
		wantSubmits int
		wantOps     int // operations queued in all bulks; 0 means 5
	}{
		{
			name: "customer made meanwhile is adopted and converged",
			setup: func(m *memBulk) {
				c := jane()
				c.Key, c.Email, c.Lastname, c.Addresses = "", "c0002@example.test", "Before", nil
				m.put(c)
			},
			wantAdopted: 1, wantCreated: 4, wantSubmits: 1,
		},
		{
			// The lost bulk is still queued when apply looks: all five are
			// submitted again, and the store's unique key fails the second
			// operation of each.
			name: "lost submission answer, bulk not yet run: submitted again, no duplicate",
			setup: func(m *memBulk) {
				m.submitFault = func(n int) (error, bool) { return nil, n == 1 }
			},
			wantAdopted: 5, wantCreated: 0, wantSubmits: 2, wantOps: 10,
		},
		{
			// The lost bulk has run: apply finds the five and adopts them
			// without submitting anything again.
			name: "lost submission answer, bulk run: looked up, not submitted again",
			setup: func(m *memBulk) {
				m.submitFault = func(n int) (error, bool) { return nil, n == 1 }
				m.runDropped = true
			},
			wantAdopted: 5, wantCreated: 0, wantSubmits: 1, wantOps: 5,
		},
		{
			// Two of the lost bulk's customers were made: only the other
			// three are submitted again.
			name: "lost submission answer, bulk partly run: the rest submitted again",
			setup: func(m *memBulk) {
				m.submitFault = func(n int) (error, bool) { return nil, n == 1 }
				m.runDropped = true
				m.step = 2
			},
			wantAdopted: 5, wantCreated: 0, wantSubmits: 2, wantOps: 8,
		},
		{
			name: "submission refused with 503: submitted again",
			setup: func(m *memBulk) {
				m.submitFault = func(n int) (error, bool) {
					if n == 1 {
						return mageseed.Errorf(mageseed.EUNAVAILABLE, "503"), false
					}
					return nil, false
				}
			},
			wantAdopted: 0, wantCreated: 5, wantSubmits: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemBulk()
			desired := customers(5)
			p := plan(t, m.memStore, desired)
			tt.setup(m)
			res, err := Apply(context.Background(), m, p, bulkOpts(Options{}))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if res.Adopted != tt.wantAdopted || res.Created != tt.wantCreated || m.submits != tt.wantSubmits {
				t.Errorf("adopted %d created %d submits %d, want %d %d %d", res.Adopted, res.Created, m.submits, tt.wantAdopted, tt.wantCreated, tt.wantSubmits)
			}
			if n := len(m.all()); n != 5 {
				t.Errorf("the store holds %d customers, want 5", n)
			}
			ops := 0
			for _, b := range m.bulks {
				ops += len(b.ops)
			}
			if want := max(tt.wantOps, 5); ops != want {
				t.Errorf("%d create operations queued, want %d", ops, want)
			}
			if again := plan(t, m.memStore, desired); again.HasChanges() {
				t.Errorf("not converged: %+v", again.Changes)
			}
		})
	}
}

func TestApplyBulkFailures(t *testing.T) {
	desired := customers(250)
	desired[120].Email = "reject-me@example.test"
	tests := []struct {
		name        string
		keepGoing   bool
		wantCreated int
		wantSkipped bool
	}{
		// The failure is in the second round of 100: that round's bulk has
		// run, so its customers are completed; the third round never starts.
		{"fail fast", false, 199, true},
		{"keep going", true, 249, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemBulk()
			res, err := Apply(context.Background(), m, plan(t, m.memStore, desired), bulkOpts(Options{Parallelism: 1, KeepGoing: tt.keepGoing}))
			if err == nil || !strings.Contains(err.Error(), "c0121") || !strings.Contains(err.Error(), "The email address is required") {
				t.Errorf("error = %v, want one naming c0121 and the store's message", err)
			}
			if len(res.Failed) != 1 || res.Failed[0].Key != "c0121" {
				t.Errorf("failed = %+v, want c0121", res.Failed)
			}
			if res.Created != tt.wantCreated {
				t.Errorf("created %d, want %d", res.Created, tt.wantCreated)
			}
			if (len(res.Skipped) > 0) != tt.wantSkipped {
				t.Errorf("skipped %d, want some: %v", len(res.Skipped), tt.wantSkipped)
			}
			if got := res.Created + len(res.Failed) + len(res.Skipped); got != 250 {
				t.Errorf("created + failed + skipped = %d, want 250", got)
			}
		})
	}
}

// TestApplyBulkConsumerStopped runs in a synctest bubble: the default
// BulkTimeout of ten minutes without progress passes on the fake clock.
func TestApplyBulkConsumerStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemBulk()
		m.paused = true
		start := time.Now()
		res, err := Apply(context.Background(), m, plan(t, m.memStore, customers(3)), bulkOpts(Options{KeepGoing: true}))
		if err == nil {
			t.Fatal("Apply succeeded with a store that never runs its queue")
		}
		if waited := time.Since(start); waited < 10*time.Minute {
			t.Errorf("gave up on the bulk after %s, want the default BulkTimeout of 10m", waited)
		}
		var keys []string
		for _, f := range res.Failed {
			keys = append(keys, f.Key)
			if !strings.Contains(f.Err.Error(), "async.operations.all") {
				t.Errorf("failure %q does not say which consumer to check", f.Err)
			}
		}
		if diff := cmp.Diff(keys, []string{"c0001", "c0002", "c0003"}); diff != "" {
			t.Errorf("failed (-got +want):\n%s", diff)
		}
	})
}

func TestApplyBulkNeedsBulkRemote(t *testing.T) {
	m := newMemStore()
	if _, err := Apply(context.Background(), m, plan(t, m, customers(1)), Options{Bulk: true}); err == nil {
		t.Errorf("Apply in bulk mode with a plain Remote succeeded")
	}
	if m.writes() != 0 {
		t.Errorf("it wrote to the store anyway")
	}
}

func TestApplyBulkCancel(t *testing.T) {
	tests := []struct {
		name        string
		paused      bool
		wantFailed  int
		wantCreated int
	}{
		// The store never runs the queue: the first round's customers are
		// reported as still queued.
		{"queue not run", true, 100, 0},
		// The store runs the queue at once: the first round's customers
		// are recorded (without tokens), nothing new starts.
		{"queue run", false, 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemBulk()
			m.paused = tt.paused
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m.submitFault = func(n int) (error, bool) {
				if n == 2 {
					cancel() // as the first SIGINT does, while the bulks are queued
				}
				return nil, false
			}
			w, path := newWriter(t)
			res, err := Apply(ctx, m, plan(t, m.memStore, customers(250)), bulkOpts(Options{Parallelism: 2, BulkSize: 50, Outputs: w}))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Apply error = %v, want one wrapping context.Canceled", err)
			}
			// The two bulks of the first round were submitted; the later
			// rounds never started.
			if len(res.Failed) != tt.wantFailed || res.Created != tt.wantCreated || len(res.Skipped) != 150 {
				t.Errorf("failed %d created %d skipped %d, want %d %d 150", len(res.Failed), res.Created, len(res.Skipped), tt.wantFailed, tt.wantCreated)
			}
			if len(res.Failed) > 0 && !strings.Contains(res.Failed[0].Err.Error(), "still queued in bulk") {
				t.Errorf("failure %q does not say the customer is still queued", res.Failed[0].Err)
			}
			if m.count("token") != 0 {
				t.Errorf("%d tokens minted after the cancellation", m.count("token"))
			}
			out, _, err := outputs.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Customers) != tt.wantCreated {
				t.Errorf("outputs hold %d customers, want %d", len(out.Customers), tt.wantCreated)
			}
		})
	}
}
