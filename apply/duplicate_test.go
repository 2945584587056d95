package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/mageseed/mageseed"
)

// twinRemote is a store that lies about one email: its searches answer the
// customer with that email twice, the second time with id twinID, as a
// store without Magento's unique key on (email, website_id) could.
type twinRemote struct {
	*memStore
	email  string
	twinID int
}

func (r twinRemote) FindCustomers(ctx context.Context, websiteID int, emails []string) ([]mageseed.Customer, error) {
	out, err := r.memStore.FindCustomers(ctx, websiteID, emails)
	for _, c := range out {
		if strings.EqualFold(c.Email, r.email) {
			c.ID = r.twinID
			out = append(out, c)
		}
	}
	return out, err
}

// twoCustomers returns jane and one more customer, the store holding jane.
func twoCustomers(m *memStore) []mageseed.Customer {
	m.put(jane())
	bob := customers(1)[0]
	return []mageseed.Customer{jane(), bob}
}

func TestDiffDuplicates(t *testing.T) {
	m := newMemStore()
	desired := twoCustomers(m)
	r := twinRemote{m, "JDOE@example.com", 99}
	remote, err := Read(context.Background(), r, desired)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Plan{Diff(desired, remote), DestroyPlan(desired, remote)} {
		if len(p.Duplicates) != 1 {
			t.Fatalf("duplicates %+v, want jane's", p.Duplicates)
		}
		d := p.Duplicates[0]
		if d.Key != "jane" || len(d.IDs) != 2 || d.IDs[1] != 99 {
			t.Errorf("duplicate %+v, want jane with two ids, 99 last", d)
		}
		if msg := d.Error(); !strings.Contains(msg, " and 99") || !strings.Contains(msg, "2 customers with email jdoe@example.com in website 1") {
			t.Errorf("message %q does not name both ids", msg)
		}
		for _, c := range p.Changes {
			if c.Key == "jane" {
				t.Errorf("the plan picked one of jane's twins: %+v", c)
			}
		}
		if len(p.Changes) != 1 {
			t.Errorf("changes %+v, want bob's only", p.Changes)
		}
	}
}

// TestApplyDuplicates: a plan with a duplicate fails fast before any write
// (destroy deletes nothing and reports what it did not delete); with
// KeepGoing the rest runs and the duplicate is a failure.
func TestApplyDuplicates(t *testing.T) {
	for _, tt := range []struct {
		name      string
		destroy   bool
		keepGoing bool
		writes    int
	}{
		{"apply, fail fast", false, false, 0},
		{"apply, keep going", false, true, 1},
		{"destroy, fail fast", true, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemStore()
			desired := twoCustomers(m)
			if tt.destroy {
				m.put(desired[1])
			}
			r := twinRemote{m, "jdoe@example.com", 99}
			remote, err := Read(context.Background(), r, desired)
			if err != nil {
				t.Fatal(err)
			}
			p := Diff(desired, remote)
			if tt.destroy {
				p = DestroyPlan(desired, remote)
			}
			before := m.writes()
			res, err := Apply(context.Background(), r, p, fast(Options{KeepGoing: tt.keepGoing}))
			if err == nil || !strings.Contains(err.Error(), "and 99") {
				t.Errorf("Apply error %v, want one naming both ids", err)
			}
			if got := m.writes() - before; got != tt.writes {
				t.Errorf("%d writes, want %d", got, tt.writes)
			}
			if len(res.Failed) != 1 || res.Failed[0].Key != "jane" {
				t.Fatalf("failed %+v, want jane", res.Failed)
			}
			if tt.destroy && res.Failed[0].Action != Delete {
				t.Errorf("destroy reports jane as %v, want delete", res.Failed[0].Action)
			}
			if !tt.keepGoing && (len(res.Skipped) != 1 || res.Skipped[0] != "c0001") {
				t.Errorf("skipped %v, want c0001 (not run, and reported)", res.Skipped)
			}
			if res.Unchanged+res.Created+res.Deleted != tt.writes {
				t.Errorf("counted %+v, want only what was written", res)
			}
		})
	}
}

// TestApplyAdoptSeesTwins: a create that conflicts is adopted only when a
// search shows the customer once; two answers fail it, naming both ids,
// and nothing is counted adopted and checked.
func TestApplyAdoptSeesTwins(t *testing.T) {
	m := newMemStore()
	j := jane()
	p := plan(t, m, []mageseed.Customer{j}) // a create
	m.put(j)                                // then the store gets it, twice over
	r := twinRemote{m, j.Email, 99}
	res, err := Apply(context.Background(), r, p, fast(Options{}))
	if err == nil || !strings.Contains(err.Error(), "and 99") {
		t.Fatalf("Apply error %v, want one naming both ids", err)
	}
	if res.Adopted != 0 || res.Checked != 0 || res.Created != 0 || res.Unchanged != 0 {
		t.Errorf("result %+v, want the customer counted failed only", res)
	}

	// Without the twin, the adoption is checked.
	m = newMemStore()
	p = plan(t, m, []mageseed.Customer{j})
	m.put(j)
	res, err = Apply(context.Background(), m, p, fast(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Adopted != 1 || res.Checked != 1 {
		t.Errorf("adopted %d checked %d, want 1 1", res.Adopted, res.Checked)
	}
}

// TestApplyFailedIsNotUnchanged: a customer with nothing to write whose
// token request fails is failed, not also unchanged.
func TestApplyFailedIsNotUnchanged(t *testing.T) {
	m := newMemStore()
	m.put(jane())
	m.fault = func(op, email string) (error, bool) {
		if op == "token" {
			return mageseed.Errorf(mageseed.EINVALID, "bad"), false
		}
		return nil, false
	}
	p := plan(t, m, []mageseed.Customer{jane()})
	if p.HasChanges() {
		t.Fatalf("plan has changes: %+v", p.Changes)
	}
	res, err := Apply(context.Background(), m, p, fast(Options{}))
	if err == nil {
		t.Fatal("Apply succeeded, want the token failure")
	}
	if len(res.Failed) != 1 || res.Unchanged != 0 {
		t.Errorf("failed %d unchanged %d, want 1 0", len(res.Failed), res.Unchanged)
	}
}
