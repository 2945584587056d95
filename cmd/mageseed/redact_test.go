package main

import (
	"bytes"
	"testing"
)

func TestRedactor(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		writes  []string
		want    string
	}{
		{"no secrets", nil, []string{"hello\n"}, "hello\n"},
		{"masked", []string{"Password1"}, []string{"pw is Password1\n"}, "pw is ***\n"},
		{"split across writes", []string{"Password1"}, []string{"pw is Pass", "word1 ok\n"}, "pw is *** ok\n"},
		{"longest first", []string{"abc", "abcdef"}, []string{"x abcdef y abc\n"}, "x *** y ***\n"},
		{"partial line flushed", []string{"tok"}, []string{"the tok"}, "the ***"},
		{"empty secret ignored", []string{"", "  "}, []string{"a b\n"}, "a b\n"},
		{"short secret only as a word", []string{"b"}, []string{"list websites: b\n"}, "list websites: ***\n"},
		{"short secret quoted", []string{"abc1"}, []string{`password "abc1" refused` + "\n"}, `password "***" refused` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newRedactor(&out)
			r.Add(tt.secrets...)
			for _, w := range tt.writes {
				if _, err := r.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
