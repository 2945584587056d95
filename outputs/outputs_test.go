package outputs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed/schemas"
)

var update = flag.Bool("update", os.Getenv("MAGESEED_UPDATE") != "", "rewrite the golden files in testdata")

// sample is a small outputs value with every kind of entry.
func sample() *File {
	return &File{
		Version: 1,
		Store:   Store{URL: "http://127.0.0.1:8080", StoreCode: "default", WebsiteID: 1},
		Customers: map[string]Customer{
			"jane": {ID: 2, Email: "jdoe@example.com", WebsiteID: 1, GroupID: 1,
				Addresses: map[string]Address{"home": {ID: 2, DefaultBilling: true, DefaultShipping: true}, "work": {ID: 5}},
				Token:     "fl0o0yr1xota4w88negpwfsle38807yb", TokenExpiresAt: "2026-11-27T14:00:00Z"},
			"demo-0001": {ID: 3, Email: "demo-1@example.test", WebsiteID: 1, GroupID: 1},
			"O'Brien":   {ID: 4, Email: "o'brien@example.test", WebsiteID: 2, GroupID: 2},
		},
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		tb.Errorf("%s mismatch (-got +want):\n%s", name, diff)
	}
}

// outputsSchema compiles schemas/outputs.schema.json.
func outputsSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	if err := c.AddResource(schemas.OutputsID, bytes.NewReader(schemas.Outputs)); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(schemas.OutputsID)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func validate(tb testing.TB, s *jsonschema.Schema, b []byte) error {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return s.Validate(v)
}

// writeWith records sample() through a writer in format and returns the
// file's content.
func writeWith(tb testing.TB, format string) ([]byte, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "out")
	s := sample()
	w, err := NewWriter(path, format, &File{Store: s.Store})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	w.delimiter = func() string { n++; return fmt.Sprintf("EOF%d", n) }
	for k, c := range s.Customers {
		w.Record(k, c)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b, path
}

func TestOutputsFormats(t *testing.T) {
	schema := outputsSchema(t)
	ghOut := filepath.Join(t.TempDir(), "github_output")
	t.Setenv("GITHUB_OUTPUT", ghOut)
	tests := []struct {
		format, golden string
		check          func(t *testing.T, b []byte, path string)
	}{
		{FormatJSON, "outputs.json", func(t *testing.T, b []byte, path string) {
			if err := validate(t, schema, b); err != nil {
				t.Errorf("the JSON does not validate against outputs.schema.json: %v", err)
			}
			back, _, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(back, sample()); diff != "" {
				t.Errorf("round trip (-got +want):\n%s", diff)
			}
		}},
		{FormatYAML, "outputs.yaml", func(t *testing.T, b []byte, path string) {
			// A real YAML parser reads what we wrote by hand as the same
			// data as the JSON form.
			var viaYAML, viaJSON any
			if err := yaml.Unmarshal(b, &viaYAML); err != nil {
				t.Fatalf("yaml.v3 cannot read the file: %v", err)
			}
			j, _ := json.Marshal(sample())
			if err := json.Unmarshal(j, &viaJSON); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalizeNumbers(viaYAML), normalizeNumbers(viaJSON)); diff != "" {
				t.Errorf("yaml.v3 reads other data (-yaml +json):\n%s", diff)
			}
			back, _, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(back, sample()); diff != "" {
				t.Errorf("round trip (-got +want):\n%s", diff)
			}
		}},
		{FormatDotenv, "outputs.env", func(t *testing.T, b []byte, path string) {
			// Read back, keys come lower-cased and sanitised; written
			// again, they give the same file.
			back, _, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range back.Customers {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if diff := cmp.Diff(keys, []string{"demo_0001", "jane", "o_brien"}); diff != "" {
				t.Errorf("keys read back (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(back.Customers["jane"], sample().Customers["jane"]); diff != "" {
				t.Errorf("jane read back (-got +want):\n%s", diff)
			}
			var again bytes.Buffer
			bw := bufio.NewWriter(&again)
			if err := encodeDotenv(bw, back); err != nil {
				t.Fatal(err)
			}
			bw.Flush()
			if diff := cmp.Diff(again.String(), string(b)); diff != "" {
				t.Errorf("written again (-got +want):\n%s", diff)
			}
		}},
		{FormatGitHub, "outputs.github.json", func(t *testing.T, b []byte, path string) {
			if err := validate(t, schema, b); err != nil {
				t.Errorf("the JSON does not validate: %v", err)
			}
			gh, err := os.ReadFile(ghOut)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "github_output.txt", gh)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			b, path := writeWith(t, tt.format)
			golden(t, tt.golden, b)
			if tt.check != nil {
				tt.check(t, b, path)
			}
		})
	}
}

