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
// appears on stdout or stderr (issues 4 and 5).
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
	for _, args := range [][]string{
		{"validate", m},
		{"plan", "-v", m},
		{"plan", "-v", "--json", m},
		{"apply", "-v", m},
	} {
		_, out, errOut := runCmd(t, dir, args...)
		all.WriteString(out)
		all.WriteString(errOut)
	}
	outputs, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	token := outputs.Customers["jane"].Token
	if token == "" {
		t.Fatal("the outputs hold no token for jane")
	}
	runs := [][]string{
		{"apply", "-v", "--json", m},
		{"apply", "-v", drift},
		{"plan", "-v", bad},
		{"output"},
		{"output", "--json"},
		{"destroy", "-v", "--yes", bad},
		{"apply", "-v", "--url", st.url, "--outputs-format", "dotenv", "--outputs", "out.env", m},
		{"destroy", "-v", "--yes", m},
		{"apply", "-v", bad},
	}
	for _, args := range runs {
		_, out, errOut := runCmd(t, dir, args...)
		all.WriteString(out)
		all.WriteString(errOut)
	}
	text := all.String()
	for name, secret := range map[string]string{
		"password": password, "interpolated telephone": phone, "wrong password": wrong,
		"token": token, "admin token": scriptAdminToken,
	} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s appears in mageseed's output", name)
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
