package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// schemaDoc is the part of a JSON Schema that the reference docs show.
type schemaDoc struct {
	Ref                  string                `json:"$ref"`
	Type                 any                   `json:"type"`
	Description          string                `json:"description"`
	Properties           map[string]*schemaDoc `json:"properties"`
	Required             []string              `json:"required"`
	Items                *schemaDoc            `json:"items"`
	AdditionalProperties any                   `json:"additionalProperties"`
	PropertyNames        *schemaDoc            `json:"propertyNames"`
	Enum                 []any                 `json:"enum"`
	Const                any                   `json:"const"`
	Pattern              string                `json:"pattern"`
	Format               string                `json:"format"`
	Minimum              *float64              `json:"minimum"`
	Maximum              *float64              `json:"maximum"`
	MinLength            *int                  `json:"minLength"`
	MaxLength            *int                  `json:"maxLength"`
	MaxItems             *int                  `json:"maxItems"`
	Defs                 map[string]*schemaDoc `json:"$defs"`
	Title                string                `json:"title"`
	ID                   string                `json:"$id"`
}

// manifestDocs renders the manifest's JSON Schema as Markdown reference
// documentation: one table per object, every field with its type, whether
// it is required, its constraints and its description. docs/manifest.md is
// this function's output; a test keeps the two equal.
func manifestDocs(schema []byte) ([]byte, error) {
	var root schemaDoc
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("read the manifest schema: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("<!-- Generated from schemas/manifest.schema.json by the docs test; do not edit.\n")
	b.WriteString("     Rewrite it with: MAGESEED_UPDATE=1 go test ./cmd/mageseed -run TestManifestDocs -->\n\n")
	b.WriteString("# Manifest reference\n\n")
	if root.Description != "" {
		b.WriteString(root.Description + "\n\n")
	}
	fmt.Fprintf(&b, "Schema: `%s` (JSON Schema 2020-12). Print it with `mageseed schema`; editors that\n", root.ID)
	b.WriteString("speak the YAML language server pick it up from the first line of a manifest:\n\n")
	b.WriteString("```yaml\n# yaml-language-server: $schema=../schemas/manifest.schema.json\n```\n\n")
	b.WriteString("Values may interpolate environment variables: `${VAR}`, `${VAR:-default}`; `$${` is a\n")
	b.WriteString("literal `${`. Interpolated values are treated as secrets and never printed.\n\n")

	writeTable(&b, "Top level", &root, &root)
	names := make([]string, 0, len(root.Defs))
	for name := range root.Defs {
		names = append(names, name)
	}
	order := map[string]int{"store": 0, "defaults": 1, "customer": 2, "address": 3, "generator": 4}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		if iok != jok {
			return iok
		}
		if iok {
			return oi < oj
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		writeTable(&b, "`"+name+"`", root.Defs[name], &root)
	}
	return b.Bytes(), nil
}

func writeTable(b *bytes.Buffer, title string, d, root *schemaDoc) {
	fmt.Fprintf(b, "## %s\n\n", title)
	if d.Description != "" && d != root {
		b.WriteString(d.Description + "\n\n")
	}
	if len(d.Properties) == 0 {
		return
	}
	b.WriteString("| Field | Type | Required | Description |\n|---|---|---|---|\n")
	req := map[string]bool{}
	for _, r := range d.Required {
		req[r] = true
	}
	keys := make([]string, 0, len(d.Properties))
	for k := range d.Properties {
		keys = append(keys, k)
	}
	// Required fields first, then the rest, by name within each group.
	sort.SliceStable(keys, func(i, j int) bool {
		if req[keys[i]] != req[keys[j]] {
			return req[keys[i]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		p := d.Properties[k]
		desc := p.Description
		if p.Ref != "" && desc == "" {
			if def := refDoc(p.Ref, root); def != nil {
				desc = def.Description
			}
		}
		if c := constraints(p); c != "" {
			desc = strings.TrimSpace(desc + " " + c)
		}
		yes := ""
		if req[k] {
			yes = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", k, typeName(p), yes, cell(desc))
	}
	b.WriteString("\n")
}

func refDoc(ref string, root *schemaDoc) *schemaDoc {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	return root.Defs[name]
}

func typeName(p *schemaDoc) string {
	if p.Ref != "" {
		name := strings.TrimPrefix(p.Ref, "#/$defs/")
		return "[" + name + "](#" + name + ")"
	}
	var types []string
	switch t := p.Type.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, fmt.Sprint(x))
		}
	}
	for i, t := range types {
		switch {
		case t == "array" && p.Items != nil && p.Items.Ref != "":
			types[i] = "list of " + typeName(p.Items)
		case t == "array" && p.Items != nil:
			types[i] = "list of " + typeName(p.Items)
		case t == "object" && p.AdditionalProperties != nil:
			if m, ok := p.AdditionalProperties.(map[string]any); ok {
				if ref, ok := m["$ref"].(string); ok {
					types[i] = "map of " + typeName(&schemaDoc{Ref: ref})
				}
			}
		}
	}
	if len(types) == 0 && p.Const != nil {
		return fmt.Sprintf("`%v`", p.Const)
	}
	return strings.Join(types, " or ")
}

func constraints(p *schemaDoc) string {
	var c []string
	if p.Const != nil {
		c = append(c, fmt.Sprintf("Must be `%v`.", p.Const))
	}
	if len(p.Enum) > 0 {
		var vs []string
		for _, v := range p.Enum {
			vs = append(vs, fmt.Sprintf("`%v`", v))
		}
		c = append(c, "One of "+strings.Join(vs, ", ")+".")
	}
	if p.Pattern != "" {
		c = append(c, "Pattern `"+p.Pattern+"`.")
	}
	if p.PropertyNames != nil && p.PropertyNames.Pattern != "" {
		c = append(c, "Keys match `"+p.PropertyNames.Pattern+"`.")
	}
	if p.Format != "" {
		c = append(c, "Format "+p.Format+".")
	}
	if p.Minimum != nil && p.Maximum != nil {
		c = append(c, fmt.Sprintf("From %v to %v.", *p.Minimum, *p.Maximum))
	} else if p.Minimum != nil {
		c = append(c, fmt.Sprintf("At least %v.", *p.Minimum))
	} else if p.Maximum != nil {
		c = append(c, fmt.Sprintf("At most %v.", *p.Maximum))
	}
	if p.MaxLength != nil {
		c = append(c, fmt.Sprintf("At most %d characters.", *p.MaxLength))
	}
	if p.MaxItems != nil {
		c = append(c, fmt.Sprintf("At most %d items.", *p.MaxItems))
	}
	return strings.Join(c, " ")
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
