package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestApplyOptionsCheck(t *testing.T) {
	valid := func() applyOptions {
		return applyOptions{
			store:         storeFlags{parallelism: 8, timeout: 30 * time.Second},
			state:         stateFlags{path: "mageseed.outputs.json"},
			outputsFormat: "json",
			maxDeletes:    50,
			tokenLifetime: time.Hour,
			bulkSize:      100,
		}
	}
	tests := []struct {
		name   string
		change func(o *applyOptions)
		want   string // "" for valid
	}{
		{"defaults", func(o *applyOptions) {}, ""},
		{"every format", func(o *applyOptions) { o.outputsFormat = "github" }, ""},
		{"unknown format", func(o *applyOptions) { o.outputsFormat = "xml" }, `unknown --outputs-format "xml"`},
		{"no outputs path", func(o *applyOptions) { o.state.path = "" }, "--outputs is empty"},
		{"prune", func(o *applyOptions) { o.mode.prune = true }, ""},
		{"refresh with tokens", func(o *applyOptions) { o.mode.refresh, o.mode.tokens = true, true }, ""},
		{"prune and refresh", func(o *applyOptions) { o.mode.prune, o.mode.refresh = true, true }, "--prune and --refresh-only do not go together"},
		{"tokens alone", func(o *applyOptions) { o.mode.tokens = true }, "--tokens goes with --refresh-only"},
		{"negative max deletes", func(o *applyOptions) { o.maxDeletes = -1 }, "--max-deletes must not be negative, got -1"},
		{"zero parallelism", func(o *applyOptions) { o.store.parallelism = 0 }, "--parallelism must be at least 1, got 0"},
		{"auto", func(o *applyOptions) { o.store.autoParallelism, o.store.maxParallelism = true, 64 }, ""},
		{"auto with a zero ceiling", func(o *applyOptions) { o.store.autoParallelism, o.store.maxParallelism = true, 0 }, "--max-parallelism must be at least 1, got 0"},
		{"negative timeout", func(o *applyOptions) { o.store.timeout = -time.Second }, "--timeout must be positive"},
		{"url and sandbox", func(o *applyOptions) { o.store.url = "http://x"; o.store.sandbox = "db" }, "--url and --sandbox name two different stores"},
		{"bulk size", func(o *applyOptions) { o.bulkSize = 0 }, "--bulk-size must be from 1 to 5000, got 0"},
		{"token lifetime", func(o *applyOptions) { o.tokenLifetime = 0 }, "--token-lifetime must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(&o)
			err := o.check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestStorePrecedence checks DESIGN's order: --url > MAGENTO_URL >
// store.url, and --store-code > MAGENTO_STORE_CODE > store.storeCode >
// default.
func TestStorePrecedence(t *testing.T) {
	tests := []struct {
		name                    string
		flagURL, envURL, mURL   string
		flagCode, envCode, mCod string
		wantURL, wantCode       string
	}{
		{"flag wins", "https://flag", "https://env", "https://manifest", "f", "e", "m", "https://flag", "f"},
		{"env next", "", "https://env", "https://manifest", "", "e", "m", "https://env", "e"},
		{"manifest last", "", "", "https://manifest", "", "", "m", "https://manifest", "m"},
		{"default store code", "", "", "https://manifest", "", "", "", "https://manifest", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAGENTO_URL", tt.envURL)
			t.Setenv("MAGENTO_STORE_CODE", tt.envCode)
			t.Setenv("MAGENTO_ADMIN_TOKEN", "t")
			var errb bytes.Buffer
			s := streams{err: &errb, mask: func(...string) {}}
			st, err := connect(context.Background(), storeFlags{url: tt.flagURL, storeCode: tt.flagCode, parallelism: 1, timeout: time.Second}, tt.mURL, tt.mCod, s)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.url != tt.wantURL || st.storeCode != tt.wantCode {
				t.Errorf("got %s %s, want %s %s", st.url, st.storeCode, tt.wantURL, tt.wantCode)
			}
		})
	}
}

// TestPlainHTTPRefused: admin credentials never go over plain http to a
// host that is not loopback unless --allow-insecure-http.
func TestPlainHTTPRefused(t *testing.T) {
	t.Setenv("MAGENTO_ADMIN_TOKEN", "secret-token")
	var errb bytes.Buffer
	s := streams{err: &errb, mask: func(...string) {}}
	f := storeFlags{url: "http://shop.example.com", parallelism: 1, timeout: time.Second}
	_, err := connect(context.Background(), f, "", "", s)
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if h := hintOf(err); !strings.Contains(h, "--allow-insecure-http") {
		t.Errorf("hint %q does not name --allow-insecure-http", h)
	}
	f.allowInsecureHTTP = true
	st, err := connect(context.Background(), f, "", "", s)
	if err != nil {
		t.Fatalf("with --allow-insecure-http: %v", err)
	}
	st.Close()
}

func hintOf(err error) string {
	if ee, ok := err.(*exitErr); ok {
		return ee.hint
	}
	return ""
}

// TestParallelismFlag: auto is the default; a number is a fixed
// parallelism; --max-parallelism only goes with auto.
func TestParallelismFlag(t *testing.T) {
	tests := []struct {
		args     []string
		wantAuto bool
		wantMax  int // what the client is given as its ceiling
		wantErr  string
	}{
		{args: nil, wantAuto: true, wantMax: 64},
		{args: []string{"--parallelism", "auto", "--max-parallelism", "16"}, wantAuto: true, wantMax: 16},
		{args: []string{"--parallelism", "12"}, wantMax: 12},
		{args: []string{"--parallelism", "many"}, wantErr: `invalid argument "many" for "--parallelism" flag: want auto or a number of requests`},
		{args: []string{"--parallelism", "4", "--max-parallelism", "16"}, wantErr: "--max-parallelism applies to --parallelism auto, not to --parallelism 4"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var f storeFlags
			fs := pflag.NewFlagSet("apply", pflag.ContinueOnError)
			f.register(fs)
			err := fs.Parse(tt.args)
			if err == nil {
				f.timeout = time.Second
				err = f.check()
			}
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if f.autoParallelism != tt.wantAuto || f.inFlight() != tt.wantMax {
				t.Errorf("auto %v, ceiling %d; want %v, %d", f.autoParallelism, f.inFlight(), tt.wantAuto, tt.wantMax)
			}
		})
	}
}
