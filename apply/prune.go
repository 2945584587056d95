package apply

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mageseed/mageseed"
)

// Undeclared is a customer that the outputs file records but the manifest
// no longer declares. It stays in the store, and in the file, until apply
// --prune deletes it or 'mageseed forget' drops the record.
type Undeclared struct {
	Key       string `json:"key"`
	Email     string `json:"email"`
	WebsiteID int    `json:"websiteId"`
	ID        int    `json:"id"`

	// Note says why prune leaves it, when it was asked to prune: outside
	// the scope, not in the store, or another customer under its email.
	Note string `json:"note,omitempty"`
}

// Scope limits what apply --prune may delete: customers whose email
// matches EmailLike (SQL LIKE, as Magento's own customer grid filter reads
// it: % any run of characters, _ one character, \ escapes; case-insensitive)
// and, when set, in website WebsiteID and group GroupID.
type Scope struct {
	EmailLike string
	WebsiteID *int
	GroupID   *int
}

// Matches reports whether the stored customer c is inside the scope. An
// empty EmailLike matches nothing.
func (s Scope) Matches(c *mageseed.Customer) bool {
	if s.EmailLike == "" || !Like(s.EmailLike, c.Email) {
		return false
	}
	if s.WebsiteID != nil && c.WebsiteID != *s.WebsiteID {
		return false
	}
	if s.GroupID != nil && (c.GroupID == nil || *c.GroupID != *s.GroupID) {
		return false
	}
	return true
}

// Like reports whether s matches the SQL LIKE pattern, case-insensitively.
func Like(pattern, s string) bool {
	return like(strings.ToLower(pattern), strings.ToLower(s))
}

// likeToken is one element of a LIKE pattern: a run of any characters
// (%), one character (_), or the literal rune r.
type likeToken struct {
	kind byte // '%', '_' or 0 for a literal
	r    rune
}

// like matches s against the pattern p in O(len(p) × len(s)) at worst: on
// a mismatch it goes back only to the last %, which then takes one more
// character (the classic wildcard match). A recursive matcher that tries
// every split at every % takes exponential time on a pattern such as
// %a%a%a...%b.
func like(p, s string) bool {
	var toks []likeToken
	for len(p) > 0 {
		switch p[0] {
		case '%', '_':
			toks = append(toks, likeToken{kind: p[0]})
			p = p[1:]
			continue
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
		}
		r, n := utf8.DecodeRuneInString(p)
		toks = append(toks, likeToken{r: r})
		p = p[n:]
	}
	rs := []rune(s)
	ti, si := 0, 0
	star, mark := -1, 0 // the last % seen, and where in s its run ends
	for si < len(rs) {
		switch {
		case ti < len(toks) && toks[ti].kind == '%':
			star, mark = ti, si
			ti++
		case ti < len(toks) && (toks[ti].kind == '_' || toks[ti].kind == 0 && toks[ti].r == rs[si]):
			ti++
			si++
		case star >= 0:
			mark++
			ti, si = star+1, mark
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// Prune adds to p a Delete for each undeclared customer that the store
// still holds under its recorded id and email (remote: the store's answer
// for the undeclared customers' emails) and that scope matches, before
// the plan's other changes, and sets p.Undeclared to the others, each with
// the reason it stays. A customer outside the scope is never deleted, even
// when it is recorded.
func Prune(p *Plan, undeclared []Undeclared, remote []mageseed.Customer, scope Scope) {
	idx, dups := index(remote)
	var deletes []Change
	var kept []Undeclared
	for _, u := range undeclared {
		id := identityOf(&mageseed.Customer{Email: u.Email, WebsiteID: u.WebsiteID})
		r, ok := idx[id]
		switch {
		case len(dups[id]) > 1:
			u.Note = "the store holds " + strconv.Itoa(len(dups[id])) + " customers under its email: never deleted"
		case !ok:
			u.Note = "no customer in the store has its email (deleted, or its email changed): never deleted"
		case r.ID != u.ID:
			u.Note = "the store holds another customer (id " + strconv.Itoa(r.ID) + ") under its email: never deleted"
		case !scope.Matches(r):
			u.Note = "outside the prune scope: never deleted"
		default:
			deletes = append(deletes, Change{Action: Delete, Key: u.Key, Email: r.Email, WebsiteID: r.WebsiteID,
				ID: r.ID, Remote: r, Fields: deleteFields(r)})
			continue
		}
		kept = append(kept, u)
	}
	p.Changes = append(deletes, p.Changes...)
	p.Undeclared = kept
}

// Refresh turns p into the plan of apply --refresh-only: record every
// declared customer the store holds as it is, write nothing. Each such
// customer becomes a NoOp; a token is minted only when tokens is set and
// the manifest asks for one. Customers the store does not hold are left
// out and returned by key.
func Refresh(p *Plan, tokens bool) (missing []string) {
	changes := p.Changes[:0]
	for _, c := range p.Changes {
		if c.Remote == nil || c.Desired == nil {
			if c.Action != Delete {
				missing = append(missing, c.Key)
			}
			continue
		}
		d := *c.Desired
		d.Token = d.Token && tokens
		c.Desired, c.Action, c.Fields = &d, NoOp, nil
		changes = append(changes, c)
	}
	p.Changes = changes
	return missing
}
