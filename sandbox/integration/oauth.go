package integration

import (
	"net/http"
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// msgBadSignature is Magento's answer to an OAuth request whose signature
// does not verify (Magento\Framework\Oauth\Exception, an authentication
// failure: 401).
const msgBadSignature = "The signature is invalid. Verify and try again."

// oauthCaller checks a request signed with OAuth 1.0a. ok is false when
// the request carries no OAuth Authorization header (bearer tokens and
// guests are identify's). A signed request runs as the configured
// integration when its consumer key, access token and signature verify;
// otherwise it fails with Magento's 401, whatever the route, as Magento's
// OAuth user context throws before the ACL check.
//
// Nonces and timestamps are not checked for reuse or age.
func (a *Tokens) oauthCaller(r *http.Request) (who webapi.Identity, ok bool, err *webapi.Error) {
	scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "OAuth") {
		return webapi.Identity{}, false, nil
	}
	creds := a.opts.OAuth
	if creds == nil {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgBadSignature, nil)
	}
	if verr := magento.VerifyOAuth1(r, *creds); verr != nil {
		return webapi.Identity{}, true, webapi.NewError(http.StatusUnauthorized, msgBadSignature, nil)
	}
	return webapi.Identity{Type: webapi.UserIntegration, UID: 1}, true, nil
}
