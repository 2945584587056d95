package mageseed

// Customer is a customer as a manifest declares it (the desired state) or as
// a store holds it (the remote state).
//
// Identity is (Email, WebsiteID). Optional fields are pointers: in a desired
// customer a nil field is one the manifest does not declare, and mageseed
// never compares or changes it (field ownership). In a remote customer a nil
// field is one the store does not hold.
type Customer struct {
	// Key is the name the manifest gives the customer, and the key of its
	// entry in the outputs file. Empty for a remote customer.
	Key string

	// ID is the store's entity id; 0 for a customer not yet in the store.
	ID int

	Email     string
	Firstname string
	Lastname  string

	// Website is the website code the manifest names ("" means the store's
	// default); WebsiteID is the id it resolves to.
	Website   string
	WebsiteID int

	Middlename *string
	Prefix     *string
	Suffix     *string
	Dob        *string // YYYY-MM-DD
	Taxvat     *string
	Gender     *int
	GroupID    *int
	StoreID    *int

	// Group is a customer group code (declared under groups, or already in
	// the store); plan resolves it to GroupID. In a remote customer it is the
	// code of GroupID, when the store's groups were read. "" when not
	// declared.
	Group string

	// IsSubscribed is the newsletter subscription
	// (extension_attributes.is_subscribed); nil when not declared, or when
	// the store did not say.
	IsSubscribed *bool

	// Confirm asks mageseed to activate the account when the store requires
	// email confirmation, so that a token can be minted.
	Confirm bool

	// Confirmation is the confirmation key of an account that awaits email
	// confirmation (remote state only; "" for a confirmed account).
	Confirmation string

	// CustomAttributes are the customer's custom attributes by code. In a
	// desired customer only the declared codes are present (field ownership
	// per attribute); in a remote customer, every value the store holds.
	CustomAttributes map[string]AttributeValue

	// Password is set on create only; a store never returns it. It is a
	// secret and never printed.
	Password string

	// Token asks for a customer access token in the outputs.
	Token bool

	Addresses []Address

	// DefaultBilling and DefaultShipping are the ids of the customer's
	// default addresses in the store (remote state only; 0 when unset).
	DefaultBilling  int
	DefaultShipping int
}

// Address is a customer address. An address has no natural key in Magento:
// mageseed matches a desired address to a remote one by normalised content
// (see apply).
type Address struct {
	// Key is the name the manifest gives the address (its key in the
	// outputs). Empty for a remote address.
	Key string

	// ID is the store's address id; 0 for an address not yet in the store.
	// In a desired address it is the address the last apply recorded for
	// this key (outputs.Recall), or 0.
	ID int

	Firstname string
	Lastname  string
	Street    []string
	City      string
	CountryID string // ISO 3166-1 alpha-2
	Region    Region
	Postcode  string
	Telephone string

	Middlename *string
	Prefix     *string
	Suffix     *string
	Company    *string
	Fax        *string
	VatID      *string

	DefaultBilling  bool
	DefaultShipping bool

	// CustomAttributes are the address's custom attributes by code, as for
	// Customer.CustomAttributes.
	CustomAttributes map[string]AttributeValue
}

// AttributeValue is the value of a custom attribute.
//
// Value is the store's form: the text, the option id of a select, the
// comma-joined option ids of a multiselect. A manifest may write an option's
// label (or its value) instead, and a list for a multiselect (List, with
// Value empty): plan resolves both into Value against the store's metadata.
type AttributeValue struct {
	Value string
	List  []string
	// Label is what the manifest wrote for an option id in Value (a label,
	// or labels joined with ", "), kept for plans; "" otherwise.
	Label string
}

// Group is a customer group: declared in a manifest (Key set), or as a
// store holds it (ID set).
type Group struct {
	Key        string `json:"key,omitempty"` // the manifest's name for it; its key in the outputs
	ID         int    `json:"id"`
	Code       string `json:"code"`
	TaxClassID int    `json:"taxClassId"`
}

// Region is an address's region. A manifest may give the code only (the id
// is resolved from the store's directory), the id only, or all three.
type Region struct {
	ID   int    // Magento's region_id; 0 when unknown or not applicable
	Code string // e.g. "NY"
	Name string // e.g. "New York"; free text for countries without a list
}

// IsZero reports whether r names no region at all.
func (r Region) IsZero() bool { return r.ID == 0 && r.Code == "" && r.Name == "" }

// Website is a store website, as GET /V1/store/websites lists it.
type Website struct {
	ID             int
	Code           string
	Name           string
	DefaultGroupID int
}

// String returns a pointer to s, for the optional fields above.
func String(s string) *string { return &s }

// Int returns a pointer to n, for the optional fields above.
func Int(n int) *int { return &n }
