package apply

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The yaml outputs format is block-style YAML with two-space indents, every
// string double-quoted (JSON's escapes are valid in YAML's double-quoted
// scalars) and keys quoted unless they are plain identifiers. apply may not
// import a YAML library, so it writes this subset by hand, and ParseOutputs
// reads the same subset back.

// encodeYAML renders the outputs as YAML.
func encodeYAML(b *bufio.Writer, o *Outputs) error {
	b.WriteString("# Written by mageseed. Holds customer tokens: keep it private.\n")
	fmt.Fprintf(b, "version: %d\n", o.Version)
	b.WriteString("store:\n")
	fmt.Fprintf(b, "  url: %s\n", yamlString(o.Store.URL))
	fmt.Fprintf(b, "  storeCode: %s\n", yamlString(o.Store.StoreCode))
	fmt.Fprintf(b, "  websiteId: %d\n", o.Store.WebsiteID)
	if len(o.Customers) == 0 {
		b.WriteString("customers: {}\n")
		return nil
	}
	b.WriteString("customers:\n")
	for _, key := range slices.Sorted(maps.Keys(o.Customers)) {
		c := o.Customers[key]
		fmt.Fprintf(b, "  %s:\n", yamlKey(key))
		fmt.Fprintf(b, "    id: %d\n", c.ID)
		fmt.Fprintf(b, "    email: %s\n", yamlString(c.Email))
		fmt.Fprintf(b, "    websiteId: %d\n", c.WebsiteID)
		fmt.Fprintf(b, "    groupId: %d\n", c.GroupID)
		if len(c.Addresses) > 0 {
			b.WriteString("    addresses:\n")
			for _, ak := range slices.Sorted(maps.Keys(c.Addresses)) {
				a := c.Addresses[ak]
				fmt.Fprintf(b, "      %s:\n", yamlKey(ak))
				fmt.Fprintf(b, "        id: %d\n", a.ID)
				fmt.Fprintf(b, "        defaultBilling: %t\n", a.DefaultBilling)
				fmt.Fprintf(b, "        defaultShipping: %t\n", a.DefaultShipping)
			}
		}
		if c.Token != "" {
			fmt.Fprintf(b, "    token: %s\n", yamlString(c.Token))
			fmt.Fprintf(b, "    tokenExpiresAt: %s\n", yamlString(c.TokenExpiresAt))
		}
	}
	return nil
}

// yamlString double-quotes s. JSON's escapes are a subset of YAML's.
func yamlString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// yamlKey writes k plain when YAML reads it back as the same string, and
// double-quoted otherwise.
func yamlKey(k string) string {
	if k == "" {
		return `""`
	}
	for i, r := range k {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && (r == '-' || (r >= '0' && r <= '9')))
		if !ok {
			return yamlString(k)
		}
	}
	switch strings.ToLower(k) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return yamlString(k)
	}
	return k
}

// yamlToJSON converts YAML in the subset encodeYAML writes (nested block
// mappings whose scalars are double-quoted strings, integers, booleans or
// {}) into JSON.
func yamlToJSON(src []byte) ([]byte, error) {
	type level struct {
		indent int
		m      map[string]any
	}
	root := map[string]any{}
	stack := []level{{-1, root}}
	var pending string // key of a mapping opened by "key:" and not yet filled
	pendingIndent := -1
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || trimmed == "---" {
			continue
		}
		indent := len(line) - len(trimmed)
		if pending != "" {
			parent := stack[len(stack)-1].m
			if indent > pendingIndent {
				child := map[string]any{}
				parent[pending] = child
				stack = append(stack, level{indent, child})
			} else {
				parent[pending] = nil
			}
			pending = ""
		}
		for len(stack) > 1 && indent < stack[len(stack)-1].indent {
			stack = stack[:len(stack)-1]
		}
		top := stack[len(stack)-1]
		if top.indent >= 0 && indent != top.indent || top.indent < 0 && indent != 0 {
			return nil, fmt.Errorf("line %d: unexpected indentation", n)
		}
		key, rest, err := yamlSplitKey(trimmed)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if rest == "" {
			pending, pendingIndent = key, indent
			continue
		}
		v, err := yamlScalar(rest)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		top.m[key] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if pending != "" {
		stack[len(stack)-1].m[pending] = nil
	}
	return json.Marshal(root)
}

// yamlSplitKey splits `key: rest` (the key plain or double-quoted).
func yamlSplitKey(s string) (key, rest string, err error) {
	if strings.HasPrefix(s, `"`) {
		dec := json.NewDecoder(strings.NewReader(s))
		if err := dec.Decode(&key); err != nil {
			return "", "", fmt.Errorf("bad quoted key: %w", err)
		}
		s = s[dec.InputOffset():]
	} else {
		i := strings.Index(s, ":")
		if i < 0 {
			return "", "", errors.New("want \"key: value\"")
		}
		key, s = s[:i], s[i:]
	}
	if !strings.HasPrefix(s, ":") {
		return "", "", errors.New("want \":\" after the key")
	}
	return key, strings.TrimSpace(s[1:]), nil
}

// yamlScalar reads a value encodeYAML writes.
func yamlScalar(s string) (any, error) {
	switch {
	case s == "{}":
		return map[string]any{}, nil
	case s == "true":
		return true, nil
	case s == "false":
		return false, nil
	case s == "null" || s == "~":
		return nil, nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("bad quoted string: %w", err)
		}
		return v, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	return nil, errors.New("unsupported value (strings must be double-quoted)")
}
