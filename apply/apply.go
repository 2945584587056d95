package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// Recorder keeps the records of the customers Apply converges (the
// outputs file: *outputs.Writer). Record and Forget are called from one
// goroutine; Flush before Apply returns.
type Recorder interface {
	// Record sets the record of customer key, replacing any earlier one.
	Record(key string, c outputs.Customer)
	// Forget removes the record of customer key (a deleted customer).
	Forget(key string)
	// Flush writes what was recorded and returns a write's failure.
	Flush() error
}

// Options tune Apply. The zero value is usable.
type Options struct {
	// Parallelism bounds the requests in flight (default 8).
	Parallelism int

	// KeepGoing runs every change even after one failed. By default Apply
	// fails fast: the first failure stops new work, and work in flight
	// finishes.
	KeepGoing bool

	// Progress, if set, is called once per finished change, always from
	// the same goroutine (never from a worker).
	Progress func(Event)

	// Outputs, if set, records every customer that Apply leaves in the
	// store (unchanged ones included) and forgets the deleted ones. Apply
	// flushes it before it returns; the caller closes it.
	Outputs Recorder

	// TokenLifetime is how long a customer token that is not a JWT is taken
	// to live, for tokenExpiresAt (default 1h, Magento's default).
	TokenLifetime time.Duration

	// Now returns the current time (default time.Now).
	Now func() time.Time

	// Attempts bounds how many times one request is sent while the store
	// does not answer it: a create whose outcome stays unknown and whose
	// email the store does not hold after each attempt, and a token
	// request that got no answer, a 5xx or a 429. A refused password is
	// never retried, and the Remote may bound the token requests further
	// (the magento client sends at most 3 per account and run, whatever
	// this says, and then fails with mageseed.ErrSignInLimit, which ends
	// the retries at once). Default 8.
	Attempts int

	// RetryDelay is the wait before the second attempt; it doubles for each
	// further attempt, up to maxRetryDelay (default 500ms).
	RetryDelay time.Duration

	// Bulk sends creates through the store's asynchronous bulk API (see
	// bulk.go); the Remote must then be a BulkRemote. BulkSize is the
	// number of customers per bulk (default 100), BulkPoll the first wait
	// between two polls of a bulk (default 250ms, doubling up to 4s), and
	// BulkTimeout how long a bulk may make no progress before its customers
	// are reported as still queued (default 10m).
	Bulk        bool
	BulkSize    int
	BulkPoll    time.Duration
	BulkTimeout time.Duration
}

// maxRetryDelay caps the wait between two attempts.
const maxRetryDelay = 8 * time.Second

