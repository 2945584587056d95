package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// defaultMemoryLimit is the heap size past which the garbage collector
// works harder (runtime/debug.SetMemoryLimit), so that a run over 100,000
// customers stays within a few hundred megabytes instead of letting the heap
// grow to twice what is live. It is soft: a larger live heap is not an
// error. GOMEMLIMIT overrides it.
const defaultMemoryLimit = 192 << 20

// Exit codes.
const (
	exitOK        = 0
	exitError     = 1
	exitChanges   = 2   // plan --detailed-exitcode: changes are pending
	exitInterrupt = 130 // stopped by SIGINT
)

// streams are the command's standard streams, injected so that tests run
// the real commands in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer

	// inTTY, outTTY and errTTY report whether the streams are terminals.
	inTTY, outTTY, errTTY bool

	// mask registers secrets that must never be printed; every byte
	// written to out and err is scrubbed of them.
	mask func(secrets ...string)
}

// exitError is an error that carries its exit code and, optionally, a hint.
type exitErr struct {
	code int
	err  error
	hint string
}

// helpColumns is the width help text is written for.
const helpColumns = 100

func (e *exitErr) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitErr) Unwrap() error { return e.err }

// withHint returns err with a hint printed after it.
func withHint(err error, format string, args ...any) error {
	return &exitErr{code: exitError, err: err, hint: fmt.Sprintf(format, args...)}
}

// exitWith returns an error that only sets the exit code; nothing is printed
// for it.
func exitWith(code int) error { return &exitErr{code: code} }

// run is the whole program: it parses args, runs the command and returns the
// exit code. The first SIGINT or SIGTERM cancels the context so that work in
// flight can finish; a second one exits at once.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "mageseed: interrupted: finishing work in flight (press Ctrl-C again to exit at once)")
				cancel()
				continue
			}
			fmt.Fprintln(stderr, "mageseed: interrupted again: exiting now; work in flight may be lost, run the command again to converge")
			os.Exit(exitInterrupt)
		}
	}()
	return execute(ctx, args, streams{
		in: stdin, out: stdout, err: stderr,
		inTTY: isTerminal(stdin), outTTY: isTerminal(stdout), errTTY: isTerminal(stderr),
	})
}

// isTerminal reports whether v is a file attached to a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// execute runs one command line with the given streams and returns the exit
// code.
func execute(ctx context.Context, args []string, s streams) int {
	outR, errR := newRedactor(s.out), newRedactor(s.err)
	defer outR.Flush()
	defer errR.Flush()
	s.out, s.err = outR, errR
	s.mask = func(secrets ...string) {
		outR.Add(secrets...)
		errR.Add(secrets...)
	}
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitError
	hint := ""
	var ee *exitErr
	if errors.As(err, &ee) {
		code = ee.code
		hint = ee.hint
		if ee.err == nil {
			return code
		}
	}
	if ctx.Err() != nil {
		// Interrupted: whatever failed, failed because of it.
		fmt.Fprintln(s.err, "mageseed: interrupted: stopped before the work was done; run the command again to finish")
		return exitInterrupt
	}
	printError(s.err, err, hint)
	return code
}

// printError writes err in the project's one format: "mageseed: error: ..."
// then "mageseed: hint: ..."; lower case, no trailing period.
func printError(w io.Writer, err error, hint string) {
	// An error may quote the store (a message, a name): each line is
	// escaped, so that the store's text can neither move the cursor nor
	// forge a line of mageseed's own.
	msg := strings.TrimRight(err.Error(), ".")
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintf(w, "mageseed: error: %s\n", esc(line))
	}
	if hint != "" {
		fmt.Fprintf(w, "mageseed: hint: %s\n", esc(strings.TrimRight(hint, ".")))
	}
}

func newRootCmd(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "mageseed",
		Short: "Seed Magento and Adobe Commerce stores with customers from a YAML manifest",
		Long: `mageseed converges a Magento 2 / Adobe Commerce store to the customers and
addresses a YAML manifest declares, over the REST API.

  mageseed validate FILE...   check a manifest offline
  mageseed plan FILE...       show what apply would change
  mageseed apply FILE...      make it so, and write the outputs file
  mageseed output PATH        read one value of the outputs (customers.jane.token)
  mageseed forget KEY...      stop tracking customers in the outputs (the store is untouched)

Try it with nothing installed: mageseed apply --sandbox examples/tutorial.yaml`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Flag descriptions wrap to helpColumns, so help reads on a terminal of
	// that width whatever the longest flag.
	usage := root.UsageTemplate()
	for _, set := range []string{".LocalFlags", ".InheritedFlags"} {
		usage = strings.ReplaceAll(usage, set+".FlagUsages ", fmt.Sprintf("(%s.FlagUsagesWrapped %d) ", set, helpColumns))
	}
	root.SetUsageTemplate(usage)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withHint(err, "see 'mageseed %s --help'", c.Name())
	})
	root.AddCommand(
		newValidateCmd(s),
		newPlanCmd(s),
		newApplyCmd(s),
		newDestroyCmd(s),
		newOutputCmd(s),
		newForgetCmd(s),
		newExportCmd(s),
		newSandboxCmd(s),
		newSchemaCmd(s),
		newVersionCmd(s),
	)
	// Cobra's completion command prints its help and exits 0 for a shell it
	// does not know; make that an error, as for any other bad argument.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return withHint(fmt.Errorf("unknown shell %q", args[0]), "use one of bash, zsh, fish, powershell")
			}
		}
	}
	return root
}
