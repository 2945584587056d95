package manifest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/manifest"
	"github.com/mageseed/mageseed/schemas"
)

// TestSchemaDescribed checks that every property in the manifest schema has
// a description (directly or in the definition it refers to), so editors
// show help on hover, and that objects catch typos.
func TestSchemaDescribed(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(schemas.Manifest, &root); err != nil {
		t.Fatal(err)
	}
	if root["$id"] != schemas.ManifestID || root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("got $id %v and $schema %v", root["$id"], root["$schema"])
	}
	defs, _ := root["$defs"].(map[string]any)
	described := func(s map[string]any) bool {
		if _, ok := s["description"]; ok {
			return true
		}
		if ref, ok := s["$ref"].(string); ok {
			d, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			_, ok := d["description"]
			return ok
		}
		return false
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if s["type"] == "object" && s["properties"] != nil {
			if _, ok := s["additionalProperties"]; !ok {
				t.Errorf("%s: object without additionalProperties", path)
			}
		}
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p, _ := props[k].(map[string]any)
			if !described(p) {
				t.Errorf("%s.%s: no description", path, k)
			}
			walk(path+"."+k, p)
		}
		for _, k := range []string{"items", "additionalProperties"} {
			if sub, ok := s[k].(map[string]any); ok {
				walk(path+"."+k, sub)
			}
		}
	}
	walk("", root)
	for name, d := range defs {
		walk("$defs."+name, d.(map[string]any))
	}
}

// TestExamples loads every example manifest with an empty environment and
// checks that each starts with the yaml-language-server line that points at
// the schema. A profile.yaml is a sandbox profile, not a manifest: the
// examples test of cmd/mageseed starts a sandbox with it.
func TestExamples(t *testing.T) {
	var files []string
	err := filepath.WalkDir(filepath.Join("..", "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "ci" {
			return filepath.SkipDir
		}
		if (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) && d.Name() != "profile.yaml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d examples, want at least 4", len(files))
	}
	for _, f := range files {
		t.Run(filepath.ToSlash(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			const prefix = "# yaml-language-server: $schema="
			if !strings.HasPrefix(first, prefix) {
				t.Fatalf("first line is %q, want %s...", first, prefix)
			}
			schema := filepath.Join(filepath.Dir(f), strings.TrimPrefix(first, prefix))
			if _, err := os.Stat(schema); err != nil {
				t.Errorf("the schema line points at %s: %v", schema, err)
			}
			if _, err := manifest.Load([]string{f}, manifest.Options{Getenv: mapEnv(nil)}); err != nil {
				t.Errorf("Load: %v", err)
			}
		})
	}
}
