package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed/sandbox"
)

// parseGitHubOutput reads a $GITHUB_OUTPUT file as GitHub Actions does:
// name=value lines, and name<<DELIM ... DELIM blocks for any value.
func parseGitHubOutput(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				t.Fatalf("$GITHUB_OUTPUT: %s: delimiter %s never closes", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("$GITHUB_OUTPUT: malformed line %q", line)
		}
		out[name] = val
	}
	return out
}

// TestGitHubActionsRecipe applies the tutorial as examples/ci's workflow
// does and checks that every step output the workflow reads is in
// $GITHUB_OUTPUT, with the value of the outputs file.
func TestGitHubActionsRecipe(t *testing.T) {
	recipe, err := os.ReadFile("../../examples/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				ID  string            `yaml:"id"`
				Run string            `yaml:"run"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(recipe, &wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	ref := regexp.MustCompile(`steps\.seed\.outputs\.([A-Za-z0-9_]+)`)
	var used []string
	applyArgs := ""
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if st.ID == "seed" {
				applyArgs = st.Run
			}
			for _, v := range st.Env {
				for _, m := range ref.FindAllStringSubmatch(v, -1) {
					used = append(used, m[1])
				}
			}
		}
	}
	if !strings.HasPrefix(applyArgs, "mageseed apply ") || len(used) == 0 {
		t.Fatalf("the workflow has no seed step whose outputs a later step reads")
	}

	newTestStore(t, sandbox.Options{})
	dir := t.TempDir()
	ghOut := filepath.Join(dir, "github_output")
	t.Setenv("GITHUB_OUTPUT", ghOut)
	args := strings.Fields(strings.TrimPrefix(applyArgs, "mageseed "))
	for i, a := range args {
		if strings.HasPrefix(a, "examples/") {
			args[i] = filepath.Join("..", "..", a)
			args[i], _ = filepath.Abs(args[i])
		}
	}
	if code, out, errOut := runCmd(t, dir, args...); code != 0 {
		t.Fatalf("mageseed %v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	got := parseGitHubOutput(t, ghOut)
	for _, name := range used {
		if got[name] == "" {
			t.Errorf("the workflow reads steps.seed.outputs.%s, which apply does not write", name)
		}
	}
	code, token, _ := runCmd(t, dir, "output", "customers.jane.token")
	if code != 0 || got["customers_jane_token"] != strings.TrimSpace(token) {
		t.Errorf("customers_jane_token in $GITHUB_OUTPUT differs from the outputs file")
	}
	perm, err := os.Stat(ghOut)
	if err != nil {
		t.Fatal(err)
	}
	if perm.Mode().Perm()&0o077 != 0 {
		t.Errorf("$GITHUB_OUTPUT created with mode %#o", perm.Mode().Perm())
	}
}

// TestGitLabRecipe checks that the GitLab job keeps the outputs file that
// apply writes and that every 'mageseed output' path its next job reads
// exists after applying the tutorial.
func TestGitLabRecipe(t *testing.T) {
	recipe, err := os.ReadFile("../../examples/ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(recipe, &doc); err != nil {
		t.Fatalf("the GitLab file is not valid YAML: %v", err)
	}
	type job struct {
		Script    []string `yaml:"script"`
		Artifacts struct {
			Paths []string `yaml:"paths"`
		} `yaml:"artifacts"`
	}
	var seed, cart job
	for name, j := range map[string]*job{"seed-customers": &seed, "create-cart": &cart} {
		node := doc[name]
		if err := node.Decode(j); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
	}
	if len(seed.Artifacts.Paths) != 1 || seed.Artifacts.Paths[0] != "mageseed.outputs.json" {
		t.Errorf("the seed job keeps %v, want the default outputs file", seed.Artifacts.Paths)
	}
	newTestStore(t, sandbox.Options{})
	dir := t.TempDir()
	tutorial, _ := filepath.Abs("../../examples/tutorial.yaml")
	if code, out, errOut := runCmd(t, dir, "apply", tutorial); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	path := regexp.MustCompile(`mageseed output ([A-Za-z0-9_.-]+)`)
	n := 0
	for _, line := range cart.Script {
		for _, m := range path.FindAllStringSubmatch(line, -1) {
			n++
			if code, out, errOut := runCmd(t, dir, "output", m[1]); code != 0 || strings.TrimSpace(out) == "" {
				t.Errorf("mageseed output %s: exit %d\n%s", m[1], code, errOut)
			}
		}
	}
	if n == 0 {
		t.Error("the create-cart job reads no output")
	}
}
