package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed/sandbox"
)

// parseSandboxArgs parses args as 'mageseed sandbox' does, with 99 as the
// random seed.
func parseSandboxArgs(tb testing.TB, args ...string) (sandboxConfig, error) {
	tb.Helper()
	var f sandboxFlags
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		tb.Fatalf("parse %q: %v", args, err)
	}
	f.faultSeedSet = fs.Changed("fault-seed")
	return f.config(func() int64 { return 99 })
}

func TestSandboxFlagsConfig(t *testing.T) {
	defaults := sandbox.Options{
		AdminUser:             "admin",
		AdminPassword:         "admin123",
		AdminTokenLifetime:    4 * time.Hour,
		CustomerTokenLifetime: time.Hour,
	}
	tests := []struct {
		name string
		args []string
		want sandboxConfig
	}{
		{
			name: "defaults",
			want: sandboxConfig{addr: "127.0.0.1:8080", opts: defaults},
		},
		{
			name: "store options",
			args: []string{"--addr", "localhost:0", "--db", "s.db", "--admin-user", "root", "--admin-password", "Secret123",
				"--integration-token", "tok", "--admin-token-lifetime", "1m", "--customer-token-lifetime", "30s"},
			want: sandboxConfig{addr: "localhost:0", opts: sandbox.Options{
				DB: "s.db", AdminUser: "root", AdminPassword: "Secret123", IntegrationToken: "tok",
				AdminTokenLifetime: time.Minute, CustomerTokenLifetime: 30 * time.Second,
			}},
		},
		{
			name: "extra websites",
			args: []string{"--extra-website", "second", "--extra-website", "third:third_en"},
			want: sandboxConfig{addr: "127.0.0.1:8080", opts: sandboxOptsWith(defaults, func(o *sandbox.Options) {
				o.ExtraWebsites = []sandbox.Website{{Code: "second", StoreCode: "second"}, {Code: "third", StoreCode: "third_en"}}
			})},
		},
		{
			name: "profile",
			args: []string{"--profile", "store.yaml"},
			want: sandboxConfig{addr: "127.0.0.1:8080", profile: "store.yaml", opts: defaults},
		},
		{
			name: "random faults get the random seed",
			args: []string{"--error-rate", "0.2", "--drop-rate", "0.1"},
			want: sandboxConfig{addr: "127.0.0.1:8080", faulty: true, random: true, opts: sandboxOptsWith(defaults, func(o *sandbox.Options) {
				o.ErrorRate, o.DropRate, o.FaultSeed = 0.2, 0.1, 99
			})},
		},
		{
			name: "a given seed wins, zero included",
			args: []string{"--jitter", "10ms", "--fault-seed", "0"},
			want: sandboxConfig{addr: "127.0.0.1:8080", faulty: true, random: true, opts: sandboxOptsWith(defaults, func(o *sandbox.Options) {
				o.Jitter = 10 * time.Millisecond
			})},
		},
		{
			name: "latency and rate limit are not random",
			args: []string{"--latency", "50ms", "--rate-limit", "50"},
			want: sandboxConfig{addr: "127.0.0.1:8080", faulty: true, opts: sandboxOptsWith(defaults, func(o *sandbox.Options) {
				o.Latency, o.RateLimit = 50*time.Millisecond, 50
			})},
		},
		{
			name: "a pool of workers with a queue",
			args: []string{"--workers", "8", "--queue", "16", "--latency", "50ms"},
			want: sandboxConfig{addr: "127.0.0.1:8080", faulty: true, opts: sandboxOptsWith(defaults, func(o *sandbox.Options) {
				o.Workers, o.Queue, o.Latency = 8, 16, 50*time.Millisecond
			})},
		},
		{
			name: "remote allowed",
			args: []string{"--addr", "0.0.0.0:8080", "--allow-remote"},
			want: sandboxConfig{addr: "0.0.0.0:8080", opts: defaults},
		},
		{
			name: "ipv6 loopback",
			args: []string{"--addr", "[::1]:0"},
			want: sandboxConfig{addr: "[::1]:0", opts: defaults},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSandboxArgs(t, tt.args...)
			if err != nil {
				t.Fatalf("config: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(sandboxConfig{})); diff != "" {
				t.Errorf("config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSandboxFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"error rate", []string{"--error-rate", "2"}, "invalid --error-rate 2: must be between 0 and 1"},
		{"sum of rates", []string{"--error-rate", "0.5", "--drop-rate", "0.6"}, "invalid --error-rate 0.5 with --drop-rate 0.6: together they exceed 1"},
		{"jitter", []string{"--jitter", "-1ms"}, "invalid --jitter -1ms: must not be negative"},
		{"admin token lifetime", []string{"--admin-token-lifetime", "0s"}, "invalid --admin-token-lifetime 0s: must be positive"},
		{"empty admin user", []string{"--admin-user", ""}, "invalid --admin-user: empty"},
		{"empty admin password", []string{"--admin-password", ""}, "invalid --admin-password: empty"},
		{"all interfaces", []string{"--addr", ":8080"}, `invalid --addr ":8080": not a loopback address`},
		{"host name", []string{"--addr", "example.com:80"}, `invalid --addr "example.com:80": not a loopback address`},
		{"store code taken", []string{"--extra-website", "second:default"}, `invalid --extra-website "second:default": store code "default" is taken`},
		{"empty website code", []string{"--extra-website", ":shop"}, `invalid --extra-website ":shop": bad website code ""`},
		{"bad store code", []string{"--extra-website", "second:9x"}, `invalid --extra-website "second:9x": bad store code "9x"`},
		{"negative workers", []string{"--workers", "-1"}, "invalid --workers -1: must not be negative"},
		{"negative queue", []string{"--workers", "2", "--queue", "-1"}, "invalid --queue -1: must not be negative"},
		{"queue without workers", []string{"--queue", "4"}, "invalid --queue 4 without --workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSandboxArgs(t, tt.args...)
			if err == nil {
				t.Fatalf("config(%q) = nil error, want %q", tt.args, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("config(%q) error = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

// sandboxOptsWith returns o changed by change.
func sandboxOptsWith(o sandbox.Options, change func(*sandbox.Options)) sandbox.Options {
	change(&o)
	return o
}

// TestSandboxBannerProfile checks that the banner sums up a loaded profile
// and lists its websites.
func TestSandboxBannerProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.yaml")
	profile := "customerAttributes:\n  - {code: loyalty_number}\nconfig: {confirmAccounts: true, accountShareScope: global}\n" +
		"groups: [{code: VIP}]\nwebsites: [{code: second, storeCode: second_view}]\n"
	if err := os.WriteFile(path, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseSandboxArgs(t, "--profile", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.loadProfile(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	printSandboxBanner(&out, cfg, "http://127.0.0.1:8080")
	for _, want := range []string{
		"sandbox: profile " + path + ": 1 customer and 0 address attributes, 2 street lines, email confirmation required, accounts shared globally, 1 groups\n",
		"sandbox: extra website second with store view second_view (rest base http://127.0.0.1:8080/rest/second_view/V1)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
}
