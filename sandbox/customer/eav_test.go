package customer

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/magento"
)

// TestAttributeValidateValue checks the EAV data models' messages, value
// by value:
//   - Magento\Eav\Model\Attribute\Data\Text::validateValue (required,
//     lengths only with an input_validation rule: Text::validateLength)
//   - Magento\Eav\Model\Attribute\Data\AbstractData::_validateInputRule
//   - Magento\Eav\Model\Attribute\Data\Select::validateValue and
//     Multiselect::validateBySource (option ids)
//   - Magento\Eav\Model\Attribute\Data\Date::validateValue
func TestAttributeValidateValue(t *testing.T) {
	loyalty := &attribute{Code: "loyalty_number", Input: "text", Label: "Loyalty Number", Required: true,
		Rules: []rule{{"input_validation", "length"}, {"min_text_length", "3"}, {"max_text_length", "8"}}}
	noRule := &attribute{Code: "nickname", Input: "text", Label: "Nickname",
		Rules: []rule{{"max_text_length", "3"}}}
	numeric := &attribute{Code: "member_no", Input: "text", Label: "Member No", Rules: []rule{{"input_validation", "numeric"}}}
	channel := &attribute{Code: "preferred_channel", Input: "select", Label: "Preferred Channel", Required: true,
		Options: []option{{" ", ""}, {"Email", "4"}, {"Phone", "5"}}}
	topics := &attribute{Code: "topics", Input: "multiselect", Label: "Topics",
		Options: []option{{" ", ""}, {"News", "7"}, {"Sales", "8"}}}
	vip := &attribute{Code: "vip", Input: "boolean", Label: "VIP", Options: []option{{"Yes", "1"}, {"No", "0"}}}
	since := &attribute{Code: "member_since", Input: "date", Label: "Member Since", Rules: []rule{{"input_validation", "date"}}}
	site := &attribute{Code: "site", Input: "text", Label: "Site", Rules: []rule{{"input_validation", "url"}}}

	tests := []struct {
		name  string
		attr  *attribute
		value string
		want  []eavMessage
	}{
		{"required text missing", loyalty, "", []eavMessage{{`"%1" is a required value.`, []any{"Loyalty Number"}}}},
		{"text too short", loyalty, " ab ", []eavMessage{{`"%1" length must be equal or greater than %2 characters.`, []any{"Loyalty Number", "3"}}}},
		{"text too long", loyalty, "L-1001-XYZ", []eavMessage{{`"%1" length must be equal or less than %2 characters.`, []any{"Loyalty Number", "8"}}}},
		{"text counts characters, not bytes", loyalty, "ÄÖÜÄÖÜ", nil},
		{"text fits", loyalty, "L-1001", nil},
		{"length without input_validation is not checked", noRule, "abcdef", nil},
		{"optional text empty", noRule, "", nil},
		{"numeric", numeric, "12a", []eavMessage{{`"%1" contains non-numeric characters.`, []any{"Member No"}}}},
		{"numeric ok", numeric, "123", nil},
		{"required select missing", channel, "", []eavMessage{{`"%1" is a required value.`, []any{"Preferred Channel"}}}},
		{"select unknown id", channel, "9", []eavMessage{{"Attribute %1 does not contain option with Id %2", []any{"preferred_channel", "9"}}}},
		{"select label is not an id", channel, "Phone", []eavMessage{{"Attribute %1 does not contain option with Id %2", []any{"preferred_channel", "Phone"}}}},
		{"select ok", channel, "5", nil},
		{"multiselect one unknown", topics, "7,9", []eavMessage{{"Attribute %1 does not contain option with Id %2", []any{"topics", "9"}}}},
		{"multiselect ok", topics, "7,8", nil},
		{"boolean no", vip, "0", nil},
		{"boolean yes", vip, "1", nil},
		{"boolean other", vip, "2", []eavMessage{{"Attribute %1 does not contain option with Id %2", []any{"vip", "2"}}}},
		{"date shape", since, "01/02/2020", []eavMessage{{`"%1" does not fit the entered date format.`, []any{"Member Since"}}}},
		{"date impossible", since, "2020-02-30", []eavMessage{{`"%1" is not a valid date.`, []any{"Member Since"}}}},
		{"date ok", since, "2020-02-29", nil},
		{"url", site, "example.com", []eavMessage{{`"%1" is not a valid URL.`, []any{"Site"}}}},
		{"url ok", site, "https://shop.example.com/a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.attr.validateValue(tt.value)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(eavMessage{})); diff != "" {
				t.Errorf("validateValue(%q) (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}

// TestStockAttributeMetadata pins the stock attributes Magento's
// api-functional tests pin (dev/tests/api-functional/testsuite/Magento/
// Customer/Api/CustomerMetadataTest.php and AddressMetadataTest.php).
func TestStockAttributeMetadata(t *testing.T) {
	find := func(as []*attribute, code string) magento.AttributeMetadataData {
		t.Helper()
		for _, a := range as {
			if a.Code == code {
				return a.metadata()
			}
		}
		t.Fatalf("no attribute %q", code)
		return magento.AttributeMetadataData{}
	}
	customer := stockCustomerAttributes([]option{{"Main Website", "1"}}, nil, nil)
	want := magento.AttributeMetadataData{
		FrontendInput: "text", InputFilter: "trim", StoreLabel: "First Name",
		ValidationRules: []magento.ValidationRuleData{{Name: "max_text_length", Value: "255"}, {Name: "min_text_length", Value: "1"}},
		Visible:         true, Required: true, Options: []magento.AttributeOptionData{}, FrontendClass: "required-entry",
		SortOrder: 40, FrontendLabel: "First Name", System: true, BackendType: "static", AttributeCode: "firstname",
	}
	if diff := cmp.Diff(want, find(customer, "firstname")); diff != "" {
		t.Errorf("firstname (-want +got):\n%s", diff)
	}
	want = magento.AttributeMetadataData{
		FrontendInput: "select", StoreLabel: "Gender", ValidationRules: []magento.ValidationRuleData{},
		Options:   []magento.AttributeOptionData{{Label: " ", Value: ""}, {Label: "Male", Value: "1"}, {Label: "Female", Value: "2"}, {Label: "Not Specified", Value: "3"}},
		SortOrder: 110, FrontendLabel: "Gender", BackendType: "static",
		IsUsedInGrid: true, IsVisibleInGrid: true, IsFilterableInGrid: true, AttributeCode: "gender",
	}
	if diff := cmp.Diff(want, find(customer, "gender")); diff != "" {
		t.Errorf("gender (-want +got):\n%s", diff)
	}
	want = magento.AttributeMetadataData{
		FrontendInput: "select", StoreLabel: "Associate to Website", ValidationRules: []magento.ValidationRuleData{},
		Visible: true, Required: true, Options: []magento.AttributeOptionData{{Label: "Main Website", Value: "1"}}, FrontendClass: "required-entry",
		SortOrder: 10, FrontendLabel: "Associate to Website", System: true, BackendType: "static",
		IsUsedInGrid: true, IsVisibleInGrid: true, IsFilterableInGrid: true, AttributeCode: "website_id",
	}
	if diff := cmp.Diff(want, find(customer, "website_id")); diff != "" {
		t.Errorf("website_id (-want +got):\n%s", diff)
	}

	address := stockAddressAttributes(3)
	if len(address) != 19 {
		t.Errorf("stock address attributes: %d, want 19 (AddressMetadataTest::testGetAllAttributesMetadata)", len(address))
	}
	want = magento.AttributeMetadataData{
		FrontendInput: "text", StoreLabel: "Zip/Postal Code", ValidationRules: []magento.ValidationRuleData{}, Visible: true,
		DataModel: `Magento\Customer\Model\Attribute\Data\Postcode`, Options: []magento.AttributeOptionData{}, SortOrder: 110,
		FrontendLabel: "Zip/Postal Code", System: true, BackendType: "static",
		IsUsedInGrid: true, IsVisibleInGrid: true, IsFilterableInGrid: true, IsSearchableInGrid: true, AttributeCode: "postcode",
	}
	if diff := cmp.Diff(want, find(address, "postcode")); diff != "" {
		t.Errorf("postcode (-want +got):\n%s", diff)
	}
	if got := find(address, "street"); got.MultilineCount != 3 || got.FrontendInput != "multiline" {
		t.Errorf("street: multiline_count %d, input %q; want 3, multiline", got.MultilineCount, got.FrontendInput)
	}
}
