package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
)

// palette colours the plan on a terminal; the zero palette prints plain
// text.
type palette struct{ on bool }

func (p palette) paint(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) action(a apply.Action, s string) string {
	switch a {
	case apply.Create:
		return p.paint("32", s)
	case apply.Update:
		return p.paint("33", s)
	case apply.Delete:
		return p.paint("31", s)
	}
	return s
}

func (p palette) bold(s string) string { return p.paint("1", s) }

// esc escapes the characters of s that a terminal could take as a
// command. Everything printed that a store or a manifest supplied (names,
// emails, values, the store's messages) goes through it: text from the
// store is data.
func esc(s string) string { return mageseed.EscapeTerminal(s) }

// symbol is the one-character mark of an action in the plan.
func symbol(a apply.Action) string {
	if a == apply.NoOp {
		return " "
	}
	return string(rune(a))
}

// verb says what happens to a customer, for the plan's comment lines.
func verb(a apply.Action) string {
	switch a {
	case apply.Create:
		return "will be created"
	case apply.Update:
		return "will be updated in-place"
	case apply.Delete:
		return "will be deleted"
	}
	return "is unchanged"
}

// renderPlan writes the plan as people read it, one block per changed
// customer with its field-level differences, ending with the summary line.
func renderPlan(w io.Writer, p *apply.Plan, pal palette) {
	defer renderDuplicates(w, p, pal)
	if !p.HasChanges() && len(p.Duplicates) == 0 {
		// Records the manifest no longer declares come first, as they do
		// above the summary of a plan with changes.
		renderUndeclared(w, p)
		renderPending(w, p)
		unchanged := len(p.Changes)
		fmt.Fprintf(w, "%s The store matches the manifest (%d %s unchanged).\n",
			pal.bold("No changes."), unchanged, plural(unchanged, "customer", "customers"))
		return
	}
	fmt.Fprintln(w, "mageseed will perform the following actions:")
	for _, g := range p.Groups {
		if g.Action != apply.NoOp {
			fmt.Fprintln(w)
			renderGroupChange(w, g, pal)
		}
	}
	for _, c := range p.Changes {
		if c.Action == apply.NoOp {
			continue
		}
		fmt.Fprintln(w)
		renderChange(w, c, pal)
	}
	fmt.Fprintln(w)
	renderUndeclared(w, p)
	renderPending(w, p)
	fmt.Fprintln(w, planSummary(p, pal))
}

// renderPending lists the declared customers whose accounts await email
// confirmation and that the manifest does not ask to activate: they stay
// so, and no token can be minted for them.
func renderPending(w io.Writer, p *apply.Plan) {
	n := 0
	for _, c := range p.Changes {
		if c.Remote == nil || c.Desired == nil || c.Remote.Confirmation == "" || c.Desired.Confirm {
			continue
		}
		fmt.Fprintf(w, "  customer %s (id %d, %s): awaiting email confirmation: no token can be minted (confirm: true activates the account)\n", esc(c.Key), c.ID, esc(c.Email))
		n++
	}
	if n > 0 {
		fmt.Fprintln(w)
	}
}

// renderDuplicates lists the customers that the store holds more than
// once, which the plan does not touch.
func renderDuplicates(w io.Writer, p *apply.Plan, pal palette) {
	if len(p.Duplicates) == 0 {
		return
	}
	fmt.Fprintln(w)
	for _, d := range p.Duplicates {
		fmt.Fprintf(w, "%s customer %s (%s): %s\n", pal.paint("31", "Error:"), esc(d.Key), esc(d.Email), esc(d.Error()))
	}
}

// duplicatesError is the error of a plan that holds duplicates.
func duplicatesError(p *apply.Plan, what string) error {
	d := p.Duplicates[0]
	more := ""
	if n := len(p.Duplicates); n > 1 {
		more = fmt.Sprintf(" (and %d more customers held twice)", n-1)
	}
	return withHint(fmt.Errorf("%s: customer %s: %w%s", what, d.Key, d, more), "%s", duplicatesHint)
}

// duplicatesHint is the hint for a store that holds a customer twice.
const duplicatesHint = "the store should hold one customer per email and website: merge or delete the extra ones in its admin (Customers > All Customers), then run again"

// renderUndeclared lists the recorded customers the manifest no longer
// declares, and why prune leaves those it leaves.
func renderUndeclared(w io.Writer, p *apply.Plan) {
	for _, u := range p.Undeclared {
		why := fmt.Sprintf("kept in the store (apply --prune deletes it, mageseed forget %s stops tracking it)", u.Key)
		if u.Note != "" {
			why = fmt.Sprintf("kept: %s (mageseed forget %s stops tracking it)", u.Note, u.Key)
		}
		fmt.Fprintf(w, "  customer %s (id %d, %s): no longer declared: %s\n", esc(u.Key), u.ID, esc(u.Email), esc(why))
	}
	if len(p.Undeclared) > 0 {
		fmt.Fprintln(w)
	}
}

