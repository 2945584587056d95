package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

var _ apply.Remote = (*magento.Client)(nil)

// defaultSandboxDB is where --sandbox keeps its database when no path is
// given.
const defaultSandboxDB = ".mageseed/sandbox.db"

// storeFlags are the flags of every command that talks to a store.
type storeFlags struct {
	url                   string
	sandbox               string // "" unless --sandbox was given
	storeCode             string
	parallelism           int  // fixed --parallelism; ignored when autoParallelism
	autoParallelism       bool // --parallelism auto
	maxParallelism        int
	timeout               time.Duration
	insecureSkipTLSVerify bool
	allowInsecureHTTP     bool
	verbose               bool

	fs *pflag.FlagSet // the flags, to tell which were given
}

// parallelismValue is the --parallelism flag: auto or a positive number.
type parallelismValue struct{ f *storeFlags }

func (v parallelismValue) String() string {
	if v.f == nil || v.f.autoParallelism {
		return "auto"
	}
	return strconv.Itoa(v.f.parallelism)
}

func (v parallelismValue) Set(s string) error {
	if s == "auto" {
		v.f.autoParallelism = true
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want auto or a number of requests")
	}
	v.f.autoParallelism, v.f.parallelism = false, n
	return nil
}

func (v parallelismValue) Type() string { return "auto|N" }

// inFlight is the most requests that may be in flight: the ceiling of
// auto, or the fixed number.
func (f *storeFlags) inFlight() int {
	if f.autoParallelism {
		return f.maxParallelism
	}
	return f.parallelism
}

func (f *storeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "store base URL, e.g. https://shop.example.com (overrides MAGENTO_URL and store.url)")
	fs.StringVar(&f.sandbox, "sandbox", "", "run the embedded sandbox store in-process, with its database at `PATH` (default "+defaultSandboxDB+")")
	fs.Lookup("sandbox").NoOptDefVal = defaultSandboxDB
	fs.StringVar(&f.storeCode, "store-code", "", "store view code for REST calls (overrides MAGENTO_STORE_CODE and store.storeCode; default \"default\")")
	f.autoParallelism, f.parallelism = true, 8
	fs.Var(parallelismValue{f}, "parallelism", "concurrent requests to the store: auto (find the store's limit from its latency) or a fixed number")
	fs.IntVar(&f.maxParallelism, "max-parallelism", 64, "ceiling of --parallelism auto")
	f.fs = fs
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of one HTTP request")
	fs.BoolVar(&f.insecureSkipTLSVerify, "insecure-skip-tls-verify", false, "do not verify the store's TLS certificate")
	fs.BoolVar(&f.allowInsecureHTTP, "allow-insecure-http", false, "allow credentials over plain http to a host that is not loopback")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log every request (never bodies, credentials or tokens)")
}

func (f *storeFlags) check() error {
	switch {
	case !f.autoParallelism && f.parallelism < 1:
		return withHint(fmt.Errorf("--parallelism must be at least 1, got %d", f.parallelism), "use --parallelism auto (the default) or a positive number")
	case f.autoParallelism && f.maxParallelism < 1:
		return withHint(fmt.Errorf("--max-parallelism must be at least 1, got %d", f.maxParallelism), "use --max-parallelism 64 (the default) or another positive number")
	case !f.autoParallelism && f.fs != nil && f.fs.Changed("max-parallelism"):
		return withHint(fmt.Errorf("--max-parallelism applies to --parallelism auto, not to --parallelism %d", f.parallelism), "give one of them: a fixed --parallelism is its own ceiling")
	}
	if f.timeout <= 0 {
		return withHint(fmt.Errorf("--timeout must be positive, got %s", f.timeout), "use a duration such as 30s")
	}
	if f.url != "" && f.sandbox != "" {
		return withHint(errors.New("--url and --sandbox name two different stores"), "give one of them")
	}
	return nil
}

// getenv reads the environment; an empty value counts as unset.
func getenv(k string) string { return strings.TrimSpace(os.Getenv(k)) }

// store is a connection to the target store: its client and, with
// --sandbox, the sandbox serving it.
type store struct {
	url       string
	storeCode string
	sandboxDB string // with --sandbox: the database path, which names the store
	client    *magento.Client
	closers   []func()
}

