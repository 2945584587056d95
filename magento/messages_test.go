package magento_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

const customer7 = `{"id":7,"email":"jdoe@example.com","firstname":"Jane","lastname":"Doe","website_id":1,"addresses":[]}`

// TestMessagesSayWhatHappened: every answer is described as what it was; an
// answer is never "no answer".
func TestMessagesSayWhatHappened(t *testing.T) {
	tests := []struct {
		name      string
		op        string // get, search, create
		serve     func(n int, w http.ResponseWriter, r *http.Request)
		wantText  string
		wantHint  string
		wantCode  string
		wantCalls int
	}{
		{
			name:  "503 maintenance page",
			op:    "get",
			serve: func(n int, w http.ResponseWriter, r *http.Request) { webPage(w, 503) },
			wantText: "GET /V1/customers/7: 503: service unavailable: the store answered with a web page (text/html) " +
				"instead of Magento's JSON; it may be in maintenance mode",
			wantHint: "maintenance mode", wantCode: mageseed.EUNAVAILABLE, wantCalls: 4,
		},
		{
			name:     "200 login page",
			op:       "get",
			serve:    func(n int, w http.ResponseWriter, r *http.Request) { webPage(w, 200) },
			wantText: "GET /V1/customers/7: 200: the store answered 200 with a web page (text/html), not Magento's JSON: a proxy, a login page or a firewall answered instead of the REST API",
			wantHint: "check the store URL", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name:     "200 login page to a search",
			op:       "search",
			serve:    func(n int, w http.ResponseWriter, r *http.Request) { webPage(w, 200) },
			wantText: "GET /V1/customers/search: 200: the store answered 200 with a web page (text/html), not Magento's JSON",
			wantHint: "check the store URL", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name: "200 with plain text",
			op:   "get",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("OK"))
			},
			wantText: "GET /V1/customers/7: 200: cannot decode the answer (text/plain): invalid character 'O' looking for beginning of value",
			wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name:     "502 proxy page",
			op:       "create",
			serve:    func(n int, w http.ResponseWriter, r *http.Request) { webPage(w, 502) },
			wantText: "POST /V1/customers: 502: bad gateway: the store answered with a web page (text/html) instead of Magento's JSON",
			wantHint: "a proxy in front of the store answered 502", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name: "create answer cut off",
			op:   "create",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				cut(w, r, 200, customer7, 20)
			},
			wantText: "POST /V1/customers: 200: the answer was cut off after 20 bytes: unexpected EOF",
			wantHint: "connection broke", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name:     "no answer at all",
			op:       "create",
			serve:    func(n int, w http.ResponseWriter, r *http.Request) { drop(w, r) },
			wantText: "POST /V1/customers: no answer from the store: EOF",
			wantHint: "the store did not answer", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
		{
			name: "500 in Magento's envelope",
			op:   "get",
			serve: func(n int, w http.ResponseWriter, r *http.Request) {
				magentoError(w, 500, "Internal Error. Details are available in Magento log file. Report ID: webapi-123")
			},
			wantText: "GET /V1/customers/7: 500: Internal Error. Details are available in Magento log file. Report ID: webapi-123",
			wantHint: "the store answered 500", wantCode: mageseed.EUNAVAILABLE, wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			h.on("GET", "/V1/customers/7", tt.serve)
			h.on("GET", "/V1/customers/search", tt.serve)
			h.on("POST", "/V1/customers", tt.serve)
			c := h.client(t, func(cfg *magento.Config) { cfg.MaxRetries = 3 })
			ctx := ctxTest(t)
			var err error
			switch tt.op {
			case "get":
				_, err = c.GetCustomer(ctx, 7)
			case "search":
				_, err = c.FindCustomers(ctx, 1, []string{"jdoe@example.com"})
			case "create":
				_, err = c.CreateCustomer(ctx, jane)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.wantText) {
				t.Errorf("error\n got %s\nwant %s", got, tt.wantText)
			}
			if tt.wantCalls > 0 && strings.Contains(err.Error(), "no answer") != (tt.name == "no answer at all") {
				t.Errorf("error %q misdescribes the answer", err)
			}
			if hint := magento.Hint(err); !strings.Contains(hint, tt.wantHint) || (tt.name != "no answer at all" && strings.Contains(hint, "did not answer")) {
				t.Errorf("hint %q, want it to contain %q", hint, tt.wantHint)
			}
			if got := mageseed.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code %q, want %q", got, tt.wantCode)
			}
			if got := h.hitsTotal(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

// hitsTotal returns the requests that reached h.
func (h *hostile) hitsTotal() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, v := range h.hits {
		n += v
	}
	return n
}

