package manifest_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/manifest"
)

func TestLoadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(key string) string {
		return "customers:\n  " + key + ": {email: " + key + "@example.com, firstname: A, lastname: B, password: Password1}\n"
	}
	write("m/b.yml", entry("b"))
	write("m/a.yaml", entry("a"))
	write("m/notes.txt", "not a manifest")
	write("m/sub/c.yaml", entry("c"))
	write("bad/x.yaml", "customers:\n  x: {email: nope}\n")
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		paths   []string
		stdin   string
		keys    []string
		files   []string
		wantErr string
	}{
		{name: "directory: its yaml files in name order", paths: []string{"m"}, keys: []string{"a", "b"}, files: []string{"m/a.yaml", "m/b.yml"}},
		{name: "stdin and files in argument order", paths: []string{"m/sub/c.yaml", "-"}, stdin: entry("s"), keys: []string{"c", "s"}, files: []string{"m/sub/c.yaml", "<stdin>"}},
		{name: "absolute paths are shown relative", paths: []string{filepath.Join(dir, "m", "a.yaml")}, keys: []string{"a"}, files: []string{"m/a.yaml"}},
		{name: "missing file", paths: []string{"nope.yaml"}, wantErr: "read manifest nope.yaml: no such file or directory"},
		{name: "directory without manifests", paths: []string{"empty"}, wantErr: "read manifest directory empty: no *.yaml or *.yml files in it"},
		{name: "stdin twice", paths: []string{"-", "-"}, wantErr: "read manifest: standard input (-) given twice"},
		{name: "errors name the file", paths: []string{"bad"}, wantErr: "bad/x.yaml:2:3: customers.x.firstname: missing required field firstname\n" +
			"bad/x.yaml:2:3: customers.x.lastname: missing required field lastname\n" +
			"bad/x.yaml:2:14: customers.x.email: is not a valid email address: write it like jane@example.com"},
	}
	t.Chdir(dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifest.Load(tt.paths, manifest.Options{Stdin: strings.NewReader(tt.stdin), Cwd: dir, Getenv: mapEnv(nil)})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Load: got no error, want %q", tt.wantErr)
				}
				if got := err.Error(); got != tt.wantErr {
					t.Errorf("Load: got error\n%s\nwant\n%s", got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var keys, files []string
			for _, c := range m.Customers {
				keys = append(keys, c.Key)
			}
			for _, f := range m.Files {
				files = append(files, f.Name)
			}
			if diff := cmp.Diff(tt.keys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.files, files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("an I/O error is not an Errors", func(t *testing.T) {
		_, err := manifest.Load([]string{"nope.yaml"}, manifest.Options{Cwd: dir})
		var es manifest.Errors
		if errors.As(err, &es) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %#v, want an error wrapping fs.ErrNotExist", err)
		}
	})
}

// TestSecrets checks that every password and every value taken from the
// environment is a secret, and that values written in the file as defaults
// are not.
func TestSecrets(t *testing.T) {
	m, err := load(t, map[string]string{"PW": "Env-Pass-1", "URL": "https://shop.example.com", "EMPTY": ""},
		"a.yaml", `store: {url: "${URL}"}
defaults: {password: Default-Pass-1}
customers:
  a: {email: a@example.com, firstname: A, lastname: B, password: "${PW}"}
  b: {email: b@example.com, firstname: A, lastname: B, middlename: "${EMPTY:-Q}"}
  c: {email: c@example.com, firstname: A, lastname: B, password: Own-Pass-1}
generate:
  - {key: g, count: 2, password: Gen-Pass-1}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://shop.example.com", "Default-Pass-1", "Gen-Pass-1", "Env-Pass-1", "Own-Pass-1"}
	if diff := cmp.Diff(want, m.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
}
