package sandbox_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// testProfile is the store profile of the tests below.
const testProfile = `customerAttributes:
  - {code: loyalty_number, input: text, required: true, maxLength: 8, minLength: 3}
  - {code: preferred_channel, input: select, options: [Email, Phone, Post]}
  - {code: topics, input: multiselect, options: [News, Sales]}
addressAttributes:
  - {code: delivery_notes, input: textarea, label: Delivery Notes}
config:
  streetLines: 3
groups:
  - {code: VIP, taxClassId: 4}
taxClasses:
  - {id: 4, name: Wholesale Customer}
websites:
  - {code: second, storeCode: second_view}
`

// profileStore starts a sandbox with testProfile, changed by edit.
func profileStore(t *testing.T, edit func(p *sandbox.Profile)) *store {
	t.Helper()
	p, err := sandbox.ParseProfile("store.yaml", []byte(testProfile))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	return newStore(t, sandbox.Options{Profile: p})
}

// customBody is customerBody with the required custom attribute.
func customBody(email string, attrs ...any) map[string]any {
	b := customerBody(email)
	ca := []any{map[string]any{"attribute_code": "loyalty_number", "value": "L-1001"}}
	for i := 0; i+1 < len(attrs); i += 2 {
		ca = append(ca, map[string]any{"attribute_code": attrs[i], "value": attrs[i+1]})
	}
	b["customer"].(map[string]any)["custom_attributes"] = ca
	return b
}

// TestProfileBuiltInGo checks that New refuses a Profile built in Go
// that ParseProfile would have refused.
func TestProfileBuiltInGo(t *testing.T) {
	for _, p := range []*sandbox.Profile{
		{CustomerAttributes: []sandbox.AttributeSpec{{Code: "Bad Code"}}},
		{AddressAttributes: []sandbox.AttributeSpec{{Code: "street"}}},
		{CustomerAttributes: []sandbox.AttributeSpec{{Code: "photo", Input: "image"}}},
		{CustomerAttributes: []sandbox.AttributeSpec{{Code: "channel", Input: "select"}}},
		{CustomerAttributes: []sandbox.AttributeSpec{{Code: "a"}, {Code: "a"}}},
		{Groups: []sandbox.GroupSpec{{Code: "VIP", TaxClassID: 2}}},
		{Config: sandbox.StoreConfig{StreetLines: 21}},
	} {
		if sb, err := sandbox.New(sandbox.Options{Profile: p}); err == nil {
			sb.Close()
			t.Errorf("New accepted the profile %+v", p)
		}
	}
}

func TestLoadProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.yaml")
	if err := os.WriteFile(path, []byte("config:\n  streetLines: 3\n  confirm: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sandbox.LoadProfile(path)
	if err == nil || err.Error() != path+":3:3: config.confirm: unknown key" {
		t.Errorf("LoadProfile = %v, want the unknown key with its position", err)
	}
	if _, err := sandbox.LoadProfile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("LoadProfile of a missing file succeeded")
	}
}

