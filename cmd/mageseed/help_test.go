package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHelpFitsTheScreen checks that every command's help fits in
// helpColumns columns: a long flag placeholder (the four credentials of
// --integration-oauth) once pushed every flag's description of
// 'mageseed sandbox --help' past column 160.
func TestHelpFitsTheScreen(t *testing.T) {
	for _, args := range [][]string{
		{"sandbox", "--help"}, {"--help"}, {"apply", "--help"}, {"plan", "--help"}, {"destroy", "--help"},
		{"validate", "--help"}, {"output", "--help"}, {"export", "--help"}, {"schema", "--help"},
	} {
		code, out, errOut := runCmd(t, "", args...)
		if code != 0 {
			t.Fatalf("mageseed %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		if !strings.Contains(out, "Flags:") {
			t.Fatalf("mageseed %s printed no flags:\n%s", strings.Join(args, " "), out)
		}
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > helpColumns {
				t.Errorf("mageseed %s: line %d is %d columns wide:\n%s", strings.Join(args, " "), i+1, n, line)
			}
		}
	}
	_, out, _ := runCmd(t, "", "sandbox", "--help")
	if !strings.Contains(out, "--integration-oauth KEY,SECRET,TOKEN,TOKEN_SECRET") {
		t.Errorf("sandbox help does not name --integration-oauth's four values:\n%s", out)
	}
}
