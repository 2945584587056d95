package sandbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// addressSummary is what the PUT tests compare of an address.
type addressSummary struct {
	ID                              int
	City                            string
	DefaultBilling, DefaultShipping bool
}

func summarize(c magento.CustomerData) (billing, shipping string, out []addressSummary) {
	for _, a := range c.Addresses {
		out = append(out, addressSummary{
			ID: a.ID, City: a.City,
			DefaultBilling:  a.DefaultBilling != nil && *a.DefaultBilling,
			DefaultShipping: a.DefaultShipping != nil && *a.DefaultShipping,
		})
	}
	return c.DefaultBilling, c.DefaultShipping, out
}

func cityAddress(city string, id int, isDefault bool) map[string]any {
	a := usAddress(isDefault)
	a["city"] = city
	if id != 0 {
		a["id"] = id
	}
	return a
}

// TestPutAddressSemantics checks PUT /V1/customers/:id against Magento's
// rules: addresses absent or null keep them; a list replaces them (ids
// update, no id creates, the rest are deleted); [] deletes all.
func TestPutAddressSemantics(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	type step struct {
		addresses any // nil: key absent; "null": JSON null; else the list
		extra     map[string]any
	}
	tests := []struct {
		name string
		// put builds the body's addresses from the ids of the two
		// addresses the customer starts with (Mineola, default; Albany).
		put          func(first, second int) step
		wantBilling  func(first, second int) string
		wantAddrs    func(first, second int) []addressSummary
		wantNewCount int // addresses created by the PUT
	}{
		{
			name:        "key absent keeps addresses and defaults",
			put:         func(first, second int) step { return step{} },
			wantBilling: func(first, second int) string { return itoa(first) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", true, true}, {second, "Albany", false, false}}
			},
		},
		{
			name:        "null keeps addresses",
			put:         func(first, second int) step { return step{addresses: "null"} },
			wantBilling: func(first, second int) string { return itoa(first) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", true, true}, {second, "Albany", false, false}}
			},
		},
		{
			name: "list with ids updates and deletes the rest",
			put: func(first, second int) step {
				return step{addresses: []any{cityAddress("Buffalo", second, false)}}
			},
			wantBilling: func(first, second int) string { return "" },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{second, "Buffalo", false, false}}
			},
		},
		{
			name: "address without id is created",
			put: func(first, second int) step {
				return step{addresses: []any{cityAddress("Mineola", first, true), cityAddress("Ithaca", 0, false)}}
			},
			wantBilling: func(first, second int) string { return itoa(first) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", true, true}, {-1, "Ithaca", false, false}}
			},
			wantNewCount: 1,
		},
		{
			name: "default flag moves the default",
			put: func(first, second int) step {
				return step{addresses: []any{cityAddress("Mineola", first, false), cityAddress("Albany", second, true)}}
			},
			wantBilling: func(first, second int) string { return itoa(second) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", false, false}, {second, "Albany", true, true}}
			},
		},
		{
			name: "customer-level default counts with addresses",
			put: func(first, second int) step {
				return step{
					addresses: []any{cityAddress("Mineola", first, false), cityAddress("Albany", second, false)},
					extra:     map[string]any{"default_billing": itoa(second), "default_shipping": itoa(second)},
				}
			},
			wantBilling: func(first, second int) string { return itoa(second) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", false, false}, {second, "Albany", true, true}}
			},
		},
		{
			name: "customer-level default without addresses keeps the previous",
			put: func(first, second int) step {
				return step{extra: map[string]any{"default_billing": itoa(second)}}
			},
			wantBilling: func(first, second int) string { return itoa(first) },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", true, true}, {second, "Albany", false, false}}
			},
		},
		{
			name: "list without flags clears the defaults",
			put: func(first, second int) step {
				return step{addresses: []any{cityAddress("Mineola", first, false), cityAddress("Albany", second, false)}}
			},
			wantBilling: func(first, second int) string { return "" },
			wantAddrs: func(first, second int) []addressSummary {
				return []addressSummary{{first, "Mineola", false, false}, {second, "Albany", false, false}}
			},
		},
		{
			name:        "empty list deletes all",
			put:         func(first, second int) step { return step{addresses: []any{}} },
			wantBilling: func(first, second int) string { return "" },
			wantAddrs:   func(first, second int) []addressSummary { return nil },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := "put" + itoa(i) + "@example.com"
			body := customerBody(email)
			body["customer"].(map[string]any)["addresses"] = []any{cityAddress("Mineola", 0, true), cityAddress("Albany", 0, false)}
			c := s.create(body)
			first, second := c.Addresses[0].ID, c.Addresses[1].ID
			st := tt.put(first, second)
			cust := map[string]any{"email": email, "firstname": "Janet", "lastname": "Doe", "id": 424242}
			switch a := st.addresses.(type) {
			case nil:
			case string:
				cust["addresses"] = nil
			default:
				cust["addresses"] = a
			}
			for k, v := range st.extra {
				cust[k] = v
			}
			var got magento.CustomerData
			s.ok("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": cust}, &got)
			var reread magento.CustomerData
			s.ok("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &reread)
			if diff := cmp.Diff(got, reread); diff != "" {
				t.Errorf("PUT answer differs from GET (-put +get):\n%s", diff)
			}
			if got.ID != c.ID || got.Firstname != "Janet" || got.CreatedAt != c.CreatedAt {
				t.Errorf("PUT answer id, firstname, created_at = %d, %q, %q; want %d, Janet, %q", got.ID, got.Firstname, got.CreatedAt, c.ID, c.CreatedAt)
			}
			billing, _, addrs := summarize(got)
			want := tt.wantAddrs(first, second)
			created := 0
			for j := range addrs {
				if j < len(want) && want[j].ID == -1 {
					if addrs[j].ID <= second {
						t.Errorf("created address id %d is not new", addrs[j].ID)
					}
					want[j].ID = addrs[j].ID
					created++
				}
			}
			if diff := cmp.Diff(want, addrs); diff != "" {
				t.Errorf("addresses mismatch (-want +got):\n%s", diff)
			}
			if wb := tt.wantBilling(first, second); billing != wb {
				t.Errorf("default_billing = %q, want %q", billing, wb)
			}
			if created != tt.wantNewCount {
				t.Errorf("created %d addresses, want %d", created, tt.wantNewCount)
			}
		})
	}
}

