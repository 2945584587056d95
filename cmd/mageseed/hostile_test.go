package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// rewrite is a store between mageseed and the sandbox that may change each
// answer: edit gets the request, the sandbox's status and body, and returns
// the status and body to send instead.
func rewrite(edit func(r *http.Request, reqBody []byte, status int, body []byte) (int, []byte)) func(http.Handler) http.Handler {
	return hostileStore(nil, edit)
}

// hostileStore is rewrite with answer, if not nil, consulted first: when
// it reports handled, its answer is sent and the sandbox never sees the
// request.
func hostileStore(answer func(r *http.Request, reqBody []byte) (int, []byte, bool), edit func(r *http.Request, reqBody []byte, status int, body []byte) (int, []byte)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var reqBody []byte
			if r.Body != nil {
				reqBody, _ = readAll(r)
			}
			if answer != nil {
				if status, body, ok := answer(r, reqBody); ok {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					w.Write(body)
					return
				}
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			status, body := edit(r, reqBody, rec.Code, rec.Body.Bytes())
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(status)
			w.Write(body)
		})
	}
}

// readAll reads the request body and puts it back for the sandbox.
func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	r.Body.Close()
	r.Body = httpBody(b.Bytes())
	return b.Bytes(), err
}

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }

func httpBody(b []byte) bodyReader { return bodyReader{bytes.NewReader(b)} }

// errorBody is a Magento error envelope with message msg.
func errorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return b
}

const janeManifest = `version: 1
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    password: ${SEED_PASSWORD}
    token: true
  john:
    email: john@example.com
    firstname: John
    lastname: Roe
    password: ${SEED_PASSWORD}
`

// TestStoreTextIsData: names and messages from the store that hold
// terminal controls (ESC sequences, an OSC title, CR, BS, a C1 CSI, a
// right-to-left override) are printed escaped by plan, apply and their
// --json forms, on stdout and stderr alike.
func TestStoreTextIsData(t *testing.T) {
	const hostile = "D\x1b]0;owned\x07o\x1b[2J\re\b\u009b31m\u202eX"
	refuse := func(r *http.Request, reqBody []byte) (int, []byte, bool) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/V1/customers") && bytes.Contains(reqBody, []byte("john@example.com")) {
			return 400, errorBody("refused\x1b[1A\rmageseed: error: forged \u202eline"), true
		}
		return 0, nil, false
	}
	newTestStoreWith(t, sandbox.Options{}, hostileStore(refuse, func(r *http.Request, _ []byte, status int, body []byte) (int, []byte) {
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/V1/customers/search") {
			// Every customer the store holds is now named as hostile says.
			enc, _ := json.Marshal(hostile)
			return status, bytes.ReplaceAll(body, []byte(`"lastname":"Doe"`), append([]byte(`"lastname":`), enc...))
		}
		return status, body
	}))
	t.Setenv("SEED_PASSWORD", "Password1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(janeManifest), 0o644)
	// jane exists, with the hostile lastname; john is refused.
	if code, out, errOut := runCmd(t, dir, "apply", "--keep-going", m); code != 1 {
		t.Fatalf("first apply: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	var all strings.Builder
	for _, run := range []struct {
		args []string
		code int
	}{
		{[]string{"plan", m}, 0},
		{[]string{"plan", "--json", m}, 0},
		{[]string{"apply", "--keep-going", m}, 1},
		{[]string{"apply", "--keep-going", "--json", m}, 1},
		{[]string{"destroy", "--yes", m}, 0},
	} {
		code, out, errOut := runCmd(t, dir, run.args...)
		if code != run.code {
			t.Errorf("mageseed %v: exit %d, want %d\n%s\n%s", run.args, code, run.code, out, errOut)
		}
		all.WriteString(out + errOut)
	}
	text := all.String()
	for _, bad := range []string{"\x1b", "\r", "\b", "\u009b", "\u202e", "\x07"} {
		if i := strings.Index(text, bad); i >= 0 {
			t.Errorf("output holds %q raw, at %q", bad, text[max(0, i-40):min(len(text), i+40)])
		}
	}
	for _, want := range []string{`D\x1b]0;owned\x07o`, `\u202eX`, `refused\x1b[1A\rmageseed: error: forged`, `\u001b]0;owned`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks the escaped %q:\n%s", want, text)
		}
	}
}

// TestSecretsEchoed: a store that echoes the request in its error message
// (JSON-escaped, as in a body, and URL-encoded, as in a query) never gets
// the password printed, in any of those encodings, by apply or apply
// --json, on stdout or stderr.
func TestSecretsEchoed(t *testing.T) {
	const password = `Pa"ss<w>&rd/ö 1`
	newTestStoreWith(t, sandbox.Options{}, rewrite(func(r *http.Request, reqBody []byte, status int, body []byte) (int, []byte) {
		if r.Method == "POST" && (strings.HasSuffix(r.URL.Path, "/V1/customers") || strings.HasSuffix(r.URL.Path, "/customer/token")) {
			msg := "invalid request " + string(reqBody) + " from /x?" + url.Values{"p": {password}}.Encode() + " path /" + url.PathEscape(password)
			return 400, errorBody(msg)
		}
		return status, body
	}))
	t.Setenv("SEED_PASSWORD", password)
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(janeManifest), 0o644)
	var all strings.Builder
	for _, args := range [][]string{
		{"apply", "-v", "--keep-going", m},
		{"apply", "-v", "--keep-going", "--json", m},
	} {
		code, out, errOut := runCmd(t, dir, args...)
		if code != 1 {
			t.Errorf("mageseed %v: exit %d, want 1\n%s\n%s", args, code, out, errOut)
		}
		all.WriteString(out + errOut)
	}
	text := all.String()
	if !strings.Contains(text, "invalid request") {
		t.Fatalf("the store's echo is not in the output, so the test shows nothing:\n%s", text)
	}
	for _, v := range encodings(password) {
		if strings.Contains(text, v) {
			t.Errorf("the password appears encoded as %q:\n%s", v, text)
		}
	}
}

