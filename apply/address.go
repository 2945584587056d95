package apply

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mageseed/mageseed"
)

// Address matching.
//
// An address has no natural key in Magento, so a desired address is matched
// to a remote one by content, over the fields the desired address declares
// (a non-empty string, a non-nil optional field, a non-zero region). Values
// are normalised before they are compared:
//
//   - text (names, city, company, ...): surrounding space trimmed, inner runs
//     of white space collapsed to one space, case-folded;
//   - street: the list of lines, each normalised as text, with empty lines
//     dropped; the lists must be equal line by line;
//   - country: case-folded;
//   - region: by id when both sides have one, else by code, else by name
//     (as text);
//   - postcode: letters and digits only, case-folded ("SW1A 1AA" equals
//     "sw1a1aa", "11501-1234" equals "115011234");
//   - telephone: digits only, with a leading "+" kept ("516-555-1111" equals
//     "(516) 555 1111").
//
// Default billing/shipping flags are not part of the match: they are
// converged on the matched address instead. Each remote address matches at
// most one desired address; when several desired addresses could take the
// same remote one, the assignment that matches the most desired addresses
// wins (earlier desired addresses first), so a broad address never steals
// the only match of a narrower one.

// normText normalises free text: trimmed, inner white space collapsed,
// case-folded.
func normText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// normPostcode keeps letters and digits, case-folded.
func normPostcode(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// normPhone keeps digits and a leading "+".
func normPhone(s string) string {
	var b strings.Builder
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	for _, r := range s {
		if unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// streetEqual compares street lines as lists of normalised text, ignoring
// blank lines.
func streetEqual(a, b []string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && strings.TrimSpace(a[i]) == "" {
			i++
		}
		for j < len(b) && strings.TrimSpace(b[j]) == "" {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if !normEqual(a[i], b[j]) {
			return false
		}
		i++
		j++
	}
}

func optEqual(d, r *string) bool {
	if d == nil {
		return true
	}
	rv := ""
	if r != nil {
		rv = *r
	}
	return normEqual(*d, rv)
}

func textEqual(d, r string) bool {
	return d == "" || normEqual(d, r)
}

// normEqual reports whether normText(a) == normText(b), without
// allocating: plans compare every declared field of every address.
func normEqual(a, b string) bool {
	ia, ib := normIter{s: a}, normIter{s: b}
	for {
		ra, oka := ia.next()
		rb, okb := ib.next()
		if oka != okb || ra != rb {
			return false
		}
		if !oka {
			return true
		}
	}
}

// normIter yields the runes of normText(s) one by one.
type normIter struct {
	s       string
	i       int
	started bool // a non-space rune was yielded
	space   bool // white space is pending between two words
}

func (it *normIter) next() (rune, bool) {
	for it.i < len(it.s) {
		r, n := utf8.DecodeRuneInString(it.s[it.i:])
		if unicode.IsSpace(r) {
			it.i += n
			it.space = it.started
			continue
		}
		if it.space {
			it.space = false
			return ' ', true // r is read again on the next call
		}
		it.i += n
		it.started = true
		return unicode.ToLower(r), true
	}
	return 0, false
}

// regionEqual compares a desired region with a remote one.
func regionEqual(d, r mageseed.Region) bool {
	switch {
	case d.IsZero():
		return true
	case d.ID != 0 && r.ID != 0:
		return d.ID == r.ID
	case d.Code != "" && r.Code != "":
		return strings.EqualFold(strings.TrimSpace(d.Code), strings.TrimSpace(r.Code))
	case d.Name != "":
		return normEqual(d.Name, r.Name)
	case d.Code != "":
		// The remote region has no code: compare the code with its name,
		// as free-text regions hold it there.
		return normEqual(d.Code, r.Name)
	}
	return false
}

// addressMatches reports whether remote address r has the content desired
// address d declares.
func addressMatches(d, r *mageseed.Address) bool {
	if !textEqual(d.Firstname, r.Firstname) || !textEqual(d.Lastname, r.Lastname) ||
		!textEqual(d.City, r.City) || !textEqual(d.CountryID, r.CountryID) {
		return false
	}
	if d.Postcode != "" && normPostcode(d.Postcode) != normPostcode(r.Postcode) {
		return false
	}
	if d.Telephone != "" && normPhone(d.Telephone) != normPhone(r.Telephone) {
		return false
	}
	if len(d.Street) > 0 && !streetEqual(d.Street, r.Street) {
		return false
	}
	if !regionEqual(d.Region, r.Region) {
		return false
	}
	return optEqual(d.Middlename, r.Middlename) && optEqual(d.Prefix, r.Prefix) &&
		optEqual(d.Suffix, r.Suffix) && optEqual(d.Company, r.Company) &&
		optEqual(d.Fax, r.Fax) && optEqual(d.VatID, r.VatID)
}

// matchAddresses returns, for each desired address, the index of the remote
// address it matches, or -1. Each remote address is used at most once; the
// matching is a maximum bipartite matching (augmenting paths), which for the
// handful of addresses a customer has costs nothing.
func matchAddresses(desired, remote []mageseed.Address) []int {
	match := make([]int, len(desired))
	for i := range match {
		match[i] = -1
	}
	if len(remote) == 0 {
		return match
	}
	// adj[i] lists the remote addresses desired address i matches.
	adj := make([][]int, len(desired))
	for i := range desired {
		for j := range remote {
			if addressMatches(&desired[i], &remote[j]) {
				adj[i] = append(adj[i], j)
			}
		}
	}
	owner := make([]int, len(remote)) // remote index -> desired index, or -1
	for j := range owner {
		owner[j] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for _, j := range adj[i] {
			if seen[j] {
				continue
			}
			seen[j] = true
			if owner[j] < 0 || try(owner[j], seen) {
				owner[j] = i
				return true
			}
		}
		return false
	}
	for i := range desired {
		if len(adj[i]) == 0 {
			continue
		}
		try(i, make([]bool, len(remote)))
	}
	for j, i := range owner {
		if i >= 0 {
			match[i] = j
		}
	}
	return match
}

// adoptRecorded extends a content match with the addresses the last apply
// recorded: a desired address that matches nothing by content, but whose ID
// (set from the outputs file, see Recall) names an address the customer
// still has and that nothing else matched, is that address, changed. It
// returns which desired addresses were matched so, for an update in place.
func adoptRecorded(desired, remote []mageseed.Address, match []int) []bool {
	inPlace := make([]bool, len(desired))
	used := make(map[int]bool, len(match))
	for _, j := range match {
		if j >= 0 {
			used[j] = true
		}
	}
	for i := range desired {
		if match[i] >= 0 || desired[i].ID == 0 {
			continue
		}
		for j := range remote {
			if remote[j].ID == desired[i].ID && !used[j] {
				match[i], inPlace[i], used[j] = j, true, true
				break
			}
		}
	}
	return inPlace
}

// addressChanges returns the field changes that make remote address r have
// what desired address d declares, with paths under prefix.
func addressChanges(prefix string, d, r *mageseed.Address) []FieldChange {
	var f []FieldChange
	add := func(name, old, new string) {
		f = append(f, FieldChange{Path: prefix + "." + name, Action: Update, Old: old, New: new})
	}
	for _, t := range []struct {
		name string
		d, r string
	}{
		{"firstname", d.Firstname, r.Firstname}, {"lastname", d.Lastname, r.Lastname},
		{"city", d.City, r.City}, {"countryId", d.CountryID, r.CountryID},
	} {
		if !textEqual(t.d, t.r) {
			add(t.name, t.r, t.d)
		}
	}
	if len(d.Street) > 0 && !streetEqual(d.Street, r.Street) {
		add("street", strings.Join(r.Street, ", "), strings.Join(d.Street, ", "))
	}
	if !regionEqual(d.Region, r.Region) {
		add("region", regionText(r.Region), regionText(d.Region))
	}
	if d.Postcode != "" && normPostcode(d.Postcode) != normPostcode(r.Postcode) {
		add("postcode", r.Postcode, d.Postcode)
	}
	if d.Telephone != "" && normPhone(d.Telephone) != normPhone(r.Telephone) {
		add("telephone", r.Telephone, d.Telephone)
	}
	for _, t := range []struct {
		name string
		d, r *string
	}{
		{"middlename", d.Middlename, r.Middlename}, {"prefix", d.Prefix, r.Prefix}, {"suffix", d.Suffix, r.Suffix},
		{"company", d.Company, r.Company}, {"fax", d.Fax, r.Fax}, {"vatId", d.VatID, r.VatID},
	} {
		if !optEqual(t.d, t.r) {
			old := ""
			if t.r != nil {
				old = *t.r
			}
			add(t.name, old, *t.d)
		}
	}
	return f
}

// mergeAddress returns remote address r with the fields that desired
// address d declares; r's id and undeclared fields are kept.
func mergeAddress(d, r mageseed.Address) mageseed.Address {
	t := r
	t.Key = d.Key
	setText := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setText(&t.Firstname, d.Firstname)
	setText(&t.Lastname, d.Lastname)
	setText(&t.City, d.City)
	setText(&t.CountryID, d.CountryID)
	setText(&t.Postcode, d.Postcode)
	setText(&t.Telephone, d.Telephone)
	if len(d.Street) > 0 {
		t.Street = d.Street
	}
	if !d.Region.IsZero() {
		t.Region = d.Region
	}
	for _, p := range []struct{ dst, src **string }{
		{&t.Middlename, &d.Middlename}, {&t.Prefix, &d.Prefix}, {&t.Suffix, &d.Suffix},
		{&t.Company, &d.Company}, {&t.Fax, &d.Fax}, {&t.VatID, &d.VatID},
	} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
	return t
}

// regionText renders a region for a plan: its code, else its name.
func regionText(r mageseed.Region) string {
	if r.Code != "" {
		return r.Code
	}
	return r.Name
}
