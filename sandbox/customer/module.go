// Package customer follows Magento_Customer: customers and their
// addresses (customer_entity, customer_address_entity), customer groups
// (customer_group), the customer, address, group and search routes,
// Magento's validation of customers and addresses, the password policy and
// hash, and the sign-in lockout of AccountManagement::authenticate.
//
// It also answers for the store's EAV setup: the attribute metadata routes
// (Customer\Model\Metadata\CustomerMetadata, AddressMetadata), the
// user-defined attributes a Config declares, stored in
// customer_entity_value and customer_address_entity_value and checked with
// Magento_Eav's data models (eav.go); email confirmation and account
// sharing (confirm.go, from the configuration paths ConfigConfirm and
// ConfigShareScope); and the newsletter flag that Magento_Newsletter's
// customer plugin adds (extension_attributes.is_subscribed,
// newsletter_subscriber).
//
// Websites and store views come through Stores, countries and regions
// through Countries; the sandbox wires in the modules that implement them.
package customer

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Schema is the module's tables. Emails compare case-insensitively
// (NOCASE), like MySQL's default collation, so UNIQUE(email, website_id)
// refuses "Jane@x" next to "jane@x".
const Schema = `
CREATE TABLE IF NOT EXISTS customer_group (
	customer_group_id   INTEGER PRIMARY KEY,
	customer_group_code TEXT NOT NULL UNIQUE,
	tax_class_id        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_entity (
	entity_id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	website_id                INTEGER NOT NULL,
	email                     TEXT NOT NULL COLLATE NOCASE,
	group_id                  INTEGER NOT NULL,
	store_id                  INTEGER NOT NULL,
	created_at                TEXT NOT NULL,
	updated_at                TEXT NOT NULL,
	is_active                 INTEGER NOT NULL DEFAULT 1,
	disable_auto_group_change INTEGER NOT NULL DEFAULT 0,
	created_in                TEXT,
	prefix                    TEXT,
	firstname                 TEXT,
	middlename                TEXT,
	lastname                  TEXT,
	suffix                    TEXT,
	dob                       TEXT,
	password_hash             TEXT,
	default_billing           INTEGER,
	default_shipping          INTEGER,
	taxvat                    TEXT,
	confirmation              TEXT,
	gender                    INTEGER,
	failures_num              INTEGER NOT NULL DEFAULT 0,
	first_failure             TEXT,
	lock_expires              TEXT,
	UNIQUE (email, website_id)
);
CREATE TABLE IF NOT EXISTS customer_address_entity (
	entity_id  INTEGER PRIMARY KEY AUTOINCREMENT,
	parent_id  INTEGER NOT NULL REFERENCES customer_entity (entity_id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	is_active  INTEGER NOT NULL DEFAULT 1,
	city       TEXT,
	company    TEXT,
	country_id TEXT,
	fax        TEXT,
	firstname  TEXT,
	lastname   TEXT,
	middlename TEXT,
	postcode   TEXT,
	prefix     TEXT,
	region     TEXT,
	region_id  INTEGER,
	street     TEXT,
	suffix     TEXT,
	telephone  TEXT,
	vat_id     TEXT
);
CREATE INDEX IF NOT EXISTS customer_address_entity_parent_id ON customer_address_entity (parent_id);
`

// ACL resources of the module's routes.
const (
	aclCustomer = "Magento_Customer::customer"
	aclManage   = "Magento_Customer::manage"
	aclDelete   = "Magento_Customer::delete"
	aclGroup    = "Magento_Customer::group"
)

// Stock tax class of the stock customer groups, and the group new accounts
// join.
const (
	retailTaxClassID   = 3
	retailTaxClassName = "Retail Customer"
	defaultGroupID     = 1 // customer/create_account/default_group
)

// Stores finds websites and store views (Magento_Store).
type Stores interface {
	HasWebsite(id int) bool
	Store(id int) (webapi.Store, bool)
	// DefaultStore returns the default store view of a website.
	DefaultStore(websiteID int) (webapi.Store, bool)
	// Websites and Stores list the websites and store views by id, admin
	// (0) included.
	Websites() []webapi.Website
	Stores() []webapi.Store
}

// Countries finds the countries and regions the store allows
// (Magento_Directory).
type Countries interface {
	Country(id string) (directory.Country, bool)
}

// groupRow is a row of customer_group.
type groupRow struct {
	ID         int
	Code       string
	TaxClassID int
}

// Module is Magento_Customer's part of the store.
type Module struct {
	db        *db.DB
	stores    Stores
	countries Countries
	now       func() time.Time
	// Config holds store configuration values by path (Magento's
	// core_config_data), such as ConfigStreetLines; a path not set takes
	// Magento's default. Set it before Configure and serving.
	Config map[string]string

	// Set by Configure before the module serves; read-only afterwards.
	cfg        Config
	eav        eavSetup
	taxClasses map[int]string // customer tax classes by id
}

