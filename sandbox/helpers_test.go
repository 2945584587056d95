package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// store is a sandbox served on loopback for one test.
type store struct {
	tb    testing.TB
	sb    *sandbox.Sandbox
	srv   *httptest.Server
	clock *clock
	admin string // an admin token
}

// newStore starts a sandbox with opts (its clock replaced by a settable
// one) and gets an admin token.
func newStore(tb testing.TB, opts sandbox.Options) *store {
	tb.Helper()
	clk := &clock{now: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)}
	opts.Now = clk.Now
	sb, err := sandbox.New(opts)
	if err != nil {
		tb.Fatalf("sandbox.New: %v", err)
	}
	srv := newServer(tb, sb)
	tb.Cleanup(func() {
		if err := sb.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	s := &store{tb: tb, sb: sb, srv: srv, clock: clk}
	user, pass := opts.AdminUser, opts.AdminPassword
	if user == "" {
		user, pass = "admin", "admin123"
	}
	s.admin = s.token("/rest/V1/integration/admin/token", user, pass)
	return s
}

// with returns the store reporting to tb (a fuzz target's *testing.T).
func (s *store) with(tb testing.TB) *store {
	c := *s
	c.tb = tb
	return &c
}

// newServer serves h on loopback until the test ends.
func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// response is an answer: its status and body.
type response struct {
	status int
	body   []byte
}

// do sends a request; body is JSON-encoded unless it is a string or
// []byte, sent as is.
func (s *store) do(method, path, token string, body any) response {
	s.tb.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case typed:
		rd, contentType = strings.NewReader(b.body), b.contentType
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.tb.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.tb.Fatalf("new request: %v", err)
	}
	if rd != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, body: raw}
}

// typed is a request body with its own Content-Type ("" sends none).
type typed struct {
	contentType, body string
}

// ok sends a request that must answer 200 and decodes the answer into out.
func (s *store) ok(method, path, token string, body, out any) {
	s.tb.Helper()
	r := s.do(method, path, token, body)
	if r.status != http.StatusOK && r.status != http.StatusAccepted {
		s.tb.Fatalf("%s %s: status %d, body %s", method, path, r.status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			s.tb.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
}

// token gets a token from a token endpoint.
func (s *store) token(path, user, pass string) string {
	s.tb.Helper()
	var tok string
	s.ok("POST", path, "", map[string]string{"username": user, "password": pass}, &tok)
	return tok
}

// errorBody is the decoded error envelope, with parameters kept generic.
type errorBody struct {
	Message    string      `json:"message"`
	Parameters any         `json:"parameters,omitempty"`
	Errors     []errorItem `json:"errors,omitempty"`
}

type errorItem struct {
	Message    string `json:"message"`
	Parameters any    `json:"parameters,omitempty"`
}

// wantError checks that r is the given status and error envelope.
func wantError(tb testing.TB, r response, status int, want errorBody) {
	tb.Helper()
	if r.status != status {
		tb.Errorf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	var got errorBody
	if err := json.Unmarshal(r.body, &got); err != nil {
		tb.Fatalf("decode error body %s: %v", r.body, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("error body mismatch (-want +got):\n%s\nbody: %s", diff, r.body)
	}
}

// customerBody returns a createAccount body for email with one US address.
func customerBody(email string) map[string]any {
	return map[string]any{
		"customer": map[string]any{
			"email":     email,
			"firstname": "Jane",
			"lastname":  "Doe",
			"addresses": []any{usAddress(true)},
		},
		"password": "Password1",
	}
}

func usAddress(isDefault bool) map[string]any {
	return map[string]any{
		"firstname":        "Jane",
		"lastname":         "Doe",
		"street":           []string{"160 1st St."},
		"city":             "Mineola",
		"region_id":        43,
		"postcode":         "11501",
		"country_id":       "US",
		"telephone":        "516-555-1111",
		"default_billing":  isDefault,
		"default_shipping": isDefault,
	}
}

// create creates a customer with the admin token and returns it.
func (s *store) create(body any) magento.CustomerData {
	s.tb.Helper()
	var c magento.CustomerData
	s.ok("POST", "/rest/V1/customers", s.admin, body, &c)
	return c
}

// search runs a customer search with the query string q (without "?").
func (s *store) search(q string) magento.CustomerSearchResults {
	s.tb.Helper()
	var res magento.CustomerSearchResults
	s.ok("GET", "/rest/V1/customers/search?"+q, s.admin, nil, &res)
	return res
}

// filterQuery builds a one-filter searchCriteria query string.
func filterQuery(field, value, cond string) string {
	v := url.Values{}
	v.Set("searchCriteria[filterGroups][0][filters][0][field]", field)
	v.Set("searchCriteria[filterGroups][0][filters][0][value]", value)
	if cond != "" {
		v.Set("searchCriteria[filterGroups][0][filters][0][conditionType]", cond)
	}
	return v.Encode()
}

func emails(res magento.CustomerSearchResults) []string {
	out := []string{}
	for _, c := range res.Items {
		out = append(out, c.Email)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
