package manifest

import (
	"strings"
	"testing"
	"time"
)

func TestRules(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		check func(string) string
		ok    []string
		bad   []string
	}{
		{
			name:  "names",
			check: nameProblem,
			ok:    []string{"Jane", "Anne-Marie", "D'Artagnan", "Guðmundsdóttir", "Q. Public", "Elizabeth II", "X Æ A-12 Musk", "José", "Zoë"},
			bad:   []string{"", "Jane 😀", "$(rm)", "Jane<script>", "a;b", strings.Repeat("a", 256)},
		},
		{
			name:  "telephones",
			check: phoneProblem,
			ok:    []string{"516-555-1111", "+1 (416) 555.0199", "030/1234567", "1"},
			bad:   []string{"", "call me", "555-1111 ext 2", "+1 234 567 890 123 4567"},
		},
		{
			name:  "emails",
			check: emailProblem,
			ok:    []string{"jdoe@example.com", "jane.doe+tag@mail.example.co.uk", "a_b@x-y.example", "o'brien@example.ie", "user@xn--bcher-kva.example"},
			bad:   []string{"", "jdoe", "jdoe@", "@example.com", "jdoe@example", "j..doe@example.com", ".jdoe@example.com", "jdoe@-example.com", "jd oe@example.com", "a@b@example.com", "jdoe@example.123"},
		},
		{
			name:  "passwords",
			check: func(s string) string { return passwordProblem(s, "jdoe@example.com") },
			ok:    []string{"Password1", "pass word1", "ab12!@#$", strings.Repeat("Aa1", 85)},
			bad:   []string{"Pass1", "password", "PASSWORD", "12345678", " Password1", "Password1 ", "JDOE@example.com1x"[:16], strings.Repeat("Aa1", 86)},
		},
		{
			name:  "dates of birth",
			check: func(s string) string { return dobProblem(s, now) },
			ok:    []string{"1990-01-31", "2000-02-29", "2026-11-27"},
			bad:   []string{"1990-1-31", "31/01/1990", "1990-02-30", "2026-11-28", "yesterday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.ok {
				if msg := tt.check(s); msg != "" {
					t.Errorf("%q: got %q, want no problem", s, msg)
				}
			}
			for _, s := range tt.bad {
				if msg := tt.check(s); msg == "" {
					t.Errorf("%q: got no problem, want one", s)
				}
			}
		})
	}
	if msg := passwordProblem("jdoe1@example.com", "JDoe1@Example.com"); msg != "password must not be the same as the email address" {
		t.Errorf("password equal to the email: got %q", msg)
	}
}
