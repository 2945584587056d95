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
	"regexp"
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

// OAuthBaseString returns the signature base string Magento 2.4.8 computes
// for req and the given oauth_* protocol parameters, so that what mageseed
// signs is what the store verifies. It is RFC 5849 section 3.4.1 but for
// three rules of Magento's code, which a client has to follow or be refused:
//
//   - Parameters form a PHP array keyed by name: header parameters, then
//     form body parameters, then query parameters; a repeated name keeps
//     its last value (RFC 5849 keeps every pair). A query pair is taken
//     only when it has exactly one "=", and names that look like protocol
//     parameters (/oauth_[a-z_-]+/) are taken from the header only
//     (Magento\Framework\Oauth\Helper\Request::_extractQueryStringParams).
//   - Query names and values are decoded with PHP's rawurldecode: "+"
//     stays "+" and is signed as %2B, where RFC 5849 decodes it to a space.
//   - The encoded pairs are ordered by PHP's strnatcmp on the encoded
//     names (Laminas\OAuth\Signature\AbstractSignature::
//     _toByteValueOrderedQueryString, uksort with 'strnatcmp'): digit runs
//     compare as numbers, so searchCriteria[filterGroups][2] comes before
//     [10], where RFC 5849's byte order puts [10] first.
//
// oauth_signature is left out; realm is not an oauth_* name and is ignored.
func OAuthBaseString(req *http.Request, oauthParams map[string]string) (string, error) {
	var names []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			names = append(names, k)
		}
		vals[k] = v
	}
	hnames := make([]string, 0, len(oauthParams))
	for k := range oauthParams {
		hnames = append(hnames, k)
	}
	sort.Strings(hnames)
	for _, k := range hnames {
		if k == "oauth_signature" || !isProtocolParam(k) {
			continue
		}
		set(k, oauthParams[k])
	}
	form, err := formParams(req)
	if err != nil {
		return "", err
	}
	fnames := make([]string, 0, len(form))
	for k := range form {
		fnames = append(fnames, k)
	}
	sort.Strings(fnames)
	for _, k := range fnames {
		if isProtocolParam(k) || len(form[k]) == 0 {
			continue
		}
		set(k, form[k][len(form[k])-1])
	}
	if q := req.URL.RawQuery; q != "" {
		for _, pair := range strings.Split(q, "&") {
			kv := strings.Split(pair, "=")
			if len(kv) != 2 || isProtocolParam(kv[0]) {
				continue
			}
			set(rawURLDecode(kv[0]), rawURLDecode(kv[1]))
		}
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(names))
	for _, k := range names {
		pairs = append(pairs, pair{oauthEscape(k), oauthEscape(vals[k])})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return strnatcmp(pairs[i].k, pairs[j].k) < 0 })
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k + "=" + p.v)
	}
	return strings.ToUpper(req.Method) + "&" + oauthEscape(baseURI(req)) + "&" + oauthEscape(norm.String()), nil
}

// protocolParamRE is Magento's test for an OAuth protocol parameter name
// (Magento\Framework\Oauth\Helper\Request::_isProtocolParameter): it matches
// anywhere in the name.
var protocolParamRE = regexp.MustCompile(`oauth_[a-z_-]+`)

func isProtocolParam(name string) bool { return protocolParamRE.MatchString(name) }

// rawURLDecode is PHP's rawurldecode: every %XX with two hex digits is
// decoded, anything else (a lone %, a +) is kept as it is.
func rawURLDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// strnatcmp is PHP's strnatcmp (ext/standard/strnatcmp.c, strnatcmp_ex
// without case folding): runs of digits compare by value (a run starting
// with 0 compares digit by digit, as a fraction), leading zeros at the
// start and whitespace are skipped, everything else compares by byte.
func strnatcmp(a, b string) int {
	if len(a) == 0 || len(b) == 0 {
		switch {
		case len(a) == len(b):
			return 0
		case len(a) > len(b):
			return 1
		}
		return -1
	}
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	isSpace := func(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }
	ai, bi := 0, 0
	leading := true
	for {
		ca, cb := at(a, ai), at(b, bi)
		for leading && ca == '0' && ai+1 < len(a) && isDigit(a[ai+1]) {
			ai++
			ca = a[ai]
		}
		for leading && cb == '0' && bi+1 < len(b) && isDigit(b[bi+1]) {
			bi++
			cb = b[bi]
		}
		leading = false
		for isSpace(ca) {
			ai++
			ca = at(a, ai)
		}
		for isSpace(cb) {
			bi++
			cb = at(b, bi)
		}
		if isDigit(ca) && isDigit(cb) {
			var r int
			if ca == '0' || cb == '0' {
				r = natCompareLeft(a, &ai, b, &bi)
			} else {
				r = natCompareRight(a, &ai, b, &bi)
			}
			switch {
			case r != 0:
				return r
			case ai == len(a) && bi == len(b):
				return 0
			case ai == len(a):
				return -1
			case bi == len(b):
				return 1
			}
			ca, cb = a[ai], b[bi]
		}
		if ca < cb {
			return -1
		}
		if ca > cb {
			return 1
		}
		ai++
		bi++
		switch {
		case ai >= len(a) && bi >= len(b):
			return 0
		case ai >= len(a):
			return -1
		case bi >= len(b):
			return 1
		}
	}
}

// natCompareRight compares two runs of digits right-aligned: the longer
// run wins, then the first differing digit.
func natCompareRight(a string, ai *int, b string, bi *int) int {
	bias := 0
	for ; ; *ai, *bi = *ai+1, *bi+1 {
		ea := *ai >= len(a) || a[*ai] < '0' || a[*ai] > '9'
		eb := *bi >= len(b) || b[*bi] < '0' || b[*bi] > '9'
		switch {
		case ea && eb:
			return bias
		case ea:
			return -1
		case eb:
			return 1
		case a[*ai] < b[*bi]:
			if bias == 0 {
				bias = -1
			}
		case a[*ai] > b[*bi]:
			if bias == 0 {
				bias = 1
			}
		}
	}
}

// natCompareLeft compares two runs of digits left-aligned: the first
// differing digit wins.
func natCompareLeft(a string, ai *int, b string, bi *int) int {
	for ; ; *ai, *bi = *ai+1, *bi+1 {
		ea := *ai >= len(a) || a[*ai] < '0' || a[*ai] > '9'
		eb := *bi >= len(b) || b[*bi] < '0' || b[*bi] > '9'
		switch {
		case ea && eb:
			return 0
		case ea:
			return -1
		case eb:
			return 1
		case a[*ai] < b[*bi]:
			return -1
		case a[*ai] > b[*bi]:
			return 1
		}
	}
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
