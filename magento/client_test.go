package magento_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

// answer is one scripted answer of a fake store.
type answer struct {
	status     int
	body       string
	retryAfter string
	drop       bool // close the connection without an answer
}

// script is a fake store that gives its answers in order and repeats the
// last one; it records when each request arrived.
type script struct {
	mu       sync.Mutex
	answers  []answer
	arrivals []time.Time
	requests []*http.Request
	bodies   []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.arrivals)
	s.arrivals = append(s.arrivals, time.Now())
	s.requests = append(s.requests, r)
	s.bodies = append(s.bodies, string(body))
	a := s.answers[min(n, len(s.answers)-1)]
	s.mu.Unlock()
	if a.drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrivals)
}

// newClient starts srv and returns a client for it with fast backoff.
func newClient(tb testing.TB, h http.Handler, edit func(*magento.Config)) *magento.Client {
	tb.Helper()
	var url string
	if h != nil {
		srv := httptest.NewServer(h)
		tb.Cleanup(srv.Close)
		url = srv.URL
	}
	cfg := magento.Config{
		BaseURL:    url,
		AdminToken: "admin-secret-token",
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
		MaxRetries: 3,
		UserAgent:  "mageseed/test",
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := magento.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// memTransport answers requests with h in this process, without a network,
// so that a client can run inside a synctest bubble: its waits (backoff,
// Retry-After, timeouts) then pass on the bubble's fake clock at once, and
// synctest.Wait tells when every request is parked. A request whose
// context ends before h answers fails with the context's cause, as over a
// connection; h sees that context as the request's.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	done := make(chan *http.Response, 1)
	in := *req // the store's view: a body always, as a server gives
	if in.Body == nil {
		in.Body = http.NoBody
	}
	go func() {
		defer in.Body.Close()
		rec := httptest.NewRecorder()
		m.h.ServeHTTP(rec, &in)
		resp := rec.Result()
		resp.Request = req
		done <- resp
	}()
	select {
	case resp := <-done:
		return resp, nil
	case <-req.Context().Done():
		return nil, context.Cause(req.Context())
	}
}

// newMemClient returns a client with newClient's settings that reaches h
// through memTransport; call it inside synctest.Test.
func newMemClient(tb testing.TB, h http.Handler, edit func(*magento.Config)) *magento.Client {
	tb.Helper()
	return newClient(tb, nil, func(cfg *magento.Config) {
		cfg.BaseURL = "http://127.0.0.1"
		cfg.HTTPClient = &http.Client{Transport: memTransport{h}}
		if edit != nil {
			edit(cfg)
		}
	})
}

const (
	customerJSON = `{"id":7,"email":"jdoe@example.com","firstname":"Jane","lastname":"Doe","website_id":1,"group_id":1,"addresses":[]}`
	unavailable  = `{"message":"Service Unavailable"}`
)

var jane = mageseed.Customer{Key: "jane", ID: 7, Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1, Password: "Password1!"}

// operations the retry table runs.
var operations = map[string]func(context.Context, *magento.Client) error{
	"get": func(ctx context.Context, c *magento.Client) error {
		_, err := c.GetCustomer(ctx, 7)
		return err
	},
	"put": func(ctx context.Context, c *magento.Client) error {
		_, err := c.UpdateCustomer(ctx, jane)
		return err
	},
	"delete": func(ctx context.Context, c *magento.Client) error {
		return c.DeleteCustomer(ctx, 7)
	},
	"create": func(ctx context.Context, c *magento.Client) error {
		_, err := c.CreateCustomer(ctx, jane)
		return err
	},
	"bulk": func(ctx context.Context, c *magento.Client) error {
		_, _, err := c.CreateCustomersBulk(ctx, []mageseed.Customer{jane})
		return err
	},
	"customer token": func(ctx context.Context, c *magento.Client) error {
		_, err := c.CustomerToken(ctx, 0, jane.Email, jane.Password)
		return err
	},
}

func TestRetryPolicy(t *testing.T) {
	ok := map[string]answer{
		"get":            {status: 200, body: customerJSON},
		"put":            {status: 200, body: customerJSON},
		"delete":         {status: 200, body: "true"},
		"create":         {status: 200, body: customerJSON},
		"bulk":           {status: 202, body: `{"bulk_uuid":"u","request_items":[{"id":0,"status":"accepted"}],"errors":false}`},
		"customer token": {status: 200, body: `"tok"`},
	}
	s503 := answer{status: 503, body: unavailable}
	tests := []struct {
		name         string
		op           string
		answers      []answer // the op's success answer is appended
		wantAttempts int
		wantCode     string
	}{
		{name: "get retried on 503", op: "get", answers: []answer{s503, s503}, wantAttempts: 3},
		{name: "get retried on 502", op: "get", answers: []answer{{status: 502, body: "<html>bad gateway</html>"}}, wantAttempts: 2},
		{name: "get retried on 504", op: "get", answers: []answer{{status: 504}}, wantAttempts: 2},
		{name: "get retried on 429", op: "get", answers: []answer{{status: 429, body: `{"message":"Too Many Requests"}`, retryAfter: "0"}}, wantAttempts: 2},
		{name: "get retried after a dropped connection", op: "get", answers: []answer{{drop: true}}, wantAttempts: 2},
		{name: "get gives up after MaxRetries", op: "get", answers: []answer{s503, s503, s503, s503, s503}, wantAttempts: 4, wantCode: mageseed.EUNAVAILABLE},
		{name: "get not retried on 500", op: "get", answers: []answer{{status: 500, body: `{"message":"Internal Error."}`}}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "get not retried on 404", op: "get", answers: []answer{{status: 404, body: `{"message":"No such entity with %fieldName = %fieldValue","parameters":{"fieldName":"customerId","fieldValue":7}}`}}, wantAttempts: 1, wantCode: mageseed.ENOTFOUND},
		{name: "get 429 past its retries is ERATELIMIT", op: "get", answers: []answer{{status: 429, retryAfter: "0"}, {status: 429, retryAfter: "0"}, {status: 429, retryAfter: "0"}, {status: 429, retryAfter: "0"}, {status: 429, retryAfter: "0"}}, wantAttempts: 4, wantCode: mageseed.ERATELIMIT},
		{name: "get not retried when Retry-After is an hour", op: "get", answers: []answer{{status: 429, retryAfter: "3600"}}, wantAttempts: 1, wantCode: mageseed.ERATELIMIT},
		{name: "put retried on 503", op: "put", answers: []answer{s503}, wantAttempts: 2},
		{name: "put retried after a dropped connection", op: "put", answers: []answer{{drop: true}}, wantAttempts: 2},
		{name: "delete retried on 504", op: "delete", answers: []answer{{status: 504}}, wantAttempts: 2},
		{name: "create not retried on 503", op: "create", answers: []answer{s503}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "create not retried on 502", op: "create", answers: []answer{{status: 502}}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "create not retried after a dropped connection", op: "create", answers: []answer{{drop: true}}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "create retried on 429", op: "create", answers: []answer{{status: 429, retryAfter: "0"}}, wantAttempts: 2},
		{name: "create conflict not retried", op: "create", answers: []answer{{status: 400, body: `{"message":"A customer with the same email address already exists in an associated website."}`}}, wantAttempts: 1, wantCode: mageseed.ECONFLICT},
		{name: "bulk not retried on 503", op: "bulk", answers: []answer{s503}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "bulk not retried after a dropped connection", op: "bulk", answers: []answer{{drop: true}}, wantAttempts: 1, wantCode: mageseed.EUNAVAILABLE},
		{name: "customer token never retried on 401", op: "customer token", answers: []answer{{status: 401, body: `{"message":"The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}`}}, wantAttempts: 1, wantCode: mageseed.EUNAUTHORIZED},
		{name: "customer token retried on 503", op: "customer token", answers: []answer{s503, s503}, wantAttempts: 3},
		{name: "customer token retried on 503 up to MaxSignIns", op: "customer token", answers: []answer{s503, s503, s503, s503}, wantAttempts: 3, wantCode: mageseed.EUNAVAILABLE},
		{name: "customer token: a 503, a 502, then a token", op: "customer token", answers: []answer{s503, {status: 502}}, wantAttempts: 3},
		{name: "customer token retried after a dropped connection", op: "customer token", answers: []answer{{drop: true}}, wantAttempts: 2},
		{name: "customer token retried twice after dropped connections", op: "customer token", answers: []answer{{drop: true}, {status: 502}, {drop: true}}, wantAttempts: 3, wantCode: mageseed.EUNAVAILABLE},
		{name: "customer token: a 401 after a lost answer ends it", op: "customer token", answers: []answer{{drop: true}, {status: 401, body: `{"message":"The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}`}}, wantAttempts: 2, wantCode: mageseed.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{answers: append(append([]answer(nil), tt.answers...), ok[tt.op])}
			c := newClient(t, s, nil)
			err := operations[tt.op](context.Background(), c)
			if got := mageseed.ErrorCode(err); got != tt.wantCode {
				t.Errorf("error code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := s.count(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if got := c.Stats().Total(); got != tt.wantAttempts {
				t.Errorf("Stats().Total() = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// TestRetryAfterHonoured checks, on a synctest bubble's clock, that the
// retry of a 429 waits out its Retry-After in either form.
func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func() string
		wait       time.Duration
	}{
		{"seconds", func() string { return "1" }, time.Second},
		{"http date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &script{answers: []answer{{status: 429, retryAfter: tt.retryAfter(), body: `{"message":"Too Many Requests"}`}, {status: 200, body: customerJSON}}}
				c := newMemClient(t, s, nil)
				if _, err := c.GetCustomer(context.Background(), 7); err != nil {
					t.Fatal(err)
				}
				if gap := s.arrivals[1].Sub(s.arrivals[0]); gap < tt.wait {
					t.Errorf("retry came %s after the 429, before Retry-After (%s) expired", gap, tt.wait)
				}
				if st := c.Stats(); st.TooManyRequests != 1 || st.Retries != 1 {
					t.Errorf("stats: %d 429s, %d retries; want 1, 1", st.TooManyRequests, st.Retries)
				}
			})
		})
	}
}

// TestRetryAfterPausesEveryRequest checks that no request of the client
// reaches the store before a Retry-After expires, not only the refused one.
// It runs in a synctest bubble: the wait passes on the fake clock.
func TestRetryAfterPausesEveryRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu        sync.Mutex
			refusedAt time.Time
			arrivals  = map[string]time.Time{}
		)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.URL.Path == "/rest/default/V1/customers/1" && refusedAt.IsZero() {
				refusedAt = time.Now()
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				return
			}
			arrivals[r.URL.Path] = time.Now()
			io.WriteString(w, customerJSON)
		})
		c := newMemClient(t, h, nil)
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := c.GetCustomer(context.Background(), 1); err != nil {
				t.Error(err)
			}
		})
		// Once every goroutine is parked, the client has read the 429 and
		// its retry waits for the pause to end.
		synctest.Wait()
		if st := c.Stats(); st.TooManyRequests != 1 {
			t.Fatalf("%d 429s seen before the second request, want 1", st.TooManyRequests)
		}
		if _, err := c.GetCustomer(context.Background(), 2); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if len(arrivals) != 2 {
			t.Errorf("answered %v, want both customers", arrivals)
		}
		for path, at := range arrivals {
			if gap := at.Sub(refusedAt); gap < time.Second {
				t.Errorf("%s arrived %s after the 429, before its Retry-After of 1s", path, gap)
			}
		}
	})
}

