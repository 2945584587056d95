package magento

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/mageseed/mageseed"
)

// Defaults for the zero values of Config.
const (
	DefaultStoreCode   = "default"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxRetries  = 4
	DefaultMinBackoff  = 250 * time.Millisecond
	DefaultMaxBackoff  = 10 * time.Second
	DefaultMaxInFlight = 8
)

// Config configures a Client. Only BaseURL is required.
type Config struct {
	// BaseURL is the store's root, e.g. http://127.0.0.1:8080; the client
	// adds /rest/<StoreCode>/V1.
	BaseURL string
	// StoreCode is the store view code in the URL; "" means "default".
	StoreCode string

	// AdminToken is an admin or integration bearer token.
	AdminToken string
	// AdminUsername and AdminPassword are exchanged for an admin token at
	// POST /V1/integration/admin/token when AdminToken is empty, and again
	// once when the store refuses the token with 401.
	AdminUsername, AdminPassword string
	// OAuth, when set, signs every request with OAuth 1.0a (HMAC-SHA256)
	// instead of sending a bearer token.
	OAuth *OAuthCredentials

	// HTTPClient is the client to send requests with; nil means a client of
	// this package's own. Its transport is wrapped; its redirect policy is
	// replaced (redirects are never followed).
	HTTPClient *http.Client
	// InsecureSkipTLSVerify turns off TLS certificate verification.
	InsecureSkipTLSVerify bool
	// AllowInsecureHTTP allows credentials, tokens and passwords to be sent
	// over plain http to a host that is not loopback.
	AllowInsecureHTTP bool
	// Timeout bounds each attempt of a request until its answer starts,
	// and then every pause while the answer arrives; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent with every request, e.g. "mageseed/v1.2.3".
	UserAgent string

	// MaxRetries is the number of retries of a retryable failure; 0 means
	// DefaultMaxRetries and a negative value none.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the waits between attempts.
	MinBackoff, MaxBackoff time.Duration

	// Logger, when set, receives a debug line per attempt, retry and change
	// of the concurrency limit. It never sees a body, a header, a password
	// or a token.
	Logger func(format string, args ...any)

	// Notify, when set, receives a line for people about a wait they would
	// otherwise take for a hang: the store asked with Retry-After to wait
	// longer than NoticeWait before the next request. The line names the
	// wait and the status, never a secret.
	Notify func(msg string)

	// MaxInFlight is the ceiling of the concurrency limit (the CLI's
	// --parallelism, or --max-parallelism with Adaptive); 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// Adaptive makes the limit find the store's capacity from the latency
	// of its answers, from a small start up to MaxInFlight (the CLI's
	// --parallelism auto); see the package documentation.
	Adaptive bool
}

// Client talks to one store. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	storeCode string
	userAgent string
	insecure  bool // plain http to a host that is not loopback
	allowHTTP bool
	oauth     *OAuthCredentials
	logf      func(format string, args ...any)
	notify    func(msg string)
	retries   int

	signIns accounts
	mem     *budget
	// noticeUntil is the end of the last Retry-After wait announced.
	noticeMu    sync.Mutex
	noticeUntil time.Time

	rc    *retryablehttp.Client
	lim   *limiter
	stats stats

	views storeViews // the store's views, read once (groups.go)

	// Admin authentication.
	adminStatic   string
	adminUsername string
	adminPassword string
	authSem       chan struct{} // one token exchange at a time
	authMu        sync.Mutex
	adminToken    string
	adminGen      int
}