// TestMetadataRoutes checks the four metadata routes of both entities
// (Magento\Customer\Model\Metadata\CustomerMetadata and AddressMetadata):
// stock attributes, the profile's attributes, the street lines, and the
// 404s of getAttributeMetadata and getAttributes.
func TestMetadataRoutes(t *testing.T) {
	s := profileStore(t, nil)
	type meta struct {
		Code           string `json:"attribute_code"`
		Input          string `json:"frontend_input"`
		Required       bool   `json:"required"`
		UserDefined    bool   `json:"user_defined"`
		System         bool   `json:"system"`
		MultilineCount int    `json:"multiline_count"`
		Rules          []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"validation_rules"`
		Options []struct {
			Label string `json:"label"`
			Value string `json:"value"`
		} `json:"options"`
	}
	codes := func(ms []meta) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Code)
		}
		return out
	}
	find := func(ms []meta, code string) meta {
		t.Helper()
		for _, m := range ms {
			if m.Code == code {
				return m
			}
		}
		t.Fatalf("no attribute %s in %v", code, codes(ms))
		return meta{}
	}

	var all []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customer", s.admin, nil, &all)
	for _, c := range []string{"firstname", "lastname", "email", "website_id", "group_id", "dob", "gender", "loyalty_number", "preferred_channel"} {
		find(all, c)
	}
	loyalty := find(all, "loyalty_number")
	if !loyalty.Required || !loyalty.UserDefined || loyalty.System || loyalty.Input != "text" {
		t.Errorf("loyalty_number = %+v, want a required, user-defined text attribute", loyalty)
	}
	wantRules := `[{"name":"input_validation","value":"length"},{"name":"min_text_length","value":"3"},{"name":"max_text_length","value":"8"}]`
	if got, _ := json.Marshal(loyalty.Rules); string(got) != wantRules {
		t.Errorf("loyalty_number rules = %s, want %s", got, wantRules)
	}
	channel := find(all, "preferred_channel")
	wantOptions := `[{"label":" ","value":""},{"label":"Email","value":"4"},{"label":"Phone","value":"5"},{"label":"Post","value":"6"}]`
	if got, _ := json.Marshal(channel.Options); string(got) != wantOptions {
		t.Errorf("preferred_channel options = %s, want %s", got, wantOptions)
	}
	groups := find(all, "group_id")
	if got, _ := json.Marshal(groups.Options); !strings.Contains(string(got), `{"label":"VIP","value":"4"}`) {
		t.Errorf("group_id options %s lack the profile's VIP group", got)
	}
	websites := find(all, "website_id")
	if got, _ := json.Marshal(websites.Options); string(got) != `[{"label":"Main Website","value":"1"},{"label":"Second Website","value":"2"}]` {
		t.Errorf("website_id options = %s", got)
	}

	var custom []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customer/custom", s.admin, nil, &custom)
	if diff := cmp.Diff([]string{"loyalty_number", "preferred_channel", "topics"}, codes(custom)); diff != "" {
		t.Errorf("customer custom attributes (-want +got):\n%s", diff)
	}
	var addrCustom []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customerAddress/custom", s.admin, nil, &addrCustom)
	if diff := cmp.Diff([]string{"delivery_notes"}, codes(addrCustom)); diff != "" {
		t.Errorf("address custom attributes (-want +got):\n%s", diff)
	}

	var street meta
	s.ok("GET", "/rest/V1/attributeMetadata/customerAddress/attribute/street", s.admin, nil, &street)
	if street.MultilineCount != 3 || street.Input != "multiline" || !street.Required {
		t.Errorf("street = %+v, want a required multiline attribute of 3 lines", street)
	}
	var addrAll []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customerAddress", s.admin, nil, &addrAll)
	if len(addrAll) != 20 { // Magento's 19 and delivery_notes
		t.Errorf("address attributes: %d (%v), want 20", len(addrAll), codes(addrAll))
	}

	var form []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customer/form/customer_account_create", s.admin, nil, &form)
	for _, c := range []string{"firstname", "email", "loyalty_number"} {
		find(form, c)
	}
	for _, m := range form {
		if m.Code == "website_id" || m.Code == "group_id" {
			t.Errorf("customer_account_create holds the admin-only attribute %s", m.Code)
		}
	}
	var addrForm []meta
	s.ok("GET", "/rest/V1/attributeMetadata/customerAddress/form/customer_address_edit", s.admin, nil, &addrForm)
	find(addrForm, "delivery_notes")

	// CustomerMetadata::getAttributeMetadata: NoSuchEntityException with
	// two fields; getAttributes: NoSuchEntityException::singleField.
	wantError(t, s.do("GET", "/rest/V1/attributeMetadata/customer/attribute/nope", s.admin, nil), http.StatusNotFound, errorBody{
		Message:    "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
		Parameters: map[string]any{"fieldName": "entityType", "fieldValue": "customer", "field2Name": "attributeCode", "field2Value": "nope"},
	})
	wantError(t, s.do("GET", "/rest/V1/attributeMetadata/customerAddress/attribute/nope", s.admin, nil), http.StatusNotFound, errorBody{
		Message:    "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
		Parameters: map[string]any{"fieldName": "entityType", "fieldValue": "customer_address", "field2Name": "attributeCode", "field2Value": "nope"},
	})
	wantError(t, s.do("GET", "/rest/V1/attributeMetadata/customer/form/nope", s.admin, nil), http.StatusNotFound, errorBody{
		Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "formCode", "fieldValue": "nope"},
	})
	// The routes need Magento_Customer::customer.
	wantError(t, s.do("GET", "/rest/V1/attributeMetadata/customer", "", nil), http.StatusUnauthorized, errorBody{
		Message: "The consumer isn't authorized to access %resources.", Parameters: map[string]any{"resources": "Magento_Customer::customer"},
	})
}

// TestStockStoreMetadata checks a store without a profile: no custom
// attributes, two street lines.
func TestStockStoreMetadata(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var custom []any
	s.ok("GET", "/rest/V1/attributeMetadata/customer/custom", s.admin, nil, &custom)
	if len(custom) != 0 {
		t.Errorf("stock store has custom customer attributes: %v", custom)
	}
	var street struct {
		MultilineCount int `json:"multiline_count"`
	}
	s.ok("GET", "/rest/V1/attributeMetadata/customerAddress/attribute/street", s.admin, nil, &street)
	if street.MultilineCount != 2 {
		t.Errorf("stock street lines = %d, want 2 (customer/address/street_lines)", street.MultilineCount)
	}
}

// TestCustomAttributeValues checks that custom attributes are stored and
// answered as custom_attributes, and refused with the EAV data models'
// messages (Magento\Eav\Model\Attribute\Data\Text, Select, Multiselect
// ::validateValue, via Magento\Eav\Model\Validator\Attribute\Data::isValid).
func TestCustomAttributeValues(t *testing.T) {
	s := profileStore(t, nil)

	body := customBody("jane@example.com", "preferred_channel", 5, "topics", "7,8", "unknown_code", "dropped")
	addr := body["customer"].(map[string]any)["addresses"].([]any)[0].(map[string]any)
	addr["custom_attributes"] = []any{map[string]any{"attribute_code": "delivery_notes", "value": "Ring twice"}}
	created := s.create(body)
	want := []magento.CustomAttribute{
		{AttributeCode: "loyalty_number", Value: "L-1001"},
		{AttributeCode: "preferred_channel", Value: "5"},
		{AttributeCode: "topics", Value: "7,8"},
	}
	if diff := cmp.Diff(want, created.CustomAttributes); diff != "" {
		t.Errorf("created custom_attributes (-want +got):\n%s", diff)
	}
	var got magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(created.ID), s.admin, nil, &got)
	if diff := cmp.Diff(want, got.CustomAttributes); diff != "" {
		t.Errorf("read custom_attributes (-want +got):\n%s", diff)
	}
	wantAddr := []magento.CustomAttribute{{AttributeCode: "delivery_notes", Value: "Ring twice"}}
	if len(got.Addresses) != 1 || !cmp.Equal(wantAddr, got.Addresses[0].CustomAttributes) {
		t.Errorf("address custom_attributes = %+v, want %+v", got.Addresses, wantAddr)
	}
	res := s.search(filterQuery("email", "jane@example.com", ""))
	if len(res.Items) != 1 || !cmp.Equal(want, res.Items[0].CustomAttributes) {
		t.Errorf("search custom_attributes = %+v, want %+v", res.Items, want)
	}

	// A PUT writes the values it has and leaves the others alone
	// (CustomerRepository::save, Eav AbstractEntity::_collectSaveData); an
	// empty value deletes one.
	put := map[string]any{"customer": map[string]any{
		"id": created.ID, "email": "jane@example.com", "firstname": "Jane", "lastname": "Doe", "website_id": 1,
		"custom_attributes": []any{
			map[string]any{"attribute_code": "loyalty_number", "value": "L-2002"},
			map[string]any{"attribute_code": "topics", "value": ""},
		},
	}}
	var updated magento.CustomerData
	s.ok("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put, &updated)
	wantUpdated := []magento.CustomAttribute{
		{AttributeCode: "loyalty_number", Value: "L-2002"},
		{AttributeCode: "preferred_channel", Value: "5"},
	}
	if diff := cmp.Diff(wantUpdated, updated.CustomAttributes); diff != "" {
		t.Errorf("updated custom_attributes (-want +got):\n%s", diff)
	}
	// UpdateCustomer::getUpdatedCustomer starts from the stored customer:
	// without custom_attributes the stored values stand and pass the EAV
	// validator; with them, the body's set is the one validated, and a
	// required attribute it leaves out is missing though the store has a
	// value.
	delete(put["customer"].(map[string]any), "custom_attributes")
	s.ok("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put, &updated)
	if diff := cmp.Diff(wantUpdated, updated.CustomAttributes); diff != "" {
		t.Errorf("custom_attributes after a PUT without them (-want +got):\n%s", diff)
	}
	put["customer"].(map[string]any)["custom_attributes"] = []any{map[string]any{"attribute_code": "preferred_channel", "value": "6"}}
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put), http.StatusBadRequest,
		errorBody{Message: `"%1" is a required value.`, Parameters: []any{"Loyalty Number"}})
	// PUT /V1/customers/me has no customerId: no merge, the body alone is
	// validated.
	tok := s.token("/rest/V1/integration/customer/token", "jane@example.com", "Password1")
	me := map[string]any{"customer": map[string]any{"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe", "website_id": 1}}
	wantError(t, s.do("PUT", "/rest/V1/customers/me", tok, me), http.StatusBadRequest,
		errorBody{Message: `"%1" is a required value.`, Parameters: []any{"Loyalty Number"}})
	delete(put["customer"].(map[string]any), "custom_attributes")
	// An address laid over its stored self keeps the values the body
	// leaves out (Address::updateData).
	addrBody := usAddress(true)
	addrBody["id"] = got.Addresses[0].ID
	put["customer"].(map[string]any)["custom_attributes"] = []any{map[string]any{"attribute_code": "loyalty_number", "value": "L-2002"}}
	put["customer"].(map[string]any)["addresses"] = []any{addrBody}
	s.ok("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put, &updated)
	if len(updated.Addresses) != 1 || !cmp.Equal(wantAddr, updated.Addresses[0].CustomAttributes) {
		t.Errorf("address after a PUT without its custom_attributes = %+v, want %+v", updated.Addresses, wantAddr)
	}

	tests := []struct {
		name string
		body map[string]any
		want errorBody
	}{
		{"required missing", customerBody("a@example.com"),
			errorBody{Message: `"%1" is a required value.`, Parameters: []any{"Loyalty Number"}}},
		{"too long", customBody("b@example.com", "loyalty_number", "L-1001-XYZ"),
			errorBody{Message: `"%1" length must be equal or less than %2 characters.`, Parameters: []any{"Loyalty Number", "8"}}},
		{"unknown option", customBody("c@example.com", "preferred_channel", "Phone"),
			errorBody{Message: "Attribute %1 does not contain option with Id %2", Parameters: []any{"preferred_channel", "Phone"}}},
		{"two messages", customBody("d@example.com", "loyalty_number", "L", "topics", "7,99"),
			errorBody{
				Message: "\"Loyalty Number\" length must be equal or greater than 3 characters.\nAttribute topics does not contain option with Id 99",
				Errors: []errorItem{
					{Message: `"%1" length must be equal or greater than %2 characters.`, Parameters: []any{"Loyalty Number", "3"}},
					{Message: "Attribute %1 does not contain option with Id %2", Parameters: []any{"topics", "99"}},
				}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, s.do("POST", "/rest/V1/customers", "", tt.body), http.StatusBadRequest, tt.want)
		})
	}

	// ServiceInputProcessor::processCustomAttribute's
	// SerializationException, which _createFromArray rethrows with the
	// field it came from.
	for _, tt := range []struct {
		attr any
		want string
	}{
		{map[string]any{"value": "x"}, `Error occurred during "custom_attributes" processing. A custom attribute is specified with a missing attribute code. Verify the code and try again.`},
		{map[string]any{"attribute_code": "loyalty_number"}, `Error occurred during "custom_attributes" processing. The "loyalty_number" attribute code doesn't have a value set. Enter the value and try again.`},
		{map[string]any{}, `Error occurred during "custom_attributes" processing. An empty custom attribute is specified. Enter the attribute and try again.`},
	} {
		b := customerBody("e@example.com")
		b["customer"].(map[string]any)["custom_attributes"] = []any{tt.attr}
		wantError(t, s.do("POST", "/rest/V1/customers", "", b), http.StatusBadRequest, errorBody{Message: tt.want})
	}
}

