package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets scripts run the real mageseed in-process as
// 'exec mageseed ...'.
//
// With MAGESEED_TEST_MAIN=1 in its environment the test binary is mageseed
// itself, so that tests can run it as a child process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("MAGESEED_TEST_MAIN") == "1" {
		code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		reportPeakRSS()
		os.Exit(code)
	}
	testscript.Main(m, map[string]func(){
		"mageseed": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Set
// MAGESEED_UPDATE=1 to rewrite the expected files of failing cmp commands.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("MAGESEED_UPDATE") != "",
		Setup: func(e *testscript.Env) error {
			e.Setenv("HOME", e.WorkDir)
			e.Setenv("XDG_CONFIG_HOME", e.WorkDir+"/.config")
			e.Setenv("NO_COLOR", "1")
			examples, err := filepath.Abs("../../examples")
			if err != nil {
				return err
			}
			e.Setenv("EXAMPLES", examples)
			for _, k := range []string{"MAGENTO_URL", "MAGENTO_STORE_CODE", "MAGENTO_ADMIN_TOKEN",
				"MAGENTO_ADMIN_USERNAME", "MAGENTO_ADMIN_PASSWORD", "SEED_PASSWORD", "GITHUB_OUTPUT"} {
				e.Setenv(k, "")
			}
			return nil
		},
		Cmds: scriptCmds,
	})
}

// scriptCmds are the custom script commands; files named script_*_test.go
// add to it from init functions.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"perm":  cmdPerm,
	"exits": cmdExits,
}

// cmdExits runs mageseed and checks its exit code exactly:
// exits 2 mageseed plan --detailed-exitcode m.yaml. Its stdout and stderr
// are the command's, for stdout and stderr checks after it.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || args[1] != "mageseed" {
		ts.Fatalf("usage: exits CODE mageseed ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	cmd := exec.Command(os.Args[0], args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if v := ts.Getenv(k); v != "" || k == "PATH" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for _, k := range scriptEnv {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Env = append(cmd.Env, "MAGESEED_TEST_MAIN=1")
	cmd.Stdout = ts.Stdout()
	cmd.Stderr = ts.Stderr()
	err = cmd.Run()
	got := cmd.ProcessState.ExitCode()
	if got != want {
		ts.Fatalf("mageseed exited %d (%v), want %d", got, err, want)
	}
}

// scriptEnv are the variables scripts set that mageseed reads.
var scriptEnv = []string{"HOME", "NO_COLOR", "MAGENTO_URL", "MAGENTO_ADMIN_TOKEN", "MAGENTO_STORE_CODE",
	"MAGENTO_ADMIN_USERNAME", "MAGENTO_ADMIN_PASSWORD", "SEED_PASSWORD", "GITHUB_OUTPUT", "EXAMPLES"}

// cmdPerm checks a file's permission bits: perm FILE 0600.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := uint64(fi.Mode().Perm())
	if (got == want) == neg {
		ts.Fatalf("%s has mode %#o, want %#o", args[0], got, want)
	}
}
