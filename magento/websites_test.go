package magento_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
)

// TestCustomerTokenWebsite shows which store view a customer token request
// goes through: Magento looks the email up in the website of the URL's
// store view (Magento\Customer\Model\AccountManagement::authenticate →
// CustomerRepository::get($email) → CustomerRegistry::retrieveByEmail with
// the current store's website id), so a customer of website 2 is asked for
// through an active view of website 2, the configured view serves its own
// website, and a website without a view spends no sign-in. The store views
// are read once.
func TestCustomerTokenWebsite(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/rest/main_view/V1/store/storeViews":
			io.WriteString(w, `[
 {"id":0,"code":"admin","name":"Admin","website_id":0,"store_group_id":0,"is_active":1},
 {"id":1,"code":"main_view","name":"Main","website_id":1,"store_group_id":1,"is_active":1},
 {"id":2,"code":"closed","name":"Closed","website_id":2,"store_group_id":2,"is_active":0},
 {"id":4,"code":"eu_de","name":"DE","website_id":2,"store_group_id":2,"is_active":1},
 {"id":3,"code":"eu_fr","name":"FR","website_id":2,"store_group_id":2,"is_active":1},
 {"id":5,"code":"dark","name":"Dark","website_id":3,"store_group_id":3,"is_active":0}]`)
		default:
			io.WriteString(w, `"tok"`)
		}
	})
	c := newClient(t, h, func(cfg *magento.Config) { cfg.StoreCode = "main_view" })
	ctx := context.Background()
	for _, tt := range []struct {
		website int
		email   string
	}{{1, "a@example.com"}, {2, "b@example.com"}, {0, "c@example.com"}, {3, "d@example.com"}} {
		if tok, err := c.CustomerToken(ctx, tt.website, tt.email, "Password1"); err != nil || tok != "tok" {
			t.Errorf("CustomerToken(website %d) = %q, %v", tt.website, tok, err)
		}
	}
	_, err := c.CustomerToken(ctx, 9, "e@example.com", "Password1")
	if mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("CustomerToken(website 9) error %v, want ENOTFOUND", err)
	}
	want := []string{
		"GET /rest/main_view/V1/store/storeViews",
		"POST /rest/main_view/V1/integration/customer/token", // website 1: the configured view's
		"POST /rest/eu_fr/V1/integration/customer/token",     // website 2: active, lowest id
		"POST /rest/main_view/V1/integration/customer/token", // website 0: the configured view
		"POST /rest/dark/V1/integration/customer/token",      // website 3: its only view
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