// New returns a client for the store at cfg.BaseURL. It fails when the URL
// is not http or https, or when admin credentials would go over plain http
// to a host that is not loopback and cfg.AllowInsecureHTTP is not set.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, mageseed.Errorf(mageseed.EINVALID, "store url %q: want an http:// or https:// url with a host", cfg.BaseURL)
	}
	if u.User != nil {
		return nil, mageseed.Errorf(mageseed.EINVALID, "store url %s: credentials in the url are not supported; use the admin token or username and password settings", u.Redacted())
	}
	u.RawQuery, u.Fragment = "", ""
	c := &Client{
		base:          u,
		storeCode:     cfg.StoreCode,
		userAgent:     cfg.UserAgent,
		insecure:      u.Scheme == "http" && !isLoopback(u.Hostname()),
		allowHTTP:     cfg.AllowInsecureHTTP,
		oauth:         cfg.OAuth,
		logf:          cfg.Logger,
		notify:        cfg.Notify,
		mem:           newBudget(),
		adminStatic:   cfg.AdminToken,
		adminUsername: cfg.AdminUsername,
		adminPassword: cfg.AdminPassword,
		authSem:       make(chan struct{}, 1),
	}
	if c.storeCode == "" {
		c.storeCode = DefaultStoreCode
	}
	if c.userAgent == "" {
		c.userAgent = "mageseed"
	}
	if c.logf == nil {
		c.logf = func(string, ...any) {}
	}
	if c.notify == nil {
		c.notify = func(string) {}
	}
	if c.insecure && !c.allowHTTP && c.hasAdminCredentials() {
		return nil, coded(mageseed.EINVALID, &RequestError{
			Method: "connect", Path: u.Redacted(),
			Message: "refusing to send admin credentials over plain http to a host that is not loopback",
			kind:    kindInsecure,
		})
	}

	maxInFlight := cfg.MaxInFlight
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	if cfg.Adaptive {
		c.lim = newGradientLimiter(maxInFlight)
	} else {
		c.lim = newLimiter(maxInFlight)
	}
	c.stats.maxLimit = maxInFlight
	c.stats.adaptive = cfg.Adaptive

	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var next http.RoundTripper
	// The per-attempt timeout is applied by the gate once the limiter lets
	// the attempt go, so that time spent waiting for a slot or for a
	// Retry-After never counts against it (http.Client.Timeout would).
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		next = cfg.HTTPClient.Transport
		hc.Jar = cfg.HTTPClient.Jar
		if cfg.HTTPClient.Timeout > 0 && cfg.Timeout <= 0 {
			timeout = cfg.HTTPClient.Timeout
		}
	}
	if next == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(2*maxInFlight, 16)
		next = t
	}
	if cfg.InsecureSkipTLSVerify {
		if t, ok := next.(*http.Transport); ok {
			t = t.Clone()
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{}
			}
			t.TLSClientConfig.InsecureSkipVerify = true
			next = t
		}
	}
	hc.Transport = &gate{next: next, c: c, timeout: timeout}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	minB, maxB := cfg.MinBackoff, cfg.MaxBackoff
	if minB <= 0 {
		minB = DefaultMinBackoff
	}
	if maxB <= 0 {
		maxB = DefaultMaxBackoff
	}
	if maxB < minB {
		maxB = minB
	}
	c.retries = retries
	c.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil,
		RetryWaitMin: minB,
		RetryWaitMax: maxB,
		RetryMax:     retries,
		CheckRetry:   checkRetry,
		Backoff: func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
			d := backoff(minWait, maxWait, attempt, resp)
			c.stats.addRetry()
			what, status := "a request", "no answer"
			if resp != nil {
				status = resp.Status
				if resp.Request != nil {
					what = resp.Request.Method + " " + resp.Request.URL.Path
				}
			}
			c.logf("magento: retry %d of %s after %s in %s", attempt+1, what, status, d.Round(time.Millisecond))
			return d
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections, so
// that nothing of it outlives its use (tests check for leaked goroutines).
func (c *Client) CloseIdleConnections() {
	c.rc.HTTPClient.CloseIdleConnections()
}

func (c *Client) hasAdminCredentials() bool {
	return c.adminStatic != "" || c.adminUsername != "" || c.adminPassword != "" || c.oauth != nil
}

// isLoopback reports whether host names this machine: localhost, an address
// in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// authKind says what credentials a request carries.
type authKind int