func TestContextCancel(t *testing.T) {
	tests := []struct {
		name    string
		handler func(arrived chan<- struct{}) http.Handler
	}{
		{
			name: "while the store is slow",
			handler: func(arrived chan<- struct{}) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					arrived <- struct{}{}
					<-r.Context().Done()
				})
			},
		},
		{
			name: "while waiting for Retry-After",
			handler: func(arrived chan<- struct{}) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "120")
					w.WriteHeader(503)
					arrived <- struct{}{}
				})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived := make(chan struct{}, 10)
			c := newClient(t, tt.handler(arrived), nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := c.GetCustomer(ctx, 7)
				done <- err
			}()
			<-arrived
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want one wrapping context.Canceled", err)
			}
		})
	}
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name     string
		op       string
		status   int
		body     string
		wantText string
		wantCode string
	}{
		{
			name: "already exists", op: "create", status: 400,
			body:     `{"message":"A customer with the same email address already exists in an associated website."}`,
			wantText: "POST /V1/customers: 400: A customer with the same email address already exists in an associated website",
			wantCode: mageseed.ECONFLICT,
		},
		{
			name: "named parameters", op: "get", status: 404,
			body:     `{"message":"No such entity with %fieldName = %fieldValue","parameters":{"fieldName":"customerId","fieldValue":7}}`,
			wantText: "GET /V1/customers/7: 404: No such entity with customerId = 7",
			wantCode: mageseed.ENOTFOUND,
		},
		{
			name: "positional parameters", op: "create", status: 400,
			body:     `{"message":"The password needs at least %1 characters. Create a new password and try again.","parameters":["8"]}`,
			wantText: "POST /V1/customers: 400: The password needs at least 8 characters. Create a new password and try again",
			wantCode: mageseed.EINVALID,
		},
		{
			name: "aggregate", op: "put", status: 400,
			body:     `{"message":"One or more input exceptions have occurred.","errors":[{"message":"\"%fieldName\" is required. Enter and try again.","parameters":{"fieldName":"firstname"}},{"message":"Invalid value of \"%value\" provided for the %fieldName field.","parameters":{"fieldName":"regionId","value":"12"}}]}`,
			wantText: `PUT /V1/customers/7: 400: One or more input exceptions have occurred: "firstname" is required. Enter and try again; Invalid value of "12" provided for the regionId field`,
			wantCode: mageseed.EINVALID,
		},
		{
			name: "acl", op: "delete", status: 401,
			body:     `{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Customer::delete"}}`,
			wantText: "DELETE /V1/customers/7: 401: The consumer isn't authorized to access Magento_Customer::delete",
			wantCode: mageseed.EUNAUTHORIZED,
		},
		{
			name: "wrong customer password", op: "customer token", status: 401,
			body:     `{"message":"The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}`,
			wantText: "POST /V1/integration/customer/token: 401: The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later",
			wantCode: mageseed.EUNAUTHORIZED,
		},
		{
			name: "validator messages on several lines", op: "put", status: 400,
			body:     `{"message":"First Name is not valid!\nLast Name is not valid!\n"}`,
			wantText: "PUT /V1/customers/7: 400: First Name is not valid!; Last Name is not valid!",
			wantCode: mageseed.EINVALID,
		},
		{
			name: "not magento's envelope", op: "create", status: 500,
			body:     "<html><body>Fatal error in /var/www/app.php</body></html>",
			wantText: "POST /V1/customers: 500: internal server error: the store answered with a web page (application/json) instead of Magento's JSON",
			wantCode: mageseed.EUNAVAILABLE,
		},
		{
			name: "bulk item rejected whole", op: "bulk", status: 400,
			body:     `{"message":"\"%fieldName\" is not supported. Correct the field name and try again.","parameters":{"fieldName":"FirstName"}}`,
			wantText: `POST /V1/customers: 400: "FirstName" is not supported. Correct the field name and try again`,
			wantCode: mageseed.EINVALID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{answers: []answer{{status: tt.status, body: tt.body}}}
			c := newClient(t, s, nil)
			err := operations[tt.op](context.Background(), c)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.wantText {
				t.Errorf("error text:\n got %s\nwant %s", got, tt.wantText)
			}
			if got := mageseed.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			var re *magento.RequestError
			if !errors.As(err, &re) || re.Status != tt.status {
				t.Errorf("errors.As RequestError = %v with status %d, want status %d", re, re.Status, tt.status)
			}
			if tt.name == "acl" && !strings.Contains(magento.Hint(err), "lack the permission Magento_Customer::delete") {
				t.Errorf("hint %q does not name the missing permission", magento.Hint(err))
			}
		})
	}
}

