package customer

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/magento"
)

// The EAV entity types whose attributes the sandbox describes.
const (
	entityCustomer = "customer"
	entityAddress  = "customer_address"
)

// Form codes of Magento's customer and address forms
// (Magento\Customer\Setup\CustomerSetup::installCustomerForms).
const (
	formAdminCustomer   = "adminhtml_customer"
	formAccountCreate   = "customer_account_create"
	formAccountEdit     = "customer_account_edit"
	formCheckoutReg     = "checkout_register"
	formAdminCheckout   = "adminhtml_checkout"
	formAdminAddress    = "adminhtml_customer_address"
	formAddressEdit     = "customer_address_edit"
	formRegisterAddress = "customer_register_address"
)

// attribute is one EAV attribute of the customer or customer_address
// entity: the columns of eav_attribute and customer_eav_attribute that
// AttributeMetadataConverter::createMetadataAttribute reads.
type attribute struct {
	Code           string
	Input          string // frontend_input
	Label          string
	InputFilter    string
	Required       bool
	Visible        bool
	System         bool
	UserDefined    bool
	SortOrder      int
	MultilineCount int
	Rules          []rule   // validate_rules, in their stored order
	Options        []option // the source's options; nil when the attribute has no source
	DataModel      string
	BackendType    string
	Grid           [4]bool // is_used_in_grid, is_visible_in_grid, is_filterable_in_grid, is_searchable_in_grid
	Forms          []string
}

// rule is one validate_rules entry.
type rule struct{ Name, Value string }

// option is one option of an attribute's source.
type option struct{ Label, Value string }

// metadata returns the attribute as the metadata routes answer it.
func (a *attribute) metadata() magento.AttributeMetadataData {
	m := magento.AttributeMetadataData{
		FrontendInput:      a.Input,
		InputFilter:        a.InputFilter,
		StoreLabel:         a.Label,
		ValidationRules:    []magento.ValidationRuleData{},
		MultilineCount:     a.MultilineCount,
		Visible:            a.Visible,
		Required:           a.Required,
		DataModel:          a.DataModel,
		Options:            []magento.AttributeOptionData{},
		UserDefined:        a.UserDefined,
		SortOrder:          a.SortOrder,
		FrontendLabel:      a.Label,
		System:             a.System,
		BackendType:        a.BackendType,
		IsUsedInGrid:       a.Grid[0],
		IsVisibleInGrid:    a.Grid[1],
		IsFilterableInGrid: a.Grid[2],
		IsSearchableInGrid: a.Grid[3],
		AttributeCode:      a.Code,
	}
	if a.Required {
		m.FrontendClass = "required-entry"
	}
	for _, r := range a.Rules {
		m.ValidationRules = append(m.ValidationRules, magento.ValidationRuleData(r))
	}
	for _, o := range a.Options {
		m.Options = append(m.Options, magento.AttributeOptionData{Label: o.Label, Value: o.Value})
	}
	return m
}

func (a *attribute) rule(name string) string {
	for _, r := range a.Rules {
		if r.Name == name {
			return r.Value
		}
	}
	return ""
}

func (a *attribute) inForm(form string) bool {
	for _, f := range a.Forms {
		if f == form {
			return true
		}
	}
	return false
}

// hasOption reports whether id is one of the attribute's option values
// (the empty option excluded), as Source::getOptionText finds it.
func (a *attribute) hasOption(id string) bool {
	for _, o := range a.Options {
		if o.Value != "" && o.Value == id {
			return true
		}
	}
	return false
}

// eavMessage is one message of Magento's EAV data validator: a phrase with
// positional parameters.
type eavMessage struct {
	text   string
	params []any
}

