package sandbox_test

import (
	"testing"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestPutMergesIntoTheStoredCustomer checks PUT /V1/customers/:id against
// Magento\Customer\Model\Plugin\UpdateCustomer::beforeSave, which clones
// the stored customer and sets over it only the keys the body sent
// (getUpdatedCustomer): left-out fields keep their values, a field sent as
// null is cleared, and a body customer with an "Id" key (capital I) skips
// the merge. PUT /V1/customers/me has no customerId route parameter, so
// the plugin leaves it alone and the body replaces the customer.
func TestPutMergesIntoTheStoredCustomer(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	full := map[string]any{"middlename": "Q", "gender": 2, "dob": "1990-05-06", "prefix": "Dr", "suffix": "Jr", "taxvat": "TX1"}
	put := func(id int, cust map[string]any) magento.CustomerData {
		t.Helper()
		var got magento.CustomerData
		s.ok("PUT", "/rest/V1/customers/"+itoa(id), s.admin, map[string]any{"customer": cust}, &got)
		return got
	}

	c := s.create(with("merge@example.com", full))
	got := put(c.ID, map[string]any{"firstname": "Janet"})
	if got.Firstname != "Janet" || got.Lastname != "Doe" || got.Email != "merge@example.com" || got.Middlename != "Q" ||
		got.Gender == nil || *got.Gender != 2 || got.Dob != "1990-05-06" || got.Prefix != "Dr" || got.Suffix != "Jr" || got.Taxvat != "TX1" {
		t.Errorf("after a PUT of firstname only: %+v", got)
	}
	if len(got.Addresses) != 1 || got.DefaultBilling != itoa(c.Addresses[0].ID) {
		t.Errorf("addresses %d, default billing %q; want the stored address, still the default", len(got.Addresses), got.DefaultBilling)
	}

	got = put(c.ID, map[string]any{"middlename": nil, "gender": nil})
	if got.Middlename != "" || got.Gender != nil || got.Dob != "1990-05-06" {
		t.Errorf("after null middlename and gender: middlename %q gender %v dob %q; want both cleared, dob kept", got.Middlename, got.Gender, got.Dob)
	}

	// With "Id" the plugin steps aside: the body replaces the customer.
	got = put(c.ID, map[string]any{"Id": c.ID, "email": "merge@example.com", "firstname": "A", "lastname": "B"})
	if got.Dob != "" || got.Prefix != "" || got.Firstname != "A" {
		t.Errorf("with an Id key: dob %q prefix %q firstname %q; want the body alone", got.Dob, got.Prefix, got.Firstname)
	}

	me := s.create(with("me-merge@example.com", full))
	tok := s.token("/rest/V1/integration/customer/token", "me-merge@example.com", "Password1")
	var mine magento.CustomerData
	s.ok("PUT", "/rest/V1/customers/me", tok, map[string]any{"customer": map[string]any{
		"email": "me-merge@example.com", "firstname": "Me", "lastname": "Too"}}, &mine)
	if mine.ID != me.ID || mine.Dob != "" || mine.Middlename != "" {
		t.Errorf("PUT /me: dob %q middlename %q; want the body alone (no merge on /me)", mine.Dob, mine.Middlename)
	}
}

// TestPutAddressKeepsWhatItLeavesOut checks an address sent with its id:
// AddressRepository::save loads the stored address and
// AbstractAddress::updateData sets over it only what the body carries
// (DataObjectProcessor::buildOutputDataArray skips null getters), so a
// field left out or null keeps its stored value.
func TestPutAddressKeepsWhatItLeavesOut(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(withAddress("addr-merge@example.com", map[string]any{"company": "Acme", "street": []string{"1 Main St", "Apt 2"}}))
	aid := c.Addresses[0].ID
	var got magento.CustomerData
	s.ok("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{
		"addresses": []any{map[string]any{"id": aid, "city": "Albany", "company": nil}},
	}}, &got)
	if len(got.Addresses) != 1 {
		t.Fatalf("addresses = %d, want 1", len(got.Addresses))
	}
	a := got.Addresses[0]
	if a.ID != aid || a.City != "Albany" || a.Company != "Acme" || a.Firstname != "Jane" || len(a.Street) != 2 || a.Postcode != "11501" {
		t.Errorf("address after a PUT of its city = %+v; want the city changed and the rest kept", a)
	}
}

