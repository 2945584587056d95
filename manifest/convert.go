package manifest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep hostile input cheap. They are generous for real
// manifests: a customer with a hundred addresses has a few thousand values.
const (
	maxDepth       = 32      // nesting levels in a document
	maxScalarBytes = 1 << 16 // bytes in one scalar value
	maxUnitValues  = 20000   // values in one customer, or in the rest of a document, aliases expanded
)

// stringFields are the fields whose values are text even when they look like
// numbers or dates: "postcode: 01234" is the string "01234", as written.
var stringFields = map[string]bool{
	"email": true, "firstname": true, "lastname": true, "middlename": true, "prefix": true,
	"suffix": true, "dob": true, "taxvat": true, "password": true, "website": true,
	"street": true, "city": true, "regionCode": true, "region": true, "postcode": true,
	"countryId": true, "telephone": true, "company": true, "fax": true, "vatId": true,
	"url": true, "storeCode": true, "key": true, "countries": true,
}

// loc is where a JSON value came from.
type loc struct {
	file string
	node *yaml.Node // the value
	key  *yaml.Node // its key, when it is a mapping value
	path string     // display path, like customers.jane.email
	ptr  string     // JSON pointer, relative to the unit's root
	keys []string   // for mappings: the keys in document order
	// fromDefaults marks values merged in from the document's defaults.
	fromDefaults bool
}

// pos returns the position to report for a problem with the value itself.
func (l loc) pos() (int, int) {
	if l.node != nil && l.node.Line > 0 {
		return l.node.Line, max(l.node.Column, 1)
	}
	if l.key != nil {
		return l.key.Line, max(l.key.Column, 1)
	}
	return 1, 1
}

// keyPos returns the position to report for a problem with the value as a
// whole (a missing field): its key when it has one.
func (l loc) keyPos() (int, int) {
	if l.key != nil && l.key.Line > 0 {
		return l.key.Line, max(l.key.Column, 1)
	}
	return l.pos()
}

// conv converts a yaml.Node tree to JSON values (map[string]any, []any,
// string, json.Number, bool, nil) for the schema validator, interpolating
// scalars and recording where every value came from, keyed by its JSON
// pointer relative to the unit's root.
type conv struct {
	ld     *loader
	file   string
	index  map[string]*loc
	budget int
	over   bool
	stack  []*yaml.Node // aliases being expanded, to catch cycles
	// aliases are the alias nodes being expanded, outermost first.
	aliases []aliasUse
}

type aliasUse struct {
	node *yaml.Node
	path string
}

func (ld *loader) newConv(file string) *conv {
	return &conv{ld: ld, file: file, index: make(map[string]*loc), budget: maxUnitValues}
}