// TestCutOffReadIsRetried: a read whose answer breaks off is sent again,
// like one whose connection dropped, up to MaxRetries times; a write is
// not (its outcome is unknown).
func TestCutOffReadIsRetried(t *testing.T) {
	t.Run("get", func(t *testing.T) {
		h := newHostile(t)
		h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
			if n <= 2 {
				cut(w, r, 200, customer7, 10*n)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(customer7))
		})
		c := h.client(t, func(cfg *magento.Config) { cfg.MaxRetries = 3 })
		got, err := c.GetCustomer(ctxTest(t), 7)
		if err != nil || got.ID != 7 {
			t.Fatalf("GetCustomer = %+v, %v", got, err)
		}
		if n := h.count("GET", "/V1/customers/7"); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if got := c.Stats().Retries; got != 2 {
			t.Errorf("Stats().Retries = %d, want 2", got)
		}
	})
	t.Run("search page cut mid-stream", func(t *testing.T) {
		h := newHostile(t)
		page := `{"items":[` + customer7 + `,` + strings.Replace(customer7, `"id":7`, `"id":8`, 1) + `],"total_count":1}`
		h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				cut(w, r, 200, page, len(page)/2)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"items":[` + customer7 + `],"total_count":1}`))
		})
		c := h.client(t, nil)
		got, err := c.FindCustomers(ctxTest(t), 1, []string{"jdoe@example.com"})
		if err != nil || len(got) != 1 {
			t.Fatalf("FindCustomers = %+v, %v", got, err)
		}
	})
	t.Run("get cut every time", func(t *testing.T) {
		h := newHostile(t)
		h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) { cut(w, r, 200, customer7, 5) })
		c := h.client(t, func(cfg *magento.Config) { cfg.MaxRetries = 3 })
		_, err := c.GetCustomer(ctxTest(t), 7)
		if err == nil || !strings.Contains(err.Error(), "GET /V1/customers/7: 200: the answer was cut off after 5 bytes") {
			t.Fatalf("GetCustomer: %v", err)
		}
		if n := h.count("GET", "/V1/customers/7"); n != 4 {
			t.Errorf("%d requests, want 4 (one and MaxRetries)", n)
		}
	})
	t.Run("update not retried", func(t *testing.T) {
		h := newHostile(t)
		h.on("PUT", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) { cut(w, r, 200, customer7, 5) })
		c := h.client(t, nil)
		_, err := c.UpdateCustomer(ctxTest(t), jane)
		if err == nil || !strings.Contains(err.Error(), "PUT /V1/customers/7: 200: the answer was cut off") {
			t.Fatalf("UpdateCustomer: %v", err)
		}
		if n := h.count("PUT", "/V1/customers/7"); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

// TestLongRetryAfterAnnounced: a Retry-After longer than NoticeWait prints
// one line through Config.Notify, naming the wait; a short one none.
func TestLongRetryAfterAnnounced(t *testing.T) {
	h := newHostile(t)
	h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		magentoError(w, 429, "Too Many Requests")
	})
	h.on("GET", "/V1/customers/8", func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			magentoError(w, 429, "Too Many Requests")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(strings.Replace(customer7, `"id":7`, `"id":8`, 1)))
	})
	var mu sync.Mutex
	var lines []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := h.client(t, func(cfg *magento.Config) {
		cfg.Notify = func(msg string) {
			mu.Lock()
			lines = append(lines, msg)
			mu.Unlock()
			cancel() // the test does not wait the 30 s
		}
	})
	if _, err := c.GetCustomer(context.Background(), 8); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(lines) != 0 {
		t.Errorf("a 1 s wait was announced: %q", lines)
	}
	mu.Unlock()
	_, err := c.GetCustomer(ctx, 7)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GetCustomer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "the store answered 429 and asked to wait 30s (Retry-After); every request waits until ") {
		t.Errorf("notices %q", lines)
	}
}

// TestStoreTextEscaped: a store's message and its parameters are data: the
// control characters in them reach the error escaped, and a password the
// store echoes back, in any spelling, never does.
func TestStoreTextEscaped(t *testing.T) {
	h := newHostile(t)
	h.on("PUT", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
		jsonAnswer(w, 400, map[string]any{
			"message":    "\x1b]0;pwned\x07Invalid value of \"%value\" provided for the %fieldName field\r\x1b[2K",
			"parameters": map[string]any{"fieldName": "firstname", "value": "evil\u202egnp.exe\nmageseed: error: forged"},
		})
	})
	h.on("POST", "/V1/customers", func(n int, w http.ResponseWriter, r *http.Request) { echo(w, r) })
	c := h.client(t, nil)
	_, err := c.UpdateCustomer(ctxTest(t), jane)
	want := `PUT /V1/customers/7: 400: \x1b]0;pwned\x07Invalid value of "evil\u202egnp.exe; mageseed: error: forged" provided for the firstname field\r\x1b[2K`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}

	secret := jane
	secret.Password = `Pa"ss<w>&rd\1`
	_, err = c.CreateCustomer(ctxTest(t), secret)
	if err == nil || !strings.Contains(err.Error(), "***") {
		t.Fatalf("CreateCustomer: %v", err)
	}
	for _, form := range []string{`Pa"ss`, `Pa\"ss`, `\u003cw\u003e`, `<w>&rd`, `\\1`} {
		if strings.Contains(err.Error(), form) {
			t.Errorf("error %q quotes the password as %q", err, form)
		}
	}
}

