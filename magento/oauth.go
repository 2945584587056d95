package magento

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// OAuthCredentials are a Magento integration's four credentials. A client
// configured with them signs every admin request with OAuth 1.0a
// (RFC 5849) instead of sending a bearer token: stores since 2.4.4 refuse
// integration access tokens as bearer tokens unless configured otherwise.
type OAuthCredentials struct {
	ConsumerKey, ConsumerSecret    string
	AccessToken, AccessTokenSecret string
	// SignatureMethod is "HMAC-SHA256" (the default, what Magento
	// integrations use) or "HMAC-SHA1".
	SignatureMethod string
}

type oauthKey struct{}

// withOAuth marks a request's context as one to sign.
func withOAuth(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauthKey{}, true)
}

func oauthRequested(ctx context.Context) bool {
	v, _ := ctx.Value(oauthKey{}).(bool)
	return v
}

// newNonce returns a random nonce for one signature.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SignOAuth1 signs req with OAuth 1.0a: it computes the signature over the
// request (RFC 5849 section 3.4: method, base URL, query and form body
// parameters and the oauth_* protocol parameters; a JSON body is not part
// of it) and sets the Authorization header. The sandbox verifies requests
// with [VerifyOAuth1], which uses the same code.
func SignOAuth1(req *http.Request, creds OAuthCredentials, nonce string, timestamp int64) error {
	method := creds.SignatureMethod
	if method == "" {
		method = "HMAC-SHA256"
	}
	params := map[string]string{
		"oauth_consumer_key":     creds.ConsumerKey,
		"oauth_nonce":            nonce,
		"oauth_signature_method": method,
		"oauth_timestamp":        strconv.FormatInt(timestamp, 10),
		"oauth_version":          "1.0",
	}
	if creds.AccessToken != "" {
		params["oauth_token"] = creds.AccessToken
	}
	sig, err := OAuthSignature(req, params, creds.ConsumerSecret, creds.AccessTokenSecret)
	if err != nil {
		return err
	}
	params["oauth_signature"] = sig
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	var h strings.Builder
	h.WriteString("OAuth ")
	for i, n := range names {
		if i > 0 {
			h.WriteString(", ")
		}
		fmt.Fprintf(&h, `%s="%s"`, oauthEscape(n), oauthEscape(params[n]))
	}
	req.Header.Set("Authorization", h.String())
	return nil
}

// OAuthSignature returns the base64 signature of req for the given oauth_*
// protocol parameters (oauth_signature, if present, is left out), keyed by
// the consumer secret and the token secret. The method comes from
// oauth_signature_method: HMAC-SHA256 or HMAC-SHA1.
func OAuthSignature(req *http.Request, oauthParams map[string]string, consumerSecret, tokenSecret string) (string, error) {
	var newHash func() hash.Hash
	switch oauthParams["oauth_signature_method"] {
	case "HMAC-SHA256":
		newHash = sha256.New
	case "HMAC-SHA1":
		newHash = sha1.New
	default:
		return "", fmt.Errorf("oauth: unsupported signature method %q", oauthParams["oauth_signature_method"])
	}
	base, err := OAuthBaseString(req, oauthParams)
	if err != nil {
		return "", err
	}
	mac := hmac.New(newHash, []byte(oauthEscape(consumerSecret)+"&"+oauthEscape(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// OAuthBaseString returns the signature base string of RFC 5849 section
// 3.4.1 for req and the given oauth_* protocol parameters.
func OAuthBaseString(req *http.Request, oauthParams map[string]string) (string, error) {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range req.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, pair{oauthEscape(k), oauthEscape(v)})
		}
	}
	form, err := formParams(req)
	if err != nil {
		return "", err
	}
	for k, vs := range form {
		for _, v := range vs {
			pairs = append(pairs, pair{oauthEscape(k), oauthEscape(v)})
		}
	}
	for k, v := range oauthParams {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		pairs = append(pairs, pair{oauthEscape(k), oauthEscape(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k + "=" + p.v)
	}
	return strings.ToUpper(req.Method) + "&" + oauthEscape(baseURI(req)) + "&" + oauthEscape(norm.String()), nil
}

// baseURI is RFC 5849 section 3.4.1.2: scheme and host in lower case, the
// port only when it is not the scheme's default, the path, no query.
func baseURI(req *http.Request) string {
	u := req.URL
	scheme := strings.ToLower(u.Scheme)
	host := u.Host
	if host == "" {
		host = req.Host
	}
	if scheme == "" {
		scheme = "http"
		if req.TLS != nil {
			scheme = "https"
		}
	}
	host = strings.ToLower(host)
	if h, port, ok := strings.Cut(host, ":"); ok && !strings.Contains(port, "]") {
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = h
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// formParams returns the parameters of an application/x-www-form-urlencoded
// body, leaving the body readable; other bodies (JSON) give none.
func formParams(req *http.Request) (url.Values, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, nil
	}
	var body []byte
	var err error
	if req.GetBody != nil {
		rc, gerr := req.GetBody()
		if gerr != nil {
			return nil, gerr
		}
		body, err = io.ReadAll(rc)
		rc.Close()
	} else {
		body, err = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(string(body))
}

// oauthEscape is RFC 5849 section 3.6: every byte but the unreserved
// characters (ALPHA, DIGIT, '-', '.', '_', '~') as %XX in upper case.
func oauthEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// ParseOAuthHeader reads the protocol parameters of an "OAuth ..."
// Authorization header (RFC 5849 section 3.5.1).
func ParseOAuthHeader(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, errors.New("oauth: not an OAuth authorization header")
	}
	params := make(map[string]string)
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("oauth: malformed parameter %q", k)
		}
		key, err := url.PathUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("oauth: malformed parameter name %q", k)
		}
		val, err := url.PathUnescape(v[1 : len(v)-1])
		if err != nil {
			return nil, fmt.Errorf("oauth: malformed value of %s", key)
		}
		params[key] = val
	}
	return params, nil
}

// VerifyOAuth1 checks the OAuth 1.0a signature of req against the
// credentials (the consumer and token must match theirs). It does not check
// the timestamp or nonce for replays; that is the caller's policy.
func VerifyOAuth1(req *http.Request, creds OAuthCredentials) error {
	params, err := ParseOAuthHeader(req.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if params["oauth_consumer_key"] != creds.ConsumerKey || params["oauth_token"] != creds.AccessToken {
		return errors.New("oauth: unknown consumer or token")
	}
	want, err := OAuthSignature(req, params, creds.ConsumerSecret, creds.AccessTokenSecret)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(params["oauth_signature"])) {
		return errors.New("oauth: signature does not match")
	}
	return nil
}
