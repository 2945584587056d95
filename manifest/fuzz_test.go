package manifest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzSecret is the value of $S while fuzzing; no error may show it.
const fuzzSecret = "Fuzz-Secret-42"

// FuzzLoad feeds arbitrary bytes to Load: it must not panic, and when it
// fails the error must be an Errors whose every entry has a position. The
// seed corpus is in testdata/fuzz/FuzzLoad; run it longer with
//
//	go test -run '^$' -fuzz FuzzLoad -fuzztime 5m ./manifest
func FuzzLoad(f *testing.F) {
	f.Add([]byte("customers:\n  jane: {email: jdoe@example.com, firstname: Jane, lastname: Doe, password: Password1}\n"))
	f.Add([]byte("customers:\n  a: &a {email: a@example.com, b: *a}\n"))
	f.Add([]byte("generate:\n  - {key: g, count: 3, password: ${S}}\n"))
	env := func(k string) (string, bool) {
		if k == "S" {
			return fuzzSecret, true
		}
		return "", false
	}
	// Keep each run quick: a few bytes may ask generators for 200,000
	// customers, which is legitimate but slow to fuzz.
	defer func(n int) { maxGenerated = n }(maxGenerated)
	maxGenerated = 2000
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Load([]string{"-"}, Options{
			Stdin: bytes.NewReader(data), Getenv: env, Cwd: "/", MaxBytes: 1 << 20,
		})
		if err == nil {
			return
		}
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("got %T %q, want manifest.Errors", err, err)
		}
		if len(es) == 0 {
			t.Fatal("got an empty Errors")
		}
		for _, e := range es {
			if e.File != "<stdin>" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("error without a position: %#v", e)
			}
		}
		if !bytes.Contains(data, []byte(fuzzSecret)) && strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("an error shows the value of $S: %s", err)
		}
	})
}
