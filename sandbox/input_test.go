package sandbox_test

import (
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
	"strings"
	"testing"
)

// TestTypeErrors checks how Magento 2.4.8 answers a value of the wrong
// type. Magento\Framework\Reflection\TypeProcessor::processSimpleAndAnyType
// throws a SerializationException; ServiceInputProcessor::_createFromArray
// wraps it once per level with `Error occurred during "<key as sent>"
// processing.`; ServiceInputProcessor::process rethrows it as a
// Webapi\Exception, so the client reads one finished sentence and no
// parameters. Values are shown as PHP's string of them, or gettype for a
// list where a scalar was expected (and the other way round).
func TestTypeErrors(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	const tail = ` value's type is invalid. The "%s" type was expected. Verify and try again.`
	msg := func(prefix, value, typ string) string {
		return prefix + `The "` + value + `"` + strings.Replace(tail, "%s", typ, 1)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   string
	}{
		{"string for an int", "POST", "/rest/V1/customers", with("t1@example.com", map[string]any{"gender": "male"}),
			msg(`Error occurred during "gender" processing. `, "male", "int")},
		{"camelCase key is named as sent", "POST", "/rest/V1/customers", with("t2@example.com", map[string]any{"groupId": "x"}),
			msg(`Error occurred during "groupId" processing. `, "x", "int")},
		{"true for an int", "POST", "/rest/V1/customers", with("t3@example.com", map[string]any{"store_id": true}),
			msg(`Error occurred during "store_id" processing. `, "1", "int")},
		{"object for a string", "POST", "/rest/V1/customers", with("t4@example.com", map[string]any{"middlename": map[string]any{"a": 1}}),
			msg(`Error occurred during "middlename" processing. `, "array", "string")},
		{"string for a list of strings", "POST", "/rest/V1/customers", withAddress("t5@example.com", map[string]any{"street": "1 Main St"}),
			msg(`Error occurred during "addresses" processing. Error occurred during "street" processing. `, "string", "string[]")},
		{"nested field", "POST", "/rest/V1/customers", withAddress("t6@example.com", map[string]any{"region_id": "x"}),
			msg(`Error occurred during "addresses" processing. Error occurred during "region_id" processing. `, "x", "int")},
		{"doubly nested field", "POST", "/rest/V1/customers", withAddress("t7@example.com", map[string]any{"region": map[string]any{"region_id": "NY"}}),
			msg(`Error occurred during "addresses" processing. Error occurred during "region" processing. Error occurred during "region_id" processing. `, "NY", "int")},
		{"top-level parameter", "POST", "/rest/V1/integration/customer/token", map[string]any{"username": []any{"a"}, "password": "x"},
			msg("", "array", "string")},
		{"path parameter", "GET", "/rest/V1/customers/12abc", nil, msg("", "12abc", "int")},
		{"search criteria", "GET", "/rest/V1/customers/search?searchCriteria[pageSize]=ten", nil,
			msg(`Error occurred during "pageSize" processing. `, "ten", "int")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, s.do(tt.method, tt.path, s.admin, tt.body), 400, errorBody{Message: tt.want})
		})
	}
}

// TestLenientConversions checks what TypeProcessor::setType lets through:
// a bool field takes any scalar (filter_var with FILTER_VALIDATE_BOOLEAN
// never fails), an int field any numeric string (is_numeric, then settype
// truncates), and a data object field anything (_createFromArray makes an
// empty object of a scalar).
func TestLenientConversions(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(withAddress("lenient@example.com", map[string]any{"default_billing": "yes", "default_shipping": "nope", "region_id": "43.0"}))
	if len(c.Addresses) != 1 {
		t.Fatalf("addresses = %d, want 1", len(c.Addresses))
	}
	a := c.Addresses[0]
	if a.DefaultBilling == nil || !*a.DefaultBilling || (a.DefaultShipping != nil && *a.DefaultShipping) || a.RegionID == nil || *a.RegionID != 43 {
		t.Errorf("address billing %v shipping %v region %v; want true, false, 43", a.DefaultBilling, a.DefaultShipping, a.RegionID)
	}
	var got magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(c.ID)+".0", s.admin, nil, &got)
	if got.ID != c.ID {
		t.Errorf("GET /V1/customers/%d.0 = customer %d", c.ID, got.ID)
	}
}