// TestNewsletterSubscription checks extension_attributes.is_subscribed
// (Magento\Newsletter\Model\Plugin\CustomerPlugin: afterSave subscribes or
// unsubscribes, afterGetById and afterGetList answer it).
func TestNewsletterSubscription(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	body := customerBody("news@example.com")
	body["customer"].(map[string]any)["extension_attributes"] = map[string]any{"is_subscribed": true}
	created := s.create(body)
	subscribed := func(c magento.CustomerData) bool {
		return c.ExtensionAttributes != nil && c.ExtensionAttributes.IsSubscribed != nil && *c.ExtensionAttributes.IsSubscribed
	}
	if !subscribed(created) {
		t.Errorf("created customer not subscribed: %+v", created.ExtensionAttributes)
	}
	var got magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(created.ID), s.admin, nil, &got)
	if !subscribed(got) {
		t.Error("GET: not subscribed")
	}
	// A PUT without extension_attributes keeps the subscription.
	put := map[string]any{"customer": map[string]any{"id": created.ID, "email": "news@example.com", "firstname": "Jane", "lastname": "Doe"}}
	s.ok("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put, &got)
	if !subscribed(got) {
		t.Error("PUT without is_subscribed unsubscribed the customer")
	}
	put["customer"].(map[string]any)["extension_attributes"] = map[string]any{"is_subscribed": false}
	s.ok("PUT", "/rest/V1/customers/"+itoa(created.ID), s.admin, put, &got)
	if subscribed(got) {
		t.Error("PUT with is_subscribed false kept the subscription")
	}
	res := s.search(filterQuery("email", "news@example.com", ""))
	if len(res.Items) != 1 || subscribed(res.Items[0]) || res.Items[0].ExtensionAttributes.IsSubscribed == nil {
		t.Errorf("search: %+v, want is_subscribed false", res.Items)
	}
}

