package magento

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
)

// RequestError is a request that the store refused or did not answer. It is
// always wrapped in a *mageseed.Error that carries its code, so callers
// branch with mageseed.ErrorCode and read the details with errors.As.
//
// Its text names the request and never contains a request body, a password
// or a token:
//
//	PUT /V1/customers/42: 404: No such entity with customerId = 42
//	POST /V1/customers: no answer from the store: connection reset by peer
type RequestError struct {
	Method string
	// Path is the API path without the /rest/<store> prefix and without the
	// query, e.g. /V1/customers/42.
	Path string
	// Status is the HTTP status, 0 when the store did not answer.
	Status int
	// Message is Magento's message with its parameters substituted (the
	// entries of an aggregate error joined with "; "), or a description of
	// the failure when there was no answer.
	Message string
	// Parameters are the error's parameters as Magento sent them: an object
	// for named placeholders, a list for positional ones, or nil.
	Parameters any
	// Err is the underlying transport or context error, if any.
	Err error

	kind     errorKind
	location string // redirect target
}

// errorKind marks errors that [Hint] has advice for.
type errorKind int

const (
	kindPlain errorKind = iota
	kindTwoFactor
	kindInsecure
	kindRedirect
	kindCertificate
	kindAdminRefused
	kindACL
	kindSignInLimit
	kindMaintenance // 503 with a web page
	kindNotJSON     // an answer that is not Magento's JSON
	kindCut         // an answer whose body broke off
)

func (e *RequestError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Message)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.Status, e.Message)
}

func (e *RequestError) Unwrap() error { return e.Err }

// TwoFactor reports whether the store refused an admin token because the
// admin account uses two-factor authentication.
func (e *RequestError) TwoFactor() bool { return e.kind == kindTwoFactor }

// coded wraps e in a *mageseed.Error with the given code.
func coded(code string, e *RequestError) error {
	return &mageseed.Error{Code: code, Err: e}
}

// Hint returns advice for the person who ran the command that failed with
// err, or "" when there is none. The CLI prints it after the error.
func Hint(err error) string {
	var re *RequestError
	if !errors.As(err, &re) {
		return ""
	}
	switch re.kind {
	case kindTwoFactor:
		return "the admin account uses two-factor authentication, so the store gives no token for its username and password; " +
			"create an integration in the admin (System > Extensions > Integrations) and use its access token as MAGENTO_ADMIN_TOKEN, " +
			"or its four OAuth credentials (MAGENTO_CONSUMER_KEY, MAGENTO_CONSUMER_SECRET, MAGENTO_ACCESS_TOKEN, MAGENTO_ACCESS_TOKEN_SECRET)"
	case kindInsecure:
		return "use an https:// URL, or pass --allow-insecure-http if you trust every network between you and this store"
	case kindRedirect:
		return fmt.Sprintf("the store redirected to %s; set the store URL to where it redirects (mageseed never follows redirects with credentials)", re.location)
	case kindCertificate:
		return "the store's TLS certificate is not trusted; pass --insecure-skip-tls-verify for a store with a self-signed certificate"
	case kindAdminRefused:
		return "check MAGENTO_ADMIN_USERNAME and MAGENTO_ADMIN_PASSWORD (Magento locks an admin after 6 failed attempts), or use MAGENTO_ADMIN_TOKEN"
	case kindSignInLimit:
		return "check the password; mageseed stops asking for a token for an account after " + strconv.Itoa(MaxSignIns) +
			" attempts without one in a run, so that lost answers never lock the account (Magento locks it after 6 failures)"
	case kindMaintenance:
		return "the store answered 503 with a web page, which is what Magento shows in maintenance mode; " +
			"check `bin/magento maintenance:status` on the store, and run again when it is back"
	case kindNotJSON:
		return "check the store URL: it must reach Magento's REST API (https://shop.example.com serves /rest/V1/...), " +
			"not a proxy's login page or a firewall"
	case kindCut:
		return "the connection broke while the store's answer arrived; running the command again is safe (mageseed looks customers up before it writes again)"
	case kindACL:
		need := "a permission the request needs"
		if p, ok := re.Parameters.(map[string]any); ok {
			if r, ok := p["resources"].(string); ok && r != "" {
				need = "the permission " + r
			}
		}
		return "check the admin credentials (MAGENTO_ADMIN_TOKEN, MAGENTO_ADMIN_USERNAME and MAGENTO_ADMIN_PASSWORD, or the integration's OAuth credentials): " +
			"the store refused them, or they lack " + need
	}
	if mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE {
		return ""
	}
	switch {
	case re.Status == 0:
		return "the store did not answer; check the URL and the network, and try again"
	case re.Status == http.StatusBadGateway || re.Status == http.StatusGatewayTimeout:
		return fmt.Sprintf("a proxy in front of the store answered %d: Magento behind it is down or too slow; running the command again is safe (mageseed looks customers up before it writes again)", re.Status)
	case re.Status >= 500:
		return fmt.Sprintf("the store answered %d, a server error; its var/log/exception.log says why; running the command again is safe (mageseed looks customers up before it writes again)", re.Status)
	}
	return "the store answered, but not as Magento does; if it happens again, check what serves the store URL"
}