// TestPutKeepsWhatTheBodyLeavesOut checks the fields PUT keeps when absent
// (group, store, website, created_at, password, and every other field the
// body leaves out) and those it replaces.
func TestPutKeepsWhatTheBodyLeavesOut(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	body := with("keep@example.com", map[string]any{"group_id": 3, "middlename": "Q", "dob": "1990-05-06"})
	c := s.create(body)
	if c.Dob != "1990-05-06" || *c.GroupID != 3 {
		t.Fatalf("created dob, group = %q, %d; want 1990-05-06, 3", c.Dob, *c.GroupID)
	}
	s.clock.Add(90 * time.Second)
	var got magento.CustomerData
	s.ok("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{
		"email": "keep@example.com", "firstname": "Jane", "lastname": "Roe"}}, &got)
	if *got.GroupID != 3 || *got.StoreID != 1 || *got.WebsiteID != 1 || got.CreatedAt != c.CreatedAt {
		t.Errorf("kept fields = group %d store %d website %d created %q; want 3 1 1 %q", *got.GroupID, *got.StoreID, *got.WebsiteID, got.CreatedAt, c.CreatedAt)
	}
	// Magento\Customer\Model\Plugin\UpdateCustomer::beforeSave merges the
	// body into the stored customer: fields left out keep their values.
	if got.Middlename != "Q" || got.Dob != "1990-05-06" || got.Lastname != "Roe" {
		t.Errorf("fields = middlename %q dob %q lastname %q; want Q 1990-05-06 Roe", got.Middlename, got.Dob, got.Lastname)
	}
	if len(got.Addresses) != 1 {
		t.Errorf("addresses = %d, want 1 kept", len(got.Addresses))
	}
	s.token("/rest/V1/integration/customer/token", "keep@example.com", "Password1")

	t.Run("email taken by another customer", func(t *testing.T) {
		other := s.create(customerBody("other@example.com"))
		wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(other.ID), s.admin, map[string]any{"customer": map[string]any{
			"email": "KEEP@example.com", "firstname": "O", "lastname": "P"}}), 400,
			errorBody{Message: "A customer with the same email address already exists in an associated website."})
	})
}