const (
	authAdmin authKind = iota // the admin token or the OAuth signature
	authNone                  // nothing (token requests)
)

// call is one API request.
type call struct {
	method string
	// path is the API path below the store's REST root, e.g. /V1/customers.
	path string
	// root is the REST root below /rest/<store>: "" for the synchronous API,
	// "/async/bulk" for the bulk API.
	root string
	// store overrides the client's store code in the URL; "-" means none
	// (/rest/V1/...).
	store string
	query url.Values
	body  any
	retry retryKind
	auth  authKind
	// secret reports that the body carries a password.
	secret bool
	// secrets are values of the request that must never appear in an
	// error, even when the store quotes them back.
	secrets []string
	// account is the account a token request signs in to; nil for other
	// requests.
	account *account
	// stream, when set, decodes a successful answer as it arrives, instead
	// of out: r holds at most maxItemBytes past the mark that the function
	// sets (w.mark) before each value it decodes.
	stream func(w *window) error

	// attempts is set by do: the attempts the last send made.
	attempts int
}

func (c *Client) url(k *call) string {
	store := c.storeCode
	if k.store != "" {
		store = k.store
	}
	p := "/rest"
	if store != "-" {
		p += "/" + url.PathEscape(store)
	}
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + p + k.root + k.path
	u.RawPath = ""
	if len(k.query) > 0 {
		u.RawQuery = k.query.Encode()
	}
	return u.String()
}

// do sends k and decodes a successful answer into out (unless out is nil).
// A read (GET) whose answer is cut off is sent again, like one whose
// connection dropped, up to Config.MaxRetries times.
func (c *Client) do(ctx context.Context, k *call, out any) error {
	var body []byte
	if k.body != nil {
		var err error
		body, err = json.Marshal(k.body)
		if err != nil {
			return mageseed.Errorf(mageseed.EINTERNAL, "%s %s: encode request: %v", k.method, k.path, err)
		}
	}
	sendsCredentials := k.secret || (k.auth == authAdmin && c.hasAdminCredentials())
	if c.insecure && !c.allowHTTP && sendsCredentials {
		return coded(mageseed.EINVALID, &RequestError{
			Method: k.method, Path: k.path,
			Message: fmt.Sprintf("refusing to send credentials over plain http to %s, which is not loopback", c.base.Host),
			kind:    kindInsecure,
		})
	}
	if k.account != nil {
		if err := k.account.unusable(k); err != nil {
			return err
		}
	}
	reauthed := false
	cut := 0
	for {
		token, gen, err := "", 0, error(nil)
		if k.auth == authAdmin {
			token, gen, err = c.adminBearer(ctx)
			if err != nil {
				return err
			}
		}
		resp, err := c.send(ctx, k, body, token)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusUnauthorized && k.auth == authAdmin && !reauthed && c.canReauthenticate() {
			resp.Body.Close()
			reauthed = true
			if err := c.reauthenticate(ctx, gen); err != nil {
				return err
			}
			continue
		}
		err = c.answer(ctx, k, resp, out)
		var re *RequestError
		if k.method == http.MethodGet && errors.As(err, &re) && re.kind == kindCut && cut < c.retries && ctx.Err() == nil {
			cut++
			d := jitter(c.rc.RetryWaitMin, c.rc.RetryWaitMax, cut-1)
			c.stats.addRetry()
			c.logf("magento: retry %d of %s %s after an answer cut off in %s", cut, k.method, k.path, d.Round(time.Millisecond))
			t := time.NewTimer(d)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
			}
		}
		if err != nil {
			c.scrub(err, k, token)
		}
		return err
	}
}

