package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// TestNoSecretsInOutput runs every command at its most verbose, on success
// and on failure, and checks that no password, token or interpolated value
// appears on stdout or stderr, in any encoding. Each
// command's exit code is checked, so that a command that failed early and
// printed nothing cannot pass for one that kept its secrets.
func TestNoSecretsInOutput(t *testing.T) {
	st := newTestStore(t, sandbox.Options{})
	dir := t.TempDir()
	const (
		password = "Zq7!interpolated-Secret"
		phone    = "555-0199-777"
		wrong    = "Wr0ng!Password-Unique"
	)
	t.Setenv("SEED_PASSWORD", password)
	t.Setenv("SEED_PHONE", phone)
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(`version: 1
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    password: ${SEED_PASSWORD}
    token: true
    addresses:
      home:
        firstname: Jane
        lastname: Doe
        street: ["160 1st St."]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: ${SEED_PHONE}
`), 0o644)
	// A second manifest whose password the store will refuse for the token:
	// credential drift must not print the password either.
	drift := filepath.Join(dir, "drift.yaml")
	os.WriteFile(drift, []byte(strings.Replace(mustRead(t, m), "${SEED_PASSWORD}", wrong, 1)), 0o644)
	// A manifest the store rejects, so that error paths that quote a
	// request are covered.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(mustRead(t, m), "lastname: Doe\n    password", "lastname: Doe\n    groupId: 99\n    password", 1)), 0o644)

	var all strings.Builder
	type run struct {
		args []string
		code int // each command's exit code is checked: a run that failed early would show nothing
	}
	check := func(runs []run) {
		t.Helper()
		for _, r := range runs {
			code, out, errOut := runCmd(t, dir, r.args...)
			if code != r.code {
				t.Errorf("mageseed %v: exit %d, want %d\n%s\n%s", r.args, code, r.code, out, errOut)
			}
			all.WriteString(out)
			all.WriteString(errOut)
		}
	}
	check([]run{
		{[]string{"validate", m}, 0},
		{[]string{"plan", "-v", m}, 0},
		{[]string{"plan", "-v", "--json", m}, 0},
		{[]string{"apply", "-v", m}, 0},
	})
	outputs, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	token := outputs.Customers["jane"].Token
	if token == "" {
		t.Fatal("the outputs hold no token for jane")
	}
	check([]run{
		{[]string{"apply", "-v", "--json", m}, 0},
		{[]string{"apply", "-v", drift}, 0}, // credential drift is a warning
		{[]string{"plan", "-v", bad}, 0},
		{[]string{"output"}, 0},
		{[]string{"output", "--json"}, 0},
		{[]string{"output", "customers"}, 0},
		{[]string{"output", "customers.jane"}, 0},
		{[]string{"destroy", "-v", "--yes", bad}, 0},
		{[]string{"apply", "-v", "--url", st.url, "--outputs-format", "dotenv", "--outputs", "out.env", m}, 0},
		{[]string{"destroy", "-v", "--yes", m}, 0},
		{[]string{"apply", "-v", bad}, 1}, // the store refuses group 99
	})
	text := all.String()
	for name, secret := range map[string]string{
		"password": password, "interpolated telephone": phone, "wrong password": wrong,
		"token": token, "admin token": scriptAdminToken,
	} {
		for _, v := range encodings(secret) {
			if strings.Contains(text, v) {
				t.Errorf("the %s appears in mageseed's output (as %q)", name, v)
			}
		}
	}
	if !strings.Contains(text, "jdoe@example.com") {
		t.Errorf("the commands printed nothing useful; output:\n%s", text)
	}
	fi, err := os.Stat(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("outputs file mode %#o, want 0600", perm)
	}
}

func mustRead(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
