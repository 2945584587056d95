package magento_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed/magento"
)

// integration32 has credentials of the lengths Magento generates.
var integration32 = magento.OAuthCredentials{
	ConsumerKey: "ck0123456789abcdef0123456789abcd", ConsumerSecret: "cs0123456789abcdef0123456789abcd",
	AccessToken: "at0123456789abcdef0123456789abcd", AccessTokenSecret: "as0123456789abcdef0123456789abcd",
}

// TestOAuthResendIsSignedAfresh drops the answer to a request on a reused
// connection. http.Transport would resend an idempotent request by itself
// with the same signature, and a store that accepts a nonce once would
// refuse it; the client makes signed requests not replayable there, so
// every attempt carries its own nonce.
func TestOAuthResendIsSignedAfresh(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params, err := magento.ParseOAuthHeader(r.Header.Get("Authorization"))
		if err != nil {
			t.Errorf("request without OAuth: %v", err)
		}
		mu.Lock()
		n++
		count := n
		seen[params["oauth_nonce"]]++
		mu.Unlock()
		if count == 2 {
			// The second request arrives on the kept-alive connection:
			// drop it without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id":1,"code":"base","name":"Main Website","default_group_id":1}]`))
	}))
	defer srv.Close()
	creds := integration32
	c, err := magento.New(magento.Config{BaseURL: srv.URL, OAuth: &creds, AllowInsecureHTTP: true, MaxRetries: 3,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Websites(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n < 3 {
		t.Fatalf("%d requests, want at least 3 (the dropped one resent)", n)
	}
	for nonce, k := range seen {
		if k > 1 {
			t.Errorf("nonce %s sent %d times", nonce, k)
		}
	}
}