// placeholder matches Magento's phrase placeholders: %name and %1.
var placeholder = regexp.MustCompile(`%(\w+)`)

// substitute renders a Magento phrase: named placeholders (%fieldName) take
// their value from an object, positional ones (%1) from a list, counted from
// one. Placeholders without a value are left as they are.
func substitute(message string, params any) string {
	if params == nil {
		return message
	}
	return placeholder.ReplaceAllStringFunc(message, func(m string) string {
		name := m[1:]
		switch p := params.(type) {
		case map[string]any:
			if v, ok := p[name]; ok {
				return paramString(v)
			}
		case []any:
			if n, err := strconv.Atoi(name); err == nil && n >= 1 && n <= len(p) {
				return paramString(p[n-1])
			}
		}
		return m
	})
}

// paramString formats one parameter value as PHP would print it.
func paramString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "1"
		}
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// envelope is Magento's error body as this package reads it: like
// ErrorResponse, with the parameters kept generic.
type envelope struct {
	Message    string `json:"message"`
	Parameters any    `json:"parameters"`
	Errors     []struct {
		Message    string `json:"message"`
		Parameters any    `json:"parameters"`
	} `json:"errors"`
}

// decodeError turns an error answer into a *RequestError with Magento's
// message rendered and escaped for the terminal (it is the store's text). A
// body that is not Magento's envelope is not quoted: the status text stands
// in for it, with what the body was (a web page, the content type); a 503
// web page is what Magento's maintenance mode answers.
func decodeError(method, path string, status int, body []byte, ctype string) *RequestError {
	re := &RequestError{Method: method, Path: path, Status: status}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Message == "" {
		re.Message = strings.ToLower(http.StatusText(status))
		if re.Message == "" {
			re.Message = "unexpected answer"
		}
		switch {
		case looksHTML(ctype, body) && status == http.StatusServiceUnavailable:
			re.Message += ": the store answered with a web page (" + describeType(ctype) + ") instead of Magento's JSON; it may be in maintenance mode"
			re.kind = kindMaintenance
		case looksHTML(ctype, body):
			re.Message += ": the store answered with a web page (" + describeType(ctype) + ") instead of Magento's JSON"
			if status < 500 {
				re.kind = kindNotJSON
			}
		case len(bytes.TrimSpace(body)) > 0 && err != nil:
			re.Message += " (the answer is not Magento's JSON: " + describeType(ctype) + ")"
		}
		return re
	}
	re.Parameters = env.Parameters
	msg := trimPeriod(substitute(env.Message, env.Parameters))
	if len(env.Errors) > 0 {
		items := make([]string, 0, len(env.Errors))
		for _, item := range env.Errors {
			items = append(items, trimPeriod(substitute(item.Message, item.Parameters)))
		}
		msg += ": " + strings.Join(items, "; ")
	}
	re.Message = mageseed.EscapeTerminal(msg)
	return re
}

// trimPeriod drops the full stop at the end of Magento's sentences, so that
// messages follow Go's style for error strings, and puts the lines of a
// multi-line message (older releases join validator messages with "\n") on
// one line.
func trimPeriod(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSuffix(strings.TrimSpace(l), "."); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}

// twoFactorPhrases are the answers of Magento_TwoFactorAuth to an admin
// token request for an account that has (or must configure) two-factor
// authentication.
var twoFactorPhrases = []string{
	"2fa provider-specific endpoints",
	"configure 2fa first",
	"two-factor authorization",
	"two-factor authentication",
}

func isTwoFactor(message string) bool {
	m := strings.ToLower(message)
	for _, p := range twoFactorPhrases {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}