// TestCustomerGroupsCRUD checks GroupRepository::save and deleteById
// (Magento\Customer\Model\ResourceModel\GroupRepository), as
// dev/tests/api-functional/testsuite/Magento/Customer/Api/GroupRepositoryTest.php
// pins them.
func TestCustomerGroupsCRUD(t *testing.T) {
	s := profileStore(t, nil)
	var vip magento.GroupData
	s.ok("GET", "/rest/V1/customerGroups/4", s.admin, nil, &vip)
	if diff := cmp.Diff(magento.GroupData{ID: 4, Code: "VIP", TaxClassID: 4, TaxClassName: "Wholesale Customer"}, vip); diff != "" {
		t.Errorf("profile group (-want +got):\n%s", diff)
	}

	var created magento.GroupData
	s.ok("POST", "/rest/V1/customerGroups", s.admin, map[string]any{"group": map[string]any{"code": "Gold"}}, &created)
	if diff := cmp.Diff(magento.GroupData{ID: 5, Code: "Gold", TaxClassID: 3, TaxClassName: "Retail Customer"}, created); diff != "" {
		t.Errorf("created group, tax class defaulting to 3 (-want +got):\n%s", diff)
	}
	var updated magento.GroupData
	s.ok("PUT", "/rest/V1/customerGroups/5", s.admin, map[string]any{"group": map[string]any{"code": "Gold Members", "tax_class_id": 4}}, &updated)
	if diff := cmp.Diff(magento.GroupData{ID: 5, Code: "Gold Members", TaxClassID: 4, TaxClassName: "Wholesale Customer"}, updated); diff != "" {
		t.Errorf("updated group (-want +got):\n%s", diff)
	}
	// Group 0 is a group like the others for an update (GroupRepository::save
	// takes the id "0" as an id).
	var notLoggedIn magento.GroupData
	s.ok("PUT", "/rest/V1/customerGroups/0", s.admin, map[string]any{"group": map[string]any{"code": "Guests", "tax_class_id": 3}}, &notLoggedIn)
	if notLoggedIn.ID != 0 || notLoggedIn.Code != "Guests" {
		t.Errorf("PUT group 0 = %+v, want group 0 renamed", notLoggedIn)
	}
	long := strings.Repeat("x", 40)
	s.ok("POST", "/rest/V1/customerGroups", s.admin, map[string]any{"group": map[string]any{"code": long, "tax_class_id": 3}}, &created)
	if created.Code != long[:32] {
		t.Errorf("long code saved as %q, want it cut to 32 characters (Group::_prepareData)", created.Code)
	}

	tests := []struct {
		name, method, path string
		body               any
		status             int
		want               errorBody
	}{
		{"duplicate code, other case", "POST", "/rest/V1/customerGroups", map[string]any{"group": map[string]any{"code": "vip", "tax_class_id": 3}},
			400, errorBody{Message: "Customer Group already exists."}},
		{"no code", "POST", "/rest/V1/customerGroups", map[string]any{"group": map[string]any{"tax_class_id": 3}},
			400, errorBody{Message: `"%fieldName" is required. Enter and try again.`, Parameters: map[string]any{"fieldName": "code"}}},
		{"product tax class", "POST", "/rest/V1/customerGroups", map[string]any{"group": map[string]any{"code": "X", "tax_class_id": 9999}},
			400, errorBody{Message: `Invalid value of "%value" provided for the %fieldName field.`, Parameters: map[string]any{"fieldName": "taxClassId", "value": float64(9999)}}},
		{"create with an unknown id", "POST", "/rest/V1/customerGroups", map[string]any{"group": map[string]any{"id": 88, "code": "X", "tax_class_id": 3}},
			404, errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "id", "fieldValue": float64(88)}}},
		{"update unknown", "PUT", "/rest/V1/customerGroups/9999", map[string]any{"group": map[string]any{"code": "X", "tax_class_id": 3}},
			404, errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "id", "fieldValue": float64(9999)}}},
		{"delete NOT LOGGED IN", "DELETE", "/rest/V1/customerGroups/0", nil, 400, errorBody{Message: "Cannot delete group."}},
		{"delete the default group", "DELETE", "/rest/V1/customerGroups/1", nil, 400, errorBody{Message: "Cannot delete group."}},
		{"delete unknown", "DELETE", "/rest/V1/customerGroups/9999", nil,
			404, errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "id", "fieldValue": float64(9999)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, s.do(tt.method, tt.path, s.admin, tt.body), tt.status, tt.want)
		})
	}

	// A deleted group's customers move to the default group
	// (Magento\Customer\Model\ResourceModel\Group::_afterDelete).
	body := customBody("gold@example.com")
	body["customer"].(map[string]any)["group_id"] = 5
	c := s.create(body)
	var ok bool
	s.ok("DELETE", "/rest/V1/customerGroups/5", s.admin, nil, &ok)
	if !ok {
		t.Error("DELETE answered false")
	}
	var got magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &got)
	if got.GroupID == nil || *got.GroupID != 1 {
		t.Errorf("customer of the deleted group is in group %v, want 1", got.GroupID)
	}
	wantError(t, s.do("GET", "/rest/V1/customerGroups/5", s.admin, nil), http.StatusNotFound, errorBody{
		Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "id", "fieldValue": float64(5)},
	})
}

