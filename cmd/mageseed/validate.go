package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/manifest"
)

// validateOptions are the inputs of 'mageseed validate'.
type validateOptions struct {
	files    []string
	quiet    bool
	json     bool
	metadata string
}

func newValidateCmd(s streams) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check manifests offline: YAML, schema and Magento's rules",
		Long: `validate reads the manifest files (a directory stands for its *.yaml and *.yml
files, - for standard input), checks them against the manifest schema and
Magento's rules for customers and addresses, and prints every problem as
file:line:col: path: reason. It never contacts a store.

Without --metadata it checks a stock store's rules (at most 2 street lines).
With --metadata FILE, a snapshot written by 'mageseed export --metadata FILE',
it checks the manifest against that store as plan does: custom attribute
codes, option labels, validation rules, street lines, group codes, and the
required attributes of every customer (as if each were to be created).`,
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
	cmd.Flags().BoolVar(&o.json, "json", false, "print the result as JSON on stdout (messages stay on stderr)")
	cmd.Flags().StringVar(&o.metadata, "metadata", "", "check against the store metadata in `FILE` (written by 'mageseed export --metadata')")
	return cmd
}

// validateReport is the --json output of validate.
type validateReport struct {
	Valid     bool           `json:"valid"`
	Files     []validateFile `json:"files"`
	Customers int            `json:"customers"`
	Addresses int            `json:"addresses"`
	Problems  []problem      `json:"problems"`
}

type validateFile struct {
	Name      string `json:"name"`
	Customers int    `json:"customers"`
	Addresses int    `json:"addresses"`
}

type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// runValidate loads the manifest and reports what it declares, or every
// problem in it.
func runValidate(s streams, o validateOptions) error {
	md := &mageseed.Metadata{StreetLines: 2}
	if o.metadata != "" {
		var err error
		if md, err = readMetadata(o.metadata); err != nil {
			return err
		}
	}
	m, err := manifest.Load(o.files, manifest.Options{Stdin: s.in, Getenv: os.LookupEnv})
	var errs manifest.Errors
	if err != nil && !errors.As(err, &errs) {
		return err
	}
	if err == nil {
		creating := func(int) bool { return o.metadata != "" }
		if errs = m.CheckStore(md, m.Customers, creating); len(errs) > 0 {
			err = errs
		}
	}
	rep := validateReport{Valid: err == nil, Files: []validateFile{}, Problems: []problem{}}
	for _, e := range errs {
		rep.Problems = append(rep.Problems, problem{File: e.File, Line: e.Line, Col: e.Col, Path: e.Path, Message: e.Msg})
	}
	if m != nil {
		for _, f := range m.Files {
			rep.Files = append(rep.Files, validateFile{Name: f.Name, Customers: f.Customers, Addresses: f.Addresses})
			rep.Customers += f.Customers
			rep.Addresses += f.Addresses
		}
	}
	switch {
	case o.json:
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	case len(errs) > 0:
		for _, e := range errs {
			fmt.Fprintln(s.err, esc(e.Error()))
		}
	case !o.quiet:
		for _, f := range rep.Files {
			fmt.Fprintf(s.out, "%s: %s\n", f.Name, customerCount(f.Customers, f.Addresses))
		}
		fmt.Fprintf(s.out, "valid: %s in %d %s\n", customerCount(rep.Customers, rep.Addresses), len(rep.Files), countNoun(len(rep.Files), "file", "files"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d %s in the manifest", len(errs), countNoun(len(errs), "problem", "problems"))
	}
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
