package integration

import (
	"crypto/hmac"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Magento's OAuth phrases, verbatim.
const (
	// msgBadSignature is Magento\Framework\Oauth\Oauth::_validateSignature's
	// answer to a signature that does not verify (an Oauth\Exception, an
	// authentication failure: 401).
	msgBadSignature       = "The signature is invalid. Verify and try again."
	msgOAuthVersion       = `The "%1" Oauth version isn't supported.`
	msgOAuthTokenLength   = "The token length is invalid. Check the length and try again."
	msgOAuthMethod        = "Signature method %1 is not supported"
	msgOAuthKeyLength     = "Consumer key is not the correct length"
	msgOAuthNoConsumer    = "A consumer having the specified key does not exist"
	msgOAuthNonceError    = "An error occurred validating the nonce"
	msgOAuthNonceUsed     = "The nonce is already being used by the consumer with ID %1"
	msgOAuthTokenNotExist = "Specified token does not exist"
)

// OAuth limits of Magento 2.4.8.
const (
	// KeyLength is the length of consumer keys and tokens
	// (Magento\Framework\Oauth\Helper\Oauth::LENGTH_CONSUMER_KEY and
	// LENGTH_TOKEN).
	KeyLength = 32
	// oauthTimeDeviation is how far in the future a timestamp may be
	// (Magento\Integration\Model\Oauth\Nonce\Generator::TIME_DEVIATION);
	// there is no bound in the past.
	oauthTimeDeviation = 600 * time.Second
	// oauthNonceExpiry is oauth/cleanup/expiration_period (120 minutes):
	// Magento deletes nonces older than this, after which one may be used
	// again.
	oauthNonceExpiry = 120 * time.Minute
	// oauthConsumerID is the id of the sandbox's one consumer.
	oauthConsumerID = "1"
	// oauthSignatureMethod is the one method 2.4.8 accepts
	// (Magento\Framework\Oauth\Oauth::getSupportedSignatureMethods).
	oauthSignatureMethod = "HMAC-SHA256"
)

// oauthRequired are the protocol parameters Oauth::validateAccessTokenRequest
// requires, in its order.
var oauthRequired = []string{
	"oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_nonce", "oauth_timestamp", "oauth_token",
}

// nonces records the nonces the consumer used, with their timestamps
// (Magento's oauth_nonce table). Entries older than oauthNonceExpiry are
// dropped as Magento's cleanup drops them.
type nonces struct {
	mu    sync.Mutex
	seen  map[string]int64
	prune int // the size at which expired nonces are dropped next
}

// use records nonce, or reports false when the consumer already used it.
func (n *nonces) use(nonce string, ts int64, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]int64{}
	}
	if _, ok := n.seen[nonce]; ok {
		return false
	}
	if len(n.seen) >= max(n.prune, 1024) {
		// Drop the expired ones now and then: each pass is paid for by
		// as many inserts as the map then holds.
		cut := now.Add(-oauthNonceExpiry).Unix()
		for k, t := range n.seen {
			if t <= cut {
				delete(n.seen, k)
			}
		}
		n.prune = 2 * len(n.seen)
	}
	n.seen[nonce] = ts
	return true
}

// protocolParamRE is Magento\Framework\Oauth\Helper\Request::
// _isProtocolParameter.
var protocolParamRE = regexp.MustCompile(`oauth_[a-z_-]+`)

// oauthHeaderParams reads an Authorization header as
// Magento\Framework\Oauth\Helper\Request::_processHeader does: ok is false
// when it has no "oauth " (any case) in it; otherwise the parameters after
// it, split on commas, are name="value" pairs, both rawurldecoded, of
// which only oauth_* names are kept.
func oauthHeaderParams(h string) (map[string]string, bool) {
	pos := strings.Index(strings.ToLower(h), "oauth ")
	if h == "" || pos < 0 {
		return nil, false
	}
	params := map[string]string{}
	for _, part := range strings.Split(h[pos+6:], ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !protocolParamRE.MatchString(name) {
			continue
		}
		params[phpRawURLDecode(name)] = phpRawURLDecode(strings.Trim(value, `"`))
	}
	return params, true
}

