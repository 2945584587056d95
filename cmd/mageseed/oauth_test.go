package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestOAuthIntegration: an integration's four credentials sign every
// request with OAuth 1.0a, the sandbox verifies them, and a bad signature
// gets Magento's 401. Client and sandbox are checked
// against each other here; the signer is also checked against RFC 5849's
// examples in package magento.
func TestOAuthIntegration(t *testing.T) {
	creds := testIntegration()
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

// testIntegration returns an integration's credentials of the lengths
// Magento generates (32 characters, Magento\Framework\Oauth\Helper\Oauth
// LENGTH_CONSUMER_KEY and LENGTH_TOKEN), which the sandbox checks as
// Magento does.
func testIntegration() *magento.OAuthCredentials {
	return &magento.OAuthCredentials{
		ConsumerKey: "ck0123456789abcdef0123456789abcd", ConsumerSecret: "cs0123456789abcdef0123456789abcd",
		AccessToken: "at0123456789abcdef0123456789abcd", AccessTokenSecret: "as0123456789abcdef0123456789abcd",
	}
}

// TestOAuthIntegrationUnderFaults applies the tutorial signed with OAuth
// against a store that answers some requests with 503 and drops others
// after doing the work. The store accepts a nonce once per consumer
// (Magento\Integration\Model\Oauth\Nonce\Generator::validateNonce), so
// this passes only because the client signs every attempt afresh, with a
// new nonce and timestamp.
func TestOAuthIntegrationUnderFaults(t *testing.T) {
	creds := testIntegration()
	st := newTestStore(t, sandbox.Options{OAuth: creds, ErrorRate: 0.2, DropRate: 0.15, FaultSeed: 11})
	t.Setenv("MAGENTO_ADMIN_TOKEN", "")
	t.Setenv("MAGENTO_CONSUMER_KEY", creds.ConsumerKey)
	t.Setenv("MAGENTO_CONSUMER_SECRET", creds.ConsumerSecret)
	t.Setenv("MAGENTO_ACCESS_TOKEN", creds.AccessToken)
	t.Setenv("MAGENTO_ACCESS_TOKEN_SECRET", creds.AccessTokenSecret)
	dir := t.TempDir()
	tutorial, _ := filepath.Abs("../../examples/tutorial.yaml")

	code, out, errOut := runCmd(t, dir, "apply", tutorial)
	if code != 0 || !strings.Contains(out, "Apply complete: 1 created") {
		t.Fatalf("apply with OAuth under faults: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, dir, "plan", "--detailed-exitcode", tutorial)
	if code != 0 {
		t.Fatalf("plan after apply under faults: exit %d, want 0 (no changes)\n%s\n%s", code, out, errOut)
	}
	resp, err := http.Get(st.url + "/__sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Faults map[string]int `json:"faults"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	if stats.Faults["drop"] == 0 || stats.Faults["error"] == 0 {
		t.Errorf("faults injected = %v; want drops and errors, or the test shows nothing", stats.Faults)
	}
}
