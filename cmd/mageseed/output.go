package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// outputOptions are the options of 'mageseed output'.
type outputOptions struct {
	path    string
	outputs string
	json    bool
}

func newOutputCmd(s streams) *cobra.Command {
	o := &outputOptions{}
	cmd := &cobra.Command{
		Use:   "output [PATH]",
		Short: "Print the outputs file, or one value of it raw",
		Long: `Output prints what the last apply recorded. With PATH it prints that one value
raw, for use in a later step: TOKEN=$(mageseed output customers.jane.token).
Without PATH it prints the whole file. Tokens are masked everywhere except
when PATH ends at one.`,
		Example: `  mageseed output customers.jane.id
  curl -H "Authorization: Bearer $(mageseed output customers.jane.token)" ...`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.path = args[0]
			}
			return runOutput(s, o)
		},
	}
	cmd.Flags().StringVarP(&o.outputs, "outputs", "o", defaultOutputs, "the outputs file to read")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the value as JSON (strings quoted)")
	return cmd
}

func runOutput(s streams, o *outputOptions) error {
	out, format, err := outputs.Read(o.outputs)
	if errors.Is(err, fs.ErrNotExist) {
		return withHint(fmt.Errorf("no outputs file at %s", o.outputs), "run 'mageseed apply' first, or point --outputs at the file")
	}
	if err != nil {
		return fmt.Errorf("read the outputs file %s: %w", o.outputs, unwrapRead(err))
	}
	// Tokens are masked wherever they are printed, except when the path
	// ends at one: that is how a later step reads a token.
	masked := *out
	masked.Customers = make(map[string]outputs.Customer, len(out.Customers))
	placeholders := make(map[string]bool, len(out.Customers))
	for k, c := range out.Customers {
		if c.Token != "" {
			c.Token = "(sensitive value: mageseed output customers." + k + ".token)"
			placeholders[c.Token] = true
		}
		masked.Customers[k] = c
	}
	if o.path == "" {
		return writeJSON(s.out, &masked)
	}
	path := o.path
	v, ok := masked.Lookup(path)
	if !ok && format == outputs.FormatDotenv {
		path = dotenvPath(path)
		v, ok = masked.Lookup(path)
	}
	if !ok {
		return withHint(fmt.Errorf("%s: no such value in %s", o.path, o.outputs), "paths look like customers.KEY.id, customers.KEY.token, customers.KEY.addresses.ADDR.id; run 'mageseed output' to see them all")
	}
	if placeholders[v] {
		// The path ends at a token: print it raw.
		v, _ = out.Lookup(path)
	}
	// Values came from the store: print them as data.
	if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") {
		v = string(safeJSON([]byte(v)))
	} else if o.json {
		return writeJSON(s.out, v)
	} else {
		v = mageseed.EscapeTerminal(v)
	}
	_, err = fmt.Fprintln(s.out, v)
	return err
}

// dotenvPath turns the customer and address keys of a path into the keys a
// dotenv file gives back (outputs.DotenvKey): customers.Jane-Doe.id is
// customers.jane_doe.id there. Manifest keys hold no dots.
func dotenvPath(path string) string {
	parts := strings.Split(path, ".")
	if len(parts) >= 2 && parts[0] == "customers" {
		parts[1] = outputs.DotenvKey(parts[1])
		if len(parts) >= 4 && parts[2] == "addresses" {
			parts[3] = outputs.DotenvKey(parts[3])
		}
	}
	return strings.Join(parts, ".")
}