func TestTransportErrorText(t *testing.T) {
	s := &script{answers: []answer{{drop: true}}}
	c := newClient(t, s, nil)
	_, err := c.CreateCustomer(context.Background(), jane)
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.HasPrefix(err.Error(), "POST /V1/customers: no answer from the store: ") {
		t.Errorf("error = %q, want it to start with the request and say there was no answer", err)
	}
	if strings.Contains(err.Error(), "http://") {
		t.Errorf("error %q repeats the URL", err)
	}
}

func TestUserAgentAndAuthorization(t *testing.T) {
	s := &script{answers: []answer{{status: 200, body: customerJSON}}}
	c := newClient(t, s, nil)
	if _, err := c.GetCustomer(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	r := s.requests[0]
	if got := r.Header.Get("User-Agent"); got != "mageseed/test" {
		t.Errorf("User-Agent = %q, want mageseed/test", got)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer admin-secret-token" {
		t.Errorf("Authorization = %q, want the admin bearer token", got)
	}
	if got := r.URL.Path; got != "/rest/default/V1/customers/7" {
		t.Errorf("path = %q, want /rest/default/V1/customers/7", got)
	}
}

func TestStoreCodeInPaths(t *testing.T) {
	tests := []struct {
		store string
		op    string
		want  string
	}{
		{"", "get", "/rest/default/V1/customers/7"},
		{"fr", "get", "/rest/fr/V1/customers/7"},
		{"fr", "customer token", "/rest/fr/V1/integration/customer/token"},
		{"all", "get", "/rest/all/V1/customers/7"},
		{"all", "customer token", "/rest/V1/integration/customer/token"},
		{"fr", "bulk", "/rest/fr/async/bulk/V1/customers"},
	}
	for _, tt := range tests {
		t.Run(tt.store+" "+tt.op, func(t *testing.T) {
			s := &script{answers: []answer{{status: 400, body: `{"message":"stop"}`}}}
			c := newClient(t, s, func(cfg *magento.Config) { cfg.StoreCode = tt.store })
			_ = operations[tt.op](context.Background(), c)
			if got := s.requests[0].URL.Path; got != tt.want {
				t.Errorf("path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
	}))
	defer other.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
	})
	c := newClient(t, h, nil)
	_, err := c.GetCustomer(context.Background(), 7)
	if err == nil {
		t.Fatal("no error for a redirect")
	}
	if otherHits.Load() != 0 {
		t.Errorf("the redirect was followed")
	}
	if hint := magento.Hint(err); !strings.Contains(hint, other.URL) {
		t.Errorf("hint %q does not name the redirect target %s", hint, other.URL)
	}
}

func TestInsecureHTTP(t *testing.T) {
	tests := []struct {
		name    string
		cfg     magento.Config
		wantNew bool // New fails
	}{
		{"admin token to a remote http host", magento.Config{BaseURL: "http://shop.example.com", AdminToken: "t"}, true},
		{"admin password to a remote http host", magento.Config{BaseURL: "http://10.0.0.5:8080", AdminUsername: "admin", AdminPassword: "p"}, true},
		{"oauth to a remote http host", magento.Config{BaseURL: "http://shop.example.com", OAuth: &magento.OAuthCredentials{ConsumerKey: "k"}}, true},
		{"allowed by the flag", magento.Config{BaseURL: "http://shop.example.com", AdminToken: "t", AllowInsecureHTTP: true}, false},
		{"https", magento.Config{BaseURL: "https://shop.example.com", AdminToken: "t"}, false},
		{"loopback", magento.Config{BaseURL: "http://127.0.0.1:8080", AdminToken: "t"}, false},
		{"localhost", magento.Config{BaseURL: "http://localhost:8080", AdminToken: "t"}, false},
		{"ipv6 loopback", magento.Config{BaseURL: "http://[::1]:8080", AdminToken: "t"}, false},
		{"no credentials", magento.Config{BaseURL: "http://shop.example.com"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := magento.New(tt.cfg)
			if (err != nil) != tt.wantNew {
				t.Fatalf("New error = %v, want error: %v", err, tt.wantNew)
			}
			if err != nil {
				if hint := magento.Hint(err); !strings.Contains(hint, "--allow-insecure-http") {
					t.Errorf("hint %q does not name --allow-insecure-http", hint)
				}
				if strings.Contains(err.Error(), "t\"") || strings.Contains(err.Error(), "p\"") {
					t.Errorf("error %q quotes a credential", err)
				}
			}
		})
	}
}

// TestInsecureHTTPPasswords checks that a client without admin credentials
// still refuses to send a customer's password over plain http.
func TestInsecureHTTPPasswords(t *testing.T) {
	// 192.0.2.1 is TEST-NET-1: the request must be refused before any
	// connection is tried.
	c, err := magento.New(magento.Config{BaseURL: "http://192.0.2.1", MaxRetries: -1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CustomerToken(context.Background(), 0, "jdoe@example.com", "Password1!")
	if err == nil || !strings.Contains(magento.Hint(err), "--allow-insecure-http") {
		t.Errorf("CustomerToken over plain http = %v (hint %q), want a refusal naming --allow-insecure-http", err, magento.Hint(err))
	}
	if c.Stats().Total() != 0 {
		t.Errorf("%d requests sent, want none", c.Stats().Total())
	}
	_, err = c.CreateCustomer(context.Background(), jane)
	if err == nil || !strings.Contains(magento.Hint(err), "--allow-insecure-http") {
		t.Errorf("CreateCustomer with a password over plain http = %v, want a refusal", err)
	}
}

// tokenStore is a fake store whose admin tokens expire on demand.
type tokenStore struct {
	mu        sync.Mutex
	issued    int
	valid     map[string]bool
	exchanges atomic.Int32
	refuseAll bool // 401 for every token, even fresh ones
	twoFactor bool
}

func (s *tokenStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/rest/default/V1/integration/admin/token" {
		s.exchanges.Add(1)
		var cred magento.CredentialsRequest
		json.NewDecoder(r.Body).Decode(&cred)
		if s.twoFactor {
			w.WriteHeader(400)
			io.WriteString(w, `{"message":"Please use the 2fa provider-specific endpoints to obtain a token."}`)
			return
		}
		if cred.Username != "admin" || cred.Password != "admin-password-123" {
			w.WriteHeader(401)
			io.WriteString(w, `{"message":"The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}`)
			return
		}
		s.issued++
		tok := fmt.Sprintf("admin-token-%d", s.issued)
		if s.valid == nil {
			s.valid = map[string]bool{}
		}
		s.valid[tok] = true
		json.NewEncoder(w).Encode(tok)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.refuseAll || !s.valid[tok] {
		w.WriteHeader(401)
		io.WriteString(w, `{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Customer::customer"}}`)
		return
	}
	io.WriteString(w, customerJSON)
}

// expire invalidates every token issued so far.
func (s *tokenStore) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.valid = nil
}

func adminPasswordClient(tb testing.TB, s http.Handler, logs *logBuffer) *magento.Client {
	return newClient(tb, s, func(cfg *magento.Config) {
		cfg.AdminToken = ""
		cfg.AdminUsername = "admin"
		cfg.AdminPassword = "admin-password-123"
		if logs != nil {
			cfg.Logger = logs.logf
		}
	})
}

func TestAdminTokenExchange(t *testing.T) {
	s := &tokenStore{}
	c := adminPasswordClient(t, s, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetCustomer(ctx, 7); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.exchanges.Load(); got != 1 {
		t.Errorf("token exchanges = %d, want 1 (the token is reused)", got)
	}

	// The token expires; concurrent requests all get a 401, and the client
	// exchanges the credentials once for all of them.
	s.expire()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.GetCustomer(ctx, 7); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := s.exchanges.Load(); got != 2 {
		t.Errorf("token exchanges after expiry = %d, want 2", got)
	}
	if got := c.Stats().Reauthentications; got != 1 {
		t.Errorf("Stats().Reauthentications = %d, want 1", got)
	}
}

func TestAdminTokenRefusedTwice(t *testing.T) {
	s := &tokenStore{refuseAll: true}
	c := adminPasswordClient(t, s, nil)
	_, err := c.GetCustomer(context.Background(), 7)
	if got := mageseed.ErrorCode(err); got != mageseed.EUNAUTHORIZED {
		t.Fatalf("code = %q (%v), want EUNAUTHORIZED", got, err)
	}
	if got := s.exchanges.Load(); got != 2 {
		t.Errorf("token exchanges = %d, want 2 (the first, and one more after the 401)", got)
	}
	if magento.Hint(err) == "" {
		t.Errorf("no hint for a refused admin token")
	}
}

func TestAdminWrongPassword(t *testing.T) {
	s := &tokenStore{}
	c := newClient(t, s, func(cfg *magento.Config) {
		cfg.AdminToken = ""
		cfg.AdminUsername = "admin"
		cfg.AdminPassword = "wrong-password-456"
	})
	_, err := c.GetCustomer(context.Background(), 7)
	if got := mageseed.ErrorCode(err); got != mageseed.EUNAUTHORIZED {
		t.Fatalf("code = %q (%v), want EUNAUTHORIZED", got, err)
	}
	if got := s.exchanges.Load(); got != 1 {
		t.Errorf("token exchanges = %d, want 1: a refused password is never tried again", got)
	}
	if !strings.Contains(magento.Hint(err), "MAGENTO_ADMIN_PASSWORD") {
		t.Errorf("hint %q does not name the credentials to check", magento.Hint(err))
	}
	if strings.Contains(err.Error(), "wrong-password-456") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestAdminTwoFactor(t *testing.T) {
	s := &tokenStore{twoFactor: true}
	c := adminPasswordClient(t, s, nil)
	_, err := c.GetCustomer(context.Background(), 7)
	if got := mageseed.ErrorCode(err); got != mageseed.EUNAUTHORIZED {
		t.Fatalf("code = %q (%v), want EUNAUTHORIZED", got, err)
	}
	var re *magento.RequestError
	if !errors.As(err, &re) || !re.TwoFactor() {
		t.Fatalf("error %v does not report two-factor authentication", err)
	}
	if !strings.Contains(err.Error(), "two-factor") {
		t.Errorf("error %q does not say two-factor", err)
	}
	if hint := magento.Hint(err); !strings.Contains(hint, "integration") {
		t.Errorf("hint %q does not suggest an integration", hint)
	}
	if got := s.exchanges.Load(); got != 1 {
		t.Errorf("token exchanges = %d, want 1", got)
	}
}

// logBuffer collects the client's debug log.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestSecretsNeverLeak runs requests that carry every kind of secret
// through failures and checks that no secret reaches an error or the log.
func TestSecretsNeverLeak(t *testing.T) {
	const customerToken = "customer-token-value-789"
	h := http.NewServeMux()
	h.Handle("/rest/default/V1/integration/admin/token", &tokenStore{})
	var n atomic.Int32
	h.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch n.Add(1) % 3 {
		case 0:
			// A store that quotes the request in its error.
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]any{"message": "Bad request %1", "parameters": []string{r.Header.Get("Authorization")}})
		case 1:
			w.WriteHeader(503)
			w.Write(body)
		default:
			json.NewEncoder(w).Encode(customerToken)
		}
	})
	// The admin token store hands out tokens only when asked at the right
	// path; mount it where the client asks.
	logs := &logBuffer{}
	c := adminPasswordClient(t, h, logs)
	ctx := context.Background()
	var errs []error
	for range 3 {
		_, err := c.CreateCustomer(ctx, jane)
		errs = append(errs, err)
		_, err = c.CustomerToken(ctx, 0, jane.Email, jane.Password)
		errs = append(errs, err)
		_, err = c.UpdateCustomer(ctx, jane)
		errs = append(errs, err)
	}
	secrets := []string{"admin-password-123", jane.Password, "admin-token-", customerToken}
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains a secret", err)
			}
		}
	}
	log := logs.String()
	if log == "" {
		t.Fatal("nothing logged")
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("log contains a secret:\n%s", log)
		}
	}
}

