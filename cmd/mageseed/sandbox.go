package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// The sandbox's well-known test credentials. They are printed at start: the
// sandbox is a local test store and anyone may use them.
const (
	sandboxDefaultAdminUser     = "admin"
	sandboxDefaultAdminPassword = "admin123"
)

// oauthKeyLength is the length of an integration's consumer key and access
// token (Magento\Framework\Oauth\Helper\Oauth::LENGTH_CONSUMER_KEY and
// LENGTH_TOKEN); Magento refuses others, and so does the sandbox.
const oauthKeyLength = 32

// sandboxShutdownTimeout bounds how long a stopping sandbox waits for
// requests in flight.
const sandboxShutdownTimeout = 10 * time.Second

// Limits of the sandbox's HTTP server, for 'mageseed sandbox' and the
// embedded --sandbox alike: a client that sends its headers or its body
// slower than this is cut off, so slow clients cannot hold connections
// open without end.
// They are variables so that tests can shorten them.
var (
	sandboxReadHeaderTimeout = 10 * time.Second
	sandboxReadTimeout       = 60 * time.Second
	sandboxIdleTimeout       = 2 * time.Minute
)

// newSandboxServer returns the HTTP server that serves a sandbox.
func newSandboxServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: sandboxReadHeaderTimeout,
		ReadTimeout:       sandboxReadTimeout,
		IdleTimeout:       sandboxIdleTimeout,
	}
}

// sandboxFlags are the flags of 'mageseed sandbox', as given.
type sandboxFlags struct {
	addr                  string
	allowRemote           bool
	db                    string
	adminUser             string
	adminPassword         string
	integrationToken      string
	integrationOAuth      string
	adminTokenLifetime    time.Duration
	customerTokenLifetime time.Duration
	extraWebsites         []string
	profile               string
	workers               int
	queue                 int
	latency               time.Duration
	jitter                time.Duration
	errorRate             float64
	dropRate              float64
	rateLimit             int
	faultSeed             int64
	faultSeedSet          bool // --fault-seed was given
}

func (f *sandboxFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`HOST:PORT` to listen on; port 0 picks a free one")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "allow --addr on an interface other than loopback (the admin credentials are well known)")
	fs.StringVar(&f.db, "db", "", "SQLite database `PATH` (default: in memory, lost at exit)")
	fs.StringVar(&f.adminUser, "admin-user", sandboxDefaultAdminUser, "admin user name")
	fs.StringVar(&f.adminPassword, "admin-password", sandboxDefaultAdminPassword, "admin password")
	fs.StringVar(&f.integrationToken, "integration-token", "", "accept `TOKEN` as an admin bearer token")
	fs.StringVar(&f.integrationOAuth, "integration-oauth", "", "accept requests signed with OAuth 1.0a by an integration: its consumer key and secret, access token and token secret, as `KEY,SECRET,TOKEN,TOKEN_SECRET`")
	fs.DurationVar(&f.adminTokenLifetime, "admin-token-lifetime", 4*time.Hour, "lifetime of admin tokens")
	fs.DurationVar(&f.customerTokenLifetime, "customer-token-lifetime", time.Hour, "lifetime of customer tokens")
	fs.StringArrayVar(&f.extraWebsites, "extra-website", nil, "add a website with its own store view, as `CODE[:STORECODE]` (repeatable)")
	fs.StringVar(&f.profile, "profile", "", "model a customised store from the profile `FILE` (custom attributes, config, groups, websites)")
	fs.IntVar(&f.workers, "workers", 0, "handle at most `N` /rest requests at once, like a pool of PHP-FPM workers (0: no limit)")
	fs.IntVar(&f.queue, "queue", 0, "with --workers, let at most `N` requests wait for a worker; past them, answer 503 at once")
	fs.DurationVar(&f.latency, "latency", 0, "delay every /rest request by this long (with --workers, inside its worker: the service time)")
	fs.DurationVar(&f.jitter, "jitter", 0, "add a random delay in [0, jitter) to every /rest request")
	fs.Float64Var(&f.errorRate, "error-rate", 0, "answer this fraction of /rest requests with 503, doing nothing")
	fs.Float64Var(&f.dropRate, "drop-rate", 0, "for this fraction of /rest requests, do the work, then drop the connection without an answer")
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "answer 429 with Retry-After past `N` /rest requests a second (0: no limit)")
	fs.Int64Var(&f.faultSeed, "fault-seed", 0, "seed of the random faults, to repeat a run (default: random, printed at start)")
}

