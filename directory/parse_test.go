package directory

import (
	"strings"
	"testing"
)

// TestEmbeddedParses checks the embedded file as parse reads it, line for
// line: every country line and every region line becomes one value.
func TestEmbeddedParses(t *testing.T) {
	cs, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	regions := 0
	for _, c := range cs {
		regions += len(c.Regions)
	}
	if got, want := len(cs), strings.Count(data, "\ncountry\t"); got != want {
		t.Errorf("parsed %d countries, the file has %d country lines", got, want)
	}
	if got, want := regions, strings.Count(data, "\nregion\t"); got != want {
		t.Errorf("parsed %d regions, the file has %d region lines", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"region first", "# c\nregion\t1\tAL\tAlabama\n", "line 2: region before any country"},
		{"bad id", "country\tUS\tUSA\tUnited States\t-\nregion\tx\tAL\tAlabama\n", "line 2: region id"},
		{"bad flag", "country\tUS\tUSA\tUnited States\tstate\n", `line 1: unknown flag "state"`},
		{"short line", "country\tUS\tUSA\n", "line 1: want a country line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
