package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed/manifest"
)

// validateOptions are the inputs of 'mageseed validate'.
type validateOptions struct {
	files []string
	quiet bool
}

func newValidateCmd(s streams) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check manifests offline: YAML, schema and Magento's rules",
		Long: `validate reads the manifest files (a directory stands for its *.yaml and *.yml
files, - for standard input), checks them against the manifest schema and
Magento's rules for customers and addresses, and prints every problem as
file:line:col: path: reason. It never contacts a store.`,
		Example: `  mageseed validate examples/tutorial.yaml
  mageseed validate examples/multi-file
  cat manifest.yaml | mageseed validate -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			return runValidate(s, o)
		},
	}
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print nothing when the manifest is valid")
	return cmd
}

// runValidate loads the manifest and reports what it declares, or every
// problem in it.
func runValidate(s streams, o validateOptions) error {
	m, err := manifest.Load(o.files, manifest.Options{Stdin: s.in, Getenv: os.LookupEnv})
	var errs manifest.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(s.err, e.Error())
		}
		return fmt.Errorf("%d %s in the manifest", len(errs), countNoun(len(errs), "problem", "problems"))
	}
	if err != nil {
		return err
	}
	if o.quiet {
		return nil
	}
	customers, addresses := 0, 0
	for _, f := range m.Files {
		fmt.Fprintf(s.out, "%s: %s\n", f.Name, customerCount(f.Customers, f.Addresses))
		customers += f.Customers
		addresses += f.Addresses
	}
	fmt.Fprintf(s.out, "valid: %s in %d %s\n", customerCount(customers, addresses), len(m.Files), countNoun(len(m.Files), "file", "files"))
	return nil
}

func customerCount(customers, addresses int) string {
	return fmt.Sprintf("%d %s, %d %s", customers, countNoun(customers, "customer", "customers"),
		addresses, countNoun(addresses, "address", "addresses"))
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