func TestStats(t *testing.T) {
	s := &script{answers: []answer{{status: 503}, {status: 200, body: customerJSON}}}
	c := newClient(t, s, func(cfg *magento.Config) { cfg.MaxInFlight = 6 })
	if _, err := c.GetCustomer(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateCustomer(context.Background(), jane); err != nil {
		t.Fatal(err)
	}
	got := c.Stats()
	if got.LatencyFloor <= 0 {
		t.Errorf("LatencyFloor = %s, want the latency of the fastest answer", got.LatencyFloor)
	}
	got.LatencyFloor = 0
	want := magento.Stats{
		Requests: map[string]int{"GET": 2, "POST": 1},
		Retries:  1, Unavailable: 1,
		Limit: 3, MinLimit: 3, PeakLimit: 6, MaxLimit: 6,
		FloorRoute: "GET /rest/default/V1/customers/:id", // one answer each: the first by name
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Stats (-got +want):\n%s", diff)
	}
}

func TestBulk(t *testing.T) {
	accepted := answer{status: 202, body: `{"bulk_uuid":"b101","request_items":[{"id":0,"data_hash":"x","status":"accepted"},{"id":1,"status":"rejected","error_message":"Bad item.","error_code":0}],"errors":true}`}
	s := &script{answers: []answer{
		accepted, accepted,
		{status: 200, body: `{"operations_list":[{"id":0,"status":1,"result_message":"Service execution success","error_code":null},{"id":1,"status":4,"error_code":null}],"bulk_id":"b101","operation_count":2}`},
	}}
	c := newClient(t, s, nil)
	ctx := context.Background()
	uuid, items, err := c.CreateCustomersBulk(ctx, []mageseed.Customer{jane, jane})
	if err != nil {
		t.Fatal(err)
	}
	id, rejected, err := c.SubmitCreates(ctx, []mageseed.Customer{jane, jane})
	if err != nil || id != "b101" || len(rejected) != 1 || rejected[1] == nil || rejected[1].Error() != "Bad item" {
		t.Errorf("SubmitCreates = %q, %v, %v; want b101 with item 1 rejected", id, rejected, err)
	}
	if uuid != "b101" {
		t.Errorf("uuid = %q, want b101", uuid)
	}
	wantItems := []magento.ItemResult{{Index: 0, Accepted: true}, {Index: 1, Message: "Bad item"}}
	if diff := cmp.Diff(items, wantItems); diff != "" {
		t.Errorf("items (-got +want):\n%s", diff)
	}
	var sent []magento.CreateCustomerRequest
	if err := json.Unmarshal([]byte(s.bodies[0]), &sent); err != nil || len(sent) != 2 || sent[0].Password != jane.Password || sent[0].Customer.ID != 0 {
		t.Errorf("bulk body = %s, want a list of two create requests with passwords and no ids", s.bodies[0])
	}
	st, err := c.BulkStatus(ctx, uuid)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.requests[2].URL.Path; got != "/rest/default/V1/bulk/b101/detailed-status" {
		t.Errorf("status path = %q", got)
	}
	if st.Pending() != 1 || len(st.OperationsList) != 2 {
		t.Errorf("Pending = %d of %d operations, want 1 of 2", st.Pending(), len(st.OperationsList))
	}
}

func TestAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client hang up
		if n.Add(1) == 1 {
			<-r.Context().Done() // the first attempt gets no answer in time
			return
		}
		io.WriteString(w, customerJSON)
	})
	c := newClient(t, h, func(cfg *magento.Config) { cfg.Timeout = 200 * time.Millisecond })
	if _, err := c.GetCustomer(context.Background(), 7); err != nil {
		t.Errorf("get after a timed-out attempt = %v, want success on retry", err)
	}
	n.Store(0)
	_, err := c.CreateCustomer(context.Background(), jane)
	if mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE || !strings.Contains(err.Error(), "no answer from the store: timed out after 200ms") {
		t.Errorf("create that timed out = %v, want EUNAVAILABLE naming the timeout", err)
	}
}

