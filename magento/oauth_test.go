package magento_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mageseed/mageseed/magento"
)

// The vectors below are RFC 5849's own examples, which use HMAC-SHA1; the
// base string and the key are the same for HMAC-SHA256, only the hash
// differs.

// TestOAuthBaseStringMagento signs RFC 5849's example request of section
// 3.4.1.1 as Magento 2.4.8 computes its base string: the form body's a3 is
// overridden by the query's a3, as both land in one PHP array
// (Magento\Framework\Oauth\Helper\Request::_processRequest), where RFC 5849
// keeps both pairs.
func TestOAuthBaseStringMagento(t *testing.T) {
	req, err := http.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader("c2&a3=2+q"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	params := map[string]string{
		"realm":                  "Example",
		"oauth_consumer_key":     "9djdj82h48djs9d2",
		"oauth_token":            "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131201",
		"oauth_nonce":            "7d8f3e4a",
		"oauth_signature":        "bYT5CMsGcbgUdFHObYMEfcx6bsw=",
	}
	got, err := magento.OAuthBaseString(req, params)
	if err != nil {
		t.Fatal(err)
	}
	const want = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got != want {
		t.Errorf("base string:\n got %s\nwant %s", got, want)
	}
	// The body is still there for the request to send.
	if body, _ := io.ReadAll(req.Body); string(body) != "c2&a3=2+q" {
		t.Errorf("body after signing = %q", body)
	}
}

// TestOAuthBaseStringWhereMagentoLeavesRFC5849 checks the three places
// where Magento's base string is not RFC 5849's, each of which makes the
// store refuse a client that signs by the RFC.
func TestOAuthBaseStringWhereMagentoLeavesRFC5849(t *testing.T) {
	var groups []string
	for i := range 12 {
		groups = append(groups, fmt.Sprintf("searchCriteria%%5BfilterGroups%%5D%%5B%d%%5D%%5Bfilters%%5D%%5B0%%5D%%5Bvalue%%5D=v%d", i, i))
	}
	tests := []struct {
		name, query, want string
	}{
		{
			// Laminas\OAuth\Signature\AbstractSignature::_toByteValueOrderedQueryString:
			// uksort($params, 'strnatcmp') on the encoded names.
			name:  "ten or more bracketed keys in natural order",
			query: strings.Join(groups, "&"),
			want:  "[0] [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11]",
		},
		{
			// Magento\Framework\Oauth\Helper\Request::_extractQueryStringParams:
			// rawurldecode keeps "+", which is then signed as %2B.
			name:  "plus is not a space",
			query: "q=a+b&r=c%20d",
			want:  "q=a%2Bb r=c%20d",
		},
		{
			// Same method: explode('=') must give exactly two parts, and a
			// repeated name keeps its last value.
			name:  "pairs Magento leaves out or overrides",
			query: "flag&x=1=2&d=first&d=last&xoauth_nonce=1",
			want:  "d=last",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", "http://shop.example.com/rest/V1/customers/search?"+tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			base, err := magento.OAuthBaseString(req, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, enc, _ := strings.Cut(strings.TrimPrefix(base, "GET&"), "&")
			norm, err := url.QueryUnescape(enc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range strings.Split(norm, "&") {
				if strings.HasPrefix(p, "searchCriteria") {
					k, _ := url.PathUnescape(p[:strings.IndexByte(p, '=')])
					got = append(got, k[len("searchCriteria[filterGroups]"):strings.Index(k, "[filters]")])
					continue
				}
				got = append(got, p)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("parameters signed:\n got %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestOAuthSignatureRFC5849(t *testing.T) {
	// Section 1.2: the protected resource request of the photo example.
	req, err := http.NewRequest("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", nil)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{
		"oauth_consumer_key":     "dpf43f3p2l4k3l03",
		"oauth_token":            "nnch734d00sl2jdk",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131202",
		"oauth_nonce":            "chapoH",
	}
	got, err := magento.OAuthSignature(req, params, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00")
	if err != nil {
		t.Fatal(err)
	}
	if want := "MdpQcU8iPSUjWoN/UDMsK2sui9I="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestOAuthBaseURI(t *testing.T) {
	tests := []struct{ url, want string }{
		{"HTTP://Example.COM:80/r%20v/X?id=123", "GET&http%3A%2F%2Fexample.com%2Fr%2520v%2FX&id%3D123"},
		{"https://www.example.net:8080/?q=1", "GET&https%3A%2F%2Fwww.example.net%3A8080%2F&q%3D1"},
		{"https://shop.example.com:443/rest/default/V1/customers/search", "GET&https%3A%2F%2Fshop.example.com%2Frest%2Fdefault%2FV1%2Fcustomers%2Fsearch&"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest("GET", tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := magento.OAuthBaseString(req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("base string of %s:\n got %s\nwant %s", tt.url, got, tt.want)
		}
	}
}

var integration = magento.OAuthCredentials{
	ConsumerKey: "ck-0001", ConsumerSecret: "cs-secret-0001",
	AccessToken: "at-0001", AccessTokenSecret: "ats-secret-0001",
}

func TestOAuthSignVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(*http.Request)
		creds  magento.OAuthCredentials
		wantOK bool
	}{
		{name: "as signed", tamper: func(*http.Request) {}, creds: integration, wantOK: true},
		{name: "query changed", tamper: func(r *http.Request) { r.URL.RawQuery = "searchCriteria[pageSize]=2" }, creds: integration},
		{name: "method changed", tamper: func(r *http.Request) { r.Method = "DELETE" }, creds: integration},
		{name: "path changed", tamper: func(r *http.Request) { r.URL.Path = "/rest/default/V1/customers/8" }, creds: integration},
		{name: "wrong secret", tamper: func(*http.Request) {}, creds: magento.OAuthCredentials{ConsumerKey: "ck-0001", ConsumerSecret: "x", AccessToken: "at-0001", AccessTokenSecret: "ats-secret-0001"}},
		{name: "other consumer", tamper: func(*http.Request) {}, creds: magento.OAuthCredentials{ConsumerKey: "ck-0002", ConsumerSecret: "cs-secret-0001", AccessToken: "at-0001", AccessTokenSecret: "ats-secret-0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", "https://shop.example.com/rest/default/V1/customers/7?searchCriteria[pageSize]=1", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := magento.SignOAuth1(req, integration, "nonce-1", 1700000000); err != nil {
				t.Fatal(err)
			}
			if h := req.Header.Get("Authorization"); !strings.Contains(h, `oauth_signature_method="HMAC-SHA256"`) {
				t.Errorf("Authorization %q does not use HMAC-SHA256", h)
			}
			tt.tamper(req)
			err = magento.VerifyOAuth1(req, tt.creds)
			if (err == nil) != tt.wantOK {
				t.Errorf("VerifyOAuth1 = %v, want ok: %v", err, tt.wantOK)
			}
		})
	}
}

// TestClientSignsWithOAuth checks that a client with integration
// credentials signs every attempt (a fresh nonce each, retries included)
// and sends no bearer token, and that the server side verifies it.
func TestClientSignsWithOAuth(t *testing.T) {
	var mu sync.Mutex
	nonces := map[string]bool{}
	n := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if err := magento.VerifyOAuth1(r, integration); err != nil {
			t.Errorf("request %d: %v", n, err)
		}
		params, _ := magento.ParseOAuthHeader(r.Header.Get("Authorization"))
		if nonces[params["oauth_nonce"]] {
			t.Errorf("nonce %q reused", params["oauth_nonce"])
		}
		nonces[params["oauth_nonce"]] = true
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, `{"items":[],"total_count":0}`)
	})
	c := newClient(t, h, func(cfg *magento.Config) {
		cfg.AdminToken = ""
		creds := integration
		cfg.OAuth = &creds
	})
	if _, err := c.FindCustomers(context.Background(), 1, []string{"jdoe@example.com", "a+b@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d requests, want 2 (one retry)", n)
	}
}

func TestParseOAuthHeader(t *testing.T) {
	tests := []struct {
		header string
		ok     bool
	}{
		{`OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"`, true},
		{`Bearer abc`, false},
		{`OAuth oauth_consumer_key=unquoted`, false},
		{`OAuth oauth_consumer_key="%zz"`, false},
	}
	for _, tt := range tests {
		params, err := magento.ParseOAuthHeader(tt.header)
		if (err == nil) != tt.ok {
			t.Errorf("ParseOAuthHeader(%q) error = %v, want ok: %v", tt.header, err, tt.ok)
		}
		if tt.ok && params["oauth_signature"] != "MdpQcU8iPSUjWoN/UDMsK2sui9I=" {
			t.Errorf("oauth_signature = %q", params["oauth_signature"])
		}
	}
}

// Guard against a server built on the package's verifier accepting a
// request signed for another host.
func TestOAuthHostIsSigned(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := magento.VerifyOAuth1(r, integration); err == nil {
			t.Error("a request signed for another host verified")
		}
	}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://shop.example.com/rest/V1/store/websites", nil)
	if err := magento.SignOAuth1(req, integration, "n", 1); err != nil {
		t.Fatal(err)
	}
	req2, _ := http.NewRequest("GET", srv.URL+"/rest/V1/store/websites", nil)
	req2.Header = req.Header
	resp, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