// sandboxConfig is what 'mageseed sandbox' runs: the parsed and checked
// flags.
type sandboxConfig struct {
	addr string
	opts sandbox.Options
	// profile is the --profile file, which loadProfile reads into
	// opts.Profile.
	profile string
	// faulty reports whether any fault is injected, random whether any
	// depends on the fault seed.
	faulty, random bool
}

// websiteCodeRE is Magento's rule for website and store codes: a letter,
// then letters, digits or underscores.
var websiteCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// config checks the flags and turns them into the sandbox's configuration.
// It does no I/O; when --fault-seed is not given the seed is newSeed().
func (f *sandboxFlags) config(newSeed func() int64) (sandboxConfig, error) {
	hostHint := "the sandbox's admin credentials are well known; pass --allow-remote to listen on other interfaces anyway"
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		reason := err.Error()
		var ae *net.AddrError
		if errors.As(err, &ae) {
			reason = ae.Err
		}
		return sandboxConfig{}, withHint(fmt.Errorf("invalid --addr %q: %s", f.addr, reason), "give HOST:PORT, e.g. 127.0.0.1:8080")
	}
	if !f.allowRemote && !isLoopbackHost(host) {
		return sandboxConfig{}, withHint(fmt.Errorf("invalid --addr %q: not a loopback address", f.addr), "%s", hostHint)
	}
	if f.adminUser == "" {
		return sandboxConfig{}, withHint(errors.New("invalid --admin-user: empty"), "leave it out to use %q", sandboxDefaultAdminUser)
	}
	if f.adminPassword == "" {
		return sandboxConfig{}, withHint(errors.New("invalid --admin-password: empty"), "leave it out to use the default")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"admin-token-lifetime", f.adminTokenLifetime}, {"customer-token-lifetime", f.customerTokenLifetime}} {
		if d.v <= 0 {
			return sandboxConfig{}, withHint(fmt.Errorf("invalid --%s %s: must be positive", d.name, d.v), "give a duration such as 1h or 30m")
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"latency", f.latency}, {"jitter", f.jitter}} {
		if d.v < 0 {
			return sandboxConfig{}, withHint(fmt.Errorf("invalid --%s %s: must not be negative", d.name, d.v), "give a duration such as 100ms, or 0 for none")
		}
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"error-rate", f.errorRate}, {"drop-rate", f.dropRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return sandboxConfig{}, withHint(fmt.Errorf("invalid --%s %s: must be between 0 and 1", r.name, strconv.FormatFloat(r.v, 'g', -1, 64)), "give a fraction of requests, e.g. 0.2 for one in five")
		}
	}
	if f.errorRate+f.dropRate > 1 {
		return sandboxConfig{}, withHint(fmt.Errorf("invalid --error-rate %s with --drop-rate %s: together they exceed 1",
			strconv.FormatFloat(f.errorRate, 'g', -1, 64), strconv.FormatFloat(f.dropRate, 'g', -1, 64)),
			"the two rates are fractions of the same requests; keep their sum at most 1")
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"workers", f.workers}, {"queue", f.queue}} {
		if n.v < 0 {
			return sandboxConfig{}, withHint(fmt.Errorf("invalid --%s %d: must not be negative", n.name, n.v), "give a number of requests, or 0 for no limit")
		}
	}
	if f.queue > 0 && f.workers == 0 {
		return sandboxConfig{}, withHint(fmt.Errorf("invalid --queue %d without --workers", f.queue), "the queue holds requests waiting for a worker; give --workers N too")
	}
	if f.rateLimit < 0 {
		return sandboxConfig{}, withHint(fmt.Errorf("invalid --rate-limit %d: must not be negative", f.rateLimit), "give requests per second, or 0 for no limit")
	}
	websites, err := parseExtraWebsites(f.extraWebsites)
	if err != nil {
		return sandboxConfig{}, err
	}
	var oauth *magento.OAuthCredentials
	if f.integrationOAuth != "" {
		parts := strings.Split(f.integrationOAuth, ",")
		if len(parts) != 4 || slices.Contains(parts, "") {
			return sandboxConfig{}, withHint(errors.New("invalid --integration-oauth: want four comma-separated credentials"),
				"give CONSUMER_KEY,CONSUMER_SECRET,ACCESS_TOKEN,ACCESS_TOKEN_SECRET, the values mageseed reads from MAGENTO_CONSUMER_KEY and the rest")
		}
		if len(parts[0]) != oauthKeyLength || len(parts[2]) != oauthKeyLength {
			return sandboxConfig{}, withHint(fmt.Errorf("invalid --integration-oauth: the consumer key and access token must be %d characters long", oauthKeyLength),
				"Magento makes them %d characters long and refuses others; give an integration's own values", oauthKeyLength)
		}
		oauth = &magento.OAuthCredentials{ConsumerKey: parts[0], ConsumerSecret: parts[1], AccessToken: parts[2], AccessTokenSecret: parts[3]}
	}
	seed := f.faultSeed
	random := f.jitter > 0 || f.errorRate > 0 || f.dropRate > 0
	if !f.faultSeedSet && random {
		seed = newSeed()
	}
	return sandboxConfig{
		addr:    f.addr,
		profile: f.profile,
		opts: sandbox.Options{
			DB:                    f.db,
			AdminUser:             f.adminUser,
			AdminPassword:         f.adminPassword,
			IntegrationToken:      f.integrationToken,
			OAuth:                 oauth,
			AdminTokenLifetime:    f.adminTokenLifetime,
			CustomerTokenLifetime: f.customerTokenLifetime,
			ExtraWebsites:         websites,
			Workers:               f.workers,
			Queue:                 f.queue,
			Latency:               f.latency,
			Jitter:                f.jitter,
			ErrorRate:             f.errorRate,
			DropRate:              f.dropRate,
			RateLimit:             f.rateLimit,
			FaultSeed:             seed,
		},
		faulty: random || f.latency > 0 || f.rateLimit > 0,
		random: random,
	}, nil
}