// normalizeNumbers turns every number into float64, so that YAML's ints
// and JSON's floats compare equal.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeNumbers(e)
		}
	case int:
		return float64(v)
	}
	return v
}

func TestDotenvUnquote(t *testing.T) {
	for _, v := range []string{"", "plain", "o'brien", "''", "a'b'c", "line\nbreak", `back\slash`, "'"} {
		got, err := dotenvUnquote(dotenvQuote(v))
		if err != nil || got != v {
			t.Errorf("dotenvUnquote(dotenvQuote(%q)) = %q, %v", v, got, err)
		}
	}
}

func TestDotenvQuoting(t *testing.T) {
	tests := []struct{ in, want string }{
		{"42", "42"},
		{"true", "true"},
		{"jdoe@example.com", "'jdoe@example.com'"},
		{"o'brien", `'o'\''brien'`},
		{"$(rm -rf /) `x` \"y\"", "'$(rm -rf /) `x` \"y\"'"},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := dotenvQuote(tt.in); got != tt.want {
			t.Errorf("dotenvQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// parseGitHubOutput reads a $GITHUB_OUTPUT file as the runner does: lines
// name=value, or name<<DELIM, value lines, DELIM.
func parseGitHubOutput(tb testing.TB, b []byte) map[string]string {
	tb.Helper()
	out := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				tb.Fatalf("entry %s is not closed by %s", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, _ := strings.Cut(line, "=")
		out[name] = val
	}
	return out
}

func TestGitHubDelimiterSafety(t *testing.T) {
	ghOut := filepath.Join(t.TempDir(), "github_output")
	if err := os.WriteFile(ghOut, []byte("earlier=kept\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_OUTPUT", ghOut)
	path := filepath.Join(t.TempDir(), "out.json")
	w, err := NewWriter(path, FormatGitHub, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every other delimiter offered is "EOF", which the hostile value
	// contains on a line of its own: the writer must refuse it there.
	n := 0
	w.delimiter = func() string {
		n++
		if n%2 == 1 {
			return "EOF"
		}
		return randomDelimiter()
	}
	hostile := "line one\nEOF\ninjected=1\nlast"
	w.Record("x", Customer{ID: 1, Email: "x@example.test", WebsiteID: 1, Token: hostile})
	w.Record("y", Customer{ID: 2, Email: "y@example.test", WebsiteID: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(ghOut)
	if err != nil {
		t.Fatal(err)
	}
	got := parseGitHubOutput(t, b)
	want := map[string]string{
		"earlier":              "kept",
		"customers_x_token":    hostile,
		"customers_x_id":       "1",
		"customers_y_email":    "y@example.test",
		"store_website_id":     "0",
		"customers_x_email":    "x@example.test",
		"customers_y_id":       "2",
		"customers_x_group_id": "0",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["injected"]; ok {
		t.Errorf("a value injected an output")
	}
}

func TestOutputsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mageseed.outputs.json")
	// A file left readable by others is replaced by a private one.
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(path, FormatJSON, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		w.Record(fmt.Sprint("c", i), Customer{ID: i + 1, Email: "c@example.test"})
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("write %d: mode %v, want 0600", i, got)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestOutputsAtomic(t *testing.T) {
	schema := outputsSchema(t)
	path := filepath.Join(t.TempDir(), "mageseed.outputs.json")
	base := &File{Store: Store{URL: "http://127.0.0.1:1", StoreCode: "default", WebsiteID: 1},
		Customers: map[string]Customer{"earlier": {ID: 999, Email: "earlier@example.test", WebsiteID: 1, GroupID: 1}}}
	w, err := NewWriter(path, FormatJSON, base)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var reads, bad atomic.Int64
	var firstBad atomic.Value
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				bad.Add(1)
				firstBad.CompareAndSwap(nil, err.Error())
				continue
			}
			// Every read must parse; every 16th is checked against the
			// schema too, which is slower under -race.
			if n := reads.Add(1); n%16 != 1 {
				var o File
				if err := json.Unmarshal(b, &o); err != nil {
					bad.Add(1)
					firstBad.CompareAndSwap(nil, err.Error())
				}
			} else if err := validate(t, schema, b); err != nil {
				bad.Add(1)
				firstBad.CompareAndSwap(nil, err.Error())
			}
			var o File
			if json.Unmarshal(b, &o) == nil {
				if _, ok := o.Customers["earlier"]; !ok {
					bad.Add(1)
					firstBad.CompareAndSwap(nil, "the customer recorded earlier is gone")
				}
			}
		}
	}()
	for i := range 1000 {
		w.Record(fmt.Sprintf("c%04d", i), Customer{ID: i + 1, Email: "c@example.test", WebsiteID: 1, GroupID: 1,
			Addresses: map[string]Address{"home": {ID: i + 1, DefaultBilling: true}}})
		if i%20 == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d reads saw a broken file; first: %v", bad.Load(), reads.Load(), firstBad.Load())
	}
	out, _, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != 1001 {
		t.Errorf("outputs hold %d customers, want 1001", len(out.Customers))
	}
	t.Logf("%d reads during 1,000 records", reads.Load())
}

func TestOutputsBatched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mageseed.outputs.json")
	w, err := NewWriter(path, FormatJSON, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Records alone do not rewrite the file: it is rewritten by the
	// writer's timer or a Flush. 200 records cannot all land in separate
	// rewrites, since each rewrite replaces the file.
	prev := fi
	changes := 0
	for i := range 200 {
		w.Record(fmt.Sprint(i), Customer{ID: i + 1})
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(prev, fi) {
			changes++
			prev = fi
		}
	}
	if changes > 100 {
		t.Errorf("the file was rewritten %d times during 200 records", changes)
	}
}

func TestLookup(t *testing.T) {
	o := sample()
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"customers.jane.token", "fl0o0yr1xota4w88negpwfsle38807yb", true},
		{"customers.jane.id", "2", true},
		{"customers.jane.addresses.home.id", "2", true},
		{"customers.jane.addresses.home.defaultBilling", "true", true},
		{"customers.jane.addresses.home", "{\n  \"defaultBilling\": true,\n  \"defaultShipping\": true,\n  \"id\": 2\n}", true},
		{"store.url", "http://127.0.0.1:8080", true},
		{"version", "1", true},
		{"customers.demo-0001.email", "demo-1@example.test", true},
		{"customers.nobody.id", "", false},
		{"customers.jane.token.x", "", false},
		{"customers.demo-0001.token", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := o.Lookup(tt.path)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Lookup = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	o.Customers["a.b"] = Customer{ID: 77}
	if got, ok := o.Lookup("customers.a.b.id"); got != "77" || !ok {
		t.Errorf("Lookup of a dotted key = %q, %v; want 77, true", got, ok)
	}
}

func TestReadOutputsErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"truncated json", `{"version":1,"customers":{`, "not a mageseed outputs file"},
		{"other version", `{"version":2,"store":{},"customers":{}}`, "version 2 is not supported"},
		{"not outputs", "FOO=bar\n", "not a mageseed outputs file"},
		{"a config with a version", `{"version": 1, "name": "app"}`, `not a mageseed outputs file (it has a key "name")`},
		{"a config of version only", `{"version": 1}`, "not a mageseed outputs file (it lacks one of version, store, customers)"},
		{"yaml list", "- a\n- b\n", "not a mageseed outputs file (not a mapping)"},
		{"yaml with another key", "version: 1\nstore: {}\ncustomers: {}\nextra: 1\n", `not a mageseed outputs file (it has a key "extra")`},
		{"wrong type", `{"version":1,"store":{},"customers":[]}`, "decode"},
		{"dotenv with bad quoting", "MAGESEED_JANE_EMAIL='x\n", "line 1: unterminated quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Read error = %v, want one naming the file and %q", err, tt.want)
			}
		})
	}
	if _, _, err := Read(filepath.Join(dir, "missing")); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: error %v does not wrap fs.ErrNotExist", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestEncodeJSONMatchesMarshalIndent(t *testing.T) {
	for name, o := range map[string]*File{
		"sample":      sample(),
		"empty":       {Version: 1, Customers: map[string]Customer{}},
		"groups":      {Version: 1, Customers: sample().Customers, Groups: map[string]Group{"vip": {ID: 5, Code: "VIP"}, "b2b": {ID: 4, Code: "Partners"}}},
		"groups only": {Version: 1, Customers: map[string]Customer{}, Groups: map[string]Group{"vip": {ID: 5, Code: "VIP"}}},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			bw := bufio.NewWriter(&b)
			if err := encodeJSON(bw, o); err != nil {
				t.Fatal(err)
			}
			bw.Flush()
			want, err := json.MarshalIndent(o, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b.String(), string(want)+"\n"); diff != "" {
				t.Errorf("encodeJSON differs from json.MarshalIndent (-got +want):\n%s", diff)
			}
		})
	}
}