// TestMe checks GET and PUT /V1/customers/me: the token's customer, a body
// id and group_id ignored, and the default address routes.
func TestMe(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(customerBody("me@example.com"))
	other := s.create(customerBody("notme@example.com"))
	tok := s.token("/rest/V1/integration/customer/token", "me@example.com", "Password1")
	var got magento.CustomerData
	s.ok("PUT", "/rest/V1/customers/me", tok, map[string]any{"customer": map[string]any{
		"id": other.ID, "group_id": 2, "email": "me@example.com", "firstname": "Myself", "lastname": "Doe"}}, &got)
	if got.ID != c.ID || *got.GroupID != 1 || got.Firstname != "Myself" {
		t.Errorf("PUT me = id %d group %d firstname %q; want %d 1 Myself", got.ID, *got.GroupID, got.Firstname, c.ID)
	}
	var o magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(other.ID), s.admin, nil, &o)
	if o.Firstname != "Jane" {
		t.Errorf("other customer's firstname = %q, want Jane (untouched)", o.Firstname)
	}
	var billing, shipping magento.AddressData
	s.ok("GET", "/rest/V1/customers/me/billingAddress", tok, nil, &billing)
	s.ok("GET", "/rest/V1/customers/me/shippingAddress", tok, nil, &shipping)
	if billing.ID != c.Addresses[0].ID || shipping.ID != c.Addresses[0].ID {
		t.Errorf("me billing, shipping = %d, %d; want %d", billing.ID, shipping.ID, c.Addresses[0].ID)
	}
	var byAdmin magento.AddressData
	s.ok("GET", "/rest/V1/customers/"+itoa(c.ID)+"/billingAddress", s.admin, nil, &byAdmin)
	if diff := cmp.Diff(billing, byAdmin); diff != "" {
		t.Errorf("admin billingAddress differs from me (-me +admin):\n%s", diff)
	}
	// Customer token on another customer's admin route is refused.
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(other.ID), tok, map[string]any{"customer": map[string]any{
		"email": "x@example.com", "firstname": "X", "lastname": "Y"}}), 401,
		errorBody{Message: "The consumer isn't authorized to access %resources.", Parameters: map[string]any{"resources": "Magento_Customer::manage"}})
}

// TestAddressRoutes checks GET and DELETE of one address and that deleting
// a default address clears the customer's default.
func TestAddressRoutes(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(customerBody("addr@example.com"))
	aid := c.Addresses[0].ID
	var a magento.AddressData
	s.ok("GET", "/rest/V1/customers/addresses/"+itoa(aid), s.admin, nil, &a)
	if diff := cmp.Diff(c.Addresses[0], a); diff != "" {
		t.Errorf("GET address differs from the created one (-created +got):\n%s", diff)
	}
	var ok bool
	s.ok("DELETE", "/rest/V1/addresses/"+itoa(aid), s.admin, nil, &ok)
	if !ok {
		t.Errorf("DELETE address = false, want true")
	}
	var after magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &after)
	if after.DefaultBilling != "" || after.DefaultShipping != "" || len(after.Addresses) != 0 {
		t.Errorf("after delete: default_billing %q default_shipping %q addresses %d; want none", after.DefaultBilling, after.DefaultShipping, len(after.Addresses))
	}
	r := s.do("GET", "/rest/V1/customers/"+itoa(c.ID)+"/billingAddress", s.admin, nil)
	if r.status != 200 || string(r.body) != "[]" {
		t.Errorf("billingAddress without default = %d %s, want 200 []", r.status, r.body)
	}
	var deleted bool
	s.ok("DELETE", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &deleted)
	if !deleted {
		t.Errorf("DELETE customer = false, want true")
	}
	if r := s.do("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil); r.status != 404 {
		t.Errorf("GET deleted customer = %d, want 404", r.status)
	}
}