// TestTimeoutExcludesQueueing checks that the time a request waits for a
// slot of the concurrency limit does not count against its timeout: five
// requests of 300ms each, one at a time, under a timeout of 1s. The store's
// service time passes on a synctest bubble's clock.
func TestTimeoutExcludesQueueing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(300 * time.Millisecond) // the store's service time
			io.WriteString(w, customerJSON)
		})
		c := newMemClient(t, h, func(cfg *magento.Config) {
			cfg.Timeout = time.Second
			cfg.MaxInFlight = 1
			cfg.MaxRetries = -1
		})
		start := time.Now()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := c.GetCustomer(context.Background(), 7); err != nil {
					t.Errorf("get: %v", err)
				}
			})
		}
		wg.Wait()
		if got := c.Stats().Total(); got != 5 {
			t.Errorf("%d requests, want 5", got)
		}
		// One at a time: the last one queued for 1.2s, past the timeout.
		if took := time.Since(start); took < 1500*time.Millisecond {
			t.Errorf("five requests one at a time took %s, want 1.5s: they were not queued", took)
		}
	})
}

func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, customerJSON)
	}))
	defer srv.Close()
	tests := []struct {
		name     string
		skip     bool
		wantCode string
	}{
		{name: "self-signed refused", wantCode: mageseed.EUNAVAILABLE},
		{name: "self-signed accepted with the flag", skip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := magento.New(magento.Config{BaseURL: srv.URL, AdminToken: "t0k3n", InsecureSkipTLSVerify: tt.skip, MinBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetCustomer(context.Background(), 7)
			if got := mageseed.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				if hint := magento.Hint(err); !strings.Contains(hint, "--insecure-skip-tls-verify") {
					t.Errorf("hint %q does not name --insecure-skip-tls-verify", hint)
				}
				if c.Stats().Total() != 1 {
					t.Errorf("%d attempts, want 1: a certificate error is not retried", c.Stats().Total())
				}
			}
		})
	}
}

