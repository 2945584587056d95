package main

import (
	"os"
	"testing"
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
