package manifest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInterpolate(t *testing.T) {
	env := map[string]string{"A": "alpha", "B": "beta", "EMPTY": "", "NUM": "42"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in      string
		want    expansion
		wantErr string
	}{
		{in: "plain", want: expansion{value: "plain"}},
		{in: "${A}", want: expansion{value: "alpha", whole: true, secrets: []string{"alpha"}}},
		{in: "x${A}y${B}", want: expansion{value: "xalphaybeta", secrets: []string{"alpha", "beta"}}},
		{in: "${A}${B}", want: expansion{value: "alphabeta", secrets: []string{"alpha", "beta"}}},
		{in: "${UNSET:-dflt}", want: expansion{value: "dflt", whole: true}},
		{in: "${EMPTY:-dflt}", want: expansion{value: "dflt", whole: true}},
		{in: "${EMPTY}", want: expansion{value: "", whole: true}},
		{in: "${UNSET:-}", want: expansion{value: "", whole: true}},
		{in: "${A:-unused}", want: expansion{value: "alpha", whole: true, secrets: []string{"alpha"}}},
		{in: "${UNSET:-a:-b}", want: expansion{value: "a:-b", whole: true}},
		{in: "$${A}", want: expansion{value: "${A}"}},
		{in: "$$${A}", want: expansion{value: "$${A}"}}, // a lone $, then the literal $${
		{in: "cost: $5, $ and $$", want: expansion{value: "cost: $5, $ and $$"}},
		{in: "${UNSET}", wantErr: "environment variable UNSET is not set: set it, or give a default with ${UNSET:-default}"},
		{in: "${A", wantErr: "unterminated ${: close the reference with } or write $${ for a literal ${"},
		{in: "${}", wantErr: "invalid reference ${}: write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _"},
		{in: "${A B}", wantErr: "invalid reference ${A B}: write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _"},
		{in: "${A-x}", wantErr: "invalid reference ${A-x}: write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := interpolate(tt.in, getenv)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("interpolate(%q): got error %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("interpolate(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(expansion{})); diff != "" {
				t.Errorf("interpolate(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestTypedPlain(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"2", json.Number("2")},
		{"+7", json.Number("7")},
		{"007", json.Number("7")},
		{"-1.5", json.Number("-1.5")},
		{"1e3", json.Number("1000")},
		{"true", true},
		{"false", false},
		{"True", "True"},
		{"yes", "yes"},
		{"", ""},
		{"0x10", "0x10"},
		{"99999999999999999999", "99999999999999999999"},
		{"NY", "NY"},
	}
	for _, tt := range tests {
		if got := typedPlain(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("typedPlain(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
