package magento

// This file holds the JSON shapes of Magento's REST API for the customer
// endpoints, as Adobe's OpenAPI schema (2.4.8) defines them. The sandbox
// encodes its responses with these types and the client decodes them, so the
// two cannot drift apart. Fields that Magento leaves out when null are
// pointers or carry omitempty.

// CustomerData is customer-data-customer-interface.
type CustomerData struct {
	ID              int    `json:"id,omitempty"`
	GroupID         *int   `json:"group_id,omitempty"`
	DefaultBilling  string `json:"default_billing,omitempty"`
	DefaultShipping string `json:"default_shipping,omitempty"`
	Confirmation    string `json:"confirmation,omitempty"`
	CreatedAt       string `json:"created_at,omitempty"`
	UpdatedAt       string `json:"updated_at,omitempty"`
	CreatedIn       string `json:"created_in,omitempty"`
	Dob             string `json:"dob,omitempty"`
	Email           string `json:"email,omitempty"`
	Firstname       string `json:"firstname,omitempty"`
	Lastname        string `json:"lastname,omitempty"`
	Middlename      string `json:"middlename,omitempty"`
	Prefix          string `json:"prefix,omitempty"`
	Suffix          string `json:"suffix,omitempty"`
	Gender          *int   `json:"gender,omitempty"`
	StoreID         *int   `json:"store_id,omitempty"`
	Taxvat          string `json:"taxvat,omitempty"`
	WebsiteID       *int   `json:"website_id,omitempty"`
	// Addresses has no omitempty: Magento answers "addresses":[] for a
	// customer without addresses, and in a request a nil slice encodes as
	// null (addresses kept) while an empty one encodes as [] (all deleted).
	Addresses              []AddressData      `json:"addresses"`
	DisableAutoGroupChange *int               `json:"disable_auto_group_change,omitempty"`
	ExtensionAttributes    *CustomerExtension `json:"extension_attributes,omitempty"`
	CustomAttributes       []CustomAttribute  `json:"custom_attributes,omitempty"`
}

// CustomerExtension is customer-data-customer-extension-interface (the part
// that a stock Magento Open Source store fills).
type CustomerExtension struct {
	IsSubscribed      *bool `json:"is_subscribed,omitempty"`
	AssistanceAllowed *int  `json:"assistance_allowed,omitempty"`
}

// CustomAttribute is framework-attribute-interface.
type CustomAttribute struct {
	AttributeCode string `json:"attribute_code"`
	Value         any    `json:"value"`
}

// AddressData is customer-data-address-interface.
type AddressData struct {
	ID              int         `json:"id,omitempty"`
	CustomerID      int         `json:"customer_id,omitempty"`
	Region          *RegionData `json:"region,omitempty"`
	RegionID        *int        `json:"region_id,omitempty"`
	CountryID       string      `json:"country_id,omitempty"`
	Street          []string    `json:"street,omitempty"`
	Company         string      `json:"company,omitempty"`
	Telephone       string      `json:"telephone,omitempty"`
	Fax             string      `json:"fax,omitempty"`
	Postcode        string      `json:"postcode,omitempty"`
	City            string      `json:"city,omitempty"`
	Firstname       string      `json:"firstname,omitempty"`
	Lastname        string      `json:"lastname,omitempty"`
	Middlename      string      `json:"middlename,omitempty"`
	Prefix          string      `json:"prefix,omitempty"`
	Suffix          string      `json:"suffix,omitempty"`
	VatID           string      `json:"vat_id,omitempty"`
	DefaultShipping *bool       `json:"default_shipping,omitempty"`
	DefaultBilling  *bool       `json:"default_billing,omitempty"`
	// CustomAttributes are the values of the store's own address
	// attributes.
	CustomAttributes []CustomAttribute `json:"custom_attributes,omitempty"`
}

// RegionData is customer-data-region-interface.
type RegionData struct {
	RegionCode string `json:"region_code,omitempty"`
	Region     string `json:"region,omitempty"`
	RegionID   int    `json:"region_id"`
}

