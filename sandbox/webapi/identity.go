package webapi

import "net/http"

// User types, as Magento's UserContextInterface numbers them.
const (
	UserGuest        = 0
	UserIntegration  = 1
	UserAdmin        = 2
	UserCustomer     = 3
	UserGuestMagento = 4 // what Magento reports for a guest in bulk records
)

// Identity is who a request runs as. A missing, malformed, unknown,
// expired or revoked token makes a guest.
type Identity struct {
	Type int
	UID  int64
}

// Allowed reports whether the identity may use a route with the given ACL
// resource.
func (id Identity) Allowed(acl string) bool {
	switch acl {
	case ACLAnonymous:
		return true
	case ACLSelf:
		return id.Type == UserCustomer
	}
	return id.IsAdmin()
}

// IsAdmin reports whether the identity is an admin or an integration.
func (id Identity) IsAdmin() bool { return id.Type == UserAdmin || id.Type == UserIntegration }

// Authenticator tells who a request runs as (Magento's user contexts:
// tokens, JWTs and OAuth 1.0a). Anything it cannot read makes a guest; an
// error (a signature that does not verify) is the answer to the request,
// whatever its route, as Magento's OAuth user context throws before the
// ACL check.
type Authenticator interface {
	Identify(r *http.Request) (Identity, *Error)
}