// loadProfile reads the --profile file into the sandbox's options. Its
// mistakes are reported one a line, each with its file:line:col.
func (c *sandboxConfig) loadProfile() error {
	if c.profile == "" {
		return nil
	}
	p, err := sandbox.LoadProfile(c.profile)
	if err != nil {
		return withHint(fmt.Errorf("load sandbox profile %s: %w", c.profile, err),
			"a profile has the keys customerAttributes, addressAttributes, config, groups, taxClasses and websites; see README, The sandbox")
	}
	c.opts.Profile = p
	return nil
}

// isLoopbackHost reports whether host names only the loopback interface.
// An empty host (":8080") means every interface.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseExtraWebsites parses --extra-website values, CODE[:STORECODE]. The
// store code defaults to CODE.
func parseExtraWebsites(vals []string) ([]sandbox.Website, error) {
	hint := "give --extra-website CODE or CODE:STORECODE, codes of lower-case letters, digits and _ starting with a letter"
	var out []sandbox.Website
	seenSite := map[string]bool{"admin": true, "base": true}
	seenStore := map[string]bool{"admin": true, "default": true, "all": true}
	for _, v := range vals {
		code, store, _ := strings.Cut(v, ":")
		if store == "" {
			store = code
		}
		if !websiteCodeRE.MatchString(code) {
			return nil, withHint(fmt.Errorf("invalid --extra-website %q: bad website code %q", v, code), "%s", hint)
		}
		if !websiteCodeRE.MatchString(store) {
			return nil, withHint(fmt.Errorf("invalid --extra-website %q: bad store code %q", v, store), "%s", hint)
		}
		if seenSite[code] {
			return nil, withHint(fmt.Errorf("invalid --extra-website %q: website code %q is taken", v, code), "the sandbox has websites admin and base; give each extra website its own code")
		}
		if seenStore[store] {
			return nil, withHint(fmt.Errorf("invalid --extra-website %q: store code %q is taken", v, store), "the store codes admin, default and all are taken; give each extra store view its own code")
		}
		seenSite[code], seenStore[store] = true, true
		out = append(out, sandbox.Website{Code: code, StoreCode: store})
	}
	return out, nil
}