func (s *store) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// connect opens the store that flags, environment and manifest name, in
// that order of precedence. manifestURL and manifestStoreCode come from the
// manifest's store section ("" when absent). Secrets it handles (admin
// credentials, tokens) are registered with s.mask.
func connect(ctx context.Context, f storeFlags, manifestURL, manifestStoreCode string, s streams) (*store, error) {
	st := &store{}
	st.storeCode = firstNonEmpty(f.storeCode, getenv("MAGENTO_STORE_CODE"), manifestStoreCode, "default")

	cfg := magento.Config{
		StoreCode:             st.storeCode,
		Timeout:               f.timeout,
		UserAgent:             "mageseed/" + version(),
		InsecureSkipTLSVerify: f.insecureSkipTLSVerify,
		AllowInsecureHTTP:     f.allowInsecureHTTP,
		MaxInFlight:           f.inFlight(),
		Adaptive:              f.autoParallelism,
	}
	// A long Retry-After wait is announced, so that it is not taken for a
	// hang.
	cfg.Notify = func(msg string) { fmt.Fprintf(s.err, "mageseed: %s\n", esc(msg)) }
	if f.verbose {
		cfg.Logger = func(format string, args ...any) {
			fmt.Fprintf(s.err, "mageseed: debug: %s\n", esc(fmt.Sprintf(format, args...)))
		}
	}

	switch {
	case f.sandbox != "":
		url, token, closeFn, err := startSandbox(f.sandbox)
		if err != nil {
			return nil, err
		}
		st.closers = append(st.closers, closeFn)
		s.mask(token)
		st.url = url
		st.sandboxDB = f.sandbox
		cfg.AdminToken = token
		fmt.Fprintf(s.err, "mageseed: using the embedded sandbox at %s (database %s)\n", url, f.sandbox)
	default:
		st.url = firstNonEmpty(f.url, getenv("MAGENTO_URL"), manifestURL)
		if st.url == "" {
			return nil, withHint(errors.New("no store to talk to"),
				"give --url URL, set MAGENTO_URL, or try the embedded sandbox with --sandbox")
		}
		cfg.AdminToken = getenv("MAGENTO_ADMIN_TOKEN")
		cfg.AdminUsername = getenv("MAGENTO_ADMIN_USERNAME")
		cfg.AdminPassword = os.Getenv("MAGENTO_ADMIN_PASSWORD")
		s.mask(cfg.AdminToken, cfg.AdminPassword)
		oauth, err := oauthFromEnv()
		if err != nil {
			return nil, err
		}
		if oauth != nil {
			s.mask(oauth.ConsumerSecret, oauth.AccessToken, oauth.AccessTokenSecret)
			cfg.OAuth = oauth
		}
		if cfg.OAuth == nil && cfg.AdminToken == "" && (cfg.AdminUsername == "" || cfg.AdminPassword == "") {
			return nil, withHint(errors.New("no admin credentials for "+st.url),
				"set MAGENTO_ADMIN_TOKEN to an integration or admin token, MAGENTO_ADMIN_USERNAME and MAGENTO_ADMIN_PASSWORD, "+
					"or an integration's MAGENTO_CONSUMER_KEY, MAGENTO_CONSUMER_SECRET, MAGENTO_ACCESS_TOKEN and MAGENTO_ACCESS_TOKEN_SECRET")
		}
	}
	cfg.BaseURL = st.url
	client, err := magento.New(cfg)
	if err != nil {
		st.Close()
		return nil, storeError(err)
	}
	st.client = client
	return st, nil
}

// startSandbox serves the embedded sandbox on a loopback port with its
// database at path. It returns the base URL, an admin token the sandbox
// accepts, and a function that stops it.
func startSandbox(path string) (url, token string, stop func(), err error) {
	if dir := filepath.Dir(path); dir != "" && path != ":memory:" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", nil, fmt.Errorf("start sandbox: %w", err)
		}
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", nil, fmt.Errorf("start sandbox: %w", err)
	}
	token = hex.EncodeToString(b[:])
	sb, err := sandbox.New(sandbox.Options{DB: path, IntegrationToken: token})
	if err != nil {
		return "", "", nil, fmt.Errorf("start sandbox with database %s: %w", path, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sb.Close()
		return "", "", nil, fmt.Errorf("start sandbox: %w", err)
	}
	srv := newSandboxServer(sb)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		_ = sb.Close()
	}
	return "http://" + ln.Addr().String(), token, stop, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// oauthEnv are the variables that hold a Magento integration's OAuth 1.0a
// credentials.
var oauthEnv = []string{"MAGENTO_CONSUMER_KEY", "MAGENTO_CONSUMER_SECRET", "MAGENTO_ACCESS_TOKEN", "MAGENTO_ACCESS_TOKEN_SECRET"}

// oauthFromEnv reads an integration's four credentials: all of them, or
// none (nil).
func oauthFromEnv() (*magento.OAuthCredentials, error) {
	var vals, missing []string
	for _, k := range oauthEnv {
		v := getenv(k)
		vals = append(vals, v)
		if v == "" {
			missing = append(missing, k)
		}
	}
	switch len(missing) {
	case len(oauthEnv):
		return nil, nil
	case 0:
		return &magento.OAuthCredentials{ConsumerKey: vals[0], ConsumerSecret: vals[1], AccessToken: vals[2], AccessTokenSecret: vals[3]}, nil
	}
	return nil, withHint(fmt.Errorf("incomplete integration credentials: %s not set", strings.Join(missing, ", ")),
		"an integration signs requests with all four of %s", strings.Join(oauthEnv, ", "))
}