// validateValue checks one attribute's value as the attribute's data model
// does on save (Magento\Eav\Model\Attribute\Data\Text, Textarea, Select,
// Multiselect, Date, Boolean ::validateValue), value "" meaning no value.
func (a *attribute) validateValue(value string) []eavMessage {
	switch a.Input {
	case "select", "boolean":
		var out []eavMessage
		if a.Required && value == "" {
			out = append(out, requiredValueMessage(a.Label))
		}
		if value != "" && value != "0" && !a.hasOption(value) {
			out = append(out, eavMessage{"Attribute %1 does not contain option with Id %2", []any{a.Code, value}})
		}
		return out
	case "multiselect":
		var out []eavMessage
		if a.Required && value == "" {
			out = append(out, requiredValueMessage(a.Label))
		}
		if value != "" && value != "0" {
			for _, id := range strings.Split(value, ",") {
				if !a.hasOption(id) {
					out = append(out, eavMessage{"Attribute %1 does not contain option with Id %2", []any{a.Code, id}})
				}
			}
		}
		return out
	case "date":
		if value == "" {
			if a.Required {
				return []eavMessage{requiredValueMessage(a.Label)}
			}
			return nil
		}
		return a.validateInputRule(value)
	default: // text, textarea
		if value == "" || value == "0" && !a.Required {
			if a.Required && value == "" {
				return []eavMessage{requiredValueMessage(a.Label)}
			}
			return nil
		}
		var out []eavMessage
		if a.rule("input_validation") != "" {
			n := utf8.RuneCountInString(strings.TrimSpace(value))
			if mn, _ := strconv.Atoi(a.rule("min_text_length")); mn > 0 && n < mn {
				out = append(out, eavMessage{`"%1" length must be equal or greater than %2 characters.`, []any{a.Label, strconv.Itoa(mn)}})
			}
			if mx, _ := strconv.Atoi(a.rule("max_text_length")); mx > 0 && n > mx {
				out = append(out, eavMessage{`"%1" length must be equal or less than %2 characters.`, []any{a.Label, strconv.Itoa(mx)}})
			}
		}
		return append(out, a.validateInputRule(value)...)
	}
}

func requiredValueMessage(label string) eavMessage {
	return eavMessage{`"%1" is a required value.`, []any{label}}
}

// validateInputRule checks a non-empty value against the attribute's
// input_validation rule (Magento\Eav\Model\Attribute\Data\AbstractData::_validateInputRule).
func (a *attribute) validateInputRule(value string) []eavMessage {
	label := a.Label
	all := func(ok func(rune) bool) bool {
		for _, r := range value {
			if !ok(r) {
				return false
			}
		}
		return true
	}
	switch a.rule("input_validation") {
	case "alphanumeric":
		if !all(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' }) {
			return []eavMessage{{`"%1" contains non-alphabetic or non-numeric characters.`, []any{label}}}
		}
	case "numeric":
		if !all(func(r rune) bool { return r >= '0' && r <= '9' }) {
			return []eavMessage{{`"%1" contains non-numeric characters.`, []any{label}}}
		}
	case "alpha":
		if !all(func(r rune) bool { return unicode.IsLetter(r) || r == ' ' }) {
			return []eavMessage{{`"%1" contains non-alphabetic characters.`, []any{label}}}
		}
	case "email":
		if !emailRE.MatchString(value) {
			return []eavMessage{{`"%1" is not a valid email address.`, []any{label}}}
		}
	case "url":
		if !validURL(value) {
			return []eavMessage{{`"%1" is not a valid URL.`, []any{label}}}
		}
	case "date":
		if !dateShapeRE.MatchString(value) {
			return []eavMessage{{`"%1" does not fit the entered date format.`, []any{label}}}
		}
		if _, err := time.Parse("2006-01-02", value[:10]); err != nil {
			return []eavMessage{{`"%1" is not a valid date.`, []any{label}}}
		}
	}
	return nil
}

