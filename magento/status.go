package magento

import (
	"net/http"
	"strings"

	"github.com/mageseed/mageseed"
)

// statusOf is the one table from mageseed error codes to the HTTP status that
// Magento answers with. The sandbox answers with StatusOf and the client
// reads answers with CodeOf, so the two agree by construction.
var statusOf = map[string]int{
	mageseed.EINVALID:      http.StatusBadRequest,
	mageseed.ECONFLICT:     http.StatusBadRequest, // Magento reports duplicates as 400, not 409
	mageseed.ENOTFOUND:     http.StatusNotFound,
	mageseed.EUNAUTHORIZED: http.StatusUnauthorized, // ACL refusals are 401 too, never 403
	mageseed.ERATELIMIT:    http.StatusTooManyRequests,
	mageseed.EUNAVAILABLE:  http.StatusServiceUnavailable,
	mageseed.EINTERNAL:     http.StatusInternalServerError,
}

// AlreadyExistsMessage is the message of Magento's 400 answer when a
// customer's (email, website) is taken.
const AlreadyExistsMessage = "A customer with the same email address already exists in an associated website."

// StatusOf returns the HTTP status that Magento answers for a mageseed error
// code, and 500 for an unknown code.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeOf returns the mageseed error code for an answer with the given HTTP
// status and error message (the envelope's message field; it may be empty).
// A 2xx status gives "".
//
// Magento answers a duplicate (email, website) with a plain 400, so CodeOf
// tells ECONFLICT from EINVALID by the message ("already exists"). Every 5xx
// is EUNAVAILABLE: the store may or may not have done the work.
func CodeOf(status int, message string) string {
	switch {
	case status >= 200 && status < 300:
		return ""
	case status == http.StatusBadRequest:
		if strings.Contains(message, "already exists") {
			return mageseed.ECONFLICT
		}
		return mageseed.EINVALID
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return mageseed.EUNAUTHORIZED
	case status == http.StatusNotFound:
		return mageseed.ENOTFOUND
	case status == http.StatusTooManyRequests:
		return mageseed.ERATELIMIT
	case status >= 500 && status < 600:
		return mageseed.EUNAVAILABLE
	case status >= 400 && status < 500:
		return mageseed.EINVALID
	}
	return mageseed.EINTERNAL
}