// scrub replaces every secret of the request in err's message with "***",
// in case the store quoted one back, and then drops the raw parameters.
func (c *Client) scrub(err error, k *call, token string) {
	var re *RequestError
	if !errors.As(err, &re) {
		return
	}
	secrets := append([]string{token, c.adminStatic, c.adminPassword}, k.secrets...)
	if c.oauth != nil {
		secrets = append(secrets, c.oauth.ConsumerSecret, c.oauth.AccessToken, c.oauth.AccessTokenSecret)
	}
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		// The store may quote a secret as it was sent, JSON-escaped or
		// escaped for the terminal.
		for _, form := range secretForms(s) {
			if strings.Contains(re.Message, form) {
				re.Message = strings.ReplaceAll(re.Message, form, "***")
				re.Parameters = nil
			}
		}
	}
}

// secretForms are the spellings of s that an answer may quote: as it is,
// JSON-escaped (with or without HTML escapes) and escaped for the terminal.
func secretForms(s string) []string {
	forms := []string{s, mageseed.EscapeTerminal(s)}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		q := strings.TrimSpace(sb.String())
		forms = append(forms, q[1:len(q)-1])
	}
	return forms
}

// send makes one request (with its retries) and returns the final answer,
// its body not read yet. A redirect is an error.
func (c *Client) send(ctx context.Context, k *call, body []byte, token string) (*http.Response, error) {
	p := &policy{kind: k.retry, account: k.account}
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(withPolicy(ctx, p), k.method, c.url(k), raw)
	if err != nil {
		return nil, mageseed.Errorf(mageseed.EINTERNAL, "%s %s: %v", k.method, k.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if k.auth == authAdmin && c.oauth != nil {
		req.Request = req.Request.WithContext(withOAuth(req.Request.Context()))
	}
	resp, err := c.rc.Do(req)
	k.attempts = int(p.attempts.Load())
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, c.transportError(ctx, k, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if u, err := resp.Request.URL.Parse(loc); err == nil {
			u.RawQuery = ""
			loc = u.Redacted()
		}
		loc = mageseed.EscapeTerminal(loc)
		return nil, coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: k.method, Path: k.path, Status: resp.StatusCode,
			Message: "the store redirected the request to " + loc,
			Err:     errRedirect, kind: kindRedirect, location: loc,
		})
	}
	return resp, nil
}

var (
	errRedirect       = errors.New("redirect not followed")
	errAttemptTimeout = errors.New("timed out")
	errSignInLimit    = errors.New("sign-in budget spent")
)

// transportError turns a failure without an answer into EUNAVAILABLE; the
// text is the transport's, without the URL (which retryablehttp and net/http
// put in front of it).
func (c *Client) transportError(ctx context.Context, k *call, err error) error {
	if errors.Is(err, errSignInLimit) {
		return signInLimitError(k, k.account.name)
	}
	re := &RequestError{Method: k.method, Path: k.path, Err: err}
	if ctxErr := ctx.Err(); ctxErr != nil {
		re.Err = ctxErr
		re.Message = "no answer from the store: " + ctxErr.Error()
		return coded(mageseed.EUNAVAILABLE, re)
	}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	if !retryableTransportError(err) {
		re.kind = kindCertificate
		re.Message = "tls: " + inner.Error()
		return coded(mageseed.EUNAVAILABLE, re)
	}
	re.Message = "no answer from the store: " + inner.Error()
	return coded(mageseed.EUNAVAILABLE, re)
}