func (o Options) withDefaults() Options {
	if o.Parallelism <= 0 {
		o.Parallelism = 8
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	if o.BulkSize <= 0 {
		o.BulkSize = defaultBulkSize
	}
	if o.BulkPoll <= 0 {
		o.BulkPoll = defaultBulkPoll
	}
	if o.BulkTimeout <= 0 {
		o.BulkTimeout = defaultBulkTimeout
	}
	return o
}

// Event reports one finished change.
type Event struct {
	Key    string
	Action Action // what was done: Create, Update, Delete or NoOp
	Err    error  // non-nil when the change failed
	Done   int    // changes finished so far, this one included
	Total  int    // changes in the plan
}

// Failure is a change that failed.
type Failure struct {
	Key, Email string
	Action     Action // the plan's action for the customer
	Err        error  // what went wrong, with the store's message

	// Stored reports that the customer's write (if it had one) succeeded
	// and a later step, such as minting its token, failed: the store holds
	// the customer as declared.
	Stored bool
}

// Result is what Apply did.
type Result struct {
	Created, Updated, Deleted, Unchanged int

	// Adopted counts customers the plan meant to create but that the store
	// already held (a conflict, or a create whose answer was lost): they
	// were adopted and converged instead. Checked counts those of them that
	// a search showed exactly once in their website after the create: no
	// duplicate was made. A search that shows two fails the customer.
	Adopted, Checked int

	// Tokens counts the customer tokens minted.
	Tokens int

	// Failed lists the changes that failed, in plan order, then the plan's
	// duplicates. A failed customer is never also counted unchanged; one
	// whose write succeeded before a later step (its token) failed is
	// counted created, updated or deleted too, as the store did change.
	Failed []Failure

	// Skipped lists the keys of the changes not run because Apply stopped
	// (fail fast or a cancelled context), in plan order.
	Skipped []string

	// Warnings are problems that do not fail the run, such as credential
	// drift. They never hold a secret.
	Warnings []string

	// Groups are the declared customer groups with their ids in the store,
	// in plan order (those Apply got to).
	Groups []GroupOutcome

	// Activated counts the accounts activated (email confirmation).
	Activated int

	Elapsed time.Duration
}

// state is where a change ended.
type state uint8

const (
	pending state = iota
	done
	failed
	skipped
)

// outcome is what running one change did. Each worker writes its own.
type outcome struct {
	state     state
	action    Action // what was done (or attempted, when wrote is false)
	wrote     bool   // the change's write, if any, succeeded
	adopted   bool
	checked   bool // a search after the create found the customer once
	token     bool // a token was minted
	activated bool // the account was activated
	record    bool // out is to be recorded
	forget    bool // the customer is to be removed from the outputs
	out       outputs.Customer
	warns     []string
	err       error
}

// Apply executes the plan against the store: deletes first, then creates,
// updates and tokens, each level with at most opts.Parallelism requests in
// flight. It blocks until every goroutine it started has returned.
//
// A create is one CreateCustomer call with the addresses; it is never
// repeated blind: a conflict means the customer exists and is adopted
// (looked up, then updated if it differs), and an unknown outcome
// (EUNAVAILABLE) is resolved by looking the email up before any retry. An
// update is one UpdateCustomer call with the full address list. A customer
// that asks for a token gets one CustomerToken call (another only when the
// store gave no answer); a refused password is a warning (credential
// drift), never retried.
//
// When ctx is cancelled, Apply starts no new work, lets the requests in
// flight finish, flushes the outputs and returns the Result with an error
// wrapping ctx.Err(). Apply returns an error whenever a change failed or
// did not run; the Result is never nil.
func Apply(ctx context.Context, r Remote, p *Plan, opts Options) (*Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	e := &executor{r: r, opts: opts}
	var bulk BulkRemote
	if opts.Bulk {
		var ok bool
		if bulk, ok = r.(BulkRemote); !ok {
			return &Result{}, errors.New("apply in bulk mode: the store client cannot submit bulks")
		}
	}

	// A customer the store holds twice is a failure known before any
	// work: failing fast, nothing runs.
	stopped := len(p.Duplicates) > 0 && !opts.KeepGoing

	var deletes, rest []int
	for i := range p.Changes {
		if p.Changes[i].Action == Delete {
			deletes = append(deletes, i)
		} else {
			rest = append(rest, i)
		}
	}

	total := len(p.Changes)
	outs := make([]outcome, total)
	finished := make(chan int, 2*opts.Parallelism)
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		n := 0
		for i := range finished {
			n++
			o := &outs[i]
			c := &p.Changes[i]
			if opts.Outputs != nil {
				switch {
				case o.forget:
					opts.Outputs.Forget(c.Key)
				case o.record:
					opts.Outputs.Record(c.Key, o.out)
				}
			}
			o.out = outputs.Customer{} // recorded: let it go
			if opts.Progress != nil {
				opts.Progress(Event{Key: c.Key, Action: o.action, Err: o.err, Done: n, Total: total})
			}
		}
	}()

	// Requests in flight run to their end even once ctx is cancelled, so
	// that a create's outcome is known; only new work stops.
	work := context.WithoutCancel(ctx)
	var groupErr error
	var groupOuts []GroupOutcome
	if !stopped {
		e.groups, groupOuts, groupErr = e.applyGroups(work, p)
		if groupErr != nil || ctx.Err() != nil {
			stopped = true // no customer may go to a group that is not there
		}
	}
	for _, level := range [][]int{deletes, rest} {
		if stopped {
			for _, i := range level {
				outs[i].state = skipped
			}
			continue
		}
		g, stop := errgroup.WithContext(ctx)
		g.SetLimit(opts.Parallelism)
		var bulkIdx []int
		for _, i := range level {
			if stop.Err() != nil {
				outs[i].state = skipped
				continue
			}
			c := &p.Changes[i]
			if bulk != nil && c.Action == Create {
				bulkIdx = append(bulkIdx, i)
				continue
			}
			if c.Action == NoOp && (c.Desired == nil || c.Remote == nil || !c.Desired.Token) {
				// Nothing to send: record the customer's ids.
				outs[i] = e.run(work, stop, c)
				finished <- i
				continue
			}
			g.Go(func() error {
				if stop.Err() != nil {
					outs[i].state = skipped
					return nil
				}
				outs[i] = e.run(work, stop, c)
				finished <- i
				if outs[i].state == failed && !opts.KeepGoing {
					return outs[i].err
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil || ctx.Err() != nil {
			stopped = true
		}
		if len(bulkIdx) > 0 {
			if stopped {
				for _, i := range bulkIdx {
					outs[i].state = skipped
				}
			} else if err := e.applyBulk(work, ctx, bulk, p, bulkIdx, outs, finished); err != nil || ctx.Err() != nil {
				stopped = true
			}
		}
	}
	close(finished)
	<-reported

	res := &Result{Groups: groupOuts}
	if gr, ok := opts.Outputs.(GroupRecorder); ok {
		for _, g := range groupOuts {
			gr.RecordGroup(g.Key, outputs.Group{ID: g.ID, Code: g.Code})
		}
	}
	for i := range outs {
		o, c := &outs[i], &p.Changes[i]
		res.Warnings = append(res.Warnings, o.warns...)
		if o.token {
			res.Tokens++
		}
		if o.activated {
			res.Activated++
		}
		if o.adopted {
			res.Adopted++
			if o.checked {
				res.Checked++
			}
		}
		switch o.state {
		case skipped, pending:
			res.Skipped = append(res.Skipped, c.Key)
			continue
		case failed:
			res.Failed = append(res.Failed, Failure{Key: c.Key, Email: c.Email, Action: c.Action, Err: o.err, Stored: o.wrote})
			if o.action == NoOp {
				continue // failed is not unchanged
			}
		}
		if o.adopted || !o.wrote {
			continue
		}
		switch o.action {
		case Create:
			res.Created++
		case Update:
			res.Updated++
		case Delete:
			res.Deleted++
		case NoOp:
			res.Unchanged++
		}
	}

	for _, d := range p.Duplicates {
		res.Failed = append(res.Failed, Failure{Key: d.Key, Email: d.Email, Action: d.Action, Err: d})
	}

	var ferr error
	if opts.Outputs != nil {
		if err := opts.Outputs.Flush(); err != nil {
			ferr = err
		}
	}
	res.Elapsed = time.Since(start)
	return res, errors.Join(groupErr, summarise(ctx, res), ferr)
}

// summarise returns the error Apply reports for res, or nil.
func summarise(ctx context.Context, res *Result) error {
	if len(res.Failed) == 0 && len(res.Skipped) == 0 {
		return nil
	}
	var b strings.Builder
	if ctx.Err() != nil {
		b.WriteString("apply interrupted")
	} else {
		b.WriteString("apply failed")
	}
	if n := len(res.Failed); n > 0 {
		f := res.Failed[0]
		fmt.Fprintf(&b, ": customer %s: %v", f.Key, f.Err)
		if n > 1 {
			fmt.Fprintf(&b, " (and %d more failures)", n-1)
		}
	}
	if n := len(res.Skipped); n > 0 {
		fmt.Fprintf(&b, "; %d not run", n)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", b.String(), err)
	}
	return errors.New(b.String())
}

// executor runs the changes of one Apply.
type executor struct {
	r      Remote
	opts   Options
	groups *groupTable // group ids by code, set before any customer runs
}

// withGroup returns c with GroupID set from its group code, when it
// declares one that the store holds (or Apply created).
func (e *executor) withGroup(c mageseed.Customer) mageseed.Customer {
	if c.Group == "" || e.groups == nil {
		return c
	}
	if id, ok := e.groups.ids[strings.ToLower(c.Group)]; ok {
		c.GroupID = &id
	}
	return c
}

// nameGroup sets s's group code from its id, for comparisons.
func (e *executor) nameGroup(s *mageseed.Customer) {
	if e.groups != nil && s.GroupID != nil {
		s.Group = e.groups.codes[*s.GroupID]
	}
}

// run executes one change. Requests use ctx, which is not cancelled when
// the run stops; waits between create attempts end when stop is done.
func (e *executor) run(ctx, stop context.Context, c *Change) outcome {
	if (c.Action == Delete || c.Action == Update) && c.Remote == nil ||
		(c.Action == Create || c.Action == Update) && c.Desired == nil {
		return outcome{state: failed, action: c.Action, err: fmt.Errorf("%s customer %s: the plan lacks its desired or stored state", c.Action, c.Email)}
	}
	switch c.Action {
	case Delete:
		err := e.r.DeleteCustomer(ctx, c.Remote.ID)
		if err != nil && mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
			return outcome{state: failed, action: Delete, err: fmt.Errorf("delete customer %s: %w", c.Email, err)}
		}
		return outcome{state: done, action: Delete, wrote: true, forget: true}
	case Create:
		return e.create(ctx, stop, c.Desired)
	case Update:
		return e.update(ctx, stop, c.Desired, c.Remote, false)
	default:
		if c.Desired == nil || c.Remote == nil {
			// A destroy plan's customer that is already absent: its
			// record, if any, goes too.
			return outcome{state: done, action: NoOp, wrote: true, forget: true}
		}
		return e.finish(ctx, stop, c.Desired, c.Remote, NoOp)
	}
}

// create creates d, adopting it instead when the store already holds it.
//
// A create that failed with a conflict (the customer exists) or with an
// unknown outcome (no answer, a 5xx or a 429: it may have happened) is
// settled by a lookup before anything else is sent. A lookup that gets no
// answer either is sent again after the wait, within the same attempts: the
// create is sent again only once a lookup has answered that the store does
// not hold the customer, and a customer fails on a lost lookup only when
// the attempts are spent, not at the first one.
func (e *executor) create(ctx, stop context.Context, d *mageseed.Customer) outcome {
	var look error // the create's failure that a lookup must settle
	for attempt := 1; ; attempt++ {
		if look == nil {
			got, err := e.r.CreateCustomer(ctx, e.withGroup(*d))
			switch code := mageseed.ErrorCode(err); {
			case err == nil:
				return e.finish(ctx, stop, d, &got, Create)
			case code == mageseed.ECONFLICT || unanswered(err):
				look = err
			default:
				return outcome{state: failed, action: Create, err: fmt.Errorf("create customer %s: %w", d.Email, err)}
			}
		}
		conflict := mageseed.ErrorCode(look) == mageseed.ECONFLICT
		fail := func(format string, args ...any) outcome {
			what := fmt.Sprintf("outcome unknown (%v)", look)
			if conflict {
				what = "it exists"
			}
			return outcome{state: failed, action: Create, err: fmt.Errorf("create customer %s: %s; look it up: "+format, append([]any{d.Email, what}, args...)...)}
		}
		found, ferr := e.find(ctx, d)
		switch {
		case ferr == nil && found != nil:
			o := e.update(ctx, stop, d, found, true)
			o.checked = true // find saw it once
			return o
		case ferr == nil && conflict:
			return outcome{state: failed, action: Create, err: fmt.Errorf("create customer %s: %w (and website %d does not hold it: is the account shared across websites?)", d.Email, look, d.WebsiteID)}
		case ferr != nil && !unanswered(ferr):
			return fail("%w", ferr)
		}
		last := look
		if ferr != nil {
			// Not settled: look again after the wait.
			if attempt >= e.opts.Attempts {
				return fail("gave up after %d attempts: %w", attempt, ferr)
			}
		} else {
			// The store does not hold it: the create did not happen.
			look = nil
			if attempt >= e.opts.Attempts {
				return outcome{state: failed, action: Create, err: fmt.Errorf("create customer %s: gave up after %d attempts: %w", d.Email, attempt, last)}
			}
		}
		if !e.wait(stop, attempt) {
			if ferr != nil {
				return fail("not retried after %v: stopped", ferr)
			}
			// The store does not hold it and nothing more was sent: not
			// run, like the customers the stop kept from starting.
			return outcome{state: skipped, action: Create}
		}
	}
}

// unanswered reports whether err leaves a request's outcome unknown: no
// answer, a 5xx or a 429.
func unanswered(err error) bool {
	code := mageseed.ErrorCode(err)
	return code == mageseed.EUNAVAILABLE || code == mageseed.ERATELIMIT
}

// wait sleeps before attempt+1 (RetryDelay doubled per attempt, capped);
// it reports false when stop ends the wait first.
func (e *executor) wait(stop context.Context, attempt int) bool {
	d := e.opts.RetryDelay
	for i := 1; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	t := time.NewTimer(min(d, maxRetryDelay))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop.Done():
		return false
	}
}

// find looks d up in its website; it returns nil when the store does not
// hold it.
func (e *executor) find(ctx context.Context, d *mageseed.Customer) (*mageseed.Customer, error) {
	found, err := e.r.FindCustomers(ctx, d.WebsiteID, []string{d.Email})
	if err != nil {
		return nil, err
	}
	want := identityOf(d)
	var match []*mageseed.Customer
	for i := range found {
		if identityOf(&found[i]) == want {
			e.nameGroup(&found[i])
			match = append(match, &found[i])
		}
	}
	switch len(match) {
	case 0:
		return nil, nil
	case 1:
		return match[0], nil
	}
	return nil, duplicate(d, match, Create)
}

// update converges the stored customer r to d with one UpdateCustomer call
// (none when r is already as d declares). adopted marks a customer the plan
// meant to create.
func (e *executor) update(ctx, stop context.Context, d, r *mageseed.Customer, adopted bool) outcome {
	target, fields := converge(d, r)
	target = e.withGroup(target)
	if len(fields) == 0 {
		o := e.finish(ctx, stop, d, r, NoOp)
		o.adopted = adopted
		return o
	}
	got, err := e.r.UpdateCustomer(ctx, target)
	if err != nil {
		return outcome{state: failed, action: Update, adopted: adopted, err: fmt.Errorf("update customer %s: %w", d.Email, err)}
	}
	o := e.finish(ctx, stop, d, &got, Update)
	o.adopted = adopted
	return o
}

// finish completes a change whose write (if any) succeeded: it mints the
// token d asks for and builds the outputs entry from the stored customer s.
func (e *executor) finish(ctx, stop context.Context, d, s *mageseed.Customer, action Action) outcome {
	o := outcome{state: done, action: action, wrote: true, record: true}
	if s.Confirmation != "" && d.Confirm {
		act, ok := e.r.(ActivateRemote)
		if !ok {
			o.state, o.err = failed, fmt.Errorf("activate customer %s: the store client cannot activate accounts", d.Email)
			return o
		}
		got, err := act.ActivateCustomer(ctx, *s, s.Confirmation)
		switch {
		case err == nil:
			got.Key, got.Website = s.Key, s.Website
			if len(got.Addresses) == 0 {
				got.Addresses = s.Addresses
			}
			s = &got
		case mageseed.ErrorCode(err) == mageseed.EINVALID && strings.Contains(err.Error(), "already active"):
			// An earlier attempt did it.
		default:
			o.state, o.err = failed, fmt.Errorf("activate customer %s: %w", d.Email, err)
			return o
		}
		o.activated = true
		s.Confirmation = ""
		if o.action == NoOp {
			o.action = Update
		}
	}
	o.out, o.warns = outputFor(d, s)
	if !d.Token {
		return o
	}
	if s.Confirmation != "" {
		// Signing in would fail ("This account isn't confirmed") and count
		// as a failed attempt: spend none.
		o.warns = append(o.warns, fmt.Sprintf("%s: the store requires email confirmation; token not minted (set confirm: true)", d.Key))
		return o
	}
	if d.Password == "" {
		o.warns = append(o.warns, fmt.Sprintf("customer %s: asks for a token but declares no password; token not minted", d.Key))
		return o
	}
	for attempt := 1; ; attempt++ {
		tok, err := e.r.CustomerToken(ctx, s.WebsiteID, d.Email, d.Password)
		switch code := mageseed.ErrorCode(err); {
		case err == nil:
			o.token = true
			o.out.Token = tok
			o.out.TokenExpiresAt = TokenExpiry(tok, e.opts.Now(), e.opts.TokenLifetime)
			return o
		case code == mageseed.EUNAUTHORIZED:
			// Never retried: Magento locks an account after a few failures.
			o.warns = append(o.warns, fmt.Sprintf("customer %s: the store refused its password (credential drift); token not minted", d.Key))
			return o
		case errors.Is(err, mageseed.ErrSignInLimit):
			// The store client spent the attempts a run may spend on the
			// account (each lost answer may have been a failed sign-in):
			// the customer fails without another request.
			o.state = failed
			o.err = fmt.Errorf("mint token for customer %s: %w", d.Email, err)
			return o
		case (code == mageseed.EUNAVAILABLE || code == mageseed.ERATELIMIT) && attempt < e.opts.Attempts && e.wait(stop, attempt):
			// The Remote bounds the attempts that may reach the store's
			// password check; within its bound, asking again is safe.
		default:
			o.state = failed
			o.err = fmt.Errorf("mint token for customer %s: %w", d.Email, err)
			return o
		}
	}
}

// outputFor builds the outputs entry of desired customer d from the stored
// customer s, with d's addresses matched to s's by content.
func outputFor(d, s *mageseed.Customer) (outputs.Customer, []string) {
	out := outputs.Customer{ID: s.ID, Email: s.Email, WebsiteID: s.WebsiteID}
	if s.GroupID != nil {
		out.GroupID = *s.GroupID
	}
	if len(d.Addresses) == 0 {
		return out, nil
	}
	var warns []string
	out.Addresses = make(map[string]outputs.Address, len(d.Addresses))
	match := matchAddresses(d.Addresses, s.Addresses)
	adoptRecorded(d.Addresses, s.Addresses, match)
	for i, j := range match {
		key := addressKey(&d.Addresses[i], i)
		if j < 0 {
			warns = append(warns, fmt.Sprintf("customer %s: address %s is not in the store after apply", d.Key, key))
			continue
		}
		a := &s.Addresses[j]
		df := isDefault(s, a)
		out.Addresses[key] = outputs.Address{ID: a.ID, DefaultBilling: df.billing, DefaultShipping: df.shipping}
	}
	return out, warns
}
