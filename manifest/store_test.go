package manifest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

const customStore = `version: 1
groups:
  vip: {code: VIP, taxClassId: 3}
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    group: VIP
    isSubscribed: true
    confirm: true
    customAttributes:
      loyalty_number: L-1001
      preferred_channel: Phone
      interests: [Golf, "7"]
      newsletter_ok: true
    addresses:
      home:
        street: [160 1st St., Apt 2]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: 516-555-1111
        customAttributes: {delivery_notes: Ring twice}
`

// storeMetadata is a store with the attributes of customStore, as
// GET /V1/attributeMetadata/customer and /customerAddress would list them.
func storeMetadata() *mageseed.Metadata {
	return &mageseed.Metadata{
		CustomerAttributes: []mageseed.Attribute{
			{Code: "firstname", Input: "text", Required: true, System: true},
			{Code: "loyalty_number", Input: "text", Required: true, UserDefined: true,
				Validation: map[string]string{"max_text_length": "10", "input_validation": "length"}},
			{Code: "preferred_channel", Input: "select", UserDefined: true,
				Options: []mageseed.Option{{Label: " ", Value: ""}, {Label: "Email", Value: "4"}, {Label: "Phone", Value: "5"}}},
			{Code: "interests", Input: "multiselect", UserDefined: true,
				Options: []mageseed.Option{{Label: "Golf", Value: "9"}, {Label: "Tennis", Value: "7"}}},
			{Code: "newsletter_ok", Input: "boolean", UserDefined: true,
				Options: []mageseed.Option{{Label: "Yes", Value: "1"}, {Label: "No", Value: "0"}}},
		},
		AddressAttributes: []mageseed.Attribute{
			{Code: "street", Input: "multiline", Required: true, System: true, MultilineCount: 2},
			{Code: "delivery_notes", Input: "textarea", UserDefined: true},
		},
		Groups:      []mageseed.Group{{ID: 1, Code: "General", TaxClassID: 3}},
		StreetLines: 2,
	}
}

func TestLoadCustomFields(t *testing.T) {
	m, err := load(t, nil, "m.yaml", customStore)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mageseed.Group{{Key: "vip", Code: "VIP", TaxClassID: 3}}, m.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	c := m.Customers[0]
	if c.Group != "VIP" || c.IsSubscribed == nil || !*c.IsSubscribed || !c.Confirm {
		t.Errorf("group %q, isSubscribed %v, confirm %v; want VIP, true, true", c.Group, c.IsSubscribed, c.Confirm)
	}
	want := map[string]mageseed.AttributeValue{
		"loyalty_number":    {Value: "L-1001"},
		"preferred_channel": {Value: "Phone"},
		"interests":         {List: []string{"Golf", "7"}},
		"newsletter_ok":     {Value: "1"},
	}
	if diff := cmp.Diff(want, c.CustomAttributes); diff != "" {
		t.Errorf("custom attributes (-want +got):\n%s", diff)
	}
	if got := c.Addresses[0].CustomAttributes["delivery_notes"].Value; got != "Ring twice" {
		t.Errorf("address attribute delivery_notes = %q, want Ring twice", got)
	}
}

// TestCheckStoreResolves shows labels (or values) resolved to option ids: a
// select's label to its id, a multiselect's list to sorted comma-joined ids,
// a boolean to 1.
func TestCheckStoreResolves(t *testing.T) {
	m, err := load(t, nil, "m.yaml", customStore)
	if err != nil {
		t.Fatal(err)
	}
	custs := append([]mageseed.Customer(nil), m.Customers...)
	if errs := m.CheckStore(storeMetadata(), custs, func(int) bool { return true }); len(errs) > 0 {
		t.Fatalf("CheckStore: %v", errs)
	}
	want := map[string]mageseed.AttributeValue{
		"loyalty_number":    {Value: "L-1001"},
		"preferred_channel": {Value: "5", Label: "Phone"},
		"interests":         {Value: "7,9", Label: "Golf, 7"},
		"newsletter_ok":     {Value: "1"},
	}
	if diff := cmp.Diff(want, custs[0].CustomAttributes); diff != "" {
		t.Errorf("resolved attributes (-want +got):\n%s", diff)
	}
	if got := m.Customers[0].CustomAttributes["preferred_channel"].Value; got != "Phone" {
		t.Errorf("the manifest's own customer changed: preferred_channel = %q", got)
	}
}

// TestCheckStoreProblems shows every problem CheckStore finds, each at the
// place the manifest writes it.
func TestCheckStoreProblems(t *testing.T) {
	const doc = `customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    group: Platinum
    customAttributes:
      loyalty_numbr: L-1
      preferred_channel: Fax
      interests: [Golf, Chess]
      firstname: Jane
    addresses:
      home:
        street: [a, b, c]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: "555"
        customAttributes: {gate_code: "1234"}
  john:
    email: john@example.com
    firstname: John
    lastname: Doe
    customAttributes:
      loyalty_number: L-123456789012
`
	m, err := load(t, nil, "m.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	errs := m.CheckStore(storeMetadata(), m.Customers, func(i int) bool { return i == 0 })
	want := []string{
		"m.yaml:2:3: customers.jane: missing required attribute loyalty_number: the store requires it on every new customer; add it under customAttributes",
		"m.yaml:6:12: customers.jane.group: the store has no customer group \"Platinum\" and the manifest declares none: declare it under groups, or use one of General",
		"m.yaml:8:7: customers.jane.customAttributes.loyalty_numbr: the store has no customer attribute loyalty_numbr: did you mean loyalty_number?",
		"m.yaml:9:26: customers.jane.customAttributes.preferred_channel: \"Fax\" is not an option of preferred_channel: use one of Email, Phone (a label or its value)",
		"m.yaml:10:18: customers.jane.customAttributes.interests: \"Chess\" is not an option of interests: use one of Golf, Tennis (a label or its value)",
		"m.yaml:11:7: customers.jane.customAttributes.firstname: firstname is a field of the customer, not a custom attribute: write it as a field",
		"m.yaml:14:17: customers.jane.addresses.home.street: has 3 lines, and the store takes at most 2 (its street attribute's multiline_count, customer/address/street_lines): join lines or raise the setting",
		"m.yaml:20:28: customers.jane.addresses.home.customAttributes.gate_code: the store has no address attribute gate_code: its custom address attributes are delivery_notes",
		"m.yaml:26:23: customers.john.customAttributes.loyalty_number: must be at most 10 characters long (the store's rule for loyalty_number)",
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestCheckStoreOffline shows what validate checks without metadata: a
// stock store's two street lines, nothing about attributes or groups.
func TestCheckStoreOffline(t *testing.T) {
	m, err := load(t, nil, "m.yaml", customStore)
	if err != nil {
		t.Fatal(err)
	}
	if errs := m.CheckStore(&mageseed.Metadata{}, m.Customers, nil); len(errs) > 0 {
		t.Errorf("offline check of two street lines and custom attributes: %v", errs)
	}
	m.Customers[0].Addresses[0].Street = append(m.Customers[0].Addresses[0].Street, "Floor 3")
	errs := m.CheckStore(&mageseed.Metadata{}, m.Customers, nil)
	if len(errs) != 1 || errs[0].Line != 19 || errs[0].Path != "customers.jane.addresses.home.street" {
		t.Errorf("a third street line offline: %v, want one problem at line 19", errs)
	}
}