// answer reads and decodes a final answer, and closes its body: a 2xx into
// out (or through k.stream), anything else into an error with its code.
func (c *Client) answer(ctx context.Context, k *call, resp *http.Response, out any) error {
	defer resp.Body.Close()
	status := resp.StatusCode
	ctype := contentType(resp.Header)
	fail := func(code, msg string, kind errorKind, err error) error {
		return coded(code, &RequestError{Method: k.method, Path: k.path, Status: status, Message: msg, kind: kind, Err: err})
	}
	if status < 200 || status >= 300 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
		re := decodeError(k.method, k.path, status, b, ctype)
		if err != nil && re.kind == kindPlain && len(b) == 0 {
			re.Message += " (the answer was cut off: " + err.Error() + ")"
		}
		if status == http.StatusUnauthorized && k.auth == authAdmin {
			re.kind = kindACL
		}
		return coded(CodeOf(status, re.Message), re)
	}
	if out == nil && k.stream == nil {
		return nil
	}
	if k.stream != nil {
		release, err := c.mem.reserve(ctx, 2*maxItemBytes)
		if err != nil {
			return c.transportError(ctx, k, err)
		}
		defer release()
		w := &window{r: resp.Body, max: maxItemBytes}
		err = k.stream(w)
		switch {
		case err == nil:
			return nil
		case w.err != nil:
			return c.cutOff(ctx, k, status, w.read, w.err)
		case errors.Is(err, errValue):
			return fail(mageseed.EUNAVAILABLE, fmt.Sprintf("one value of the answer is larger than %d MiB", maxItemBytes>>20), kindPlain, nil)
		case w.read > 0 && looksHTML(ctype, nil):
			return fail(mageseed.EUNAVAILABLE, htmlAnswer(status, ctype), kindNotJSON, nil)
		}
		var me *mageseed.Error
		if errors.As(err, &me) {
			return err
		}
		return fail(mageseed.EUNAVAILABLE, "cannot decode the answer ("+describeType(ctype)+"): "+err.Error(), kindNotJSON, nil)
	}
	b, release, err := c.mem.readAll(ctx, resp.Body, maxAnswerBytes)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return fail(mageseed.EUNAVAILABLE, fmt.Sprintf("answer larger than %d MiB", maxAnswerBytes>>20), kindPlain, nil)
		}
		return c.cutOff(ctx, k, status, int64(len(b)), err)
	}
	defer release()
	if looksHTML(ctype, b) {
		return fail(mageseed.EUNAVAILABLE, htmlAnswer(status, ctype), kindNotJSON, nil)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fail(mageseed.EUNAVAILABLE, "cannot decode the answer ("+describeType(ctype)+"): "+err.Error(), kindNotJSON, nil)
	}
	return nil
}

// cutOff is the error for an answer whose body broke off: the store
// answered (status), so it is never described as no answer. A read whose
// answer is cut off is retried by do.
func (c *Client) cutOff(ctx context.Context, k *call, status int, n int64, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	return coded(mageseed.EUNAVAILABLE, &RequestError{
		Method: k.method, Path: k.path, Status: status,
		Message: fmt.Sprintf("the answer was cut off after %d bytes: %v", n, err),
		Err:     err, kind: kindCut,
	})
}

// contentType returns the media type of an answer, lower case, without
// its parameters; "" when the answer has none.
func contentType(h http.Header) string {
	v := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(v); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(v))
}

func describeType(ctype string) string {
	if ctype == "" {
		return "no content type"
	}
	return mageseed.EscapeTerminal(ctype)
}