func newSandboxCmd(s streams) *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the sandbox store on loopback",
		Long: `Serve the sandbox: a local store that answers Magento's REST API for
customers, addresses, tokens, the directory, stores, customer groups and
async bulk requests, under /rest/V1, /rest/<storeCode>/V1 and /rest/all/V1.

Its admin account is --admin-user / --admin-password (admin / admin123 by
default, printed at start). GET /__sandbox/stats counts the requests by route
and the faults injected. Faults apply to /rest paths only; --fault-seed makes
a serial run repeatable (concurrent requests may draw in another order).

Stop it with Ctrl-C (SIGINT) or SIGTERM.`,
		Example: `  mageseed sandbox
  mageseed sandbox --addr 127.0.0.1:0 --db sandbox.db
  mageseed sandbox --error-rate 0.2 --drop-rate 0.1 --fault-seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.faultSeedSet = cmd.Flags().Changed("fault-seed")
			cfg, err := f.config(func() int64 { return rand.Int64N(1 << 31) })
			if err != nil {
				return err
			}
			if err := cfg.loadProfile(); err != nil {
				return err
			}
			return serveSandbox(cmd.Context(), cfg, s.out)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// serveSandbox serves the sandbox on cfg.addr until ctx is cancelled, then
// shuts it down: it stops accepting, waits for requests in flight, and closes
// the database.
func serveSandbox(ctx context.Context, cfg sandboxConfig, out io.Writer) (err error) {
	sb, err := sandbox.New(cfg.opts)
	if err != nil {
		// The error names the sandbox, the operation and the database.
		if cfg.opts.DB != "" {
			return withHint(err, "check that --db %s names a file in a directory you can write", cfg.opts.DB)
		}
		return err
	}
	defer func() {
		if cerr := sb.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close sandbox: %w", cerr)
		}
	}()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return withHint(fmt.Errorf("start sandbox: %w", err), "pick another port with --addr, or 127.0.0.1:0 for a free one")
	}
	srv := newSandboxServer(sb)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	printSandboxBanner(out, cfg, "http://"+ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serve sandbox on %s: %w", ln.Addr(), err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), sandboxShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		<-served
		return fmt.Errorf("shut down sandbox on %s: %w", ln.Addr(), err)
	}
	<-served
	fmt.Fprintln(out, "sandbox: stopped")
	return nil
}

// printSandboxBanner tells the user where the sandbox is and how to log in.
func printSandboxBanner(w io.Writer, cfg sandboxConfig, url string) {
	o := cfg.opts
	fmt.Fprintf(w, "sandbox: serving %s (rest base %s/rest/default/V1)\n", url, url)
	password := o.AdminPassword
	if password != sandboxDefaultAdminPassword {
		password = "(as given by --admin-password)"
	}
	fmt.Fprintf(w, "sandbox: admin user %s, password %s\n", o.AdminUser, password)
	if o.IntegrationToken != "" {
		fmt.Fprintln(w, "sandbox: the --integration-token is accepted as an admin bearer token")
	}
	if o.OAuth != nil {
		fmt.Fprintf(w, "sandbox: requests signed with OAuth 1.0a by the integration with consumer key %s are admin requests\n", o.OAuth.ConsumerKey)
	}
	if o.DB == "" {
		fmt.Fprintln(w, "sandbox: database in memory (lost at exit; use --db PATH to keep it)")
	} else {
		fmt.Fprintf(w, "sandbox: database %s\n", o.DB)
	}
	websites := o.ExtraWebsites
	if p := o.Profile; p != nil {
		websites = append(slices.Clip(websites), p.Websites...)
		share := "accounts per website"
		if p.ShareScope() == sandbox.ShareGlobal {
			share = "accounts shared globally"
		}
		fmt.Fprintf(w, "sandbox: profile %s: %d customer and %d address attributes, %d street lines, email confirmation %s, %s, %d groups\n",
			cfg.profile, len(p.CustomerAttributes), len(p.AddressAttributes), p.StreetLines(), onOff(p.Config.ConfirmAccounts),
			share, len(p.Groups))
	}
	for _, ws := range websites {
		storeCode := ws.StoreCode
		if storeCode == "" {
			storeCode = ws.Code
		}
		fmt.Fprintf(w, "sandbox: extra website %s with store view %s (rest base %s/rest/%s/V1)\n", ws.Code, storeCode, url, storeCode)
	}
	if o.Workers > 0 {
		fmt.Fprintf(w, "sandbox: %d workers for /rest, %d requests may wait for one; past them 503\n", o.Workers, o.Queue)
	}
	if cfg.faulty {
		seed := ""
		if cfg.random {
			seed = fmt.Sprintf(", seed %d (--fault-seed %d repeats a serial run)", o.FaultSeed, o.FaultSeed)
		}
		fmt.Fprintf(w, "sandbox: faults on /rest: latency %s, jitter %s, error rate %s, drop rate %s, rate limit %s%s\n",
			o.Latency, o.Jitter, strconv.FormatFloat(o.ErrorRate, 'g', -1, 64), strconv.FormatFloat(o.DropRate, 'g', -1, 64),
			rateLimitString(o.RateLimit), seed)
	}
	fmt.Fprintf(w, "sandbox: stats at %s/__sandbox/stats; stop with Ctrl-C\n", url)
}

func onOff(b bool) string {
	if b {
		return "required"
	}
	return "off"
}

func rateLimitString(n int) string {
	if n == 0 {
		return "none"
	}
	return strconv.Itoa(n) + "/s"
}
