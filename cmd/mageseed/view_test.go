package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/apply"
)

// TestPalette: colour on a terminal only, and never with --no-color,
// NO_COLOR or --json.
func TestPalette(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		flags   viewFlags
		noColor bool
		want    bool
	}{
		{"terminal", true, viewFlags{}, false, true},
		{"pipe", false, viewFlags{}, false, false},
		{"--no-color", true, viewFlags{noColor: true}, false, false},
		{"NO_COLOR", true, viewFlags{}, true, false},
		{"--json", true, viewFlags{json: true}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noColor {
				t.Setenv("NO_COLOR", "1")
			} else {
				old, had := os.LookupEnv("NO_COLOR")
				os.Unsetenv("NO_COLOR")
				t.Cleanup(func() {
					if had {
						os.Setenv("NO_COLOR", old)
					}
				})
			}
			got := tt.flags.palette(streams{outTTY: tt.tty}).on
			if got != tt.want {
				t.Errorf("colour %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRenderFailures: a customer whose write failed is reported with the
// write it was; one whose write went through and whose token then failed
// is reported as in the store, never as a failed create.
func TestRenderFailures(t *testing.T) {
	r := &apply.Result{Failed: []apply.Failure{
		{Key: "a", Email: "a@example.test", Action: apply.Create, Err: errors.New("create customer a@example.test: refused")},
		{Key: "b", Email: "b@example.test", Action: apply.Create, Stored: true, Err: errors.New("mint token for customer b@example.test: not sent")},
	}}
	var b strings.Builder
	renderResult(&b, "Apply", r, palette{})
	got := b.String()
	for _, want := range []string{
		"Failed: create customer a (a@example.test): create customer a@example.test: refused\n",
		"Failed: customer b (b@example.test) is in the store, but: mint token for customer b@example.test: not sent\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "create customer b") {
		t.Errorf("a stored customer is reported as a failed create:\n%s", got)
	}
}
