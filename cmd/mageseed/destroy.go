package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/outputs"
)

// destroyOptions are the options of 'mageseed destroy'.
type destroyOptions struct {
	files []string
	store storeFlags
	view  viewFlags
	yes   bool
	state stateFlags
}

func newDestroyCmd(s streams) *cobra.Command {
	o := &destroyOptions{}
	cmd := &cobra.Command{
		Use:   "destroy FILE...",
		Short: "Delete the manifest's customers from the store",
		Long: `Destroy deletes from the store every customer the manifest declares (matched
by email and website), with their addresses. Customers the manifest does not
name are never touched. It shows the plan first and asks for confirmation on a
terminal; without a terminal it needs --yes.

The customers it deletes leave the outputs file (--outputs), which keeps the
records of every other customer; without a file, none is written.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if err := o.store.check(); err != nil {
				return err
			}
			return runDestroy(cmd.Context(), s, o)
		},
	}
	o.store.register(cmd.Flags())
	o.view.register(cmd.Flags())
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "delete without asking")
	cmd.Flags().StringVarP(&o.state.path, "outputs", "o", defaultOutputs, "the outputs file to update: the deleted customers leave it (a missing file is fine)")
	return cmd
}

func runDestroy(ctx context.Context, s streams, o *destroyOptions) error {
	if _, err := os.Stat(o.state.path); err == nil {
		// Destroy rewrites the outputs file without the deleted
		// customers: make sure it can before deleting any.
		if err := checkWritable(o.state.path, ""); err != nil {
			return err
		}
	}
	sess, plan, err := openPlan(ctx, s, o.files, o.store, o.view, planMode{destroy: true}, o.state)
	if err != nil {
		return err
	}
	defer sess.Close()
	pal := o.view.palette(s)
	if !o.view.json && !(o.view.quiet && o.yes) {
		// --quiet shows errors and the summary only; the plan is still
		// shown before the question, which asks about it.
		renderPlan(s.out, plan, pal)
	}
	_, _, n, _ := plan.Counts()
	if len(plan.Duplicates) > 0 {
		// Nothing is deleted (destroy fails fast): say so, and what.
		var keys []string
		for _, c := range plan.Changes {
			if c.Action == apply.Delete {
				keys = append(keys, c.Key)
			}
		}
		for _, d := range plan.Duplicates {
			keys = append(keys, d.Key)
		}
		if !o.view.json {
			fmt.Fprintf(s.out, "Destroy stopped: nothing was deleted; not deleted (%d): %s\n", len(keys), esc(strings.Join(keys, ", ")))
		} else {
			res := &apply.Result{}
			for _, d := range plan.Duplicates {
				res.Failed = append(res.Failed, apply.Failure{Key: d.Key, Email: d.Email, Action: apply.Delete, Err: d})
			}
			for _, c := range plan.Changes {
				if c.Action == apply.Delete {
					res.Skipped = append(res.Skipped, c.Key)
				}
			}
			if err := writeJSON(s.out, resultJSON(res, "")); err != nil {
				return err
			}
		}
		return duplicatesError(plan, "destroy (nothing was deleted)")
	}
	if n == 0 {
		// Nothing to delete, but the records of customers already gone
		// from the store go.
		if err := forgetAbsent(sess.state, plan); err != nil {
			return err
		}
		if o.view.json {
			return writeJSON(s.out, resultJSON(&apply.Result{}, ""))
		}
		return nil
	}
	if !o.yes {
		if !s.inTTY {
			return withHint(fmt.Errorf("destroy would delete %d %s and needs confirmation", n, plural(n, "customer", "customers")),
				"run it on a terminal to be asked, or add --yes")
		}
		fmt.Fprintf(s.err, "\nDelete %d %s and their addresses? This cannot be undone.\nOnly 'yes' will be accepted: ", n, plural(n, "customer", "customers"))
		answer, _ := bufio.NewReader(s.in).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			return errors.New("destroy cancelled")
		}
	}
	opts := apply.Options{Parallelism: o.store.inFlight()}
	var w *outputs.Writer
	if sess.state.exists {
		if w, err = openWriter(sess.state, sess.state.format); err != nil {
			return err
		}
		opts.Outputs = w
	}
	prog := newProgress(s, o.view.quiet || o.view.json, "deleting")
	prog.parallelism = func() int { return sess.store.client.Stats().Limit }
	opts.Progress = prog.event
	res, runErr := apply.Apply(ctx, sess.store.client, plan, opts)
	prog.done()
	var closeErr error
	path := ""
	if w != nil {
		closeErr, path = w.Close(), o.state.path
	}
	return finishRun(s, o.view, "Destroy", res, runErr, closeErr, path, parallelismNote(sess.store.client.Stats()))
}

// forgetAbsent removes from the outputs file the records of the destroy
// plan's customers, which are all absent from the store, and rewrites it
// when that removed any.
func forgetAbsent(st *state, plan *apply.Plan) error {
	if !st.exists {
		return nil
	}
	var keys []string
	for _, c := range plan.Changes {
		if _, ok := st.file.Customers[c.Key]; ok {
			keys = append(keys, c.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	st.file.Forget(keys...)
	if err := outputs.WriteFileAtomic(st.path, 0o600, func(w io.Writer) error { return outputs.Encode(w, st.file, st.format) }); err != nil {
		return fmt.Errorf("update the outputs file: %w", err)
	}
	return nil
}
