package magento_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// oauthSandbox serves a sandbox that knows integration32 and accepts
// "admin-bearer" as an admin token for the test's own checks.
func oauthSandbox(t *testing.T) *httptest.Server {
	t.Helper()
	creds := integration32
	sb, err := sandbox.New(sandbox.Options{OAuth: &creds, IntegrationToken: "admin-bearer"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return srv
}

// TestOAuthHMACSHA1IsRefused signs with HMAC-SHA1, which Magento 2.4.8 no
// longer accepts (Magento\Framework\Oauth\Oauth::getSupportedSignatureMethods
// lists HMAC-SHA256 alone): the store answers 400 "Signature method %1 is
// not supported", and nothing is created.
func TestOAuthHMACSHA1IsRefused(t *testing.T) {
	srv := oauthSandbox(t)
	creds := integration32
	creds.SignatureMethod = "HMAC-SHA1"
	c, err := magento.New(magento.Config{BaseURL: srv.URL, OAuth: &creds, AllowInsecureHTTP: true, MaxRetries: 2,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateCustomer(context.Background(), mageseed.Customer{Email: "sha1@example.com", Firstname: "S", Lastname: "One", WebsiteID: 1})
	if err == nil || !strings.Contains(err.Error(), "Signature method HMAC-SHA1 is not supported") {
		t.Fatalf("create signed with HMAC-SHA1: %v; want Magento's refusal", err)
	}
	admin, err := magento.New(magento.Config{BaseURL: srv.URL, AdminToken: "admin-bearer", AllowInsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	found, err := admin.FindCustomers(context.Background(), 1, []string{"sha1@example.com"})
	if err != nil || len(found) != 0 {
		t.Errorf("customers after the refused create: %v, %v; want none", found, err)
	}
}

// TestOAuthNonceReplayIsRefused sends one signed request twice: Magento
// stores each nonce per consumer and refuses it the second time
// (Magento\Integration\Model\Oauth\Nonce\Generator::validateNonce) with
// 401 "The nonce is already being used by the consumer with ID %1".
func TestOAuthNonceReplayIsRefused(t *testing.T) {
	srv := oauthSandbox(t)
	req, err := http.NewRequest("GET", srv.URL+"/rest/V1/store/websites", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := magento.SignOAuth1(req, integration32, "0123456789abcdef0123456789abcdef", time.Now().Unix()); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{200, 401} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Message    string `json:"message"`
			Parameters []any  `json:"parameters"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("send %d: status %d (%s), want %d", i+1, resp.StatusCode, body.Message, want)
		}
		if want == 401 && (body.Message != "The nonce is already being used by the consumer with ID %1" || len(body.Parameters) != 1) {
			t.Errorf("replay refused with %q %v", body.Message, body.Parameters)
		}
	}
}