// dateShapeRE is the shape of a date in Magento's internal format
// (yyyy-MM-dd), optionally with a time.
var dateShapeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$`)

// validURL reports whether s has a scheme and a host name, as
// AbstractData::_validateInputRule's url rule asks.
func validURL(s string) bool {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return false
	}
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if host == "" {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// normalizeValue turns a custom attribute's value as the sandbox stores
// it: dates as Magento's datetime backend keeps them.
func (a *attribute) normalizeValue(value string) string {
	if a.Input == "date" && value != "" {
		if t, err := time.Parse("2006-01-02", value[:min(10, len(value))]); err == nil {
			return t.Format("2006-01-02") + " 00:00:00"
		}
	}
	return value
}

// sortAttributes orders attributes as Magento's attribute collections
// do: by sort order, then code.
func sortAttributes(as []*attribute) {
	sort.SliceStable(as, func(i, j int) bool {
		if as[i].SortOrder != as[j].SortOrder {
			return as[i].SortOrder < as[j].SortOrder
		}
		return as[i].Code < as[j].Code
	})
}

var (
	lengthRules        = []rule{{"max_text_length", "255"}, {"min_text_length", "1"}}
	customerFrontForms = []string{formAccountCreate, formAccountEdit, formCheckoutReg, formAdminCustomer}
	addressForms       = []string{formAdminAddress, formAddressEdit, formRegisterAddress}
)

// stockCustomerAttributes returns Magento's stock customer attributes
// (CustomerSetup::getDefaultEntities and the Customer module's data
// patches) that carry a label, with the store's websites, store views and
// customer groups as the options of website_id, store_id and group_id.
func stockCustomerAttributes(websites, stores, groups []option) []*attribute {
	with := func(fs []string, more ...string) []string { return append(append([]string{}, fs...), more...) }
	return []*attribute{
		{Code: "website_id", Input: "select", Label: "Associate to Website", Required: true, Visible: true, System: true,
			SortOrder: 10, Options: websites, BackendType: "static", Grid: [4]bool{true, true, true, false}, Forms: []string{formAdminCustomer}},
		{Code: "store_id", Input: "select", Label: "Create In", Required: true, System: true, SortOrder: 20, Options: stores, BackendType: "static"},
		{Code: "created_in", Input: "text", Label: "Created From", Visible: true, System: true, SortOrder: 20, BackendType: "static",
			Forms: []string{formAdminCustomer}},
		{Code: "prefix", Input: "text", Label: "Name Prefix", SortOrder: 30, BackendType: "static", Forms: customerFrontForms},
		{Code: "firstname", Input: "text", Label: "First Name", InputFilter: "trim", Required: true, Visible: true, System: true,
			SortOrder: 40, Rules: lengthRules, BackendType: "static", Forms: customerFrontForms},
		{Code: "middlename", Input: "text", Label: "Middle Name/Initial", InputFilter: "trim", SortOrder: 50, BackendType: "static",
			Forms: customerFrontForms},
		{Code: "lastname", Input: "text", Label: "Last Name", InputFilter: "trim", Required: true, Visible: true, System: true,
			SortOrder: 60, Rules: lengthRules, BackendType: "static", Forms: customerFrontForms},
		{Code: "suffix", Input: "text", Label: "Name Suffix", SortOrder: 70, BackendType: "static", Forms: customerFrontForms},
		{Code: "email", Input: "text", Label: "Email", Required: true, Visible: true, System: true, SortOrder: 80,
			Rules: []rule{{"input_validation", "email"}}, BackendType: "static", Forms: with(customerFrontForms, formAdminCheckout)},
		{Code: "group_id", Input: "select", Label: "Group", Required: true, Visible: true, System: true, SortOrder: 25,
			Options: groups, BackendType: "static", Forms: []string{formAdminCustomer, formAdminCheckout}},
		{Code: "dob", Input: "date", Label: "Date of Birth", InputFilter: "date", SortOrder: 90,
			Rules: []rule{{"input_validation", "date"}}, BackendType: "static", Forms: with(customerFrontForms, formAdminCheckout)},
		{Code: "default_billing", Input: "text", Label: "Default Billing Address", System: true, SortOrder: 82, BackendType: "static"},
		{Code: "default_shipping", Input: "text", Label: "Default Shipping Address", System: true, SortOrder: 83, BackendType: "static"},
		{Code: "taxvat", Input: "text", Label: "Tax/VAT Number", SortOrder: 100, Rules: []rule{{"max_text_length", "255"}},
			BackendType: "static", Forms: with(customerFrontForms, formAdminCheckout)},
		{Code: "confirmation", Input: "text", Label: "Is Confirmed", System: true, SortOrder: 85, BackendType: "static"},
		{Code: "created_at", Input: "date", Label: "Created At", SortOrder: 86, BackendType: "static", Forms: customerFrontForms},
		{Code: "updated_at", Input: "date", Label: "Updated At", SortOrder: 87, BackendType: "static"},
		{Code: "gender", Input: "select", Label: "Gender", SortOrder: 110, BackendType: "static",
			Options: []option{{" ", ""}, {"Male", "1"}, {"Female", "2"}, {"Not Specified", "3"}},
			Grid:    [4]bool{true, true, true, false}, Forms: with(customerFrontForms, formAdminCheckout)},
		{Code: "disable_auto_group_change", Input: "boolean", Label: "Disable Automatic Group Change Based on VAT ID",
			Visible: true, System: true, BackendType: "static", Forms: []string{formAdminCustomer}},
	}
}

// stockAddressAttributes returns Magento's 19 stock address attributes,
// street with streetLines lines.
func stockAddressAttributes(streetLines int) []*attribute {
	countries := []option{{" ", ""}}
	regions := []option{{"Please select a region, state or province.", ""}}
	cs := directory.Countries()
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		countries = append(countries, option{c.Name, c.ID})
		for _, r := range c.Regions {
			regions = append(regions, option{r.Name, strconv.Itoa(r.ID)})
		}
	}
	return []*attribute{
		{Code: "prefix", Input: "text", Label: "Name Prefix", SortOrder: 10, BackendType: "static", Forms: addressForms},
		{Code: "firstname", Input: "text", Label: "First Name", InputFilter: "trim", Required: true, Visible: true, System: true,
			SortOrder: 20, Rules: lengthRules, BackendType: "static", Forms: addressForms},
		{Code: "middlename", Input: "text", Label: "Middle Name/Initial", InputFilter: "trim", SortOrder: 30, BackendType: "static",
			Forms: addressForms},
		{Code: "lastname", Input: "text", Label: "Last Name", InputFilter: "trim", Required: true, Visible: true, System: true,
			SortOrder: 40, Rules: lengthRules, BackendType: "static", Forms: addressForms},
		{Code: "suffix", Input: "text", Label: "Name Suffix", SortOrder: 50, BackendType: "static", Forms: addressForms},
		{Code: "company", Input: "text", Label: "Company", Visible: true, System: true, SortOrder: 60, Rules: lengthRules,
			BackendType: "static", Forms: addressForms},
		{Code: "street", Input: "multiline", Label: "Street Address", Required: true, Visible: true, System: true, SortOrder: 70,
			MultilineCount: streetLines, Rules: lengthRules, BackendType: "static", Forms: addressForms},
		{Code: "city", Input: "text", Label: "City", Required: true, Visible: true, System: true, SortOrder: 80, Rules: lengthRules,
			BackendType: "static", Forms: addressForms},
		{Code: "country_id", Input: "select", Label: "Country", Required: true, Visible: true, System: true, SortOrder: 90,
			Options: countries, BackendType: "static", Forms: addressForms},
		{Code: "region", Input: "text", Label: "State/Province", Visible: true, System: true, SortOrder: 100, BackendType: "static",
			Forms: addressForms},
		{Code: "region_id", Input: "hidden", Label: "State/Province", Visible: true, System: true, SortOrder: 100, Options: regions,
			BackendType: "static", Forms: addressForms},
		{Code: "postcode", Input: "text", Label: "Zip/Postal Code", Visible: true, System: true, SortOrder: 110,
			DataModel: `Magento\Customer\Model\Attribute\Data\Postcode`, BackendType: "static",
			Grid: [4]bool{true, true, true, true}, Forms: addressForms},
		{Code: "telephone", Input: "text", Label: "Phone Number", Required: true, Visible: true, System: true, SortOrder: 120,
			Rules: lengthRules, BackendType: "static", Forms: addressForms},
		{Code: "fax", Input: "text", Label: "Fax", Visible: true, System: true, SortOrder: 130, Rules: lengthRules,
			BackendType: "static", Forms: addressForms},
		{Code: "vat_id", Input: "text", Label: "VAT number", Visible: true, SortOrder: 140, BackendType: "static", Forms: addressForms},
		{Code: "vat_is_valid", Input: "text", Label: "VAT number validity", System: true, BackendType: "static"},
		{Code: "vat_request_id", Input: "text", Label: "VAT number validation request ID", System: true, BackendType: "static"},
		{Code: "vat_request_date", Input: "text", Label: "VAT number validation request date", System: true, BackendType: "static"},
		{Code: "vat_request_success", Input: "text", Label: "VAT number validation request success", System: true, BackendType: "static"},
	}
}

// stockCodes returns the codes of an entity's stock attributes.
func stockCodes(entity string) map[string]bool {
	var as []*attribute
	if entity == entityCustomer {
		as = stockCustomerAttributes(nil, nil, nil)
	} else {
		as = stockAddressAttributes(2)
	}
	out := map[string]bool{}
	for _, a := range as {
		out[a.Code] = true
	}
	// Attributes the sandbox does not list but Magento has.
	for _, c := range []string{"password_hash", "rp_token", "rp_token_created_at", "failures_num", "first_failure", "lock_expires", "entity_id", "id"} {
		out[c] = true
	}
	return out
}

// Forms a profile attribute is in (what an attribute created in the admin
// with "Use in Forms" left at its default gets).
var (
	profileCustomerForms = []string{formAdminCustomer, formAccountCreate, formAccountEdit}
	profileAddressForms  = addressForms
)

// profileAttributes turns a profile's attribute specs into EAV attributes,
// numbering select and multiselect options from *nextOption on.
func profileAttributes(specs []AttributeSpec, forms []string, nextOption *int) []*attribute {
	out := make([]*attribute, 0, len(specs))
	for i, s := range specs {
		a := &attribute{
			Code: s.Code, Input: s.Input, Label: s.Label, Required: s.Required, Visible: true, UserDefined: true,
			SortOrder: s.SortOrder, BackendType: attributeInputs[s.Input], Forms: forms,
		}
		if a.Input == "" {
			a.Input = "text"
			a.BackendType = attributeInputs["text"]
		}
		if a.Label == "" {
			a.Label = titleCase(s.Code)
		}
		if a.SortOrder == 0 {
			a.SortOrder = 100 + i
		}
		switch a.Input {
		case "text", "textarea":
			iv := s.InputValidation
			if iv == "" && (s.MinLength > 0 || s.MaxLength > 0) {
				iv = "length"
			}
			if iv != "" {
				a.Rules = append(a.Rules, rule{"input_validation", iv})
			}
			if s.MinLength > 0 {
				a.Rules = append(a.Rules, rule{"min_text_length", strconv.Itoa(s.MinLength)})
			}
			if s.MaxLength > 0 {
				a.Rules = append(a.Rules, rule{"max_text_length", strconv.Itoa(s.MaxLength)})
			}
		case "select", "multiselect":
			a.Options = []option{{" ", ""}}
			for _, l := range s.Options {
				a.Options = append(a.Options, option{l, strconv.Itoa(*nextOption)})
				*nextOption++
			}
		case "boolean":
			a.Options = []option{{"Yes", "1"}, {"No", "0"}}
		case "date":
			a.InputFilter = "date"
			a.Rules = []rule{{"input_validation", "date"}}
		}
		out = append(out, a)
	}
	return out
}