// TestEmailConfirmation checks customer/create_account/confirm: the key of
// Customer\Model\ResourceModel\Customer::_beforeSave, the refused sign-in
// of Magento\Customer\Model\AccountManagement\Authenticate::execute, and
// AccountManagement::activate and ::getConfirmationStatus.
func TestEmailConfirmation(t *testing.T) {
	s := profileStore(t, func(p *sandbox.Profile) { p.Config.ConfirmAccounts = true })
	created := s.create(customBody("confirm@example.com"))
	if len(created.Confirmation) != 32 {
		t.Fatalf("created customer's confirmation = %q, want a 32-character key", created.Confirmation)
	}
	id := itoa(created.ID)
	status := func() string {
		var st string
		s.ok("GET", "/rest/V1/customers/"+id+"/confirm", s.admin, nil, &st)
		return st
	}
	if got := status(); got != "account_confirmation_required" {
		t.Errorf("status before activation = %q", got)
	}
	signIn := map[string]string{"username": "confirm@example.com", "password": "Password1"}
	wantError(t, s.do("POST", "/rest/V1/integration/customer/token", "", signIn), http.StatusUnauthorized,
		errorBody{Message: "This account isn't confirmed. Verify and try again."})
	// A wrong password is the usual refusal, before the confirmation.
	wantError(t, s.do("POST", "/rest/V1/integration/customer/token", "", map[string]string{"username": "confirm@example.com", "password": "Wrong1234"}),
		http.StatusUnauthorized, errorBody{Message: "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."})

	activate := "/rest/V1/customers/confirm%40example.com/activate"
	wantError(t, s.do("PUT", activate, s.admin, map[string]any{"confirmationKey": "nope"}), http.StatusBadRequest,
		errorBody{Message: "The confirmation token is invalid. Verify the token and try again."})
	wantError(t, s.do("PUT", activate, s.admin, map[string]any{}), http.StatusBadRequest,
		errorBody{Message: `"%fieldName" is required. Enter and try again.`, Parameters: map[string]any{"fieldName": "confirmationKey"}})
	wantError(t, s.do("PUT", "/rest/V1/customers/nobody@example.com/activate", s.admin, map[string]any{"confirmationKey": "x"}), http.StatusNotFound,
		errorBody{Message: "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
			Parameters: map[string]any{"fieldName": "email", "fieldValue": "nobody@example.com", "field2Name": "websiteId", "field2Value": float64(1)}})
	var active magento.CustomerData
	s.ok("PUT", activate, s.admin, map[string]any{"confirmationKey": created.Confirmation}, &active)
	if active.Confirmation != "" || active.ID != created.ID {
		t.Errorf("activated customer: id %d, confirmation %q; want %d and none", active.ID, active.Confirmation, created.ID)
	}
	if got := status(); got != "account_confirmed" {
		t.Errorf("status after activation = %q", got)
	}
	wantError(t, s.do("PUT", activate, s.admin, map[string]any{"confirmationKey": created.Confirmation}), http.StatusBadRequest,
		errorBody{Message: "The account is already active."})
	if tok := s.token("/rest/V1/integration/customer/token", "confirm@example.com", "Password1"); tok == "" {
		t.Error("no token after activation")
	}
	wantError(t, s.do("GET", "/rest/V1/customers/999/confirm", s.admin, nil), http.StatusNotFound,
		errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "customerId", "fieldValue": float64(999)}})

	// Without the config, nothing needs confirmation.
	plain := newStore(t, sandbox.Options{})
	c := plain.create(customerBody("plain@example.com"))
	if c.Confirmation != "" {
		t.Errorf("confirmation %q on a store that does not require it", c.Confirmation)
	}
	var st string
	plain.ok("GET", "/rest/V1/customers/"+itoa(c.ID)+"/confirm", plain.admin, nil, &st)
	if st != "account_confirmation_not_required" {
		t.Errorf("status = %q, want account_confirmation_not_required", st)
	}
	// AccountManagement::activateById for the token's customer.
	tok := plain.token("/rest/V1/integration/customer/token", "plain@example.com", "Password1")
	wantError(t, plain.do("PUT", "/rest/V1/customers/me/activate", tok, map[string]any{"confirmationKey": "x"}), http.StatusBadRequest,
		errorBody{Message: "The account is already active."})
}