// TestSecondWebsite checks the per-website email scope: the same email in a
// second website is another customer, and store codes in the URL choose
// the website.
func TestSecondWebsite(t *testing.T) {
	s := newStore(t, sandbox.Options{ExtraWebsites: []sandbox.Website{{Code: "eu", Name: "EU Website", StoreCode: "eu_en", StoreName: "EU English"}}})
	a := s.create(customerBody("twice@example.com"))
	var b magento.CustomerData
	s.ok("POST", "/rest/eu_en/V1/customers", "", customerBody("twice@example.com"), &b)
	if b.ID == a.ID || *b.WebsiteID != 2 || *b.StoreID != 2 || b.CreatedIn != "EU English" {
		t.Errorf("second-website customer = id %d website %d store %d created_in %q; want new id, 2, 2, EU English",
			b.ID, *b.WebsiteID, *b.StoreID, b.CreatedIn)
	}
	var c magento.CustomerData
	s.ok("POST", "/rest/V1/customers", "", with("thrice@example.com", map[string]any{"website_id": 2}), &c)
	if *c.StoreID != 2 {
		t.Errorf("website_id 2 gives store %d, want its default store 2", *c.StoreID)
	}
	wantError(t, s.do("POST", "/rest/eu_en/V1/customers", "", customerBody("twice@example.com")), 400,
		errorBody{Message: "A customer with the same email address already exists in an associated website."})
	// Tokens look the email up in the URL's website.
	s.token("/rest/eu_en/V1/integration/customer/token", "twice@example.com", "Password1")
	var sites []magento.WebsiteData
	s.ok("GET", "/rest/V1/store/websites", s.admin, nil, &sites)
	wantSites := []magento.WebsiteData{
		{ID: 0, Code: "admin", Name: "Admin", DefaultGroupID: 0},
		{ID: 1, Code: "base", Name: "Main Website", DefaultGroupID: 1},
		{ID: 2, Code: "eu", Name: "EU Website", DefaultGroupID: 2},
	}
	if diff := cmp.Diff(wantSites, sites); diff != "" {
		t.Errorf("websites mismatch (-want +got):\n%s", diff)
	}
	var views []magento.StoreViewData
	s.ok("GET", "/rest/all/V1/store/storeViews", s.admin, nil, &views)
	wantViews := []magento.StoreViewData{
		{ID: 0, Code: "admin", Name: "Admin", WebsiteID: 0, StoreGroupID: 0, IsActive: 1},
		{ID: 1, Code: "default", Name: "Default Store View", WebsiteID: 1, StoreGroupID: 1, IsActive: 1},
		{ID: 2, Code: "eu_en", Name: "EU English", WebsiteID: 2, StoreGroupID: 2, IsActive: 1},
	}
	if diff := cmp.Diff(wantViews, views); diff != "" {
		t.Errorf("store views mismatch (-want +got):\n%s", diff)
	}
}

// TestOtherCountries checks address rules that depend on the country: a
// free-text region, an optional postcode, a region required by its list.
func TestOtherCountries(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	gb := map[string]any{"country_id": "GB", "region_id": nil, "postcode": nil, "region": map[string]any{"region": "Greater London"}}
	c := s.create(withAddress("gb@example.com", gb))
	a := c.Addresses[0]
	want := &magento.RegionData{RegionCode: "Greater London", Region: "Greater London", RegionID: 0}
	if diff := cmp.Diff(want, a.Region); diff != "" || a.Postcode != "" {
		t.Errorf("GB address region mismatch (-want +got):\n%s postcode %q", diff, a.Postcode)
	}
	byCode := s.create(withAddress("code@example.com", map[string]any{"region_id": nil, "region": map[string]any{"region_code": "ma"}}))
	if got := *byCode.Addresses[0].RegionID; got != 32 {
		t.Errorf("region code MA resolves to %d, want 32", got)
	}
	// Addresses in a country the store does not know are dropped on create.
	dropped := s.create(withAddress("xx@example.com", map[string]any{"country_id": "XX"}))
	if len(dropped.Addresses) != 0 || dropped.DefaultBilling != "" {
		t.Errorf("address in unknown country kept: %+v", dropped.Addresses)
	}
}

// TestKeyRules checks Magento's body key rules: snake_case and camelCase
// name one field, the first of two such keys wins, null means absent, and
// numbers and strings convert where the field's type asks.
func TestKeyRules(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	body := `{"customer":{"email":"keys@example.com","firstname":"K","lastname":"R","group_id":2,"groupId":3,
		"middlename":null,"website_id":"1","dob":"1970-01-02 00:00:00","gender":"2",
		"addresses":[{"firstname":"K","lastname":"R","street":["1 A St"],"city":"Albany","regionId":"43",
		"country_id":"us","postcode":12207,"telephone":"5185550100","is_default_billing":true}]},
		"password":"Password1","redirect_url":"","unknownTopLevel":1}`
	r := s.do("POST", "/rest/V1/customers", s.admin, body)
	if r.status != 400 {
		t.Fatalf("is_default_billing: status %d, want 400 (not a getter name)", r.status)
	}
	wantError(t, r, 400, errorBody{Message: `"%fieldName" is not supported. Correct the field name and try again.`,
		Parameters: map[string]any{"fieldName": "IsDefaultBilling"}})
	var c magento.CustomerData
	s.ok("POST", "/rest/V1/customers", s.admin, strings.Replace(body, "is_default_billing", "defaultBilling", 1), &c)
	a := c.Addresses[0]
	got := []any{*c.GroupID, c.Middlename, *c.WebsiteID, c.Dob, *c.Gender, a.CountryID, a.Postcode, *a.RegionID, c.DefaultBilling == itoa(a.ID), c.DefaultShipping}
	want := []any{2, "", 1, "1970-01-02", 2, "US", "12207", 43, true, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("converted fields mismatch (-want +got):\n%s", diff)
	}
}