// duplicating is a store whose customer searches answer jdoe@example.com
// twice, the second time with id 1000: two customers with one (email,
// website), which Magento's unique key forbids.
func duplicating() func(http.Handler) http.Handler {
	return rewrite(func(r *http.Request, _ []byte, status int, body []byte) (int, []byte) {
		if r.Method != "GET" || !strings.HasSuffix(r.URL.Path, "/V1/customers/search") || status != 200 {
			return status, body
		}
		var res struct {
			Items      []map[string]any `json:"items"`
			TotalCount int              `json:"total_count"`
		}
		if json.Unmarshal(body, &res) != nil {
			return status, body
		}
		var add []map[string]any
		for _, it := range res.Items {
			if it["email"] == "jdoe@example.com" {
				twin := map[string]any{}
				for k, v := range it {
					twin[k] = v
				}
				twin["id"] = 1000
				add = append(add, twin)
			}
		}
		res.Items = append(res.Items, add...)
		res.TotalCount += len(add)
		out, _ := json.Marshal(res)
		return status, out
	})
}

// TestDuplicatesSurface: two customers with one (email, website) are an
// error naming both ids in plan, apply and destroy, and neither apply nor
// destroy writes anything; destroy says what it did not delete.
func TestDuplicatesSurface(t *testing.T) {
	st := newTestStoreWith(t, sandbox.Options{}, duplicating())
	t.Setenv("SEED_PASSWORD", "Password1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(janeManifest), 0o644)
	// The first apply creates both (searches find nothing yet).
	if code, out, errOut := runCmd(t, dir, "apply", m); code != 0 {
		t.Fatalf("first apply: exit %d\n%s\n%s", code, out, errOut)
	}
	o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	ids := fmt.Sprintf("%d and 1000", o.Customers["jane"].ID)
	writes := func() int {
		n := 0
		for r, k := range st.requests(t) {
			if isCustomerWrite(r) {
				n += k
			}
		}
		return n
	}
	before := writes()
	// The client may refuse the search that answers twice (then nothing is
	// planned), or the plan may find the two: either way the ids are
	// named, nothing is written, and apply and destroy say so.
	for _, run := range []struct {
		args []string
		says string
	}{
		{[]string{"plan", m}, ""},
		{[]string{"plan", "--json", m}, ""},
		{[]string{"apply", m}, "nothing was changed"},
		{[]string{"destroy", "--yes", m}, "nothing was deleted"},
		{[]string{"destroy", "--yes", "--json", m}, "nothing was deleted"},
	} {
		code, out, errOut := runCmd(t, dir, run.args...)
		if code != 1 {
			t.Errorf("mageseed %v: exit %d, want 1\n%s\n%s", run.args, code, out, errOut)
		}
		if !strings.Contains(errOut, ids) || !strings.Contains(errOut, "jdoe@example.com") {
			t.Errorf("mageseed %v: the error does not name both ids:\n%s", run.args, errOut)
		}
		if !strings.Contains(out+errOut, run.says) {
			t.Errorf("mageseed %v: the output does not say %q:\n%s%s", run.args, run.says, out, errOut)
		}
	}
	if got := writes() - before; got != 0 {
		t.Errorf("%d writes to a store that holds a customer twice, want 0", got)
	}
}

// TestOutputsCheckedBeforeWrites: an outputs path that cannot be written
// stops apply before its first request.
func TestOutputsCheckedBeforeWrites(t *testing.T) {
	st := newTestStore(t, sandbox.Options{})
	t.Setenv("SEED_PASSWORD", "Password1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(janeManifest), 0o644)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	for _, path := range []string{"missing/out.json", "file/out.json", "adir"} {
		code, out, errOut := runCmd(t, dir, "apply", "--outputs", path, m)
		if code != 1 || !strings.Contains(errOut, "nothing was sent to the store") {
			t.Errorf("apply --outputs %s: exit %d, want 1 and a hint that nothing was sent\n%s\n%s", path, code, out, errOut)
		}
	}
	t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "missing", "gh"))
	if code, _, errOut := runCmd(t, dir, "apply", "--outputs-format", "github", m); code != 1 || !strings.Contains(errOut, "GITHUB_OUTPUT") {
		t.Errorf("apply with an unwritable $GITHUB_OUTPUT: exit %d\n%s", code, errOut)
	}
	if n := total(st.requests(t)); n != 0 {
		t.Errorf("the store received %d requests, want 0", n)
	}
}