// TestGlobalAccountSharing checks customer/account_share/scope = global
// (Customer\Model\ResourceModel\Customer::_beforeSave checks the email on
// every website; AccountManagement::createAccountWithPasswordHash answers
// InputMismatchException).
func TestGlobalAccountSharing(t *testing.T) {
	s := profileStore(t, func(p *sandbox.Profile) { p.Config.AccountShareScope = sandbox.ShareGlobal })
	s.create(customBody("shared@example.com"))
	wantError(t, s.do("POST", "/rest/second_view/V1/customers", "", customBody("shared@example.com")), http.StatusBadRequest,
		errorBody{Message: "A customer with the same email address already exists in an associated website."})
	// Sign-in through the second website finds the account.
	if tok := s.token("/rest/second_view/V1/integration/customer/token", "shared@example.com", "Password1"); tok == "" {
		t.Error("no token through the second website")
	}

	// Per website (the default), the same email is a second account.
	w := profileStore(t, nil)
	w.create(customBody("shared@example.com"))
	w.ok("POST", "/rest/second_view/V1/customers", "", customBody("shared@example.com"), nil)

	// Global sharing over a database with one email on two websites is
	// refused (Customer\Model\Config\Share::beforeSave).
	dbPath := filepath.Join(t.TempDir(), "store.db")
	p, err := sandbox.ParseProfile("store.yaml", []byte(testProfile))
	if err != nil {
		t.Fatal(err)
	}
	first := newStore(t, sandbox.Options{DB: dbPath, Profile: p})
	first.create(customBody("twice@example.com"))
	first.ok("POST", "/rest/second_view/V1/customers", "", customBody("twice@example.com"), nil)
	if err := first.sb.Close(); err != nil {
		t.Fatal(err)
	}
	p.Config.AccountShareScope = sandbox.ShareGlobal
	_, err = sandbox.New(sandbox.Options{DB: dbPath, Profile: p})
	if err == nil || !strings.Contains(err.Error(), "We can't share customer accounts globally when the accounts share identical email addresses on more than one website.") {
		t.Errorf("New with global sharing over duplicates = %v", err)
	}
}