// FuzzParseOutputs checks that any content, valid or not, is parsed or
// refused without a panic, and that what parses survives a JSON round
// trip.
func FuzzParseOutputs(f *testing.F) {
	for _, name := range []string{"outputs.json", "outputs.yaml", "outputs.env"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("MAGESEED_A_EMAIL='x'\\''y'\nMAGESEED_A_ADDRESS__ID=1\n"))
	f.Add([]byte("version: 1\ncustomers:\n  \"a\\\"b\":\n    id: 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, _, err := Parse(b)
		if err != nil {
			return
		}
		j, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("parsed outputs do not encode: %v", err)
		}
		if _, _, err := Parse(j); err != nil {
			t.Fatalf("encoded outputs do not parse: %v\n%s", err, j)
		}
	})
}

func TestOutputsWriteFailureHeals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	path := filepath.Join(dir, "mageseed.outputs.json")
	w, err := NewWriter(path, FormatJSON, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Record("jane", Customer{ID: 2, Email: "jdoe@example.com"})
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Flush into a missing directory: error %v, want one naming %s", err, path)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush once the directory exists: %v", err)
	}
	out, _, err := Read(path)
	if err != nil || out.Customers["jane"].ID != 2 {
		t.Errorf("after the retry: %+v, %v", out, err)
	}
}

