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
