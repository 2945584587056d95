package magento

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// retryKind says which failures of a request may be retried; see the
// package documentation.
type retryKind int

const (
	retryIdempotent retryKind = iota // GET, PUT, DELETE
	retryCreate                      // a POST that creates: only when provably not run
	retryToken                       // token requests: never after a refusal; within MaxSignIns
)

// maxRetryAfter is the longest Retry-After the client waits for.
const maxRetryAfter = 5 * time.Minute

// policy travels with a request's context to the retry check, which
// retryablehttp calls without the request.
type policy struct {
	kind retryKind
	// account is the account of a token request, whose attempts are
	// bounded by MaxSignIns across every layer of retry.
	account *account
	// uncertain counts the retries of failures after which the store may
	// have run the request (token requests allow maxUncertainTokenRetries
	// per call, and the account's budget bounds them across calls).
	uncertain atomic.Int32
	// attempts counts the attempts sent.
	attempts atomic.Int32
}

type policyKey struct{}

func withPolicy(ctx context.Context, p *policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

func policyFrom(ctx context.Context) *policy {
	if p, ok := ctx.Value(policyKey{}).(*policy); ok {
		return p
	}
	return &policy{kind: retryIdempotent}
}

// checkRetry is the client's retryablehttp.CheckRetry. It never returns an
// error of its own for an answer, so that the last answer reaches the caller
// and is decoded as Magento's error.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	p := policyFrom(ctx)
	if errors.Is(err, errSignInLimit) {
		return false, nil
	}
	if p.account != nil && !p.account.left() {
		// The last answer or error ends the call: the account has no
		// attempt left in this run.
		return false, nil
	}
	if err != nil {
		if !retryableTransportError(err) {
			return false, nil
		}
		if notSent(err) {
			return true, nil
		}
		switch p.kind {
		case retryCreate:
			return false, nil
		case retryToken:
			return p.uncertain.Add(1) <= maxUncertainTokenRetries, nil
		}
		return true, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		if d, ok := retryAfter(resp, time.Now()); ok && d > maxRetryAfter {
			return false, nil
		}
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if resp.StatusCode == http.StatusServiceUnavailable {
			if d, ok := retryAfter(resp, time.Now()); ok && d > maxRetryAfter {
				return false, nil
			}
		}
		switch {
		case p.kind == retryCreate:
			return false, nil
		case p.kind == retryToken && resp.StatusCode != http.StatusServiceUnavailable:
			return p.uncertain.Add(1) <= maxUncertainTokenRetries, nil
		}
		return true, nil
	}
	return false, nil
}

// maxUncertainTokenRetries bounds the retries of a token request after
// failures that may have reached the store's password check (no answer,
// 502, 504). With the one final answer, a wrong password costs at most
// three of the six failures Magento allows before it locks the account.
const maxUncertainTokenRetries = 2

// retryableTransportError reports whether a transport error may go away on
// its own. Certificate errors and refused redirects do not.
func retryableTransportError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return false
	case errors.Is(err, errRedirect):
		return false
	}
	return true
}

// notSent reports whether the request never reached the store: the
// connection could not be opened.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return false
}

// backoff is the client's retryablehttp.Backoff: capped exponential backoff
// with full jitter, replaced by the store's Retry-After when it sends one.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp, time.Now()); ok {
			return d
		}
	}
	return jitter(minWait, maxWait, attempt)
}

// jitter returns a uniform random wait in [0, min(maxWait, minWait·2^attempt)).
func jitter(minWait, maxWait time.Duration, attempt int) time.Duration {
	ceiling := maxWait
	if attempt < 32 {
		if d := minWait << attempt; d > 0 && d < maxWait {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// retryAfter reads a Retry-After header, given in seconds or as an HTTP
// date, as a wait from now. A date in the past means no wait.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxRetryAfter/time.Second)*10 {
			n = int64(maxRetryAfter/time.Second) * 10
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}
