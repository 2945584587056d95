package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed/apply"
)

// destroyOptions are the options of 'mageseed destroy'.
type destroyOptions struct {
	files []string
	store storeFlags
	view  viewFlags
	yes   bool
}

func newDestroyCmd(s streams) *cobra.Command {
	o := &destroyOptions{}
	cmd := &cobra.Command{
		Use:   "destroy FILE...",
		Short: "Delete the manifest's customers from the store",
		Long: `Destroy deletes from the store every customer the manifest declares (matched
by email and website), with their addresses. Customers the manifest does not
name are never touched. It shows the plan first and asks for confirmation on a
terminal; without a terminal it needs --yes.`,
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
	return cmd
}

func runDestroy(ctx context.Context, s streams, o *destroyOptions) error {
	sess, plan, err := openPlan(ctx, s, o.files, o.store, o.view, true, "")
	if err != nil {
		return err
	}
	defer sess.Close()
	pal := o.view.palette(s)
	if !o.view.json {
		renderPlan(s.out, plan, pal)
	}
	_, _, n, _ := plan.Counts()
	if n == 0 {
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
	prog := newProgress(s, o.view.quiet || o.view.json, "deleting")
	res, runErr := apply.Apply(ctx, sess.store.client, plan, apply.Options{
		Parallelism: o.store.inFlight(),
		Progress:    prog.event,
	})
	prog.done()
	return finishRun(s, o.view, "Destroy", res, runErr, nil, "", parallelismNote(sess.store.client.Stats()))
}