// TestPutAddressOfAnotherCustomer checks Magento\Customer\Model\Address\
// Validator\Customer::validate: an address id that belongs to another
// customer is refused (400, with the customer being saved), and the other
// customer's address is untouched; an id that does not exist is
// AddressRegistry::retrieve's 404.
func TestPutAddressOfAnotherCustomer(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	victim := s.create(customerBody("victim@example.com"))
	thief := s.create(customerBody("thief@example.com"))
	stolen := usAddress(false)
	stolen["id"] = victim.Addresses[0].ID
	stolen["city"] = "Elsewhere"
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(thief.ID), s.admin, map[string]any{"customer": map[string]any{
		"addresses": []any{stolen}}}), 400,
		errorBody{Message: `Provided customer ID "%customer_id" isn't related to current customer address.`,
			Parameters: map[string]any{"customer_id": float64(thief.ID)}})
	var v magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(victim.ID), s.admin, nil, &v)
	if len(v.Addresses) != 1 || v.Addresses[0].City != "Mineola" || v.Addresses[0].CustomerID != victim.ID {
		t.Errorf("victim's address after the refused PUT = %+v", v.Addresses)
	}

	// Together with a validator's error, both are listed.
	stolen["firstname"] = ""
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(thief.ID), s.admin, map[string]any{"customer": map[string]any{
		"addresses": []any{stolen}}}), 400,
		errorBody{Message: "One or more input exceptions have occurred.", Errors: []errorItem{
			{Message: `"%fieldName" is required. Enter and try again.`, Parameters: map[string]any{"fieldName": "firstname"}},
			{Message: `Provided customer ID "%customer_id" isn't related to current customer address.`, Parameters: map[string]any{"customer_id": float64(thief.ID)}},
		}})

	missing := usAddress(false)
	missing["id"] = 99999
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(thief.ID), s.admin, map[string]any{"customer": map[string]any{
		"addresses": []any{missing}}}), 404,
		errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "addressId", "fieldValue": float64(99999)}})
}

// TestStreetLines checks the street line limit: Magento\Eav\Model\
// Attribute\Data\Multiline::validateValue refuses more lines than the
// street attribute's multiline_count, which follows the store's
// customer/address/street_lines (2 by default), with `"%1" cannot contain
// more than %2 lines.`. Trailing empty lines do not count (the lines are
// joined and trimmed by AbstractAddress::_implodeArrayValues first).
func TestStreetLines(t *testing.T) {
	streetLines := `"%1" cannot contain more than %2 lines.`
	s := newStore(t, sandbox.Options{})
	three := []string{"1 Main St", "Apt 2", "Floor 3"}
	wantError(t, s.do("POST", "/rest/V1/customers", s.admin, withAddress("lines@example.com", map[string]any{"street": three})), 400,
		errorBody{Message: streetLines, Parameters: []any{"Street Address", float64(2)}})
	s.create(withAddress("trailing@example.com", map[string]any{"street": []string{"1 Main St", "Apt 2", "", ""}}))

	// On update the address validators report first; the street limit is
	// the resource model's EAV check, after them.
	c := s.create(customerBody("lines-put@example.com"))
	a := usAddress(true)
	a["id"] = c.Addresses[0].ID
	a["street"] = three
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{"addresses": []any{a}}}), 400,
		errorBody{Message: streetLines, Parameters: []any{"Street Address", float64(2)}})
	a["city"] = ""
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{"addresses": []any{a}}}), 400,
		errorBody{Message: `"%fieldName" is required. Enter and try again.`, Parameters: map[string]any{"fieldName": "city"}})

	// A store configured for three lines takes them.
	s3 := newStore(t, sandbox.Options{Config: map[string]string{"customer/address/street_lines": "3"}})
	got := s3.create(withAddress("three@example.com", map[string]any{"street": three}))
	if len(got.Addresses[0].Street) != 3 {
		t.Errorf("street = %q, want three lines", got.Addresses[0].Street)
	}
}

// TestAddressErrorsAggregate checks that several address errors on update
// are one InputException, as AddressRepository::save builds it from the
// address validators (Address\Validator\General, Country): "One or more
// input exceptions have occurred." with each error in errors.
func TestAddressErrorsAggregate(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(customerBody("agg@example.com"))
	required := `"%fieldName" is required. Enter and try again.`
	a := map[string]any{"firstname": "", "lastname": "", "street": []string{""}, "city": "", "country_id": "US", "region_id": 43, "telephone": "", "postcode": ""}
	wantError(t, s.do("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{"addresses": []any{a}}}), 400,
		errorBody{Message: "One or more input exceptions have occurred.", Errors: []errorItem{
			{Message: required, Parameters: map[string]any{"fieldName": "firstname"}},
			{Message: required, Parameters: map[string]any{"fieldName": "lastname"}},
			{Message: required, Parameters: map[string]any{"fieldName": "street"}},
			{Message: required, Parameters: map[string]any{"fieldName": "city"}},
			{Message: required, Parameters: map[string]any{"fieldName": "telephone"}},
			{Message: required, Parameters: map[string]any{"fieldName": "postcode"}},
		}})
}

// TestDefaultGroupOfAStoreThatDoesNotExist checks
// Magento\Customer\Model\GroupManagement::getDefaultGroup: the store
// lookup's NoSuchEntityException is caught and rethrown for the storeId.
func TestDefaultGroupOfAStoreThatDoesNotExist(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	wantError(t, s.do("GET", "/rest/V1/customerGroups/default/99", s.admin, nil), 404,
		errorBody{Message: "No such entity with %fieldName = %fieldValue", Parameters: map[string]any{"fieldName": "storeId", "fieldValue": float64(99)}})
	wantError(t, s.do("GET", "/rest/V1/customerGroups/default/x", s.admin, nil), 400,
		errorBody{Message: `The "x" value's type is invalid. The "int" type was expected. Verify and try again.`})
}