// New prepares the module's hot statements, seeds Magento's stock customer
// groups (once: a database reopened keeps what it has) and reads them
// back. It must run before the database takes writes from elsewhere.
func New(ctx context.Context, d *db.DB, stores Stores, countries Countries, now func() time.Time) (*Module, error) {
	if err := d.Prepare(ctx, insertCustomerSQL, insertAddressSQL, updateAddressSQL); err != nil {
		return nil, err
	}
	m := &Module{db: d, stores: stores, countries: countries, now: now,
		eav: newEAVSetup(Config{}), taxClasses: map[int]string{retailTaxClassID: retailTaxClassName}}
	err := d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO customer_group VALUES (0, 'NOT LOGGED IN', 3), (1, 'General', 3), (2, 'Wholesale', 3), (3, 'Retailer', 3)`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Configure applies a store's configuration and EAV setup (see Config):
// it creates the configured customer groups that are missing and refuses
// global account sharing over a database where one email is on two
// websites. It must run before the module serves.
func (m *Module) Configure(ctx context.Context, cfg Config) error {
	return m.configure(ctx, cfg)
}

// customerGroup reads one customer group.
func (m *Module) customerGroup(ctx context.Context, id int) (groupRow, bool, error) {
	return customerGroupIn(ctx, m.db.R, id)
}

// customerGroupIn reads one customer group through q (the reader pool, or
// the write transaction a caller is in).
func customerGroupIn(ctx context.Context, q queryer, id int) (groupRow, bool, error) {
	var g groupRow
	err := q.QueryRowContext(ctx, `SELECT customer_group_id, customer_group_code, tax_class_id FROM customer_group
		WHERE customer_group_id = ?`, id).Scan(&g.ID, &g.Code, &g.TaxClassID)
	if errors.Is(err, sql.ErrNoRows) {
		return g, false, nil
	}
	return g, err == nil, err
}

// Routes returns the module's routes. Literal segments come before
// parameters in the same position, so /V1/customers/me wins over
// /V1/customers/:id.
func (m *Module) Routes() []webapi.Route {
	rs := []webapi.Route{
		{Method: "GET", Pattern: "/V1/customers/me", ACL: webapi.ACLSelf, Handle: m.getMe},
		{Method: "PUT", Pattern: "/V1/customers/me", ACL: webapi.ACLSelf, Body: true, Handle: m.putMe},
		{Method: "GET", Pattern: "/V1/customers/me/billingAddress", ACL: webapi.ACLSelf, Handle: m.meBillingAddress},
		{Method: "GET", Pattern: "/V1/customers/me/shippingAddress", ACL: webapi.ACLSelf, Handle: m.meShippingAddress},
		{Method: "PUT", Pattern: "/V1/customers/me/activate", ACL: webapi.ACLSelf, Body: true, Handle: m.activateMe},
		{Method: "GET", Pattern: "/V1/customers/search", ACL: aclCustomer, Handle: m.searchCustomers},
		{Method: "POST", Pattern: "/V1/customers/isEmailAvailable", ACL: webapi.ACLAnonymous, Body: true, Handle: m.isEmailAvailable},
		{Method: "GET", Pattern: "/V1/customers/addresses/:addressId", ACL: aclManage, Handle: m.getAddress},
		{Method: "POST", Pattern: "/V1/customers", ACL: webapi.ACLAnonymous, Body: true, Handle: m.createAccount},
		{Method: "POST", Pattern: "/V1/customers/", ACL: aclManage, Body: true, Handle: m.saveCustomer},
		{Method: "GET", Pattern: "/V1/customers/:customerId", ACL: aclCustomer, Handle: m.getCustomer},
		{Method: "PUT", Pattern: "/V1/customers/:id", ACL: aclManage, Body: true, Handle: m.putCustomer},
		{Method: "DELETE", Pattern: "/V1/customers/:customerId", ACL: aclDelete, Handle: m.deleteCustomer},
		{Method: "GET", Pattern: "/V1/customers/:customerId/billingAddress", ACL: aclManage, Handle: m.billingAddress},
		{Method: "GET", Pattern: "/V1/customers/:customerId/confirm", ACL: aclManage, Handle: m.confirmationStatus},
		{Method: "PUT", Pattern: "/V1/customers/:email/activate", ACL: aclManage, Body: true, Handle: m.activate},
		{Method: "GET", Pattern: "/V1/customers/:customerId/shippingAddress", ACL: aclManage, Handle: m.shippingAddress},
		{Method: "DELETE", Pattern: "/V1/addresses/:addressId", ACL: aclManage, Handle: m.deleteAddress},

		{Method: "GET", Pattern: "/V1/customerGroups/search", ACL: aclGroup, Handle: m.searchGroups},
		{Method: "GET", Pattern: "/V1/customerGroups/default", ACL: aclGroup, Handle: m.defaultGroup},
		{Method: "GET", Pattern: "/V1/customerGroups/default/:storeId", ACL: aclGroup, Handle: m.defaultGroup},
		{Method: "GET", Pattern: "/V1/customerGroups/:id", ACL: aclGroup, Handle: m.getGroup},
		{Method: "POST", Pattern: "/V1/customerGroups", ACL: aclGroup, Body: true, Handle: m.createGroup},
		{Method: "PUT", Pattern: "/V1/customerGroups/:id", ACL: aclGroup, Body: true, Handle: m.updateGroup},
		{Method: "DELETE", Pattern: "/V1/customerGroups/:id", ACL: aclGroup, Handle: m.deleteGroup},
	}
	rs = append(rs, m.metadataRoutes("/V1/attributeMetadata/customer", entityCustomer)...)
	return append(rs, m.metadataRoutes("/V1/attributeMetadata/customerAddress", entityAddress)...)
}
