package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mageseed/mageseed"
)

// Bulk mode.
//
// With Options.Bulk, creates go through the store's asynchronous bulk API
// instead of one request each: customers are submitted in bulks of
// Options.BulkSize (one request per bulk), the bulks are polled with
// backoff until the store's consumers have run every operation, and the
// customers are then looked up by a batched search to learn their ids. What
// follows is as without Bulk: a customer the store holds but that differs
// from the manifest (an operation that failed because the email was taken)
// is adopted and updated, tokens are minted one request per customer, and
// the outputs are the same.
//
// Bulks are handled in rounds of Options.Parallelism bulks, so that the
// memory Apply holds stays bounded whatever the number of customers.
//
// Creates are not idempotent, and a bulk is no exception: a submission
// whose outcome is unknown (no answer, a dropped connection, a 5xx) may
// have been queued, and its bulk uuid was in the answer that got lost, so
// its status cannot be asked. Before submitting again, apply waits (the
// retry delay, which also gives the store's consumers time to run a queued
// bulk), looks the bulk's emails up with a batched search, adopts the
// customers found and submits only those not found. A 429 is submitted
// again without a lookup: the store refused it before doing anything.
//
// A lost bulk that the consumers have not run by the time of the lookup
// still holds its customers, and the second submission queues them again.
// The store's unique key on (email, website) (customer_entity's
// CUSTOMER_ENTITY_EMAIL_WEBSITE_ID, app/code/Magento/Customer/etc/
// db_schema.xml) then fails whichever of the two operations runs second,
// and the lookup after the bulk adopts the customer: it is never created
// twice, at the cost of a failed operation in the store's bulk log.

// Bulk defaults.
const (
	defaultBulkSize    = 100
	defaultBulkPoll    = 250 * time.Millisecond
	maxBulkPoll        = 4 * time.Second
	defaultBulkTimeout = 10 * time.Minute
)

// bulkTask is one create in bulk mode: the plan index of its change.
type bulkTask struct {
	i   int
	err error // the bulk's failure for this customer, if any
}

// applyBulk runs the creates listed in idx through r's bulk API, writing
// each outcome to outs[i] and sending i on finished. It stops starting new
// rounds when stop is done.
func (e *executor) applyBulk(ctx, stop context.Context, r BulkRemote, p *Plan, idx []int, outs []outcome, finished chan<- int) error {
	size := e.opts.BulkSize
	round := size * e.opts.Parallelism
	for start := 0; start < len(idx); start += round {
		if stop.Err() != nil {
			for _, i := range idx[start:] {
				outs[i].state = skipped
			}
			return stop.Err()
		}
		end := min(start+round, len(idx))
		if err := e.bulkRound(ctx, stop, r, p, idx[start:end], outs, finished); err != nil {
			for _, i := range idx[end:] {
				outs[i].state = skipped
			}
			return err
		}
	}
	return nil
}

// bulkRound submits, polls and completes one round of bulks.
func (e *executor) bulkRound(ctx, stop context.Context, r BulkRemote, p *Plan, idx []int, outs []outcome, finished chan<- int) error {
	size := e.opts.BulkSize
	var batches [][]bulkTask
	for start := 0; start < len(idx); start += size {
		end := min(start+size, len(idx))
		b := make([]bulkTask, 0, end-start)
		for _, i := range idx[start:end] {
			b = append(b, bulkTask{i: i})
		}
		batches = append(batches, b)
	}

	// Submit and wait for every bulk of the round, each in its own
	// goroutine (at most Parallelism of them, by the round's size).
	var g errgroup.Group
	for _, b := range batches {
		g.Go(func() error {
			e.runBulk(ctx, stop, r, p, b)
			return nil
		})
	}
	g.Wait()

	// Look the customers up, then finish each (update if it differs,
	// token, outputs) with at most Parallelism requests in flight. The
	// round's bulks have run, so its customers are work in flight: a
	// failure stops the rounds after this one, not the rest of this one.
	var fg errgroup.Group
	fg.SetLimit(e.opts.Parallelism)
	var (
		mu      sync.Mutex
		failure error // the first failure
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = err
		}
	}
	for _, b := range batches {
		// Look up even when stopped: the bulk was submitted, and the
		// outputs should hold what the store created.
		found, dups, lookErr := e.lookup(ctx, p, b)
		for _, t := range b {
			c := &p.Changes[t.i]
			s, ok := found[identityOf(c.Desired)]
			var err error
			switch {
			case lookErr != nil:
				err = fmt.Errorf("create customer %s in bulk: look it up: %w", c.Email, lookErr)
			case len(dups[identityOf(c.Desired)]) > 1:
				err = fmt.Errorf("create customer %s in bulk: %w", c.Email, duplicate(c.Desired, dups[identityOf(c.Desired)], Create))
			case !ok && t.err != nil:
				err = fmt.Errorf("create customer %s in bulk: %w", c.Email, t.err)
			case !ok:
				err = fmt.Errorf("create customer %s in bulk: the bulk reported it done, but the store does not hold it", c.Email)
			}
			if err != nil {
				outs[t.i] = outcome{state: failed, action: Create, err: err}
				finished <- t.i
				fail(err)
				continue
			}
			adopted := t.err != nil // the store refused our create: it held the customer already
			if stop.Err() != nil {
				// Stopped: record what the store holds, start nothing new.
				o := outcome{state: done, action: Create, adopted: adopted, checked: true, wrote: true, record: true}
				o.out, o.warns = outputFor(c.Desired, s)
				if c.Desired.Token {
					o.warns = append(o.warns, fmt.Sprintf("customer %s: token not minted: apply stopped", c.Key))
				}
				outs[t.i] = o
				finished <- t.i
				continue
			}
			fg.Go(func() error {
				if stop.Err() != nil {
					return nil // left pending: reported as not run
				}
				o := e.update(ctx, stop, c.Desired, s, adopted)
				o.checked = true // the lookup found it once
				if o.action == NoOp && !adopted {
					o.action = Create // the bulk created it as declared
				}
				outs[t.i] = o
				finished <- t.i
				if o.state == failed {
					fail(o.err)
				}
				return nil
			})
		}
	}
	fg.Wait()
	if e.opts.KeepGoing {
		return nil
	}
	return failure
}

