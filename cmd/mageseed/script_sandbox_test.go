package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// The script commands below give scripts a store to talk to and a way to
// look at it from outside mageseed:
//
//	sandbox [-db PATH] [-profile FILE] [-latency D] [-error-rate F] [-drop-rate F] [-rate-limit N] [-fault-seed S]
//	    starts a sandbox on loopback for the rest of the script and sets
//	    MAGENTO_URL, MAGENTO_ADMIN_TOKEN and SANDBOX_URL.
//	rest [-bearer-output PATH] [-guest] METHOD PATH [BODYFILE]
//	    sends one REST request (PATH below /rest/default) with the admin
//	    token, or with the token that the outputs file holds at PATH; prints
//	    the status line on stderr and the body on stdout; fails unless 2xx.
//	sbstats [writes]
//	    prints the sandbox's request counts, one "ROUTE N" line each, sorted;
//	    with "writes", only POST, PUT and DELETE customer routes.
func init() {
	scriptCmds["sandbox"] = cmdSandbox
	scriptCmds["rest"] = cmdRest
	scriptCmds["sbstats"] = cmdStats
}

const scriptAdminToken = "script-integration-token-0123456789"

func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox")
	}
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	var o sandbox.Options
	fs.StringVar(&o.DB, "db", "", "database path")
	fs.DurationVar(&o.Latency, "latency", 0, "latency")
	fs.Float64Var(&o.ErrorRate, "error-rate", 0, "503 rate")
	fs.Float64Var(&o.DropRate, "drop-rate", 0, "drop rate")
	fs.IntVar(&o.RateLimit, "rate-limit", 0, "requests per second")
	fs.Int64Var(&o.FaultSeed, "fault-seed", 1, "fault seed")
	profile := fs.String("profile", "", "store profile")
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("sandbox: %v", err)
	}
	if *profile != "" {
		p, err := sandbox.LoadProfile(ts.MkAbs(*profile))
		ts.Check(err)
		o.Profile = p
	}
	if o.DB != "" {
		o.DB = ts.MkAbs(o.DB)
	}
	o.IntegrationToken = scriptAdminToken
	sb, err := sandbox.New(o)
	ts.Check(err)
	srv := httptest.NewServer(sb)
	ts.Defer(func() {
		srv.Close()
		sb.Close()
	})
	ts.Setenv("MAGENTO_URL", srv.URL)
	ts.Setenv("SANDBOX_URL", srv.URL)
	ts.Setenv("MAGENTO_ADMIN_TOKEN", scriptAdminToken)
}

func cmdRest(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("rest", flag.ContinueOnError)
	outputPath := fs.String("bearer-output", "", "take the bearer token from the outputs file at this path")
	guest := fs.Bool("guest", false, "send no token")
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("rest: %v", err)
	}
	if fs.NArg() < 2 || fs.NArg() > 3 {
		ts.Fatalf("usage: rest [-bearer-output PATH] [-guest] METHOD PATH [BODYFILE]")
	}
	method, path := fs.Arg(0), fs.Arg(1)
	var body io.Reader
	if fs.NArg() == 3 {
		body = strings.NewReader(ts.ReadFile(fs.Arg(2)))
	}
	req, err := http.NewRequest(method, ts.Getenv("SANDBOX_URL")+"/rest/default"+path, body)
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	token := scriptAdminToken
	if *outputPath != "" {
		out, _, err := outputs.Read(ts.MkAbs("mageseed.outputs.json"))
		ts.Check(err)
		v, ok := out.Lookup(*outputPath)
		if !ok {
			ts.Fatalf("rest: no %s in the outputs", *outputPath)
		}
		token = v
	}
	if !*guest {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	var pretty bytes.Buffer
	if json.Indent(&pretty, data, "", "  ") == nil {
		data = pretty.Bytes()
	}
	fmt.Fprintf(ts.Stderr(), "%s\n", resp.Status)
	fmt.Fprintf(ts.Stdout(), "%s\n", data)
	ok := resp.StatusCode/100 == 2
	if ok == neg {
		ts.Fatalf("rest %s %s: %s", method, path, resp.Status)
	}
}

func cmdStats(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sbstats")
	}
	resp, err := http.Get(ts.Getenv("SANDBOX_URL") + "/__sandbox/stats")
	ts.Check(err)
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int `json:"requests"`
	}
	ts.Check(json.NewDecoder(resp.Body).Decode(&st))
	writesOnly := len(args) == 1 && args[0] == "writes"
	var lines []string
	for route, n := range st.Requests {
		if writesOnly && !isCustomerWrite(route) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %d", route, n))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(ts.Stdout(), l)
	}
}

// isCustomerWrite reports whether a stats route changes customer data
// (customers, addresses, customer groups).
func isCustomerWrite(route string) bool {
	method, path, _ := strings.Cut(route, " ")
	if method == "GET" || strings.Contains(path, "/integration/") || strings.Contains(path, "isEmailAvailable") {
		return false
	}
	return strings.Contains(path, "customers") || strings.Contains(path, "addresses") || strings.Contains(path, "customerGroups")
}
