package sandbox_test

import (
	"strings"
	"testing"

	"github.com/mageseed/mageseed/sandbox"
)

// with returns a copy of a createAccount body with the customer's fields
// changed (a nil value deletes the field).
func with(email string, set map[string]any) map[string]any {
	b := customerBody(email)
	c := b["customer"].(map[string]any)
	for k, v := range set {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return b
}

// withAddress returns a createAccount body whose one address has fields
// changed (a nil value deletes the field).
func withAddress(email string, set map[string]any) map[string]any {
	a := usAddress(true)
	for k, v := range set {
		if v == nil {
			delete(a, k)
			continue
		}
		a[k] = v
	}
	return with(email, map[string]any{"addresses": []any{a}})
}

func withPassword(email, password string) map[string]any {
	b := customerBody(email)
	b["password"] = password
	return b
}

// TestErrors checks every error answer of the store: status, message with
// its placeholders, parameters, and the aggregate rule.
func TestErrors(t *testing.T) {
	s := newStore(t, sandbox.Options{ExtraWebsites: []sandbox.Website{{Code: "second"}}})
	existing := s.create(customerBody("taken@example.com"))
	customerToken := s.token("/rest/V1/integration/customer/token", "taken@example.com", "Password1")
	required := `"%fieldName" is required. Enter and try again.`
	requiredValue := `"%1" is a required value.`
	invalidValue := `Invalid value of "%value" provided for the %fieldName field.`
	unauthorized := "The consumer isn't authorized to access %resources."

	tests := []struct {
		name         string
		method, path string
		token        string
		body         any
		status       int
		want         errorBody
	}{
		{"no route", "GET", "/rest/V1/nowhere", s.admin, nil, 404, errorBody{Message: "Request does not match any route."}},
		{"no route for the method", "PATCH", "/rest/V1/customers", s.admin, nil, 404, errorBody{Message: "Request does not match any route."}},
		{"not a rest path", "GET", "/V1/customers/1", s.admin, nil, 404, errorBody{Message: "Request does not match any route."}},
		{"unknown store code is part of the path", "GET", "/rest/nosuchstore/V1/customers/1", s.admin, nil, 404, errorBody{Message: "Request does not match any route."}},
		{"bad json", "POST", "/rest/V1/customers", "", "{not json", 400, errorBody{Message: "Decoding error."}},
		{"trailing garbage", "POST", "/rest/V1/customers", "", `{"customer":{}} x`, 400, errorBody{Message: "Decoding error."}},
		// Rest\Request\DeserializerFactory::get throws a Webapi\Exception,
		// which ErrorProcessor::maskException passes on rendered.
		{"unknown content type", "POST", "/rest/V1/customers", "", typed{"text/plain", "{}"}, 400,
			errorBody{Message: "Server cannot understand Content-Type HTTP header media type text/plain"}},
		{"no content type", "POST", "/rest/V1/customers", "", typed{"", "{}"}, 400, errorBody{Message: "Content-Type header is empty."}},
		{"other charset", "POST", "/rest/V1/customers", "", typed{"application/json; charset=latin1", "{}"}, 400, errorBody{Message: "UTF-8 is the only supported charset."}},
		{"body is a list", "POST", "/rest/V1/customers", "", "[1,2]", 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "customer"}}},
		{"token body is a string", "POST", "/rest/V1/integration/admin/token", "", `"admin"`, 400,
			errorBody{Message: "One or more input exceptions have occurred.", Errors: []errorItem{
				{Message: required, Parameters: map[string]any{"fieldName": "username"}},
				{Message: required, Parameters: map[string]any{"fieldName": "password"}},
			}}},
		{"missing parameter", "POST", "/rest/V1/customers", "", map[string]any{"password": "Password1"}, 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "customer"}}},
		{"unknown nested key", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"firstName": "Jane"}), 400,
			errorBody{Message: `"%fieldName" is not supported. Correct the field name and try again.`, Parameters: map[string]any{"fieldName": "FirstName"}}},
		{"unknown address key", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"zip": "1"}), 400,
			errorBody{Message: `"%fieldName" is not supported. Correct the field name and try again.`, Parameters: map[string]any{"fieldName": "Zip"}}},
		{"script in a value", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"lastname": "Doe<script>alert(1)</script>"}), 400,
			errorBody{Message: `"%field_name" does not contains valid value.`, Parameters: map[string]any{"field_name": "lastname"}}},
		// ServiceInputProcessor::_createFromArray wraps the field's
		// SerializationException; process() rethrows it as a finished
		// Webapi\Exception.
		{"wrong type", "POST", "/rest/V1/customers", s.admin, with("a@example.com", map[string]any{"group_id": "abc"}), 400,
			errorBody{Message: `Error occurred during "group_id" processing. The "abc" value's type is invalid. The "int" type was expected. Verify and try again.`}},
		{"email missing", "POST", "/rest/V1/customers", "", with("", map[string]any{"email": nil}), 400,
			errorBody{Message: "The email address is required to create a customer account."}},
		{"password too long", "POST", "/rest/V1/customers", "", withPassword("a@example.com", "Aa1"+strings.Repeat("x", 254)), 400,
			errorBody{Message: "Please enter a password with at most %1 characters.", Parameters: []any{"256"}}},
		{"password too short", "POST", "/rest/V1/customers", "", withPassword("a@example.com", "Pass1"), 400,
			errorBody{Message: "The password needs at least %1 characters. Create a new password and try again.", Parameters: []any{"8"}}},
		{"password with spaces", "POST", "/rest/V1/customers", "", withPassword("a@example.com", " Password1 "), 400,
			errorBody{Message: "The password can't begin or end with a space. Verify the password and try again."}},
		{"password with two classes", "POST", "/rest/V1/customers", "", withPassword("a@example.com", "password1"), 400,
			errorBody{Message: "Minimum of different classes of characters in password is %1. Classes of characters: Lower Case, Upper Case, Digits, Special Characters.", Parameters: []any{"3"}}},
		{"password is the email", "POST", "/rest/V1/customers", "", withPassword("Jane.Doe1@example.com", "Jane.Doe1@example.com"), 400,
			errorBody{Message: "The password can't be the same as the email address. Create a new password and try again."}},
		{"first name missing", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"firstname": nil}), 400,
			errorBody{Message: requiredValue, Parameters: []any{"First Name"}}},
		{"both names missing", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"firstname": nil, "lastname": ""}), 400,
			errorBody{Message: "\"First Name\" is a required value.\n\"Last Name\" is a required value.", Errors: []errorItem{
				{Message: requiredValue, Parameters: []any{"First Name"}},
				{Message: requiredValue, Parameters: []any{"Last Name"}},
			}}},
		{"name not valid", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"firstname": "J$()"}), 400,
			errorBody{Message: "First Name is not valid!"}},
		{"email not valid", "POST", "/rest/V1/customers", "", with("not-an-email", nil), 400,
			errorBody{Message: `"Email" is not a valid email address.`}},
		{"dob in the future", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"dob": "2030-01-01"}), 400,
			errorBody{Message: "The Date of Birth should not be greater than today."}},
		{"group without manage", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"group_id": 1}), 401,
			errorBody{Message: unauthorized, Parameters: map[string]any{"resources": "Magento_Customer::manage"}}},
		{"group with customer token", "POST", "/rest/V1/customers", customerToken, with("a@example.com", map[string]any{"group_id": 2}), 401,
			errorBody{Message: unauthorized, Parameters: map[string]any{"resources": "Magento_Customer::manage"}}},
		{"unknown group", "POST", "/rest/V1/customers", s.admin, with("a@example.com", map[string]any{"group_id": 99}), 400,
			errorBody{Message: "The specified customer group id does not exist."}},
		{"create with the id of an existing customer", "POST", "/rest/V1/customers", "", with("taken@example.com", map[string]any{"id": 1}), 400,
			errorBody{Message: "This customer already exists in this store."}},
		{"create with an id and a new email", "POST", "/rest/V1/customers", "", with("new@example.com", map[string]any{"id": 1}), 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
				Parameters: map[string]any{"fieldName": "email", "fieldValue": "new@example.com", "field2Name": "websiteId", "field2Value": float64(1)}}},
		{"already exists", "POST", "/rest/V1/customers", "", customerBody("taken@example.com"), 400,
			errorBody{Message: "A customer with the same email address already exists in an associated website."}},
		{"already exists in another case", "POST", "/rest/V1/customers", "", customerBody("TAKEN@example.com"), 400,
			errorBody{Message: "A customer with the same email address already exists in an associated website."}},
		{"store view not in website", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"website_id": 1, "store_id": 2}), 400,
			errorBody{Message: "The store view is not in the associated website."}},
		{"unknown website", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"website_id": 99}), 404,
			errorBody{Message: "The website with id %1 that was requested wasn't found. Verify the website and try again.", Parameters: []any{"99"}}},
		{"unknown store", "POST", "/rest/V1/customers", "", with("a@example.com", map[string]any{"store_id": 99}), 404,
			errorBody{Message: "The store that was requested wasn't found. Verify the store and try again."}},
		{"address city missing", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"city": nil}), 400,
			errorBody{Message: requiredValue, Parameters: []any{"City"}}},
		{"address names missing", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"firstname": nil, "lastname": nil}), 400,
			errorBody{Message: "\"First Name\" is a required value.\n\"Last Name\" is a required value.", Errors: []errorItem{
				{Message: requiredValue, Parameters: []any{"First Name"}},
				{Message: requiredValue, Parameters: []any{"Last Name"}},
			}}},
		{"address postcode missing", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"postcode": nil}), 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "postcode"}}},
		{"address region of another country", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"country_id": "CA", "region_id": 12}), 400,
			errorBody{Message: invalidValue, Parameters: map[string]any{"fieldName": "regionId", "value": "12"}}},
		{"address region missing", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"region_id": nil}), 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "regionId"}}},
		{"address region code unknown", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"region_id": nil, "region": map[string]any{"region_code": "ZZ"}}), 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "regionId"}}},
		{"address telephone not valid", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"telephone": "call me"}), 400,
			errorBody{Message: "Invalid Phone Number. Please use 0-9, +, -, (, ), ., / and space."}},
		{"address errors aggregate", "POST", "/rest/V1/customers", "", withAddress("a@example.com", map[string]any{"postcode": nil, "region_id": nil}), 400,
			errorBody{Message: "One or more input exceptions have occurred.", Errors: []errorItem{
				{Message: required, Parameters: map[string]any{"fieldName": "postcode"}},
				{Message: required, Parameters: map[string]any{"fieldName": "regionId"}},
			}}},
		{"no such customer", "GET", "/rest/V1/customers/999", s.admin, nil, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "customerId", "fieldValue": float64(999)}}},
		// A path parameter is converted by ServiceInputProcessor::process
		// itself: no field to name, the sentence finished.
		{"customer id not a number", "GET", "/rest/V1/customers/abc", s.admin, nil, 400,
			errorBody{Message: `The "abc" value's type is invalid. The "int" type was expected. Verify and try again.`}},
		{"delete no such customer", "DELETE", "/rest/V1/customers/999", s.admin, nil, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "customerId", "fieldValue": float64(999)}}},
		{"put no such customer", "PUT", "/rest/V1/customers/999", s.admin, map[string]any{"customer": map[string]any{"email": "x@example.com", "firstname": "X", "lastname": "Y"}}, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "customerId", "fieldValue": float64(999)}}},
		// UpdateCustomer::beforeSave merges the body into the stored
		// customer: only an email set empty is missing.
		{"put with an empty email", "PUT", "/rest/V1/customers/" + itoa(existing.ID), s.admin, map[string]any{"customer": map[string]any{"email": "", "firstname": "X", "lastname": "Y"}}, 400,
			errorBody{Message: "The customer email is missing. Enter and try again."}},
		{"put bad default billing", "PUT", "/rest/V1/customers/" + itoa(existing.ID), s.admin,
			map[string]any{"customer": map[string]any{"email": "taken@example.com", "firstname": "X", "lastname": "Y", "default_billing": "99999"}}, 400,
			errorBody{Message: "The %fieldName value is invalid. Set the correct value and try again.", Parameters: map[string]any{"fieldName": "default_billing"}}},
		{"put unknown country", "PUT", "/rest/V1/customers/" + itoa(existing.ID), s.admin,
			map[string]any{"customer": map[string]any{"email": "taken@example.com", "firstname": "X", "lastname": "Y", "addresses": []any{func() map[string]any {
				a := usAddress(false)
				a["country_id"] = "XX"
				return a
			}()}}}, 400,
			errorBody{Message: invalidValue, Parameters: map[string]any{"fieldName": "countryId", "value": "XX"}}},
		{"put address of another customer", "PUT", "/rest/V1/customers/" + itoa(existing.ID), s.admin,
			map[string]any{"customer": map[string]any{"email": "taken@example.com", "firstname": "X", "lastname": "Y", "addresses": []any{func() map[string]any {
				a := usAddress(false)
				a["id"] = 99999
				return a
			}()}}}, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "addressId", "fieldValue": float64(99999)}}},
		{"no such address", "GET", "/rest/V1/customers/addresses/999", s.admin, nil, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "addressId", "fieldValue": float64(999)}}},
		{"delete no such address", "DELETE", "/rest/V1/addresses/999", s.admin, nil, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "addressId", "fieldValue": float64(999)}}},
		{"search without criteria", "GET", "/rest/V1/customers/search", s.admin, nil, 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "searchCriteria"}}},
		{"search on an unknown field", "GET", "/rest/V1/customers/search?" + filterQuery("nope", "1", "eq"), s.admin, nil, 400,
			errorBody{Message: "Invalid attribute name: %1", Parameters: []any{"nope"}}},
		{"search with an injected field", "GET", "/rest/V1/customers/search?" + filterQuery("email = email OR 1=1 --", "x", "eq"), s.admin, nil, 400,
			errorBody{Message: "Invalid attribute name: %1", Parameters: []any{"email = email OR 1=1 --"}}},
		{"search sorted sideways", "GET", "/rest/V1/customers/search?searchCriteria[sortOrders][0][field]=email&searchCriteria[sortOrders][0][direction]=up", s.admin, nil, 400,
			errorBody{Message: "The sort order has to be specified as %1 for ascending order or %2 for descending order.", Parameters: []any{"ASC", "DESC"}}},
		{"search with an unknown key", "GET", "/rest/V1/customers/search?searchCriteria[pageNumber]=1", s.admin, nil, 400,
			errorBody{Message: `"%fieldName" is not supported. Correct the field name and try again.`, Parameters: map[string]any{"fieldName": "PageNumber"}}},
		{"search with a filter without value", "GET", "/rest/V1/customers/search?searchCriteria[filterGroups][0][filters][0][field]=email", s.admin, nil, 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "value"}}},
		{"unknown country", "GET", "/rest/V1/directory/countries/XX", "", nil, 404, errorBody{Message: "Requested country is not available."}},
		{"no such group", "GET", "/rest/V1/customerGroups/99", s.admin, nil, 404,
			errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "id", "fieldValue": float64(99)}}},
		{"unknown bulk", "GET", "/rest/V1/bulk/0b0b0b0b-0000-4000-8000-000000000000/status", s.admin, nil, 404,
			errorBody{Message: "Bulk uuid %bulkUuid not exist", Parameters: map[string]any{"bulkUuid": "0b0b0b0b-0000-4000-8000-000000000000"}}},
		{"body too large", "POST", "/rest/V1/customers", s.admin, `{"password":"` + strings.Repeat("x", 11<<20) + `"}`, 413,
			errorBody{Message: "The request body is larger than the %max bytes the sandbox accepts.", Parameters: map[string]any{"max": float64(10 << 20)}}},
		{"guest body too large", "POST", "/rest/V1/customers", "", `{"password":"` + strings.Repeat("x", 65<<10) + `"}`, 413,
			errorBody{Message: "The request body is larger than the %max bytes the sandbox accepts.", Parameters: map[string]any{"max": float64(64 << 10)}}},
		{"token without credentials", "POST", "/rest/V1/integration/customer/token", "", map[string]any{"username": "", "password": nil}, 400,
			errorBody{Message: "One or more input exceptions have occurred.", Errors: []errorItem{
				{Message: required, Parameters: map[string]any{"fieldName": "username"}},
				{Message: required, Parameters: map[string]any{"fieldName": "password"}},
			}}},
		{"token with a wrong password", "POST", "/rest/V1/integration/customer/token", "", map[string]any{"username": "nobody@example.com", "password": "x"}, 401,
			errorBody{Message: "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}},
		{"admin token with a wrong password", "POST", "/rest/V1/integration/admin/token", "", map[string]any{"username": "admin", "password": "nope"}, 401,
			errorBody{Message: "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}},
		{"async item malformed", "POST", "/rest/default/async/bulk/V1/customers", s.admin, []any{customerBody("ok@example.com"), map[string]any{"password": "x"}}, 400,
			errorBody{Message: required, Parameters: map[string]any{"fieldName": "customer"}}},
		{"async bulk not an array", "POST", "/rest/default/async/bulk/V1/customers", s.admin, customerBody("ok@example.com"), 400,
			errorBody{Message: "The request body must be a JSON array of operations."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, s.do(tt.method, tt.path, tt.token, tt.body), tt.status, tt.want)
		})
	}
}

// TestACL checks each kind of route against each kind of caller: guests and
// customers are refused admin routes with 401 and the route's resource;
// admins are refused self routes.
func TestACL(t *testing.T) {
	s := newStore(t, sandbox.Options{IntegrationToken: "integration-secret"})
	c := s.create(customerBody("acl@example.com"))
	customer := s.token("/rest/V1/integration/customer/token", "acl@example.com", "Password1")
	id := itoa(c.ID)
	addr := itoa(c.Addresses[0].ID)
	routes := []struct {
		method, path, resource string
		body                   any
	}{
		{"GET", "/rest/V1/customers/" + id, "Magento_Customer::customer", nil},
		{"GET", "/rest/V1/customers/search?searchCriteria=", "Magento_Customer::customer", nil},
		{"PUT", "/rest/V1/customers/" + id, "Magento_Customer::manage", map[string]any{"customer": map[string]any{"email": "acl@example.com", "firstname": "A", "lastname": "B"}}},
		{"POST", "/rest/V1/customers/", "Magento_Customer::manage", map[string]any{"customer": map[string]any{"email": "acl2@example.com", "firstname": "A", "lastname": "B"}}},
		{"DELETE", "/rest/V1/customers/" + id, "Magento_Customer::delete", nil},
		{"GET", "/rest/V1/customers/addresses/" + addr, "Magento_Customer::manage", nil},
		{"GET", "/rest/V1/customers/" + id + "/billingAddress", "Magento_Customer::manage", nil},
		{"DELETE", "/rest/V1/addresses/" + addr, "Magento_Customer::manage", nil},
		{"GET", "/rest/V1/store/websites", "Magento_Backend::store", nil},
		{"GET", "/rest/V1/store/storeViews", "Magento_Backend::store", nil},
		{"GET", "/rest/V1/store/storeConfigs", "Magento_Backend::store", nil},
		{"GET", "/rest/V1/customerGroups/search?searchCriteria=", "Magento_Customer::group", nil},
		{"GET", "/rest/V1/customerGroups/1", "Magento_Customer::group", nil},
		{"GET", "/rest/V1/bulk/x/status", "Magento_AsynchronousOperations::system_magento_logging_bulk_operations", nil},
	}
	expired := newStore(t, sandbox.Options{})
	expiredToken := expired.admin // signed with another store's key: not a token here
	for _, rt := range routes {
		for _, who := range []struct{ name, token string }{
			{"guest", ""}, {"customer", customer}, {"garbage", "not-a-token"}, {"foreign", expiredToken},
		} {
			t.Run(who.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				wantError(t, s.do(rt.method, rt.path, who.token, rt.body), 401, errorBody{
					Message:    "The consumer isn't authorized to access %resources.",
					Parameters: map[string]any{"resources": rt.resource},
				})
			})
		}
	}
	for _, path := range []string{"/rest/V1/customers/me", "/rest/V1/customers/me/billingAddress", "/rest/V1/customers/me/shippingAddress"} {
		for _, who := range []struct{ name, token string }{{"guest", ""}, {"admin", s.admin}, {"integration", "integration-secret"}} {
			t.Run(who.name+" GET "+path, func(t *testing.T) {
				wantError(t, s.do("GET", path, who.token, nil), 401, errorBody{
					Message:    "The consumer isn't authorized to access %resources.",
					Parameters: map[string]any{"resources": "self"},
				})
			})
		}
	}
	t.Run("integration token is an admin", func(t *testing.T) {
		s.ok("GET", "/rest/V1/customers/"+id, "integration-secret", nil, nil)
	})
	t.Run("anonymous routes need no token", func(t *testing.T) {
		// Without guest checkout login every email is available
		// (AccountManagement::isEmailAvailable; see TestIsEmailAvailable).
		var avail bool
		s.ok("POST", "/rest/V1/customers/isEmailAvailable", "", map[string]any{"customerEmail": "acl@example.com", "websiteId": 1}, &avail)
		if !avail {
			t.Errorf("isEmailAvailable(acl@example.com) = false, want true")
		}
		s.ok("GET", "/rest/V1/directory/countries/US", "", nil, nil)
	})
}
