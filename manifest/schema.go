package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/mageseed/mageseed/schemas"
)

// schemaSet is the compiled manifest schema: the whole document and the
// customer definition, which Load applies to one customer at a time.
type schemaSet struct {
	top      *jsonschema.Schema
	customer *jsonschema.Schema
	raw      any // the schema as JSON, to look up property names
}

var (
	schemaOnce sync.Once
	schemaVal  *schemaSet
	schemaErr  error
)

func loadSchemas() (*schemaSet, error) {
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource(schemas.ManifestID, bytes.NewReader(schemas.Manifest)); err != nil {
			schemaErr = fmt.Errorf("compile manifest schema: %w", err)
			return
		}
		s := &schemaSet{}
		var err error
		if s.top, err = c.Compile(schemas.ManifestID); err != nil {
			schemaErr = fmt.Errorf("compile manifest schema: %w", err)
			return
		}
		if s.customer, err = c.Compile(schemas.ManifestID + "#/$defs/customer"); err != nil {
			schemaErr = fmt.Errorf("compile manifest schema: %w", err)
			return
		}
		if err := json.Unmarshal(schemas.Manifest, &s.raw); err != nil {
			schemaErr = fmt.Errorf("compile manifest schema: %w", err)
			return
		}
		schemaVal = s
	})
	return schemaVal, schemaErr
}

// validate checks v against s and records each failure at the position of
// the value it concerns. It returns the number of failures recorded.
func (ld *loader) validate(s *jsonschema.Schema, v any, c *conv) int {
	err := s.Validate(v)
	if err == nil {
		return 0
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		c.fail(nil, "", "validate against the schema: %v", err)
		return 1
	}
	n := 0
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, ce := range e.Causes {
				walk(ce)
			}
			return
		}
		n += ld.schemaError(e, c)
	}
	walk(ve)
	return n
}

// lookup returns the loc of the value at ptr, or of its nearest ancestor.
func (c *conv) lookup(ptr string) *loc {
	for {
		if l, ok := c.index[ptr]; ok {
			return l
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return &loc{file: c.file}
		}
		ptr = ptr[:i]
	}
}