// fail records a problem at n.
func (c *conv) fail(n *yaml.Node, path, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	c.ld.errs = append(c.ld.errs, Error{File: c.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// escapePtr escapes a key for a JSON pointer.
func escapePtr(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// joinPath appends key to a display path, quoting a key that is not a plain
// word.
func joinPath(path, key string) string {
	key = quoteKey(key)
	if path == "" {
		return key
	}
	return path + "." + key
}

// value converts n. ptr and path name it; key is its mapping key, if any;
// str reports that the field holds text (see stringFields). The second
// result is false when n could not be converted (the problem is recorded).
func (c *conv) value(n, key *yaml.Node, ptr, path string, depth int, str bool) (any, bool) {
	if c.over {
		return nil, false
	}
	if n == nil {
		// Only an alias leads here: one that reaches the customers mapping,
		// whose entries are released as they are read (build.go).
		at := key
		if len(c.aliases) > 0 {
			at = c.aliases[len(c.aliases)-1].node
		}
		if at != nil {
			c.fail(at, path, "alias refers to a value that contains it")
		}
		return nil, false
	}
	c.budget--
	if c.budget < 0 {
		c.over = true
		if len(c.aliases) > 0 {
			a := c.aliases[0]
			c.fail(a.node, a.path, "alias *%s expands to more than %d values: anchors and aliases may not build huge documents", a.node.Value, maxUnitValues)
		} else {
			c.fail(n, path, "more than %d values in one customer or section: split it", maxUnitValues)
		}
		return nil, false
	}
	if depth > maxDepth {
		c.fail(n, path, "nested deeper than %d levels", maxDepth)
		return nil, false
	}
	l := &loc{file: c.file, node: n, key: key, path: path, ptr: ptr}
	c.index[ptr] = l
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, true
		}
		return c.value(n.Content[0], key, ptr, path, depth, str)
	case yaml.AliasNode:
		for i, a := range c.stack {
			if a == n.Alias {
				p := path
				if i < len(c.aliases) && c.aliases[i].node.Alias == a {
					p = c.aliases[i].path
				}
				c.fail(n, p, "alias *%s refers to a value that contains it", n.Value)
				return nil, false
			}
		}
		if n.Alias == nil {
			c.fail(n, path, "unknown alias")
			return nil, false
		}
		c.stack = append(c.stack, n.Alias)
		c.aliases = append(c.aliases, aliasUse{n, path})
		v, ok := c.value(n.Alias, key, ptr, path, depth+1, str)
		c.stack = c.stack[:len(c.stack)-1]
		c.aliases = c.aliases[:len(c.aliases)-1]
		if inner := c.index[ptr]; inner != nil {
			l.keys = inner.keys
		}
		c.index[ptr] = l // report problems with the whole value at the alias
		return v, ok
	case yaml.ScalarNode:
		return c.scalar(n, path, str)
	case yaml.SequenceNode:
		if t := n.ShortTag(); t != "!!seq" {
			c.fail(n, path, "unsupported tag %s: remove it", quoteKey(t))
			return nil, false
		}
		out := make([]any, 0, len(n.Content))
		ok := true
		for i, item := range n.Content {
			v, ok1 := c.value(item, nil, ptr+"/"+strconv.Itoa(i), fmt.Sprintf("%s[%d]", path, i), depth+1, str)
			ok = ok && ok1
			out = append(out, v)
		}
		return out, ok
	case yaml.MappingNode:
		if t := n.ShortTag(); t != "!!map" {
			c.fail(n, path, "unsupported tag %s: remove it", quoteKey(t))
			return nil, false
		}
		return c.mapping(n, l, ptr, path, depth)
	}
	c.fail(n, path, "unsupported YAML node")
	return nil, false
}

// mapping converts a mapping node, rejecting duplicate keys and applying
// YAML merge keys (<<), whose entries never override the mapping's own.
func (c *conv) mapping(n *yaml.Node, l *loc, ptr, path string, depth int) (any, bool) {
	out := make(map[string]any, len(n.Content)/2)
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	ok := true
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.fail(k, path, "mapping keys must be plain strings")
			ok = false
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.fail(k, joinPath(path, k.Value), "duplicate key %s (first at line %d): remove one", quoteKey(k.Value), first.Line)
			ok = false
			continue
		}
		seen[k.Value] = k
		l.keys = append(l.keys, k.Value)
		val, ok1 := c.value(v, k, ptr+"/"+escapePtr(k.Value), joinPath(path, k.Value), depth+1, stringFields[k.Value])
		ok = ok && ok1
		out[k.Value] = val
	}
	for _, m := range merges {
		src := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			src = m.Content
		}
		for _, s := range src {
			target := s
			if s.Kind == yaml.AliasNode && s.Alias != nil {
				target = s.Alias
			}
			if target.Kind != yaml.MappingNode {
				c.fail(s, path, "a merge key (<<) takes a mapping or a list of mappings")
				ok = false
				continue
			}
			for i := 0; i+1 < len(target.Content); i += 2 {
				k, v := target.Content[i], target.Content[i+1]
				if k.Kind != yaml.ScalarNode || k.Value == "<<" {
					continue
				}
				if _, has := seen[k.Value]; has {
					continue
				}
				seen[k.Value] = k
				l.keys = append(l.keys, k.Value)
				c.stack = append(c.stack, target)
				val, ok1 := c.value(v, k, ptr+"/"+escapePtr(k.Value), joinPath(path, k.Value), depth+1, stringFields[k.Value])
				c.stack = c.stack[:len(c.stack)-1]
				ok = ok && ok1
				out[k.Value] = val
			}
		}
	}
	return out, ok
}

// quoteKey shows a key in a message, quoted when it is not a plain word.
func quoteKey(k string) string {
	if k != "" && isPrintableASCII(k) && !strings.ContainsAny(k, " \"'.[]") && len(k) <= 64 {
		return k
	}
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	return strconv.Quote(k)
}

var (
	intRe   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	floatRe = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// scalar converts a scalar node. Values are interpolated first. A quoted
// scalar is always a string. A plain scalar takes its YAML type (int, float,
// bool, null), except in text fields (stringFields), where it stays as
// written. A plain scalar that is exactly one ${...} reference takes the type
// its value would have if written there: groupId: ${GROUP} with GROUP=2 is
// the integer 2; anything else interpolated is a string.
func (c *conv) scalar(n *yaml.Node, path string, str bool) (any, bool) {
	if len(n.Value) > maxScalarBytes {
		c.fail(n, path, "value is %d bytes long, more than the limit of %d", len(n.Value), maxScalarBytes)
		return nil, false
	}
	tag := n.ShortTag()
	switch tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge":
	default:
		c.fail(n, path, "unsupported tag %s: remove it", quoteKey(n.Tag))
		return nil, false
	}
	plain := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
	if tag == "!!str" && strings.Contains(n.Value, "$") {
		x, err := interpolate(n.Value, c.ld.getenv)
		if err != nil {
			c.fail(n, path, "%s", err.Error())
			return nil, false
		}
		c.ld.addSecret(x.secrets...)
		if x.whole && plain && !str {
			return typedPlain(x.value), true
		}
		return x.value, true
	}
	if str {
		if tag == "!!null" {
			return nil, true
		}
		return n.Value, true
	}
	switch tag {
	case "!!null":
		return nil, true
	case "!!bool":
		return strings.EqualFold(n.Value, "true"), true
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if v, err := strconv.ParseInt(s, 0, 64); err == nil {
			return json.Number(strconv.FormatInt(v, 10)), true
		}
		if intRe.MatchString(s) {
			return json.Number(strings.TrimPrefix(s, "+")), true
		}
		return n.Value, true
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, true
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
	}
	return n.Value, true
}

// typedPlain types an interpolated value as a plain YAML scalar would be:
// integers and decimal numbers become numbers, true and false booleans;
// everything else, the empty string included, stays a string.
func typedPlain(s string) any {
	switch {
	case s == "true":
		return true
	case s == "false":
		return false
	case intRe.MatchString(s):
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.Number(strconv.FormatInt(v, 10))
		}
		return s
	case floatRe.MatchString(s):
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return s
}
