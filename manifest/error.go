package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a manifest, at a position in a file.
type Error struct {
	File string // relative to Options.Cwd, with forward slashes; "<stdin>" for standard input
	Line int    // 1-based
	Col  int    // 1-based, in characters
	Path string // the field, like customers.jane.addresses.home.postcode; may be empty
	Msg  string // what is wrong and what to do; never quotes a secret
}

// Error returns the problem as "file:line:col: path: msg".
func (e Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
}

// Errors is every problem found in the manifest files, sorted by file, line
// and column. Load returns an Errors value whenever the input is invalid.
type Errors []Error

// Error returns the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortDedup sorts es by position and drops exact repeats (a value merged
// from defaults into many customers is reported once).
func (es Errors) sortDedup() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	out := es[:0]
	for _, e := range es {
		if len(out) > 0 && e == out[len(out)-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}