// TestConcurrencyBounded checks end to end that the client never has more
// requests in flight than its limit: MaxInFlight at first, half of it after
// a 503.
func TestConcurrencyBounded(t *testing.T) {
	var (
		mu            sync.Mutex
		inFlight, top int
		refuse        = true
	)
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if refuse {
			refuse = false
			mu.Unlock()
			w.WriteHeader(503)
			return
		}
		inFlight++
		top = max(top, inFlight)
		wait := release
		mu.Unlock()
		<-wait
		mu.Lock()
		inFlight--
		mu.Unlock()
		io.WriteString(w, customerJSON)
	})
	synctest.Test(t, func(t *testing.T) {
		c := newMemClient(t, h, func(cfg *magento.Config) { cfg.MaxInFlight = 6 })
		// The first request meets the 503 and halves the limit to 3.
		close(release)
		if _, err := c.GetCustomer(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		release = make(chan struct{})
		wait := release
		mu.Unlock()
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if _, err := c.GetCustomer(context.Background(), 7); err != nil {
					t.Error(err)
				}
			})
		}
		// Once every goroutine is parked, each request is either held by
		// the store or waiting for a slot: nothing more can get through.
		synctest.Wait()
		mu.Lock()
		held := inFlight
		mu.Unlock()
		if held != 3 || c.Stats().InFlight != 3 {
			t.Errorf("%d requests held by the store, %d in flight; want 3 and 3", held, c.Stats().InFlight)
		}
		close(wait)
		wg.Wait()
		if top > 3 {
			t.Errorf("%d requests in flight at once, want at most 3 (half of 6 after a 503)", top)
		}
		if got := c.Stats().Limit; got != 4 {
			t.Errorf("limit after 13 successes = %d, want 4 (grown by one)", got)
		}
	})
}