// TestOutputMasksTokens: 'mageseed output' masks tokens in every view but
// the one whose path ends at a token, and an outputs file that does not
// parse is never quoted in the error.
func TestOutputMasksTokens(t *testing.T) {
	newTestStore(t, sandbox.Options{})
	t.Setenv("SEED_PASSWORD", "Password1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(janeManifest), 0o644)
	if code, out, errOut := runCmd(t, dir, "apply", m); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	token := o.Customers["jane"].Token
	if token == "" {
		t.Fatal("no token for jane")
	}
	for _, args := range [][]string{{"output"}, {"output", "customers"}, {"output", "customers.jane"}, {"output", "--json", "customers.jane"}} {
		code, out, errOut := runCmd(t, dir, args...)
		if code != 0 {
			t.Errorf("mageseed %v: exit %d\n%s", args, code, errOut)
		}
		if strings.Contains(out, token) {
			t.Errorf("mageseed %v prints the token:\n%s", args, out)
		}
	}
	code, out, _ := runCmd(t, dir, "output", "customers.jane.token")
	if code != 0 || strings.TrimSpace(out) != token {
		t.Errorf("output customers.jane.token: exit %d, %q, want the token raw", code, out)
	}

	// Broken files in each format: the error says where, never what.
	for name, content := range map[string]string{
		"broken.env":  "MAGESEED_JANE_EMAIL=jdoe@example.com\nMAGESEED_JANE_TOKEN='" + token + "\n",
		"broken.json": `{"version": 1, "customers": {"jane": {"token": "` + token + `" "id": 1}}}`,
		"broken.yaml": "version: 1\ncustomers:\n  jane:\n    token: " + token + "\n",
	} {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
		for _, args := range [][]string{{"output", "--outputs", name}, {"plan", "--outputs", name, m}} {
			code, out, errOut := runCmd(t, dir, args...)
			if code != 1 {
				t.Errorf("mageseed %v: exit %d, want 1", args, code)
			}
			if strings.Contains(out+errOut, token) || strings.Contains(out+errOut, token[:8]) {
				t.Errorf("mageseed %v quotes the file:\n%s%s", args, out, errOut)
			}
		}
	}
}

// TestExportEscapesStoreText: export writes a name that holds terminal
// controls and a right-to-left override as YAML escapes that read back as
// the same name.
func TestExportEscapesStoreText(t *testing.T) {
	const name = "Ja\u202ene\x1b[2J\u009b"
	doc, err := exportManifest([]mageseed.Customer{{ID: 1, Email: "j@example.com", Firstname: name, Lastname: "Doe", WebsiteID: 1}},
		[]mageseed.Website{{ID: 1, Code: "base"}}, &mageseed.Metadata{}, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\u202e", "\x1b", "\u009b"} {
		if bytes.Contains(doc, []byte(bad)) {
			t.Errorf("export holds %q raw:\n%s", bad, doc)
		}
	}
	var back struct {
		Customers map[string]struct{ Firstname string }
	}
	if err := yaml.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Customers["j"].Firstname; got != name {
		t.Errorf("firstname reads back as %q, want %q\n%s", got, name, doc)
	}
}
