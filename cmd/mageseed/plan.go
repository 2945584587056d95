package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/manifest"
)

// viewFlags choose how results are shown.
type viewFlags struct {
	json    bool
	noColor bool
	quiet   bool
}

func (f *viewFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print machine-readable JSON on stdout (messages stay on stderr)")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR does the same)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only errors and the summary")
}

// palette returns the colours for stdout: on a terminal only, unless
// --no-color or NO_COLOR says otherwise.
func (f *viewFlags) palette(s streams) palette {
	_, noColorEnv := os.LookupEnv("NO_COLOR")
	return palette{on: s.outTTY && !f.noColor && !noColorEnv && !f.json}
}

// planOptions are the options of 'mageseed plan'.
type planOptions struct {
	files        []string
	store        storeFlags
	view         viewFlags
	detailedExit bool
	outputs      string
}

func newPlanCmd(s streams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan FILE...",
		Short: "Show what apply would change in the store (a diff-only dry run)",
		Long: `Plan reads the manifest and the store's current state and shows, customer by
customer and field by field, what 'mageseed apply' would change. It writes
nothing to the store.

FILE may be a manifest, a directory (its *.yaml and *.yml files, sorted) or -
for standard input.

Exit status: 0 success, 1 error; with --detailed-exitcode, 0 no changes,
1 error, 2 changes pending.`,
		Example: `  mageseed plan --sandbox examples/tutorial.yaml
  MAGENTO_URL=https://shop.example.com mageseed plan --detailed-exitcode customers/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if err := o.store.check(); err != nil {
				return err
			}
			return runPlan(cmd.Context(), s, o)
		},
	}
	o.store.register(cmd.Flags())
	o.view.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.detailedExit, "detailed-exitcode", false, "exit 2 when changes are pending, 0 when there are none")
	cmd.Flags().StringVarP(&o.outputs, "outputs", "o", "mageseed.outputs.json", "the last apply's outputs, to recognise the addresses it recorded (a missing file is fine)")
	return cmd
}

func runPlan(ctx context.Context, s streams, o *planOptions) error {
	sess, plan, err := openPlan(ctx, s, o.files, o.store, o.view, false, o.outputs)
	if err != nil {
		return err
	}
	defer sess.Close()
	if o.view.json {
		if err := writeJSON(s.out, plan); err != nil {
			return err
		}
	} else {
		renderPlan(s.out, plan, o.view.palette(s))
	}
	if len(plan.Duplicates) > 0 {
		return duplicatesError(plan, "plan")
	}
	if o.detailedExit && plan.HasChanges() {
		return exitWith(exitChanges)
	}
	return nil
}

// session is one command's view of a manifest and the store it targets.
type session struct {
	s        streams
	quiet    bool           // no progress on stderr
	prev     *apply.Outputs // the last apply's outputs, if any
	manifest *manifest.Manifest
	store    *store
	desired  []mageseed.Customer
}

func (ss *session) Close() { ss.store.Close() }

// openPlan loads the manifest, connects to the store and plans: the
// changes apply would make, or with destroy the deletions. The caller
// closes the session.
//
// outputs names the outputs file of the last apply ("" for none): the
// addresses it records are recognised when their content changed (see
// apply.Recall).
func openPlan(ctx context.Context, s streams, files []string, sf storeFlags, view viewFlags, destroy bool, outputs string) (*session, *apply.Plan, error) {
	sess, err := openSession(ctx, s, files, sf)
	if err != nil {
		return nil, nil, err
	}
	sess.quiet = view.quiet || view.json
	if outputs != "" {
		prev, err := apply.ReadOutputs(outputs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			sess.Close()
			return nil, nil, withHint(fmt.Errorf("read the outputs file: %w", err), "move %s away, or give another path with --outputs", outputs)
		default:
			sess.prev = prev
			for _, c := range prev.Customers {
				s.mask(c.Token) // never printed, whatever quotes it
			}
		}
	}
	plan, err := sess.plan(ctx, destroy)
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	return sess, plan, nil
}

// openSession loads and validates the manifest, then connects to the store.
func openSession(ctx context.Context, s streams, files []string, sf storeFlags) (*session, error) {
	m, err := loadManifest(s, files)
	if err != nil {
		return nil, err
	}
	st, err := connect(ctx, sf, m.Store.URL, m.Store.StoreCode, s)
	if err != nil {
		return nil, err
	}
	return &session{s: s, manifest: m, store: st}, nil
}

// plan resolves the manifest against the store and diffs it; with destroy
// the plan deletes the manifest's customers instead.
func (ss *session) plan(ctx context.Context, destroy bool) (*apply.Plan, error) {
	desired, err := apply.Resolve(ctx, ss.store.client, ss.manifest.Customers, ss.manifest.Store.Website)
	if err != nil {
		return nil, storeError(fmt.Errorf("resolve the manifest against %s: %w", ss.store.url, err))
	}
	apply.Recall(desired, ss.prev)
	ss.desired = desired
	// The resolved copy is all that is needed from here on; let the
	// manifest's own go.
	ss.manifest.Customers = nil
	prog := newProgress(ss.s, ss.quiet, "reading the store")
	remote, err := apply.ReadWithProgress(ctx, ss.store.client, desired, func(done, total int) {
		prog.event(apply.Event{Done: done, Total: total})
	})
	prog.done()
	if err != nil {
		err = fmt.Errorf("read customers from %s: %w", ss.store.url, err)
		if mageseed.ErrorCode(err) == mageseed.ECONFLICT {
			// The client refuses a search that answers two customers for
			// one (email, website): name them, and say nothing was done.
			what := "nothing was changed"
			if destroy {
				what = "nothing was deleted"
			}
			return nil, withHint(err, "%s; %s", what, duplicatesHint)
		}
		return nil, storeError(err)
	}
	if destroy {
		return apply.DestroyPlan(desired, remote), nil
	}
	return apply.Diff(desired, remote), nil
}

// loadManifest loads the files. Invalid input prints every problem, one
// per line with its position, and returns an error that counts them.
func loadManifest(s streams, files []string) (*manifest.Manifest, error) {
	m, err := manifest.Load(files, manifest.Options{Stdin: s.in, Getenv: os.LookupEnv})
	if m != nil {
		s.mask(m.Secrets...)
	}
	if err == nil {
		return m, nil
	}
	var errs manifest.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(s.err, esc(e.Error()))
		}
		return nil, withHint(fmt.Errorf("the manifest has %d %s", len(errs), plural(len(errs), "problem", "problems")),
			"fix them and run the command again; 'mageseed validate' checks a manifest without a store")
	}
	return nil, err
}

// storeError adds a hint to errors whose cause people can act on.
func storeError(err error) error {
	if h := magento.Hint(err); h != "" {
		return withHint(err, "%s", h)
	}
	switch mageseed.ErrorCode(err) {
	case mageseed.EUNAUTHORIZED:
		return withHint(err, "check MAGENTO_ADMIN_TOKEN, or MAGENTO_ADMIN_USERNAME and MAGENTO_ADMIN_PASSWORD; the token needs the Magento_Customer::manage resource")
	case mageseed.EUNAVAILABLE:
		return withHint(err, "the store did not answer; check the URL and try again")
	}
	return err
}
