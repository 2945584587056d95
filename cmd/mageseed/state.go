package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/outputs"
)

// defaultOutputs is where apply writes the outputs file, and where plan,
// destroy, output and forget read it, unless --outputs says otherwise.
const defaultOutputs = "mageseed.outputs.json"

// stateFlags name the outputs file of a command that reads the store.
type stateFlags struct {
	path  string
	reset bool
}

func (f *stateFlags) register(fs *pflag.FlagSet, usage string) {
	fs.StringVarP(&f.path, "outputs", "o", defaultOutputs, usage)
	fs.BoolVar(&f.reset, "reset-outputs", false, "start the outputs file afresh: drop its records, even those of another store (a file that is not mageseed's is still never overwritten)")
}

// state is the outputs file as a command found it.
type state struct {
	path   string
	file   *outputs.File // never nil: empty when there is no file
	format string        // the file's format ("" when there is no file)
	exists bool
}

// readState reads the outputs file at path for the store cur. A missing
// file is an empty state. A file that is not mageseed's is an error, with
// or without reset: mageseed never overwrites it. A file that records
// customers of another store is an error unless reset, which starts
// afresh.
func readState(path string, reset bool, cur outputs.Store) (*state, error) {
	st := &state{path: path, file: outputs.New(cur)}
	if path == "" {
		return st, nil
	}
	f, format, err := outputs.Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, nil
	case errors.Is(err, outputs.ErrForeign):
		return nil, withHint(fmt.Errorf("read the outputs file %s: %w", path, unwrapRead(err)),
			"mageseed never overwrites a file it did not write; give another path with --outputs")
	case err != nil:
		return nil, withHint(fmt.Errorf("read the outputs file %s: %w", path, unwrapRead(err)),
			"move %s away, or give another path with --outputs", path)
	}
	st.exists, st.format = true, format
	if reset {
		return st, nil
	}
	if len(f.Customers) > 0 && !f.Store.Same(cur) {
		n := len(f.Customers)
		return nil, withHint(fmt.Errorf("the outputs file %s records %d %s of %s, not of %s", path, n, plural(n, "customer", "customers"), f.Store, cur),
			"give this store its own file with --outputs PATH, or start this one afresh with --reset-outputs (its records are dropped; the customers stay in their store)")
	}
	f.Store = cur
	st.file = f
	return st, nil
}

// unwrapRead drops the "read outputs PATH:" prefix of outputs.Read's
// errors, which the callers' messages already say.
func unwrapRead(err error) error {
	if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), "read outputs") {
		return u
	}
	return err
}

// currentStore is the store a session talks to, as the outputs file names
// it. websiteID is the id of the manifest's default website.
func currentStore(st *store, websiteID int) outputs.Store {
	return outputs.Store{URL: st.url, StoreCode: st.storeCode, WebsiteID: websiteID, Sandbox: st.sandboxDB}
}

// undeclared lists the customers the file records that desired does not
// declare, by key.
func undeclared(f *outputs.File, desired []mageseed.Customer) []apply.Undeclared {
	declared := make(map[string]bool, len(desired))
	for i := range desired {
		declared[desired[i].Key] = true
	}
	var out []apply.Undeclared
	for _, k := range slices.Sorted(maps.Keys(f.Customers)) {
		if declared[k] {
			continue
		}
		c := f.Customers[k]
		out = append(out, apply.Undeclared{Key: k, Email: c.Email, WebsiteID: c.WebsiteID, ID: c.ID})
	}
	return out
}

// openWriter opens the writer of the outputs file, starting from the
// state's records: every record is kept until its customer is deleted or
// forgotten.
func openWriter(st *state, format string) (*outputs.Writer, error) {
	w, err := outputs.NewWriter(st.path, format, st.file)
	if err != nil {
		return nil, fmt.Errorf("open the outputs file: %w", err)
	}
	return w, nil
}

// forgetOptions are the options of 'mageseed forget'.
type forgetOptions struct {
	keys    []string
	outputs string
}

func newForgetCmd(s streams) *cobra.Command {
	o := &forgetOptions{}
	cmd := &cobra.Command{
		Use:   "forget KEY...",
		Short: "Stop tracking customers in the outputs file; the store is untouched",
		Long: `Forget removes the records of the given customer keys from the outputs file,
without touching the store: the customers stay where they are, and mageseed no
longer lists them as no longer declared or deletes them with apply --prune.
The file keeps its format and is replaced atomically. An unknown key is an
error, and then nothing is removed.`,
		Example: `  mageseed forget jane
  mageseed forget --outputs ci.outputs.json demo-0001 demo-0002`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.keys = nil
			for _, k := range args { // a key given twice is forgotten once
				if !slices.Contains(o.keys, k) {
					o.keys = append(o.keys, k)
				}
			}
			return runForget(s, o)
		},
	}
	cmd.Flags().StringVarP(&o.outputs, "outputs", "o", defaultOutputs, "the outputs file to change")
	return cmd
}

func runForget(s streams, o *forgetOptions) error {
	f, format, err := outputs.Read(o.outputs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return withHint(fmt.Errorf("forget: no outputs file at %s", o.outputs), "point --outputs at the file")
	case errors.Is(err, outputs.ErrForeign):
		return withHint(fmt.Errorf("forget: read %s: %w", o.outputs, unwrapRead(err)), "mageseed never overwrites a file it did not write; point --outputs at mageseed's file")
	case err != nil:
		return fmt.Errorf("forget: read %s: %w", o.outputs, unwrapRead(err))
	}
	keys := o.keys
	if format == outputs.FormatDotenv {
		// A dotenv file gives keys back sanitised and lower-cased: the
		// manifest's key finds its record under that name.
		keys = make([]string, len(o.keys))
		for i, k := range o.keys {
			if _, ok := f.Customers[k]; !ok {
				k = outputs.DotenvKey(k)
			}
			keys[i] = k
		}
	}
	if missing := f.Forget(keys...); len(missing) > 0 {
		var unknown []string // as they were given
		for i, k := range keys {
			if slices.Contains(missing, k) {
				unknown = append(unknown, o.keys[i])
			}
		}
		return withHint(fmt.Errorf("forget: %s does not record %s %s", o.outputs, plural(len(unknown), "customer", "customers"), strings.Join(unknown, ", ")),
			"run 'mageseed output' to see the keys it records; nothing was changed")
	}
	if err := outputs.WriteFileAtomic(o.outputs, 0o600, func(w io.Writer) error { return outputs.Encode(w, f, format) }); err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	fmt.Fprintf(s.out, "Forgot %d %s (%s); the store is untouched.\n", len(o.keys), plural(len(o.keys), "customer", "customers"), strings.Join(o.keys, ", "))
	return nil
}

// findUndeclared reads from the store the customers that the undeclared
// records name, by email and website.
func findUndeclared(ctx context.Context, r apply.Remote, us []apply.Undeclared) ([]mageseed.Customer, error) {
	byWebsite := make(map[int][]string)
	var sites []int
	for _, u := range us {
		if _, ok := byWebsite[u.WebsiteID]; !ok {
			sites = append(sites, u.WebsiteID)
		}
		byWebsite[u.WebsiteID] = append(byWebsite[u.WebsiteID], u.Email)
	}
	var out []mageseed.Customer
	for _, w := range sites {
		found, err := r.FindCustomers(ctx, w, byWebsite[w])
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}