// TestStallInAnswer: an answer that stops coming is cut off after
// Config.Timeout without a byte; a read is then sent again.
func TestStallInAnswer(t *testing.T) {
	h := newHostile(t)
	half := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(customer7)))
		w.Write([]byte(customer7[:20]))
		http.NewResponseController(w).Flush()
		h.stall(w, r)
	}
	h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			half(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(customer7))
	})
	h.on("PUT", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) { half(w, r) })
	c := h.client(t, func(cfg *magento.Config) { cfg.Timeout = 100 * time.Millisecond })
	if got, err := c.GetCustomer(ctxTest(t), 7); err != nil || got.ID != 7 {
		t.Fatalf("GetCustomer = %+v, %v", got, err)
	}
	if n := h.count("GET", "/V1/customers/7"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	_, err := c.UpdateCustomer(ctxTest(t), jane)
	want := "PUT /V1/customers/7: 200: the answer was cut off after 20 bytes: timed out: nothing came for 100ms"
	if err == nil || err.Error() != want {
		t.Errorf("UpdateCustomer: %v, want %s", err, want)
	}
}

// TestBulkTextEscaped: the messages of a bulk's operations are the store's
// text too.
func TestBulkTextEscaped(t *testing.T) {
	h := newHostile(t)
	h.on("GET", "/V1/bulk/u-1/detailed-status", func(n int, w http.ResponseWriter, r *http.Request) {
		msg := "\x1b[1A\x1b[2Kall good\u202e"
		jsonAnswer(w, 200, magento.DetailedBulkStatus{BulkID: "u-1", OperationsList: []magento.DetailedOperationStatus{{ID: 0, Status: magento.OperationNotRetriablyFailed, ResultMessage: &msg}}})
	})
	c := h.client(t, nil)
	st, err := c.BulkStatus(ctxTest(t), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	res := st.Results()
	if len(res) != 1 || res[0].Err == nil || res[0].Err.Error() != `\x1b[1A\x1b[2Kall good\u202e` {
		t.Errorf("results %+v", res)
	}
}
