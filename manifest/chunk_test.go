package manifest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// TestChunkSameResult loads each input whole and cut per customer and
// checks that both give the same customers and the same errors.
func TestChunkSameResult(t *testing.T) {
	tests := []struct {
		name string
		data string
		cut  bool // whether the input can be cut
	}{
		{"plain", `version: 1
# a comment
defaults:
  password: Password1
customers:
  # the first customer
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    addresses:
      home:
        street: ["160 1st St."]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: 516-555-1111

  john:
    email: john@example.com
    firstname: John
    lastname: Roe
# a comment at column 0 inside the block
    middlename: Q
generate:
  - {key: demo, count: 3}
`, true},
		{"errors in and after the block", `customers:
  jane:
    email: bad
    firstname: Jane
    lastname: Doe
    password: short
  jane:
    email: x@example.com
  bob: {email: [x]}
  carl:
    emial: y
version: 2
`, true},
		{"indentation slip inside a customer", "version: 1\ncustomers:\n  jane:\n    email: jdoe@example.com\n    firstname: Jane\n    lastname: Doe\n    password: Password1\n  john:\n    email: john@example.com\n    addresses:\n      home:\n        city: X\n       street: [a]\n", true},
		{"crlf", "customers:\r\n  jane:\r\n    email: jdoe@example.com\r\n    firstname: Jane\r\n    lastname: Doe\r\n    password: Password1\r\n", true},
		{"flow customers", "customers: {jane: {email: jdoe@example.com, firstname: Jane, lastname: Doe, password: Password1}}\n", false},
		{"anchors", "x-p: &p {password: Password1}\ncustomers:\n  jane:\n    <<: *p\n    email: jdoe@example.com\n    firstname: Jane\n    lastname: Doe\n", false},
		{"two documents", "customers:\n  a: {email: a@example.com, firstname: A, lastname: B, password: Password1}\n---\ncustomers:\n  b: {email: b@example.com, firstname: A, lastname: B, password: Password1}\n", false},
		{"duplicate customers key", "customers:\n  a: {email: a@example.com, firstname: A, lastname: B, password: Password1}\ncustomers:\n  b: {}\n", false},
	}
	defer func(n int) { chunkMin = n }(chunkMin)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, ok := splitCustomers([]byte(tt.data)); ok != tt.cut {
				t.Errorf("splitCustomers: got ok %v, want %v", ok, tt.cut)
			}
			type result struct {
				Customers []mageseed.Customer
				Files     []File
				Err       string
			}
			run := func(min int) result {
				chunkMin = min
				m, err := Load([]string{"-"}, Options{Stdin: strings.NewReader(tt.data), Cwd: t.TempDir(),
					Getenv: func(string) (string, bool) { return "", false }})
				if err != nil {
					return result{Err: err.Error()}
				}
				return result{Customers: m.Customers, Files: m.Files}
			}
			whole, cut := run(1<<30), run(0)
			if diff := cmp.Diff(whole, cut); diff != "" {
				t.Errorf("whole and cut loads differ (-whole +cut):\n%s", diff)
			}
		})
	}
}
