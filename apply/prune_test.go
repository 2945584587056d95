package apply

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

func TestLike(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"%@example.test", "a@example.test", true},
		{"%@example.test", "A@EXAMPLE.TEST", true},
		{"%@example.test", "a@example.test.evil", false},
		{"%@example.test", "a@example_test", false},
		{"demo-_@%", "demo-1@x", true},
		{"demo-_@%", "demo-12@x", false},
		{`a\_b@%`, "a_b@x", true},
		{`a\_b@%`, "axb@x", false},
		{"%", "", true},
		{"", "", true},
		{"", "a", false},
		{"ü_@%", "üx@x", true},
		{"%%a%%", "bab", true},
		{`100\%`, "100%", true},
		{`100\%`, "1000", false},
		{`a\`, `a\`, true},
		{"%a_", "aab", true},
		{"%a%b", "aXaYb", true},
		{"_%_", "a", false},
	}
	for _, tt := range tests {
		if got := Like(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Like(%q, %q) = %t, want %t", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestPrune: only the undeclared customers that the store holds under the
// recorded id and that the scope matches become deletes, first in the plan;
// the others stay undeclared, each with its reason.
func TestPrune(t *testing.T) {
	one, two := 1, 2
	remote := []mageseed.Customer{
		{ID: 10, Email: "old@example.test", WebsiteID: 1, GroupID: &one},
		{ID: 11, Email: "kept@example.com", WebsiteID: 1, GroupID: &one},
		{ID: 99, Email: "reused@example.test", WebsiteID: 1, GroupID: &one},
		{ID: 12, Email: "wholesale@example.test", WebsiteID: 1, GroupID: &two},
	}
	undeclared := []Undeclared{
		{Key: "old", Email: "OLD@example.test", WebsiteID: 1, ID: 10},
		{Key: "kept", Email: "kept@example.com", WebsiteID: 1, ID: 11},
		{Key: "reused", Email: "reused@example.test", WebsiteID: 1, ID: 13},
		{Key: "gone", Email: "gone@example.test", WebsiteID: 1, ID: 14},
		{Key: "wholesale", Email: "wholesale@example.test", WebsiteID: 1, ID: 12},
	}
	p := &Plan{Changes: []Change{{Action: Create, Key: "new", Email: "new@example.test"}}}
	Prune(p, undeclared, remote, Scope{EmailLike: "%@example.test", GroupID: &one})
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Action.String()+" "+c.Key)
	}
	if diff := cmp.Diff([]string{"delete old", "create new"}, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if p.Changes[0].ID != 10 || p.Changes[0].Remote == nil {
		t.Errorf("the delete has id %d, remote %v; want 10 and the stored customer", p.Changes[0].ID, p.Changes[0].Remote)
	}
	notes := map[string]string{}
	for _, u := range p.Undeclared {
		notes[u.Key] = u.Note
	}
	want := map[string]string{
		"kept":      "outside the prune scope: never deleted",
		"reused":    "the store holds another customer (id 99) under its email: never deleted",
		"gone":      "no customer in the store has its email (deleted, or its email changed): never deleted",
		"wholesale": "outside the prune scope: never deleted",
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("undeclared notes (-want +got):\n%s", diff)
	}
}

func TestScopeEmptyMatchesNothing(t *testing.T) {
	if (Scope{}).Matches(&mageseed.Customer{Email: "a@example.test"}) {
		t.Error("an empty scope matched a customer")
	}
}

func TestRefresh(t *testing.T) {
	d1 := mageseed.Customer{Key: "jane", Email: "j@example.test", Token: true}
	d2 := mageseed.Customer{Key: "bob", Email: "b@example.test", Token: true}
	r1 := mageseed.Customer{ID: 3, Email: "j@example.test"}
	p := &Plan{Changes: []Change{
		{Action: Update, Key: "jane", Desired: &d1, Remote: &r1, Fields: []FieldChange{{Path: "lastname"}}},
		{Action: Create, Key: "bob", Desired: &d2},
	}}
	missing := Refresh(p, false)
	if diff := cmp.Diff([]string{"bob"}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if len(p.Changes) != 1 || p.Changes[0].Action != NoOp || p.Changes[0].Desired.Token || p.Changes[0].Fields != nil {
		t.Fatalf("refresh plan = %+v, want one NoOp without a token", p.Changes)
	}
	if !d1.Token {
		t.Error("Refresh changed the manifest's customer")
	}
	p = &Plan{Changes: []Change{{Action: Update, Key: "jane", Desired: &d1, Remote: &r1}}}
	Refresh(p, true)
	if !p.Changes[0].Desired.Token {
		t.Error("with tokens, the refresh plan does not mint the token the manifest asks for")
	}
}

// TestLikeHostilePattern: a scope with many % signs against a long email
// answers at once (the matcher is linear in the email per pattern token; a
// backtracking one takes C(255, 30) steps here and never returns), and it
// agrees with a plain dynamic-programming matcher on random patterns.
func TestLikeHostilePattern(t *testing.T) {
	email := strings.Repeat("a", 240) + "@example.test"
	if Like(strings.Repeat("%a", 30)+"%b", email) {
		t.Error("matched an email without b")
	}
	if !Like(strings.Repeat("%a", 30)+"%", email) {
		t.Error("did not match")
	}

	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab%_\\")
	for range 20000 {
		p := make([]byte, r.IntN(8))
		for i := range p {
			p[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := make([]byte, r.IntN(8))
		for i := range s {
			s[i] = "ab%_\\"[r.IntN(5)]
		}
		if got, want := Like(string(p), string(s)), likeDP(string(p), string(s)); got != want {
			t.Fatalf("Like(%q, %q) = %t, want %t", p, s, got, want)
		}
	}
}

// likeDP is SQL LIKE by dynamic programming over (pattern token, byte),
// for ASCII: % any run, _ one character, \ escapes the next character.
func likeDP(p, s string) bool {
	type tok struct {
		kind byte
		c    byte
	}
	var toks []tok
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '%' || p[i] == '_':
			toks = append(toks, tok{kind: p[i]})
		case p[i] == '\\' && i+1 < len(p):
			i++
			toks = append(toks, tok{c: p[i]})
		default:
			toks = append(toks, tok{c: p[i]})
		}
	}
	// m[j] reports whether toks[:i] matches s[:j].
	m := make([]bool, len(s)+1)
	m[0] = true
	for _, t := range toks {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			switch t.kind {
			case '%':
				next[j] = m[j] || (j > 0 && next[j-1])
			case '_':
				next[j] = j > 0 && m[j-1]
			default:
				next[j] = j > 0 && m[j-1] && s[j-1] == t.c
			}
		}
		m = next
	}
	return m[len(s)]
}