// CreateCustomerRequest is the body of POST /V1/customers.
type CreateCustomerRequest struct {
	Customer    CustomerData `json:"customer"`
	Password    string       `json:"password,omitempty"`
	RedirectURL string       `json:"redirectUrl,omitempty"`
}

// UpdateCustomerRequest is the body of PUT /V1/customers/:id and
// PUT /V1/customers/me.
type UpdateCustomerRequest struct {
	Customer CustomerData `json:"customer"`
}

// CredentialsRequest is the body of the admin and customer token requests.
type CredentialsRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SearchCriteria is framework-search-criteria-interface, as echoed in
// search results.
type SearchCriteria struct {
	FilterGroups []FilterGroup `json:"filter_groups"`
	SortOrders   []SortOrder   `json:"sort_orders,omitempty"`
	PageSize     *int          `json:"page_size,omitempty"`
	CurrentPage  *int          `json:"current_page,omitempty"`
}

// FilterGroup is framework-search-filter-group: its filters are OR'ed, and
// the groups of a search are AND'ed.
type FilterGroup struct {
	Filters []Filter `json:"filters,omitempty"`
}

// Filter is framework-filter.
type Filter struct {
	Field         string `json:"field"`
	Value         string `json:"value"`
	ConditionType string `json:"condition_type,omitempty"`
}

// SortOrder is framework-sort-order.
type SortOrder struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// CustomerSearchResults is customer-data-customer-search-results-interface.
type CustomerSearchResults struct {
	Items          []CustomerData `json:"items"`
	SearchCriteria SearchCriteria `json:"search_criteria"`
	TotalCount     int            `json:"total_count"`
}

// GroupData is customer-data-group-interface.
type GroupData struct {
	ID           int    `json:"id"`
	Code         string `json:"code"`
	TaxClassID   int    `json:"tax_class_id"`
	TaxClassName string `json:"tax_class_name,omitempty"`
}

// GroupSearchResults is customer-data-group-search-results-interface.
type GroupSearchResults struct {
	Items          []GroupData    `json:"items"`
	SearchCriteria SearchCriteria `json:"search_criteria"`
	TotalCount     int            `json:"total_count"`
}

// WebsiteData is store-data-website-interface.
type WebsiteData struct {
	ID             int    `json:"id"`
	Code           string `json:"code"`
	Name           string `json:"name"`
	DefaultGroupID int    `json:"default_group_id"`
}