// TestProfileStreetLines checks that the profile's config.streetLines is
// the store's customer/address/street_lines: the street attribute's
// multiline_count and the limit of Magento\Eav\Model\Attribute\Data\
// Multiline::validateValue; and that Options.Config may not say otherwise.
func TestProfileStreetLines(t *testing.T) {
	lines := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, "line "+itoa(i+1))
		}
		return out
	}
	withStreet := func(body map[string]any, street []string) map[string]any {
		body["customer"].(map[string]any)["addresses"].([]any)[0].(map[string]any)["street"] = street
		return body
	}
	s := profileStore(t, nil) // streetLines: 3
	s.create(withStreet(customBody("three@example.com"), lines(3)))
	wantError(t, s.do("POST", "/rest/V1/customers", "", withStreet(customBody("four@example.com"), lines(4))),
		http.StatusBadRequest, errorBody{Message: `"%1" cannot contain more than %2 lines.`, Parameters: []any{"Street Address", float64(3)}})

	p, err := sandbox.ParseProfile("store.yaml", []byte(testProfile))
	if err != nil {
		t.Fatal(err)
	}
	same := newStore(t, sandbox.Options{Profile: p, Config: map[string]string{"customer/address/street_lines": "3"}})
	var street struct {
		MultilineCount int `json:"multiline_count"`
	}
	same.ok("GET", "/rest/V1/attributeMetadata/customerAddress/attribute/street", same.admin, nil, &street)
	if street.MultilineCount != 3 {
		t.Errorf("multiline_count = %d, want 3", street.MultilineCount)
	}
	_, err = sandbox.New(sandbox.Options{Profile: p, Config: map[string]string{"customer/address/street_lines": "2"}})
	if err == nil || !strings.Contains(err.Error(), `customer/address/street_lines is "2" in Options.Config and "3" in the profile`) {
		t.Errorf("New with a profile and a Config that disagree = %v", err)
	}
}

