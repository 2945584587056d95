package magento

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/mageseed/mageseed"
)

// MaxSignIns is the most token requests (admin or customer) for one account
// that one Client sends and that the store does not answer with a token:
// answers lost, 5xx, 429 or a refusal. Magento counts a failed sign-in
// before it answers (Magento\Integration\Model\CustomerTokenService and
// AdminTokenService::createAdminAccessToken call
// RequestThrottler::logAuthenticationFailure) and locks the account after
// six (oauth/authentication_lock/max_failures_count), so an attempt whose
// answer is lost may have counted. A token in an answer proves the password
// right and resets Magento's count (RequestThrottler::
// resetAuthenticationFailuresCount), and this one too.
const MaxSignIns = 3

// account is what a Client knows about the sign-ins of one account.
type account struct {
	name string // for messages: "admin" or "customer"

	mu sync.Mutex
	// spent counts the attempts sent since the last token.
	spent int
	// refused is set when the store refused the credentials (a 4xx other
	// than 429); they are never sent again in this run.
	refused bool
}

// accounts holds the sign-in state of every account a Client signs in to.
type accounts struct {
	mu sync.Mutex
	m  map[string]*account
}

func (as *accounts) get(kind, username string) *account {
	key := kind + "\x00" + strings.ToLower(strings.TrimSpace(username))
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.m == nil {
		as.m = make(map[string]*account)
	}
	a := as.m[key]
	if a == nil {
		a = &account{name: kind}
		as.m[key] = a
	}
	return a
}

// spend takes one attempt from the account's budget; it reports false when
// none is left or the credentials were refused.
func (a *account) spend() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refused || a.spent >= MaxSignIns {
		return false
	}
	a.spent++
	return true
}

// left reports whether another attempt may be sent.
func (a *account) left() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.refused && a.spent < MaxSignIns
}

// refund gives back an attempt that provably never reached the store.
func (a *account) refund() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.spent > 0 {
		a.spent--
	}
}

// signedIn records a token in an answer: the count starts again.
func (a *account) signedIn() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.spent = 0
}

// refuse records that the store refused the credentials.
func (a *account) refuse() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refused = true
}

// unusable returns the error for a token request that must not be sent, or
// nil.
func (a *account) unusable(k *call) error {
	a.mu.Lock()
	refused, spent := a.refused, a.spent
	a.mu.Unlock()
	switch {
	case refused:
		re := &RequestError{
			Method: k.method, Path: k.path,
			Message: "not sent: the store refused this " + a.name + "'s credentials earlier in this run",
		}
		if a.name == "admin" {
			re.kind = kindAdminRefused
		}
		return coded(mageseed.EUNAUTHORIZED, re)
	case spent >= MaxSignIns:
		return signInLimitError(k, a.name)
	}
	return nil
}

func signInLimitError(k *call, name string) error {
	return coded(mageseed.EUNAVAILABLE, &RequestError{
		Method: k.method, Path: k.path,
		Message: "not sent: " + strconv.Itoa(MaxSignIns) + " sign-in attempts for this " + name +
			" got no token in this run (answers lost or refused), and Magento locks an account after 6 failures",
		Err: mageseed.ErrSignInLimit, kind: kindSignInLimit,
	})
}

// answered records the status of a token request's answer: a refusal
// (4xx other than 429) is final for the run.
func (a *account) answered(status int) {
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		a.refuse()
	}
}
