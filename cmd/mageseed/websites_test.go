package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// TestTokenSecondWebsite shows that a customer of a second website gets a
// working token with one sign-in. Magento looks the email of a token
// request up in the website of the URL's store view
// (Magento\Integration\Model\CustomerTokenService::createCustomerAccessToken
// → Magento\Customer\Model\AccountManagement::authenticate →
// CustomerRepository::get($email) → CustomerRegistry::retrieveByEmail with
// the current store's website id), so apply asks through a store view of
// the customer's own website; asked through the configured view, the
// store would refuse it and apply would report credential drift.
func TestTokenSecondWebsite(t *testing.T) {
	var mu sync.Mutex
	tokenPaths := map[string]int{}
	st := newTestStoreWith(t, sandbox.Options{ExtraWebsites: []sandbox.Website{{Code: "second", StoreCode: "second_view"}}},
		func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/V1/integration/customer/token") {
					mu.Lock()
					tokenPaths[r.URL.Path]++
					mu.Unlock()
				}
				h.ServeHTTP(w, r)
			})
		})
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	// The same email on both websites (accounts are kept per website): each
	// token must be the account of its own website.
	manifest := `customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    password: Password1
    token: true
  jane2:
    email: jdoe@example.com
    website: second
    firstname: Jane
    lastname: Second
    password: Password2
    token: true
  other:
    email: other@example.com
    website: second
    firstname: Olga
    lastname: Other
    password: Password3
    token: true
`
	if err := os.WriteFile(m, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	before := st.requests(t)
	code, out, errOut := runCmd(t, dir, "apply", "--quiet", m)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "credential drift") || strings.Contains(out+errOut, "token not minted") {
		t.Errorf("apply reported a refused token:\n%s\n%s", out, errOut)
	}
	after := st.requests(t)
	const token = "POST /V1/integration/customer/token"
	if got := after[token] - before[token]; got != 3 {
		t.Errorf("%d token requests reached the store, want 3 (one a customer)", got)
	}
	mu.Lock()
	if tokenPaths["/rest/default/V1/integration/customer/token"] != 1 || tokenPaths["/rest/second_view/V1/integration/customer/token"] != 2 {
		t.Errorf("token requests by path: %v, want 1 through default and 2 through second_view", tokenPaths)
	}
	mu.Unlock()

	o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, lastname string
		website       int
	}{{"jane", "Doe", 1}, {"jane2", "Second", 2}, {"other", "Other", 2}} {
		rec, ok := o.Customers[c.key]
		if !ok || rec.Token == "" {
			t.Errorf("%s: no token in the outputs", c.key)
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, st.url+"/rest/V1/customers/me", nil)
		req.Header.Set("Authorization", "Bearer "+rec.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			ID        int    `json:"id"`
			Lastname  string `json:"lastname"`
			WebsiteID int    `json:"website_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Errorf("%s: GET /V1/customers/me with its token: %s (%v)", c.key, resp.Status, err)
			continue
		}
		if me.ID != rec.ID || me.Lastname != c.lastname || me.WebsiteID != c.website {
			t.Errorf("%s: the token is customer %d %q of website %d, want %d %q of website %d",
				c.key, me.ID, me.Lastname, me.WebsiteID, rec.ID, c.lastname, c.website)
		}
	}
}