var (
	typeMsgRe  = regexp.MustCompile(`^expected (.+), but got (\S+)$`)
	quotedRe   = regexp.MustCompile(`'([^']*)'`)
	firstNumRe = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?`)
)

// patternMsgs explains the schema's patterns in words.
var patternMsgs = map[string]string{
	"^[A-Za-z][A-Za-z0-9_]{0,31}$":     "must be a code of letters, digits and _ that starts with a letter, like base",
	"^[A-Za-z]{2}$":                    "must be a two-letter ISO 3166-1 country code, like US",
	"^[0-9]+$":                         "must be a number, like 43",
	"^[A-Za-z0-9][A-Za-z0-9_-]{0,50}$": "may hold only letters, digits, - and _ (at most 51 characters), starting with a letter or digit",
	"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$": "may hold only letters, digits, - and _ (at most 64 characters), starting with a letter or digit",
}

// schemaError records one leaf validation error; it never quotes the
// offending value, which may be a secret.
func (ld *loader) schemaError(e *jsonschema.ValidationError, c *conv) int {
	l := c.lookup(e.InstanceLocation)
	kw := e.KeywordLocation[strings.LastIndexByte(e.KeywordLocation, '/')+1:]
	if l.fromDefaults && kw != "required" {
		return 0 // reported where the defaults are validated
	}
	at := func(l *loc, usekey bool, msg string) {
		line, col := l.pos()
		if usekey {
			line, col = l.keyPos()
		}
		ld.errs = append(ld.errs, Error{File: l.file, Line: line, Col: col, Path: l.path, Msg: msg})
	}
	num := func() string { return firstNumRe.FindString(e.Message) }
	switch kw {
	case "required":
		n := 0
		for _, m := range quotedRe.FindAllStringSubmatch(e.Message, -1) {
			msg := "missing required field " + m[1]
			if m[1] == "password" {
				msg += ": set it here or under defaults"
			}
			line, col := l.keyPos()
			ld.errs = append(ld.errs, Error{File: l.file, Line: line, Col: col, Path: joinPath(l.path, m[1]), Msg: msg})
			n++
		}
		return n
	case "additionalProperties":
		allowed, patterns := ld.schemaProps(e.AbsoluteKeywordLocation)
		n := 0
	keys:
		for _, k := range l.keys {
			if _, ok := allowed[k]; ok {
				continue
			}
			for _, p := range patterns {
				if p.MatchString(k) {
					continue keys
				}
			}
			kl := c.index[l.ptr+"/"+escapePtr(k)]
			if kl == nil {
				kl = l
			}
			at(kl, true, "unknown field "+quoteKey(k)+suggest(k, allowed))
			n++
		}
		if n == 0 {
			// The unknown fields are not among the mapping's own keys:
			// they were merged in from the document's defaults, where
			// they are reported already.
			fromDefaults := false
			for _, m := range quotedRe.FindAllStringSubmatch(e.Message, -1) {
				kl := c.index[l.ptr+"/"+escapePtr(m[1])]
				if kl != nil && kl.fromDefaults {
					fromDefaults = true
					continue
				}
				if kl == nil {
					kl = l
				}
				at(kl, true, "unknown field "+quoteKey(m[1])+suggest(m[1], allowed))
				n++
			}
			if n == 0 && !fromDefaults {
				at(l, true, "has an unknown field")
				n = 1
			}
		}
		return n
	case "type":
		if m := typeMsgRe.FindStringSubmatch(e.Message); m != nil {
			if m[2] == "null" {
				at(l, false, "is empty: give a value or remove the field")
				return 1
			}
			want := strings.Split(m[1], " or ")
			for i, w := range want {
				want[i] = article(w)
			}
			at(l, false, fmt.Sprintf("must be %s, not %s", strings.Join(want, " or "), article(m[2])))
			return 1
		}
	case "const", "enum":
		at(l, false, "must be "+strings.ReplaceAll(strings.TrimPrefix(e.Message, "value must be "), `"`, ""))
		return 1
	case "minimum":
		at(l, false, "must be at least "+num())
		return 1
	case "maximum":
		at(l, false, "must be at most "+num())
		return 1
	case "minLength":
		if num() == "1" {
			at(l, false, "must not be empty")
		} else {
			at(l, false, "must be at least "+num()+" characters long")
		}
		return 1
	case "maxLength":
		at(l, false, "must be at most "+num()+" characters long")
		return 1
	case "minItems":
		if num() == "1" {
			at(l, false, "must not be empty")
		} else {
			at(l, false, "must have at least "+num()+" items")
		}
		return 1
	case "maxItems":
		at(l, false, "must have at most "+num()+" items")
		return 1
	case "minProperties":
		at(l, false, "must have at least "+num()+" fields")
		return 1
	case "maxProperties":
		at(l, false, "must have at most "+num()+" entries")
		return 1
	case "uniqueItems":
		at(l, false, "has duplicate items: list each once")
		return 1
	case "pattern":
		p := quotedRe.FindStringSubmatch(e.Message)
		if p != nil {
			if msg, ok := patternMsgs[p[1]]; ok {
				at(l, false, msg)
				return 1
			}
		}
		at(l, false, "has the wrong form ("+strings.TrimPrefix(e.Message, "does not match ")+")")
		return 1
	}
	at(l, false, e.Message)
	return 1
}

func article(t string) string {
	switch t {
	case "integer", "object", "array":
		return "an " + t
	case "null":
		return "empty"
	}
	return "a " + t
}

// schemaProps returns the property names and pattern properties of the
// object schema whose additionalProperties keyword is at the absolute
// location kwloc.
func (ld *loader) schemaProps(kwloc string) (map[string]bool, []*regexp.Regexp) {
	_, frag, _ := strings.Cut(kwloc, "#")
	frag = strings.TrimSuffix(frag, "/additionalProperties")
	var cur any = ld.schema.raw
	for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if seg == "" {
			continue
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, nil
		}
		cur = m[seg]
	}
	m, _ := cur.(map[string]any)
	props := map[string]bool{}
	if p, ok := m["properties"].(map[string]any); ok {
		for k := range p {
			props[k] = true
		}
	}
	var pats []*regexp.Regexp
	if pp, ok := m["patternProperties"].(map[string]any); ok {
		for k := range pp {
			if re, err := regexp.Compile(k); err == nil {
				pats = append(pats, re)
			}
		}
	}
	return props, pats
}

// suggest returns ": did you mean X?" for the allowed name closest to k, or
// the list of allowed names when none is close.
func suggest(k string, allowed map[string]bool) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	names := make([]string, 0, len(allowed))
	for a := range allowed {
		names = append(names, a)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, a := range names {
		if norm(a) == norm(k) {
			return ": did you mean " + a + "?"
		}
		if d := levenshtein(norm(a), norm(k)); d < bestD {
			best, bestD = a, d
		}
	}
	if best != "" {
		return ": did you mean " + best + "?"
	}
	if len(names) == 0 {
		return ""
	}
	return ": allowed fields are " + strings.Join(names, ", ")
}

// levenshtein returns the edit distance of a and b (bytes), capped for long
// input.
func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
