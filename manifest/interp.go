package manifest

import (
	"fmt"
	"strings"
)

// expansion is the result of interpolating one scalar.
type expansion struct {
	value string
	// whole reports that the scalar was exactly one ${...} reference, so a
	// plain scalar may take the type of its value (see typedPlain).
	whole bool
	// secrets are the non-empty values taken from the environment.
	secrets []string
}

// interpolate expands ${NAME} and ${NAME:-default} in s with values from
// getenv; $${ stands for a literal ${. A set but empty variable counts as
// unset when a default is given, as in the shell. The error message names
// the variable but never its value.
func interpolate(s string, getenv func(string) (string, bool)) (expansion, error) {
	var x expansion
	if !strings.Contains(s, "$") {
		x.value = s
		return x, nil
	}
	var b strings.Builder
	refs := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return x, fmt.Errorf("unterminated ${: close the reference with } or write $${ for a literal ${")
		}
		ref := s[i+2 : i+2+end]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validVarName(name) {
			return x, fmt.Errorf("invalid reference ${%s}: write ${NAME} or ${NAME:-default}, NAME made of letters, digits and _", safeRef(name))
		}
		v, ok := getenv(name)
		switch {
		case ok && v != "":
			x.secrets = append(x.secrets, v)
		case hasDef:
			v = def
		case !ok:
			return x, fmt.Errorf("environment variable %s is not set: set it, or give a default with ${%s:-default}", name, name)
		}
		b.WriteString(v)
		refs++
		i += 2 + end + 1
		if i == len(s) && refs == 1 && strings.HasPrefix(s, "${") {
			x.whole = true
		}
	}
	x.value = b.String()
	return x, nil
}

// validVarName reports whether s is a shell-style variable name.
func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// safeRef shortens a malformed reference for an error message.
func safeRef(s string) string {
	if len(s) > 40 || !isPrintableASCII(s) {
		return "..."
	}
	return s
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