// StoreViewData is store-data-store-interface.
type StoreViewData struct {
	ID           int    `json:"id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	WebsiteID    int    `json:"website_id"`
	StoreGroupID int    `json:"store_group_id"`
	IsActive     int    `json:"is_active"`
}

// StoreConfigData is store-data-store-config-interface.
type StoreConfigData struct {
	ID                         int    `json:"id"`
	Code                       string `json:"code"`
	WebsiteID                  int    `json:"website_id"`
	Locale                     string `json:"locale"`
	BaseCurrencyCode           string `json:"base_currency_code"`
	DefaultDisplayCurrencyCode string `json:"default_display_currency_code"`
	Timezone                   string `json:"timezone"`
	WeightUnit                 string `json:"weight_unit"`
	BaseURL                    string `json:"base_url"`
	BaseLinkURL                string `json:"base_link_url"`
	BaseStaticURL              string `json:"base_static_url"`
	BaseMediaURL               string `json:"base_media_url"`
	SecureBaseURL              string `json:"secure_base_url"`
	SecureBaseLinkURL          string `json:"secure_base_link_url"`
	SecureBaseStaticURL        string `json:"secure_base_static_url"`
	SecureBaseMediaURL         string `json:"secure_base_media_url"`
}

// CountryData is directory-data-country-information-interface.
type CountryData struct {
	ID                      string       `json:"id"`
	TwoLetterAbbreviation   string       `json:"two_letter_abbreviation"`
	ThreeLetterAbbreviation string       `json:"three_letter_abbreviation"`
	FullNameLocale          string       `json:"full_name_locale"`
	FullNameEnglish         string       `json:"full_name_english"`
	AvailableRegions        []RegionInfo `json:"available_regions,omitempty"`
}

// RegionInfo is directory-data-region-information-interface. Its id is a
// string on the wire.
type RegionInfo struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// AsyncResponse is asynchronous-operations-data-async-response-interface,
// the 202 answer of the async and async bulk endpoints.
type AsyncResponse struct {
	BulkUUID     string       `json:"bulk_uuid"`
	RequestItems []ItemStatus `json:"request_items"`
	Errors       bool         `json:"errors"`
}

// ItemStatus is asynchronous-operations-data-item-status-interface.
type ItemStatus struct {
	ID           int    `json:"id"`
	DataHash     string `json:"data_hash,omitempty"`
	Status       string `json:"status"`
	ErrorMessage string `json:"error_message,omitempty"`
	ErrorCode    int    `json:"error_code,omitempty"`
}

// Bulk operation statuses (Magento\Framework\Bulk\OperationInterface).
const (
	OperationComplete           = 1
	OperationRetriablyFailed    = 2
	OperationNotRetriablyFailed = 3
	OperationOpen               = 4
	OperationRejected           = 5
)

// BulkStatus is the answer of GET /V1/bulk/:uuid/status and, with the
// detailed fields of each operation filled, /detailed-status.
type BulkStatus struct {
	OperationsList []OperationStatus `json:"operations_list"`
	UserType       int               `json:"user_type"`
	BulkID         string            `json:"bulk_id"`
	Description    string            `json:"description"`
	StartTime      string            `json:"start_time"`
	UserID         int               `json:"user_id"`
	OperationCount int               `json:"operation_count"`
}

// OperationStatus is one operation of a bulk.
type OperationStatus struct {
	ID                   int     `json:"id"`
	BulkUUID             string  `json:"bulk_uuid,omitempty"`
	TopicName            string  `json:"topic_name,omitempty"`
	SerializedData       *string `json:"serialized_data,omitempty"`
	ResultSerializedData *string `json:"result_serialized_data,omitempty"`
	Status               int     `json:"status"`
	ResultMessage        string  `json:"result_message,omitempty"`
	ErrorCode            *int    `json:"error_code"`
}

// ErrorResponse is Magento's error envelope (error-response). Message is
// the phrase with its %placeholders unsubstituted; Parameters is an object
// for named placeholders or a list for positional ones (%1).
type ErrorResponse struct {
	Message    string      `json:"message"`
	Errors     []ErrorItem `json:"errors,omitempty"`
	Code       int         `json:"code,omitempty"`
	Parameters any         `json:"parameters,omitempty"`
	Trace      string      `json:"trace,omitempty"`
}

// ErrorItem is one error of an aggregate error response.
type ErrorItem struct {
	Message    string `json:"message"`
	Parameters any    `json:"parameters,omitempty"`
}

// DetailedBulkStatus is the answer of GET /V1/bulk/:uuid/detailed-status.
type DetailedBulkStatus struct {
	OperationsList []DetailedOperationStatus `json:"operations_list"`
	UserType       int                       `json:"user_type"`
	BulkID         string                    `json:"bulk_id"`
	Description    string                    `json:"description"`
	StartTime      string                    `json:"start_time"`
	UserID         int                       `json:"user_id"`
	OperationCount int                       `json:"operation_count"`
}

// DetailedOperationStatus is asynchronous-operations-data-operation-interface,
// one operation of a detailed bulk status. Magento writes its null fields
// as null here (serialized_data is null once an operation succeeded,
// result_serialized_data until it has), so none is omitted.
type DetailedOperationStatus struct {
	ID                   int     `json:"id"`
	BulkUUID             string  `json:"bulk_uuid"`
	TopicName            string  `json:"topic_name"`
	SerializedData       *string `json:"serialized_data"`
	ResultSerializedData *string `json:"result_serialized_data"`
	Status               int     `json:"status"`
	ResultMessage        *string `json:"result_message"`
	ErrorCode            *int    `json:"error_code"`
}
