package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadBytes(tb testing.TB, data []byte, opts Options) ([]string, error) {
	tb.Helper()
	opts.Stdin = bytes.NewReader(data)
	if opts.Getenv == nil {
		opts.Getenv = func(string) (string, bool) { return "", false }
	}
	opts.Cwd = tb.TempDir()
	_, err := Load([]string{"-"}, opts)
	if err == nil {
		return nil, nil
	}
	var es Errors
	if !errors.As(err, &es) {
		return nil, err
	}
	return strings.Split(es.Error(), "\n"), nil
}

// aliasBomb is the billion-laughs document: each level refers to the one
// above nine times.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&b, "x-%s: &%s [", name, name)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	b.WriteString("defaults:\n  password: *i\n")
	return b.String()
}

// TestHostile feeds inputs built to exhaust time or memory; each must fail
// at once with a positioned error and little allocation.
func TestHostile(t *testing.T) {
	deep := strings.Repeat("[", 500) + strings.Repeat("]", 500)
	tests := []struct {
		name     string
		data     []byte
		maxBytes int64
		want     []string
	}{
		{
			name: "alias bomb",
			data: []byte(aliasBomb()),
			want: []string{"<stdin>:11:13: defaults.password: alias *i expands to more than 20000 values: anchors and aliases may not build huge documents"},
		},
		{
			name: "alias cycle",
			data: []byte("customers:\n  a: &a {email: a@example.com, b: *a}\n"),
			want: []string{"<stdin>:2:35: customers.a.b: alias *a refers to a value that contains it"},
		},
		{
			name: "deep nesting",
			data: []byte("customers:\n  a: " + deep + "\n"),
			want: []string{"<stdin>:2:37: customers.a" + strings.Repeat("[0]", 31) + ": nested deeper than 32 levels"},
		},
		{
			name: "multi-megabyte scalar",
			data: []byte("customers:\n  a:\n    email: " + strings.Repeat("x", 3<<20) + "\n"),
			want: []string{fmt.Sprintf("<stdin>:3:12: customers.a.email: value is %d bytes long, more than the limit of 65536", 3<<20)},
		},
		{
			name:     "over the size limit",
			data:     bytes.Repeat([]byte("# filler\n"), 200),
			maxBytes: 1000,
			want:     []string{"<stdin>:1:1: input is larger than the limit of 1000 bytes: split it into several files or use generate"},
		},
		{
			name: "invalid UTF-8",
			data: []byte("customers:\n  a:\n    firstname: Jo\xffe\n"),
			want: []string{"<stdin>:3:18: invalid UTF-8: save the file as UTF-8"},
		},
		{
			name: "control character",
			data: []byte("customers:\n  a: \x00\n"),
			want: []string{"<stdin>:2:6: control character U+0000 is not allowed in YAML"},
		},
		{
			name: "too many values",
			data: []byte("x-many: [" + strings.Repeat("0,", 2000) + "0]\n"),
			want: []string{"<stdin>:1:1: holds more than 1000 values: split it into several files or use generate"},
		},
	}
	defer func(n int) { maxValues = n }(maxValues)
	maxValues = 1000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, err := loadBytes(t, tt.data, Options{MaxBytes: tt.maxBytes})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			// Allocation stays within a small multiple of the input.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(64<<20+20*len(tt.data)) {
				t.Errorf("allocated %d bytes for a %d-byte input", alloc, len(tt.data))
			}
		})
	}
}

// TestTooManyProblems checks that Load stops after maxErrors problems and
// says so.
func TestTooManyProblems(t *testing.T) {
	defer func(n int) { maxErrors = n }(maxErrors)
	maxErrors = 3
	var b strings.Builder
	b.WriteString("customers:\n")
	for i := range 10 {
		fmt.Fprintf(&b, "  c%d: {email: c%d@example.com}\n", i, i)
	}
	got, err := loadBytes(t, []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"<stdin>:2:3: customers.c0.firstname: missing required field firstname",
		"<stdin>:2:3: customers.c0.lastname: missing required field lastname",
		"<stdin>:3:3: customers.c1.firstname: missing required field firstname",
		"<stdin>:3:3: stopped after 3 problems: fix these and run again",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