// phpRawURLDecode is PHP's rawurldecode.
func phpRawURLDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// phpNumericPrefixRE is the leading number PHP's (int) cast reads.
var phpNumericPrefixRE = regexp.MustCompile(`^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`)

// phpNumericRE is PHP 8's is_numeric.
var phpNumericRE = regexp.MustCompile(`^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$`)

// phpIntval is PHP's (int) of a string: its leading number, or 0.
func phpIntval(s string) int64 {
	m := phpNumericPrefixRE.FindString(s)
	if m == "" {
		return 0
	}
	m = strings.TrimSpace(m)
	if n, err := strconv.ParseInt(m, 10, 64); err == nil {
		return n
	}
	f, err := strconv.ParseFloat(m, 64)
	if err != nil || f != f || f > 9.2e18 || f < -9.2e18 {
		return 0
	}
	return int64(f)
}

// oauthVersionOK is Oauth::_validateVersionParam's `'1.0' != $version`, a
// loose PHP comparison: a numeric string equal to 1 ("1", "1.00") passes.
func oauthVersionOK(v string) bool {
	if v == "1.0" {
		return true
	}
	if phpNumericRE.MatchString(v) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && f == 1
	}
	return false
}

// oauthCaller checks a request signed with OAuth 1.0a, in the order of
// Magento\Framework\Oauth\Oauth::validateAccessTokenRequest (through
// Magento\Webapi\Model\Authorization\OauthUserContext::getUserId). ok is
// false when the Authorization header is not OAuth (bearer tokens and
// guests are identify's). A request that fails any check is refused,
// whatever the route, with Magento's message: 400 for the input checks
// (OauthInputException), 401 for the rest (Oauth\Exception). A request
// that passes runs as the configured integration.
func (a *Tokens) oauthCaller(r *http.Request) (who webapi.Identity, ok bool, err *webapi.Error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, _, _ := strings.Cut(h, " "); strings.EqualFold(scheme, "Bearer") {
		return webapi.Identity{}, false, nil
	}
	params, ok := oauthHeaderParams(h)
	if !ok {
		return webapi.Identity{}, false, nil
	}
	if v, set := params["oauth_version"]; set && !oauthVersionOK(v) {
		return webapi.Identity{}, true, webapi.NewError(http.StatusBadRequest, msgOAuthVersion, []any{v})
	}
	var missing webapi.InputErrors
	for _, name := range oauthRequired {
		if _, set := params[name]; !set {
			missing.Add(webapi.RequiredError(name))
		}
	}
	if e := missing.Err(); e != nil {
		return webapi.Identity{}, true, e
	}
	if len(params["oauth_token"]) != KeyLength {
		return webapi.Identity{}, true, webapi.NewError(http.StatusBadRequest, msgOAuthTokenLength, nil)
	}
	if m := params["oauth_signature_method"]; m != oauthSignatureMethod {
		return webapi.Identity{}, true, webapi.NewError(http.StatusBadRequest, msgOAuthMethod, []any{m})
	}
	creds := a.opts.OAuth
	key := params["oauth_consumer_key"]
	if len(key) != KeyLength {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgOAuthKeyLength, nil)
	}
	if creds == nil || key != creds.ConsumerKey {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgOAuthNoConsumer, nil)
	}
	now := a.opts.Now()
	ts := phpIntval(params["oauth_timestamp"])
	if ts <= 0 || ts > now.Add(oauthTimeDeviation).Unix() {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgOAuthNonceError, nil)
	}
	if !a.nonces.use(params["oauth_nonce"], ts, now) {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgOAuthNonceUsed, []any{oauthConsumerID})
	}
	if params["oauth_token"] != creds.AccessToken {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgOAuthTokenNotExist, nil)
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") && r.Body != nil {
		// The form body is part of the signature; read no more of it
		// than any route would.
		r.Body = http.MaxBytesReader(nil, r.Body, webapi.DefaultMaxBody)
	}
	want, serr := magento.OAuthSignature(r, params, creds.ConsumerSecret, creds.AccessTokenSecret)
	if serr != nil || !hmac.Equal([]byte(want), []byte(params["oauth_signature"])) {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgBadSignature, nil)
	}
	return webapi.Identity{Type: webapi.UserIntegration, UID: 1}, true, nil
}