// TestIsEmailAvailable checks POST /V1/customers/isEmailAvailable as
// Magento 2.4.8 answers it. Magento\Customer\Model\AccountManagement::
// isEmailAvailable reads checkout/options/enable_guest_checkout_login
// (GUEST_CHECKOUT_LOGIN_OPTION_SYS_CONFIG, off by default) and answers true
// for every email when it is off; when it is on, CustomerRepository::get
// looks the email up (CustomerRegistry::retrieveByEmail: the URL store's
// website when websiteId is null, every website for 0) and
// Magento\Customer\Model\ResourceModel\Customer::loadByEmail filters by
// website only in website scope (Config\Share::isWebsiteScope).
func TestIsEmailAvailable(t *testing.T) {
	avail := func(s *store, path string, body map[string]any) bool {
		t.Helper()
		var ok bool
		s.ok("POST", path, "", body, &ok)
		return ok
	}
	const route = "/rest/V1/customers/isEmailAvailable"
	const second = "/rest/second_view/V1/customers/isEmailAvailable"
	q := func(email string, website ...int) map[string]any {
		b := map[string]any{"customerEmail": email}
		if len(website) > 0 {
			b["websiteId"] = website[0]
		}
		return b
	}
	for _, scope := range []string{sandbox.ShareWebsite, sandbox.ShareGlobal} {
		t.Run("guest checkout login off, "+scope, func(t *testing.T) {
			s := profileStore(t, func(p *sandbox.Profile) { p.Config.AccountShareScope = scope })
			s.create(customBody("held@example.com"))
			for _, b := range []map[string]any{q("held@example.com"), q("held@example.com", 1), q("held@example.com", 2), q("held@example.com", 0), q("free@example.com", 1)} {
				if !avail(s, route, b) {
					t.Errorf("isEmailAvailable %v = false, want true (the config is off)", b)
				}
			}
		})
	}
	t.Run("guest checkout login on, website scope", func(t *testing.T) {
		s := profileStore(t, func(p *sandbox.Profile) { p.Config.GuestCheckoutLogin = true })
		s.create(customBody("held@example.com")) // website 1
		for _, c := range []struct {
			path string
			body map[string]any
			want bool
		}{
			{route, q("held@example.com", 1), false},
			{route, q("held@example.com", 2), true},
			{route, q("held@example.com"), false},      // the URL store's website (1)
			{second, q("held@example.com"), true},      // the URL store's website (2)
			{route, q("held@example.com", 0), false},   // every website
			{route, q(" held@example.com ", 1), false}, // trimmed
			{route, q("free@example.com", 1), true},    // nobody's
			{second, q("held@example.com", 1), false},  // websiteId wins over the URL's store
		} {
			if got := avail(s, c.path, c.body); got != c.want {
				t.Errorf("%s %v = %v, want %v", c.path, c.body, got, c.want)
			}
		}
	})
	t.Run("guest checkout login on, global scope", func(t *testing.T) {
		s := profileStore(t, func(p *sandbox.Profile) {
			p.Config.GuestCheckoutLogin = true
			p.Config.AccountShareScope = sandbox.ShareGlobal
		})
		s.create(customBody("held@example.com")) // website 1
		for _, b := range []map[string]any{q("held@example.com", 1), q("held@example.com", 2), q("held@example.com")} {
			if avail(s, route, b) {
				t.Errorf("isEmailAvailable %v = true, want false (global scope looks on every website)", b)
			}
		}
		if avail(s, second, q("held@example.com")) {
			t.Error("isEmailAvailable through second_view = true, want false")
		}
		if !avail(s, route, q("free@example.com", 2)) {
			t.Error("isEmailAvailable(free@example.com) = false, want true")
		}
	})
	t.Run("Options.Config", func(t *testing.T) {
		s := newStore(t, sandbox.Options{Config: map[string]string{"checkout/options/enable_guest_checkout_login": "1"}})
		s.create(customerBody("held@example.com"))
		if avail(s, route, q("held@example.com", 1)) {
			t.Error("isEmailAvailable with the config path set = true, want false")
		}
	})
}