// errFoundAfterLostAnswer marks a customer of a bulk whose submission
// answer was lost and that the lookup before the next submission found:
// it is adopted, not submitted again.
var errFoundAfterLostAnswer = errors.New("its bulk's answer was lost; the store held it, then no longer")

// runBulk submits one bulk and waits until the store has run its
// operations, recording each customer's failure in b.
func (e *executor) runBulk(ctx, stop context.Context, r BulkRemote, p *Plan, b []bulkTask) {
	// pending are the indexes into b of the customers the next submission
	// carries; the store's answers index the submission, pending maps them
	// back.
	pending := make([]int, len(b))
	for k := range b {
		pending[k] = k
	}
	var (
		id   string
		sent map[int]error // rejected at submission, by index into the submission
		err  error
	)
	for attempt := 1; ; attempt++ {
		customers := make([]mageseed.Customer, len(pending))
		for j, k := range pending {
			customers[j] = e.withGroup(*p.Changes[b[k].i].Desired)
		}
		id, sent, err = r.SubmitCreates(ctx, customers)
		code := mageseed.ErrorCode(err)
		if err == nil || (code != mageseed.EUNAVAILABLE && code != mageseed.ERATELIMIT) ||
			attempt >= e.opts.Attempts || !e.wait(stop, attempt) {
			break
		}
		if code != mageseed.EUNAVAILABLE {
			continue // 429: refused before anything was queued
		}
		// The bulk may have been queued: adopt what the store holds and
		// submit only the rest.
		tasks := make([]bulkTask, len(pending))
		for j, k := range pending {
			tasks[j] = b[k]
		}
		found, _, lerr := e.lookup(ctx, p, tasks)
		if lerr != nil {
			err = fmt.Errorf("outcome unknown (%v); look the customers up: %w", err, lerr)
			break
		}
		keep := pending[:0]
		for _, k := range pending {
			if _, ok := found[identityOf(p.Changes[b[k].i].Desired)]; ok {
				b[k].err = errFoundAfterLostAnswer
			} else {
				keep = append(keep, k)
			}
		}
		pending = keep
		if len(pending) == 0 {
			return
		}
	}
	if err != nil {
		for _, k := range pending {
			b[k].err = fmt.Errorf("submit bulk: %w", err)
		}
		return
	}
	rejected := make(map[int]error, len(sent))
	for j, rerr := range sent {
		if j >= 0 && j < len(pending) {
			k := pending[j]
			rejected[k] = rerr
			b[k].err = fmt.Errorf("rejected: %w", rerr)
		}
	}

	delay := e.opts.BulkPoll
	lastProgress, lastOpen := time.Now(), -1
	for {
		ops, err := r.PollBulk(ctx, id)
		if err != nil {
			code := mageseed.ErrorCode(err)
			if code == mageseed.EUNAVAILABLE || code == mageseed.ERATELIMIT {
				if !e.sleep(stop, delay) {
					e.openFailed(b, rejected, id, "apply stopped")
					return
				}
				continue
			}
			e.openFailed(b, rejected, id, fmt.Sprintf("poll: %v", err))
			return
		}
		open := 0
		for _, op := range ops {
			if op.Index < 0 || op.Index >= len(pending) {
				continue
			}
			k := pending[op.Index]
			switch op.State {
			case BulkOpen:
				open++
			case BulkFailed:
				if b[k].err == nil {
					b[k].err = op.Err
					if op.Err == nil {
						b[k].err = errors.New("the store reports the operation failed")
					}
				}
			}
		}
		if open == 0 {
			return
		}
		if open != lastOpen {
			lastProgress, lastOpen = time.Now(), open
		}
		if time.Since(lastProgress) > e.opts.BulkTimeout {
			e.openFailed(b, rejected, id, fmt.Sprintf("no progress for %v (is the store's async.operations.all consumer running?)", e.opts.BulkTimeout))
			return
		}
		if !e.sleep(stop, delay) {
			e.openFailed(b, rejected, id, "apply stopped")
			return
		}
		delay = min(delay*2, maxBulkPoll)
	}
}

// openFailed marks the customers of b without an outcome as still queued
// in bulk id. The lookup that follows still finds those the store created
// in the meantime.
func (e *executor) openFailed(b []bulkTask, rejected map[int]error, id, why string) {
	for k := range b {
		if b[k].err == nil && rejected[k] == nil {
			b[k].err = fmt.Errorf("still queued in bulk %s: %s", id, why)
		}
	}
}

// sleep waits d; it reports false when stop ends the wait first.
func (e *executor) sleep(stop context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop.Done():
		return false
	}
}

// lookup finds the customers of b in the store: one FindCustomers call per
// website (the Remote batches the emails).
func (e *executor) lookup(ctx context.Context, p *Plan, b []bulkTask) (map[identity]*mageseed.Customer, map[identity][]*mageseed.Customer, error) {
	desired := make([]mageseed.Customer, len(b))
	for k, t := range b {
		d := p.Changes[t.i].Desired
		desired[k] = mageseed.Customer{Email: d.Email, WebsiteID: d.WebsiteID}
	}
	found, err := Read(ctx, e.r, desired)
	if err != nil {
		return nil, nil, err
	}
	idx, dups := index(found)
	return idx, dups, nil
}
