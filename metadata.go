package mageseed

import "strings"

// Metadata is what a store says about its own customer model: the
// attributes of customers and addresses, the customer groups, and the
// configuration that decides what a create may hold. Plan reads it from the
// store; `mageseed export --metadata FILE` writes it as JSON, and
// `mageseed validate --metadata FILE` checks a manifest against that file.
type Metadata struct {
	// CustomerAttributes and AddressAttributes are the attributes of each
	// entity, system and custom, as GET /V1/attributeMetadata/customer and
	// /V1/attributeMetadata/customerAddress list them.
	CustomerAttributes []Attribute `json:"customerAttributes"`
	AddressAttributes  []Attribute `json:"addressAttributes"`

	// Groups are the store's customer groups.
	Groups []Group `json:"groups"`

	// StreetLines is the number of street lines an address may hold: the
	// street attribute's multiline_count (customer/address/street_lines,
	// 2 by default).
	StreetLines int `json:"streetLines"`

	// ShareScope is how customer accounts are shared: "website" (an email
	// once per website, Magento's default), "global" (an email once in the
	// whole store) or "" when it could not be told.
	ShareScope string `json:"shareScope,omitempty"`

	// ConfirmRequired says whether new accounts must confirm their email
	// (customer/create_account/confirm); nil when it could not be told:
	// the store says so only in the answer to a create.
	ConfirmRequired *bool `json:"confirmRequired,omitempty"`
}

// Account sharing scopes (customer/account_share/scope).
const (
	ShareWebsite = "website"
	ShareGlobal  = "global"
)

// Attribute is one attribute's metadata (customer-data-attribute-metadata-
// interface, the part mageseed uses).
type Attribute struct {
	Code string `json:"code"`
	// Input is the frontend input: text, textarea, select, multiselect,
	// boolean, date, multiline, ...
	Input          string   `json:"input"`
	Label          string   `json:"label,omitempty"`
	Required       bool     `json:"required,omitempty"`
	UserDefined    bool     `json:"userDefined,omitempty"`
	System         bool     `json:"system,omitempty"`
	MultilineCount int      `json:"multilineCount,omitempty"`
	Options        []Option `json:"options,omitempty"`
	// Validation holds the validation rules by name: min_text_length,
	// max_text_length, input_validation (alphanumeric, numeric, alpha,
	// email, url, date, ...), date_range_min, date_range_max.
	Validation map[string]string `json:"validation,omitempty"`
}

// Option is one option of a select or multiselect attribute.
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// HasOptions reports whether the attribute's values are option ids.
func (a *Attribute) HasOptions() bool {
	return a.Input == "select" || a.Input == "multiselect"
}

// Attribute returns the attribute with the given code of the customer
// (address false) or address entity, or nil.
func (m *Metadata) Attribute(address bool, code string) *Attribute {
	list := m.CustomerAttributes
	if address {
		list = m.AddressAttributes
	}
	for i := range list {
		if list[i].Code == code {
			return &list[i]
		}
	}
	return nil
}

// GroupByCode returns the store's group with the given code, compared
// without regard to case as the store's unique key does, or nil.
func (m *Metadata) GroupByCode(code string) *Group {
	for i := range m.Groups {
		if strings.EqualFold(m.Groups[i].Code, code) {
			return &m.Groups[i]
		}
	}
	return nil
}

// GroupByID returns the store's group with the given id, or nil.
func (m *Metadata) GroupByID(id int) *Group {
	for i := range m.Groups {
		if m.Groups[i].ID == id {
			return &m.Groups[i]
		}
	}
	return nil
}

// StockMetadata is what a stock Magento 2.4.8 store says, as far as
// mageseed checks it offline: two street lines, website sharing, the three
// stock groups plus NOT LOGGED IN, and no custom attribute.
func StockMetadata() *Metadata {
	return &Metadata{
		StreetLines: 2,
		ShareScope:  ShareWebsite,
		Groups: []Group{
			{ID: 0, Code: "NOT LOGGED IN", TaxClassID: 3},
			{ID: 1, Code: "General", TaxClassID: 3},
			{ID: 2, Code: "Wholesale", TaxClassID: 3},
			{ID: 3, Code: "Retailer", TaxClassID: 3},
		},
	}
}

// customerFields and addressFields are the attribute codes that Magento's
// data interfaces carry as fields (Magento\Customer\Api\Data\CustomerInterface
// and AddressInterface), not as custom attributes; what
// GET /V1/attributeMetadata/customer/custom leaves out.
var (
	customerFields = setOf("website_id", "store_id", "created_in", "prefix", "firstname", "middlename",
		"lastname", "suffix", "email", "group_id", "dob", "password_hash", "rp_token", "rp_token_created_at",
		"default_billing", "default_shipping", "taxvat", "confirmation", "created_at", "updated_at", "gender",
		"disable_auto_group_change", "failures_num", "first_failure", "lock_expires", "id", "entity_id")
	addressFields = setOf("prefix", "firstname", "middlename", "lastname", "suffix", "company", "street",
		"city", "country_id", "region", "region_id", "postcode", "telephone", "fax", "vat_id", "vat_is_valid",
		"vat_request_id", "vat_request_date", "vat_request_success", "parent_id", "customer_id", "id", "entity_id",
		"default_billing", "default_shipping")
)

func setOf(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// IsField reports whether code is an attribute that Magento's customer
// (address false) or address data interface carries as a field of its own,
// and so is not a custom attribute.
func IsField(address bool, code string) bool {
	if address {
		return addressFields[code]
	}
	return customerFields[code]
}
