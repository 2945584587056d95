package magento_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed/magento"
)

// hostile is a store that misbehaves on purpose: each route answers as its
// handler says (web pages, cut-off answers, lies about total_count, echoed
// request bodies, stalls, dropped connections), and every request that
// reaches the store is counted, so that tests count every layer of retry
// end to end.
type hostile struct {
	srv *httptest.Server

	mu     sync.Mutex
	hits   map[string]int // "METHOD /V1/path" -> requests
	routes map[string]func(n int, w http.ResponseWriter, r *http.Request)
	// prefixes are routes that match every path under them.
	prefixes map[string]func(n int, w http.ResponseWriter, r *http.Request)
	// release ends every stall.
	release chan struct{}
}

// newHostile starts a hostile store; a route without a handler answers 404
// in Magento's envelope.
func newHostile(tb testing.TB) *hostile {
	h := &hostile{
		hits:     map[string]int{},
		routes:   map[string]func(int, http.ResponseWriter, *http.Request){},
		prefixes: map[string]func(int, http.ResponseWriter, *http.Request){},
		release:  make(chan struct{}),
	}
	h.srv = httptest.NewServer(h)
	tb.Cleanup(func() {
		close(h.release)
		h.srv.Close()
	})
	return h
}

// on sets the handler of method and path (below /rest/default, e.g.
// /V1/customers/search); a path that ends in "/" matches every path under
// it. The handler gets the number of the request on that route, from 1.
func (h *hostile) on(method, path string, f func(n int, w http.ResponseWriter, r *http.Request)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.HasSuffix(path, "/") {
		h.prefixes[method+" "+path] = f
		return
	}
	h.routes[method+" "+path] = f
}

// count returns the requests that reached method and path (a prefix route
// counts under its prefix).
func (h *hostile) count(method, path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[method+" "+path]
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	for _, p := range []string{"/rest/default", "/rest/all", "/rest"} {
		if rest, ok := strings.CutPrefix(path, p); ok && strings.HasPrefix(rest, "/V1/") {
			path = rest
			break
		}
	}
	key := r.Method + " " + path
	h.mu.Lock()
	f, ok := h.routes[key]
	if !ok {
		for p, pf := range h.prefixes {
			if strings.HasPrefix(key, p) {
				key, f, ok = p, pf, true
				break
			}
		}
	}
	h.hits[key]++
	n := h.hits[key]
	h.mu.Unlock()
	if !ok {
		magentoError(w, 404, "Request does not match any route.")
		return
	}
	f(n, w, r)
}

// magentoError answers Magento's error envelope.
func magentoError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"message": message})
}

// jsonAnswer answers v as JSON.
func jsonAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// webPage answers a web page, as a proxy, a login page or Magento's
// maintenance mode does.
func webPage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, "<!doctype html><html><head><title>Service Temporarily Unavailable</title></head><body><h1>We are down for maintenance</h1></body></html>")
}

// drop reads the request, does nothing more and closes the connection: the
// answer is lost.
func drop(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// cut answers status with a Content-Length for all of body but sends only
// its first keep bytes, then closes the connection.
func cut(w http.ResponseWriter, r *http.Request, status int, body string, keep int) {
	io.Copy(io.Discard, r.Body)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body[:keep])
	buf.Flush()
}

// echo answers 400 with a message that quotes the request body, as some
// stores' validation errors do.
func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	magentoError(w, 400, "Invalid request: "+string(b))
}

// stall holds the request until the client gives up on it or the test
// ends.
func (h *hostile) stall(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-h.release:
	}
}

// client returns a client for h with fast backoff, authenticated with a
// static admin token unless edit changes it.
func (h *hostile) client(tb testing.TB, edit func(*magento.Config)) *magento.Client {
	tb.Helper()
	cfg := magento.Config{
		BaseURL:    h.srv.URL,
		AdminToken: "admin-secret-token",
		MinBackoff: time.Millisecond,
		MaxBackoff: 2 * time.Millisecond,
		UserAgent:  "mageseed/test",
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := magento.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(c.CloseIdleConnections)
	return c
}

// wireCustomer is a customer as the store sends it.
func wireCustomer(id int, email string, website int) magento.CustomerData {
	return magento.CustomerData{
		ID: id, Email: email, Firstname: "Jane", Lastname: "Doe",
		WebsiteID: &website, GroupID: new(int), Addresses: []magento.AddressData{},
	}
}

// searchAnswer is a search page.
func searchAnswer(total int, items ...magento.CustomerData) magento.CustomerSearchResults {
	if items == nil {
		items = []magento.CustomerData{}
	}
	return magento.CustomerSearchResults{Items: items, TotalCount: total}
}

// ctxTest returns a context that ends with the test.
func ctxTest(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