// renderRefresh shows the plan of --refresh-only: the records it writes,
// the declared customers the store does not hold, and a summary line.
func renderRefresh(w io.Writer, p *apply.Plan, missing []string, pal palette) {
	tokens := 0
	for _, c := range p.Changes {
		fmt.Fprintf(w, "  = customer %s (id %d, %s)\n", esc(c.Key), c.ID, esc(c.Email))
		if c.Desired != nil && c.Desired.Token {
			tokens++
		}
	}
	for _, k := range missing {
		fmt.Fprintf(w, "  ! customer %s: not in the store: not recorded (a normal apply creates it)\n", esc(k))
	}
	fmt.Fprintf(w, "%s %d to record, %d not in the store, %d %s to mint; nothing is written to the store.\n",
		pal.bold("Refresh:"), len(p.Changes), len(missing), tokens, plural(tokens, "token", "tokens"))
}

// refreshJSON is the --json form of a --refresh-only plan.
func refreshJSON(p *apply.Plan, missing []string) any {
	type rec struct {
		Key   string `json:"key"`
		ID    int    `json:"id"`
		Email string `json:"email"`
		Token bool   `json:"token"`
	}
	out := struct {
		Record  []rec    `json:"record"`
		Missing []string `json:"missing"`
	}{Record: []rec{}, Missing: missing}
	for _, c := range p.Changes {
		out.Record = append(out.Record, rec{c.Key, c.ID, c.Email, c.Desired != nil && c.Desired.Token})
	}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	return out
}

func customerName(c apply.Change) string {
	name := c.Key
	if name == "" {
		name = c.Email
	}
	return name
}

func renderChange(w io.Writer, c apply.Change, pal palette) {
	name := customerName(c)
	fmt.Fprintf(w, "  # customer %s (%s) %s\n", pal.bold(esc(name)), esc(c.Email), verb(c.Action))
	fmt.Fprintf(w, "  %s customer %q {\n", pal.action(c.Action, symbol(c.Action)), name)
	width := 0
	for _, f := range c.Fields {
		if n := len(f.Path); n > width {
			width = n
		}
	}
	for _, f := range c.Fields {
		fmt.Fprintf(w, "      %s %-*s = %s\n", pal.action(f.Action, symbol(f.Action)), width, esc(f.Path), esc(fieldValue(f)))
	}
	fmt.Fprintln(w, "    }")
}

// renderGroupChange renders the change of a customer group, as a
// customer's.
func renderGroupChange(w io.Writer, g apply.GroupChange, pal palette) {
	fmt.Fprintf(w, "  # customer group %s (%s) %s\n", pal.bold(g.Key), g.Code, verb(g.Action))
	fmt.Fprintf(w, "  %s group %q {\n", pal.action(g.Action, symbol(g.Action)), g.Key)
	for _, f := range g.Fields {
		fmt.Fprintf(w, "      %s %-10s = %s\n", pal.action(f.Action, symbol(f.Action)), f.Path, fieldValue(f))
	}
	fmt.Fprintln(w, "    }")
}

// fieldValue renders one field's change: the new value for an addition,
// old -> new for an update, the old value for a removal.
func fieldValue(f apply.FieldChange) string {
	if f.Sensitive {
		return "(sensitive value)"
	}
	switch f.Action {
	case apply.Create:
		return f.New
	case apply.Delete:
		return f.Old + " -> null"
	}
	old := f.Old
	if old == "" {
		old = "null"
	}
	return old + " -> " + f.New
}

// planSummary is the plan's closing line.
func planSummary(p *apply.Plan, pal palette) string {
	create, update, del, unchanged := p.Counts()
	return fmt.Sprintf("%s %d to create, %d to update, %d to delete, %d unchanged.",
		pal.bold("Plan:"), create, update, del, unchanged)
}

// renderCompactPlan lists the changes one line each, as apply shows them
// before it starts. Past limit lines it only counts them.
func renderCompactPlan(w io.Writer, p *apply.Plan, pal palette, limit int) {
	for _, g := range p.Groups {
		if g.Action != apply.NoOp {
			fmt.Fprintf(w, "  %s group %s (%s)\n", pal.action(g.Action, symbol(g.Action)), g.Key, g.Code)
		}
	}
	n := 0
	for _, c := range p.Changes {
		if c.Action == apply.NoOp {
			continue
		}
		n++
		if n <= limit {
			if c.Action == apply.Delete {
				fmt.Fprintf(w, "  %s customer %s (id %d, %s)\n", pal.action(c.Action, symbol(c.Action)), esc(customerName(c)), c.ID, esc(c.Email))
				continue
			}
			fmt.Fprintf(w, "  %s customer %s (%s)\n", pal.action(c.Action, symbol(c.Action)), esc(customerName(c)), esc(c.Email))
		}
	}
	if n > limit {
		fmt.Fprintf(w, "  ... and %d more (run 'mageseed plan' for every change)\n", n-limit)
	}
	renderUndeclared(w, p)
	fmt.Fprintln(w, planSummary(p, pal))
}