// looksHTML reports whether an answer is a web page rather than JSON: its
// content type says so, or its body starts with a tag.
func looksHTML(ctype string, body []byte) bool {
	if ctype == "text/html" || ctype == "application/xhtml+xml" {
		return true
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '<'
}

// htmlAnswer describes a successful answer that is a web page.
func htmlAnswer(status int, ctype string) string {
	return fmt.Sprintf("the store answered %d with a web page (%s), not Magento's JSON: a proxy, a login page or a firewall answered instead of the REST API", status, describeType(ctype))
}

// adminBearer returns the admin bearer token to send (exchanging the
// username and password first if needed) and its generation.
func (c *Client) adminBearer(ctx context.Context) (string, int, error) {
	if c.oauth != nil {
		return "", 0, nil
	}
	if c.adminStatic != "" {
		return c.adminStatic, 0, nil
	}
	if c.adminUsername == "" && c.adminPassword == "" {
		return "", 0, nil
	}
	c.authMu.Lock()
	token, gen := c.adminToken, c.adminGen
	c.authMu.Unlock()
	if token != "" {
		return token, gen, nil
	}
	if err := c.reauthenticate(ctx, gen); err != nil {
		return "", 0, err
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	return c.adminToken, c.adminGen, nil
}

func (c *Client) canReauthenticate() bool {
	return c.oauth == nil && c.adminStatic == "" && (c.adminUsername != "" || c.adminPassword != "")
}

// reauthenticate exchanges the admin username and password for a new token,
// unless another request already replaced the token of generation gen.
func (c *Client) reauthenticate(ctx context.Context, gen int) error {
	select {
	case c.authSem <- struct{}{}:
	case <-ctx.Done():
		return coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: http.MethodPost, Path: "/V1/integration/admin/token",
			Message: "no answer from the store: " + ctx.Err().Error(), Err: ctx.Err(),
		})
	}
	defer func() { <-c.authSem }()
	c.authMu.Lock()
	current := c.adminGen
	c.authMu.Unlock()
	if current != gen {
		return nil
	}
	token, err := c.AdminToken(ctx, c.adminUsername, c.adminPassword)
	if err != nil {
		return err
	}
	c.authMu.Lock()
	c.adminToken = token
	c.adminGen++
	first := c.adminGen == 1
	c.authMu.Unlock()
	if !first {
		c.stats.addReauth()
		c.logf("magento: admin token exchanged again after the store refused the old one")
	}
	return nil
}

// AdminToken exchanges an admin username and password for an admin token
// at POST /V1/integration/admin/token. Wrong credentials give EUNAUTHORIZED
// and are never retried. An account with two-factor authentication gives
// EUNAUTHORIZED too, with a *RequestError whose TwoFactor method reports
// true and a [Hint] that suggests an integration.
func (c *Client) AdminToken(ctx context.Context, username, password string) (string, error) {
	k := &call{
		method: http.MethodPost, path: "/V1/integration/admin/token",
		body:  CredentialsRequest{Username: username, Password: password},
		retry: retryToken, auth: authNone, secret: true, secrets: []string{password},
		account: c.signIns.get("admin", username),
	}
	var token string
	err := c.do(ctx, k, &token)
	if err != nil {
		var re *RequestError
		if errors.As(err, &re) && re.Status != 0 {
			switch {
			case isTwoFactor(re.Message):
				re.kind = kindTwoFactor
				re.Message = "the store requires two-factor authentication for this admin (Magento_TwoFactorAuth): " + re.Message
				return "", coded(mageseed.EUNAUTHORIZED, re)
			case re.Status == http.StatusUnauthorized:
				re.kind = kindAdminRefused
			}
		}
		return "", err
	}
	if token == "" {
		return "", coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: k.method, Path: k.path, Status: http.StatusOK, Message: "the store answered an empty token",
		})
	}
	k.account.signedIn()
	return token, nil
}

// gate is the client's transport: every attempt waits for the adaptive
// limiter, is counted, signed when OAuth is configured, and logged without
// its headers or body.
type gate struct {
	next    http.RoundTripper
	c       *Client
	timeout time.Duration
}

