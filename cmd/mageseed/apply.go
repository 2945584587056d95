package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/outputs"
)

// applyOptions are the options of 'mageseed apply'.
type applyOptions struct {
	files         []string
	store         storeFlags
	view          viewFlags
	state         stateFlags
	mode          planMode
	maxDeletes    int
	outputsFormat string
	formatGiven   bool // --outputs-format was given; else the file's own format is kept
	tokenLifetime time.Duration
	keepGoing     bool
	bulk          bool
	bulkSize      int
}

var outputsFormats = []string{"json", "yaml", "dotenv", "github"}

func newApplyCmd(s streams) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply FILE...",
		Short: "Converge the store to the manifest and write the outputs file",
		Long: `Apply plans like 'mageseed plan', then carries the plan out: customers are
created with their addresses in one request each, updated in place, and given
an access token when the manifest asks for one. Work runs concurrently: with
--parallelism auto (the default) as many requests at once as the store answers
without slowing down, found from the latency of its answers, at most
--max-parallelism; with a number, at most that many. The first failure stops
new work (unless --keep-going); what
completed is in the outputs file, which is written atomically as the run
progresses, with mode 0600.

Applying the same manifest again changes nothing.

The outputs file is mageseed's state: a customer's record stays in it until
mageseed deletes the customer (destroy, --prune) or forgets it. With --prune,
apply also deletes the customers the file records that the manifest no longer
declares, inside the manifest's prune scope, and at most --max-deletes of
them. --refresh-only rebuilds the records from the store and writes nothing to
it. See docs/state.md.`,
		Example: `  mageseed apply --sandbox examples/tutorial.yaml
  mageseed output customers.jane.token
  mageseed apply --prune customers.yaml
  mageseed apply --refresh-only --tokens customers.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			o.formatGiven = cmd.Flags().Changed("outputs-format")
			if err := o.check(); err != nil {
				return err
			}
			return runApply(cmd.Context(), s, o)
		},
	}
	o.store.register(cmd.Flags())
	o.view.register(cmd.Flags())
	f := cmd.Flags()
	o.state.register(f, "the outputs file: where the records (ids and tokens) are kept")
	o.mode.register(f)
	f.IntVar(&o.maxDeletes, "max-deletes", 50, "with --prune: refuse a plan that deletes more customers than this, before any write")
	f.StringVar(&o.outputsFormat, "outputs-format", "json", "outputs format: json, yaml, dotenv or github (JSON file plus $GITHUB_OUTPUT); an existing file keeps its format unless this is given")
	f.DurationVar(&o.tokenLifetime, "token-lifetime", time.Hour, "lifetime of customer tokens that carry no expiry of their own")
	f.BoolVar(&o.keepGoing, "keep-going", false, "carry on after a customer fails, and report every failure at the end")
	f.BoolVar(&o.bulk, "bulk", false, "create customers through the store's asynchronous bulk API (needs its async.operations.all consumer)")
	f.IntVar(&o.bulkSize, "bulk-size", 100, "customers per bulk request with --bulk")
	return cmd
}

func (o *applyOptions) check() error {
	if err := o.store.check(); err != nil {
		return err
	}
	if err := o.mode.check(); err != nil {
		return err
	}
	if o.maxDeletes < 0 {
		return withHint(fmt.Errorf("--max-deletes must not be negative, got %d", o.maxDeletes), "use --max-deletes 50 (the default) or another count")
	}
	ok := false
	for _, f := range outputsFormats {
		ok = ok || f == o.outputsFormat
	}
	if !ok {
		return withHint(fmt.Errorf("unknown --outputs-format %q", o.outputsFormat), "use one of json, yaml, dotenv, github")
	}
	if o.state.path == "" {
		return withHint(errors.New("--outputs is empty"), "give a file path, e.g. --outputs mageseed.outputs.json")
	}
	if o.bulkSize < 1 || o.bulkSize > 5000 {
		return withHint(fmt.Errorf("--bulk-size must be from 1 to 5000, got %d", o.bulkSize), "Magento accepts at most 5,000 items in one async request by default; 100 is a good size")
	}
	if o.tokenLifetime <= 0 {
		return withHint(fmt.Errorf("--token-lifetime must be positive, got %s", o.tokenLifetime), "use a duration such as 1h")
	}
	return nil
}

func runApply(ctx context.Context, s streams, o *applyOptions) error {
	if err := checkWritable(o.state.path, o.outputsFormat); err != nil {
		return err
	}
	sess, plan, err := openPlan(ctx, s, o.files, o.store, o.view, o.mode, o.state)
	if err != nil {
		return err
	}
	defer sess.Close()
	pal := o.view.palette(s)
	if !o.view.quiet && !o.view.json {
		if o.mode.refresh {
			renderRefresh(s.out, plan, sess.missing, pal)
		} else {
			renderCompactPlan(s.out, plan, pal, 50)
		}
		renderDuplicates(s.out, plan, pal)
	}
	if len(plan.Duplicates) > 0 && !o.keepGoing {
		// Failing fast: a customer the store holds twice stops the run
		// before any write.
		return duplicatesError(plan, "apply (nothing was changed)")
	}
	if _, _, n, _ := plan.Counts(); o.mode.prune && n > o.maxDeletes {
		return withHint(fmt.Errorf("apply --prune would delete %d %s, more than --max-deletes %d; nothing was changed", n, plural(n, "customer", "customers"), o.maxDeletes),
			"check the prune scope against the plan ('mageseed plan --prune'), then allow it with --max-deletes %d", n)
	}
	// Apply works from the customers, not from the rendered differences:
	// let those go before the run, which matters at 100,000 customers.
	for i := range plan.Changes {
		plan.Changes[i].Fields = nil
	}

	format := o.outputsFormat
	if !o.formatGiven && sess.state.exists && sess.state.format != "" {
		format = sess.state.format
	}
	w, err := openWriter(sess.state, format)
	if err != nil {
		return err
	}
	var rec apply.Recorder = w
	if o.mode.refresh && !o.mode.tokens {
		rec = keepTokens(w, sess.state.file, plan)
	}
	prog := newProgress(s, o.view.quiet || o.view.json, "applying")
	prog.parallelism = func() int { return sess.store.client.Stats().Limit }
	res, applyErr := apply.Apply(ctx, bulkClient{sess.store.client, s.mask}, plan, apply.Options{
		Parallelism:   o.store.inFlight(),
		KeepGoing:     o.keepGoing,
		Progress:      prog.event,
		Outputs:       rec,
		TokenLifetime: o.tokenLifetime,
		Bulk:          o.bulk,
		BulkSize:      o.bulkSize,
	})
	prog.done()
	closeErr := w.Close()
	return finishRun(s, o.view, "Apply", res, applyErr, closeErr, o.state.path, parallelismNote(sess.store.client.Stats()))
}

// tokenKeeper is the recorder of apply --refresh-only without --tokens,
// which mints no token and must lose none: a record that comes without a
// token keeps the one the file holds for the same customer (key and id).
type tokenKeeper struct {
	*outputs.Writer
	prev map[string]outputs.Customer // the file's records that hold a token
}

func keepTokens(w *outputs.Writer, f *outputs.File, plan *apply.Plan) tokenKeeper {
	prev := make(map[string]outputs.Customer)
	for _, c := range plan.Changes {
		if r, ok := f.Customers[c.Key]; ok && r.Token != "" {
			prev[c.Key] = r
		}
	}
	return tokenKeeper{w, prev}
}

func (k tokenKeeper) Record(key string, c outputs.Customer) {
	if p, ok := k.prev[key]; ok && c.Token == "" && p.ID == c.ID {
		c.Token, c.TokenExpiresAt = p.Token, p.TokenExpiresAt
	}
	k.Writer.Record(key, c)
}

// checkWritable makes sure that the outputs can be written before the store
// is asked anything, let alone changed: it creates and removes a temporary
// file in the outputs file's directory, as the atomic write will, and with
// format github it opens $GITHUB_OUTPUT for appending.
func checkWritable(path, format string) error {
	hint := "nothing was sent to the store; give a writable path with --outputs"
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return withHint(fmt.Errorf("the outputs path %s is a directory", path), "%s", hint)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".mageseed-check-*.tmp")
	if err != nil {
		return withHint(fmt.Errorf("cannot write the outputs file %s: %w", path, pathError(err)), "%s", hint)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	if format == "github" {
		gh := os.Getenv("GITHUB_OUTPUT")
		if gh == "" {
			return withHint(errors.New("--outputs-format github needs $GITHUB_OUTPUT, which is not set"), "run in a GitHub Actions step, or use --outputs-format json")
		}
		f, err := os.OpenFile(gh, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return withHint(fmt.Errorf("cannot append to $GITHUB_OUTPUT %s: %w", gh, pathError(err)), "nothing was sent to the store")
		}
		f.Close()
	}
	return nil
}

// pathError strips the path from a *fs.PathError, which the caller names.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// finishRun reports the result of apply or destroy and turns it into the
// command's error and exit code.
// note, when not empty, is a line printed after the result.
func finishRun(s streams, view viewFlags, what string, res *apply.Result, runErr, closeErr error, outputs, note string) error {
	if res == nil {
		res = &apply.Result{}
	}
	if view.json {
		if err := writeJSON(s.out, resultJSON(res, outputs)); err != nil {
			return err
		}
	} else {
		renderResult(s.out, what, res, view.palette(s))
		if note != "" {
			fmt.Fprintln(s.out, note)
		}
		if outputs != "" && closeErr == nil {
			fmt.Fprintf(s.out, "Outputs: %s\n", outputs)
		}
	}
	if closeErr != nil {
		return withHint(fmt.Errorf("write the outputs file %s: %w", outputs, closeErr), "check that its directory is writable; the store was changed, so run apply again to write it")
	}
	switch {
	case runErr == nil:
		return nil
	case errors.Is(runErr, context.Canceled):
		fmt.Fprintln(s.err, "mageseed: interrupted: stopped before the work was done; run the command again to finish")
		return exitWith(exitInterrupt)
	}
	return storeError(runErr)
}

// resultJSON is the --json form of an apply or destroy result.
func resultJSON(r *apply.Result, outputs string) any {
	type group struct {
		Key    string `json:"key"`
		Code   string `json:"code"`
		ID     int    `json:"id"`
		Action string `json:"action"`
	}
	type failure struct {
		Key    string `json:"key"`
		Email  string `json:"email"`
		Action string `json:"action"`
		Error  string `json:"error"`
	}
	out := struct {
		Created   int       `json:"created"`
		Updated   int       `json:"updated"`
		Deleted   int       `json:"deleted"`
		Unchanged int       `json:"unchanged"`
		Tokens    int       `json:"tokens"`
		Adopted   int       `json:"adopted"`
		Checked   int       `json:"adoptedChecked"` // adopted customers a search showed once: none created twice
		Activated int       `json:"activated"`
		Groups    []group   `json:"groups"`
		Failed    []failure `json:"failed"`
		Skipped   []string  `json:"skipped"`
		Warnings  []string  `json:"warnings"`
		Seconds   float64   `json:"seconds"`
		Outputs   string    `json:"outputs,omitempty"`
	}{
		Created: r.Created, Updated: r.Updated, Deleted: r.Deleted, Unchanged: r.Unchanged,
		Tokens: r.Tokens, Adopted: r.Adopted, Checked: r.Checked, Skipped: r.Skipped, Warnings: r.Warnings, Seconds: r.Elapsed.Seconds(),
		Outputs: outputs, Failed: []failure{},
	}
	out.Activated, out.Groups = r.Activated, []group{}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, group{g.Key, g.Code, g.ID, g.Action.String()})
	}
	for _, f := range r.Failed {
		out.Failed = append(out.Failed, failure{f.Key, f.Email, actionWord(f.Action), f.Err.Error()})
	}
	if out.Skipped == nil {
		out.Skipped = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return out
}

// parallelismNote is the summary line of the client's concurrency: the
// parallelism reached and the store's latency floor; "" when no request was
// sent.
func parallelismNote(st magento.Stats) string {
	if st.Total() == 0 {
		return ""
	}
	var b strings.Builder
	if st.Adaptive {
		fmt.Fprintf(&b, "Parallelism: auto, reached %d of at most %d (%d at the end)", st.PeakLimit, st.MaxLimit, st.Limit)
	} else {
		fmt.Fprintf(&b, "Parallelism: %d", st.MaxLimit)
		if st.MinLimit < st.MaxLimit {
			fmt.Fprintf(&b, " (down to %d after the store refused requests)", st.MinLimit)
		}
	}
	if st.Unavailable+st.TooManyRequests > 0 {
		fmt.Fprintf(&b, "; the store refused %d of %d requests (429 or 503)", st.Unavailable+st.TooManyRequests, st.Total())
	}
	if st.LatencyFloor > 0 {
		fmt.Fprintf(&b, "; store latency floor %s (%s)", roundDuration(st.LatencyFloor), st.FloorRoute)
	}
	return b.String()
}