// writeJSON writes v as indented JSON, with every character a terminal
// could take as a command \u-escaped (see safeJSON).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(safeJSONWriter{w})
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// safeJSONWriter applies safeJSON to each write. json.Encoder writes a
// value whole, in one call, so no character is split between two writes.
type safeJSONWriter struct{ w io.Writer }

func (s safeJSONWriter) Write(p []byte) (int, error) {
	if _, err := s.w.Write(safeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// safeJSON returns the JSON text b with the characters that encoding/json
// leaves raw and a terminal could act on (DEL, the C1 controls, the
// bidirectional formatting characters) written as \uXXXX escapes, which
// decode to the same text. encoding/json already escapes the C0 controls
// and U+2028 and U+2029 in strings; outside strings JSON text holds only
// ASCII.
func safeJSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if jsonUnsafe(r) {
			break
		}
		i += size
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if jsonUnsafe(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// jsonUnsafe reports whether r, raw in JSON text, could act on a terminal.
func jsonUnsafe(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\n' && r != '\t' && r != '\r' && r != ' '
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// renderResult writes apply's closing report: what failed and why, what
// did not run, warnings, then the summary line.
func renderResult(w io.Writer, verbWord string, r *apply.Result, pal palette) {
	for _, f := range r.Failed {
		if f.Stored {
			// The write went through; a later step (the token) did not.
			fmt.Fprintf(w, "%s customer %s (%s) is in the store, but: %s\n", pal.paint("31", "Failed:"), esc(f.Key), esc(f.Email), esc(f.Err.Error()))
			continue
		}
		fmt.Fprintf(w, "%s %s customer %s (%s): %s\n", pal.paint("31", "Failed:"), actionWord(f.Action), esc(f.Key), esc(f.Email), esc(f.Err.Error()))
	}
	if len(r.Skipped) > 0 {
		keys := append([]string(nil), r.Skipped...)
		sort.Strings(keys)
		const show = 20
		more := ""
		if len(keys) > show {
			more = fmt.Sprintf(" and %d more", len(keys)-show)
			keys = keys[:show]
		}
		fmt.Fprintf(w, "Not run (%d): %s%s\n", len(r.Skipped), esc(strings.Join(keys, ", ")), more)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "%s %s\n", pal.paint("33", "Warning:"), esc(warn))
	}
	status := "complete"
	if len(r.Failed) > 0 || len(r.Skipped) > 0 {
		status = "incomplete"
	}
	fmt.Fprintf(w, "%s %d created, %d updated, %d deleted, %d unchanged in %s%s\n",
		pal.bold(verbWord+" "+status+":"), r.Created, r.Updated, r.Deleted, r.Unchanged,
		roundDuration(r.Elapsed), rateNote(r))
	for _, g := range r.Groups {
		if g.Action != apply.NoOp {
			done := "created"
			if g.Action == apply.Update {
				done = "updated"
			}
			fmt.Fprintf(w, "Customer group %s (%s) %s: id %d\n", g.Key, g.Code, done, g.ID)
		}
	}
	if r.Activated > 0 {
		fmt.Fprintf(w, "Activated %d %s that the store kept for email confirmation\n", r.Activated, plural(r.Activated, "account", "accounts"))
	}
	if r.Adopted > 0 {
		// "None was created twice" only when a search showed each of them
		// once after its create.
		claim := ""
		if r.Checked == r.Adopted {
			claim = ": a search found each once, none was created twice"
		}
		fmt.Fprintf(w, "Adopted %d %s that the store already held (an earlier run's create whose answer was lost, or a conflict)%s\n",
			r.Adopted, plural(r.Adopted, "customer", "customers"), claim)
	}
}

func rateNote(r *apply.Result) string {
	done := r.Created + r.Updated + r.Deleted
	if done < 10 || r.Elapsed <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.0f customers/s)", float64(done)/r.Elapsed.Seconds())
}

func actionWord(a apply.Action) string {
	switch a {
	case apply.Create:
		return "create"
	case apply.Update:
		return "update"
	case apply.Delete:
		return "delete"
	}
	return "read"
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
