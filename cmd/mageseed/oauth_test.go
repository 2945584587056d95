package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestOAuthIntegration: an integration's four credentials sign every
// request with OAuth 1.0a, the sandbox verifies them, and a bad signature
// gets Magento's 401 (issue 7, point 3). Client and sandbox are checked
// against each other here; the signer is also checked against RFC 5849's
// examples in package magento.
func TestOAuthIntegration(t *testing.T) {
	creds := &magento.OAuthCredentials{
		ConsumerKey: "ck-0123456789", ConsumerSecret: "cs-secret-0123456789",
		AccessToken: "at-0123456789", AccessTokenSecret: "ats-secret-0123456789",
	}
	newTestStore(t, sandbox.Options{OAuth: creds})
	t.Setenv("MAGENTO_ADMIN_TOKEN", "")
	t.Setenv("MAGENTO_CONSUMER_KEY", creds.ConsumerKey)
	t.Setenv("MAGENTO_CONSUMER_SECRET", creds.ConsumerSecret)
	t.Setenv("MAGENTO_ACCESS_TOKEN", creds.AccessToken)
	t.Setenv("MAGENTO_ACCESS_TOKEN_SECRET", creds.AccessTokenSecret)
	dir := t.TempDir()
	tutorial, _ := filepath.Abs("../../examples/tutorial.yaml")

	code, out, errOut := runCmd(t, dir, "apply", tutorial)
	if code != 0 || !strings.Contains(out, "Apply complete: 1 created") {
		t.Fatalf("apply with OAuth credentials: exit %d\n%s\n%s", code, out, errOut)
	}

	t.Setenv("MAGENTO_CONSUMER_SECRET", "not-the-secret")
	code, out, errOut = runCmd(t, dir, "plan", tutorial)
	if code != 1 || !strings.Contains(errOut, "The signature is invalid. Verify and try again") {
		t.Errorf("plan with a wrong secret: exit %d, want 1 and Magento's message\n%s\n%s", code, out, errOut)
	}
	for _, secret := range []string{creds.ConsumerSecret, creds.AccessToken, creds.AccessTokenSecret, "not-the-secret"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("an OAuth credential appears in the output")
		}
	}

	t.Setenv("MAGENTO_ACCESS_TOKEN_SECRET", "")
	code, _, errOut = runCmd(t, dir, "plan", tutorial)
	if code != 1 || !strings.Contains(errOut, "incomplete integration credentials: MAGENTO_ACCESS_TOKEN_SECRET not set") {
		t.Errorf("plan with three of four credentials: exit %d\n%s", code, errOut)
	}
}