// TestForeignIsErrForeign: a foreign file's error wraps ErrForeign, so
// that callers refuse to overwrite it; a mageseed file in each format and
// an empty file do not.
func TestForeignIsErrForeign(t *testing.T) {
	for _, in := range []string{`{"version": 1}`, "name: app\n", "PATH=/bin\n", "<html>"} {
		if _, _, err := Parse([]byte(in)); !errors.Is(err, ErrForeign) {
			t.Errorf("Parse(%q) = %v, want ErrForeign", in, err)
		}
	}
	for _, format := range []string{FormatJSON, FormatYAML, FormatDotenv} {
		var b bytes.Buffer
		if err := Encode(&b, sample(), format); err != nil {
			t.Fatal(err)
		}
		_, got, err := Parse(b.Bytes())
		if err != nil || got != format {
			t.Errorf("Parse(%s file) = format %q, %v; want %q, nil", format, got, err, format)
		}
	}
	for _, in := range []string{"", "\n\n", "# nothing yet\n"} {
		o, _, err := Parse([]byte(in))
		if err != nil || len(o.Customers) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want an empty file", in, o, err)
		}
	}
}

func TestSameStore(t *testing.T) {
	tests := []struct {
		a, b Store
		want bool
	}{
		{Store{URL: "http://shop.test", StoreCode: "default"}, Store{URL: "HTTP://Shop.test/", StoreCode: "default"}, true},
		{Store{URL: "http://shop.test", StoreCode: "default"}, Store{URL: "http://other.test", StoreCode: "default"}, false},
		{Store{URL: "http://shop.test", StoreCode: "default"}, Store{URL: "http://shop.test", StoreCode: "fr"}, false},
		{Store{URL: "http://127.0.0.1:1", Sandbox: ".mageseed/sandbox.db", StoreCode: "default"},
			Store{URL: "http://127.0.0.1:2", Sandbox: "./.mageseed/sandbox.db", StoreCode: "default"}, true},
		{Store{URL: "http://127.0.0.1:1", Sandbox: "a.db", StoreCode: "default"}, Store{URL: "http://127.0.0.1:1", Sandbox: "b.db", StoreCode: "default"}, false},
		{Store{URL: "http://127.0.0.1:1", Sandbox: "a.db", StoreCode: "default"}, Store{URL: "http://127.0.0.1:1", StoreCode: "default"}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Same(tt.b); got != tt.want {
			t.Errorf("%v.Same(%v) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestForget(t *testing.T) {
	o := sample()
	if unknown := o.Forget("jane", "nobody"); !slices.Equal(unknown, []string{"nobody"}) {
		t.Errorf("Forget unknown = %v, want [nobody]", unknown)
	}
	if _, ok := o.Customers["jane"]; ok {
		t.Error("jane is still recorded")
	}
	if len(o.Customers) != 2 {
		t.Errorf("%d records left, want 2", len(o.Customers))
	}
}

// TestSchemaSandboxStore: a file of the embedded sandbox, which names its
// database, is valid against schemas/outputs.schema.json, and survives the
// yaml and dotenv formats.
func TestSchemaSandboxStore(t *testing.T) {
	o := sample()
	o.Store.Sandbox = ".mageseed/sandbox.db"
	var b bytes.Buffer
	if err := Encode(&b, o, FormatJSON); err != nil {
		t.Fatal(err)
	}
	s := outputsSchema(t)
	if err := validate(t, s, b.Bytes()); err != nil {
		t.Errorf("a sandbox store's file is invalid: %v", err)
	}
	if err := validate(t, s, bytes.Replace(b.Bytes(), []byte(`"sandbox"`), []byte(`"other"`), 1)); err == nil {
		t.Error("a store with an unknown field is valid")
	}
	for _, format := range []string{FormatYAML, FormatDotenv} {
		var b bytes.Buffer
		if err := Encode(&b, o, format); err != nil {
			t.Fatal(err)
		}
		back, _, err := Parse(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !back.Store.Same(o.Store) || back.Store.Sandbox != o.Store.Sandbox {
			t.Errorf("%s: store read back as %+v, want %+v", format, back.Store, o.Store)
		}
	}
}

// TestDotenvKey: a dotenv file gives each customer and address key back as
// DotenvKey says, so that a caller holding the manifest's key finds its
// record.
func TestDotenvKey(t *testing.T) {
	o := New(Store{URL: "http://127.0.0.1:1", StoreCode: "default", WebsiteID: 1})
	o.Customers["Jane-Doe"] = Customer{ID: 2, Email: "jd@example.com", WebsiteID: 1,
		Addresses: map[string]Address{"Home-1": {ID: 3}}}
	o.Customers["bob_2"] = Customer{ID: 4, Email: "bob@example.com", WebsiteID: 1}
	var buf bytes.Buffer
	if err := Encode(&buf, o, FormatDotenv); err != nil {
		t.Fatal(err)
	}
	back, format, err := Parse(buf.Bytes())
	if err != nil || format != FormatDotenv {
		t.Fatalf("Parse = %v, %q", err, format)
	}
	for key, c := range o.Customers {
		got, ok := back.Customers[DotenvKey(key)]
		if !ok || got.ID != c.ID {
			t.Errorf("record of %s under %s: %+v, %v; want id %d", key, DotenvKey(key), got, ok, c.ID)
		}
		for ak, a := range c.Addresses {
			if g := got.Addresses[DotenvKey(ak)]; g.ID != a.ID {
				t.Errorf("address %s of %s under %s: id %d, want %d", ak, key, DotenvKey(ak), g.ID, a.ID)
			}
		}
	}
}