// idleBody is the body of an answer being read: the attempt's timeout,
// which ran until the answer started, now runs from the last bytes
// received, so that a large answer that keeps coming is not cut off while a
// store that stops sending still is. Closing the body ends the attempt.
type idleBody struct {
	io.ReadCloser
	ctx     context.Context
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelCauseFunc
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.timeout)
	}
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errAttemptTimeout {
		err = fmt.Errorf("%w: nothing came for %s", errAttemptTimeout, b.timeout)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// CloseIdleConnections closes the idle connections of the transport under
// the gate.
func (g *gate) CloseIdleConnections() {
	if t, ok := g.next.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	c := g.c
	tk, err := c.lim.acquire(req.Context())
	if err != nil {
		return nil, err
	}
	if c.oauth != nil && oauthRequested(req.Context()) {
		signed := req.Clone(req.Context())
		if err := SignOAuth1(signed, *c.oauth, newNonce(), time.Now().Unix()); err != nil {
			c.lim.release(tk, sample{outcome: outcomeNeutral})
			return nil, err
		}
		// Magento accepts a nonce once (Magento\Integration\Model\Oauth\
		// Nonce\Generator::validateNonce). http.Transport resends an
		// idempotent request by itself when a reused connection fails
		// before the answer, which would send this signature twice; a body
		// without GetBody makes the request not replayable there, so every
		// resend comes back through this gate and is signed afresh. An
		// empty body is sent as none.
		if signed.Body == nil || signed.Body == http.NoBody {
			signed.Body = io.NopCloser(strings.NewReader(""))
			signed.GetBody = nil
		}
		req = signed
	}
	p, _ := req.Context().Value(policyKey{}).(*policy)
	if p != nil && p.account != nil && !p.account.spend() {
		c.lim.release(tk, sample{outcome: outcomeNeutral})
		return nil, errSignInLimit
	}
	c.stats.addRequest(req.Method)
	if p != nil {
		p.attempts.Add(1)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(g.timeout, func() { cancel(errAttemptTimeout) })
	req = req.WithContext(ctx)
	start := time.Now()
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		timer.Stop()
		cancel(nil)
		if context.Cause(ctx) == errAttemptTimeout {
			err = fmt.Errorf("%w after %s", errAttemptTimeout, g.timeout)
		}
		c.lim.release(tk, sample{outcome: outcomeNeutral})
		if p != nil && p.account != nil && notSent(err) {
			p.account.refund() // the password never left this machine
		}
		c.logf("magento: %s %s: no answer after %s", req.Method, req.URL.Path, time.Since(start).Round(time.Millisecond))
		return nil, err
	}
	if p != nil && p.account != nil {
		p.account.answered(resp.StatusCode)
	}
	rtt := time.Since(start)
	s := sample{outcome: outcomeSuccess, route: routeOf(req.Method, req.URL.Path)}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		s.rtt = max(rtt, time.Nanosecond)
	}
	o := outcomeSuccess
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		o = outcomeThrottled
		c.stats.addThrottled(resp.StatusCode)
		if d, ok := retryAfter(resp, time.Now()); ok && d > 0 && d <= maxRetryAfter {
			c.lim.pause(d)
			c.logf("magento: the store asked to wait %s (Retry-After); pausing every request", d)
			c.announceWait(d, resp.StatusCode)
		}
	case resp.StatusCode >= 500:
		o = outcomeNeutral
	}
	s.outcome = o
	if before, after := c.lim.release(tk, s); after != before && (o == outcomeThrottled || c.stats.adaptive) {
		c.logf("magento: concurrency limit %d -> %d after %d in %s", before, after, resp.StatusCode, rtt.Round(time.Millisecond))
	}
	c.logf("magento: %s %s: %d in %s", req.Method, req.URL.Path, resp.StatusCode, rtt.Round(time.Millisecond))
	resp.Body = &idleBody{ReadCloser: resp.Body, ctx: ctx, timer: timer, timeout: g.timeout, cancel: cancel}
	return resp, nil
}

// NoticeWait is the longest Retry-After wait that passes without a line
// through Config.Notify.
const NoticeWait = 2 * time.Second

// announceWait tells Config.Notify about a Retry-After wait longer than
// NoticeWait, once per wait: answers that ask for the same pause (several
// requests refused together) are announced once.
func (c *Client) announceWait(d time.Duration, status int) {
	if d <= NoticeWait {
		return
	}
	until := time.Now().Add(d)
	c.noticeMu.Lock()
	if !until.After(c.noticeUntil.Add(time.Second)) {
		c.noticeMu.Unlock()
		return
	}
	c.noticeUntil = until
	c.noticeMu.Unlock()
	c.notify(fmt.Sprintf("the store answered %d and asked to wait %s (Retry-After); every request waits until %s",
		status, d.Round(time.Second), until.Format("15:04:05")))
}
