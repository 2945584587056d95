package mageseed

import (
	"errors"
	"fmt"
)

// Error codes. Every layer reports failures that callers branch on with one
// of these codes; the magento package maps HTTP statuses to them through one
// table, which the sandbox shares.
const (
	EINVALID      = "invalid"      // the store rejected the input (400)
	ECONFLICT     = "conflict"     // the entity already exists (400 "already exists")
	ENOTFOUND     = "not_found"    // no such entity (404)
	EUNAUTHORIZED = "unauthorized" // missing, bad or expired credentials; ACL refusal (401)
	ERATELIMIT    = "rate_limited" // 429
	EUNAVAILABLE  = "unavailable"  // 5xx, transport failure or no answer: the outcome is unknown
	EINTERNAL     = "internal"
)

// Error is a failure with a code that callers can branch on and a message
// meant for people.
type Error struct {
	Code    string
	Message string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EINTERNAL for an error that carries no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrSignInLimit is in the chain of an error for a token request that was
// not sent because the sign-in attempts that one run may spend on the
// account are used up. Callers must not ask again: each attempt may count
// towards the store's lockout.
var ErrSignInLimit = errors.New("sign-in attempts for this account used up in this run")
