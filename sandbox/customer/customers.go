package customer

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// customerRec is a row of customer_entity with its addresses.
type customerRec struct {
	ID                     int64
	WebsiteID, StoreID     int64
	GroupID                int64
	Email                  string
	Firstname, Lastname    string
	Middlename             string
	Prefix, Suffix         string
	Dob, Taxvat            string
	Confirmation           string
	CreatedIn              string
	CreatedAt, UpdatedAt   string
	Gender                 sql.NullInt64
	DefaultBilling         int64
	DefaultShipping        int64
	DisableAutoGroupChange int64
	PasswordHash           string
	Addresses              []addressRec

	custom     map[string]string // user-defined attribute values
	subscribed bool              // extension_attributes.is_subscribed
	// subscribe is set when the request says is_subscribed.
	subscribe *bool
}

// addressRec is a row of customer_address_entity.
type addressRec struct {
	ID, CustomerID       int64
	Firstname, Lastname  string
	Middlename           string
	Prefix, Suffix       string
	Company, Fax, VatID  string
	City, CountryID      string
	Postcode, Telephone  string
	Region               string
	RegionID             int64
	Street               []string
	CreatedAt, UpdatedAt string

	custom map[string]string // user-defined attribute values

	// Input only: the request's region code and default flags (not...:
	// set when the flag was sent, false).
	regionCode                            string
	defaultBilling, defaultShipping       bool
	notDefaultBilling, notDefaultShipping bool
}

// customerColumns is the column list scanCustomer reads, for the table
// alias a ("" or "c.").
func customerColumns(a string) string {
	return strings.NewReplacer("@", a).Replace(`@entity_id, @website_id, @store_id, @group_id, @email, coalesce(@firstname, ''),
	coalesce(@lastname, ''), coalesce(@middlename, ''), coalesce(@prefix, ''), coalesce(@suffix, ''), coalesce(@dob, ''),
	coalesce(@taxvat, ''), coalesce(@confirmation, ''), coalesce(@created_in, ''), @created_at, @updated_at, @gender,
	coalesce(@default_billing, 0), coalesce(@default_shipping, 0), @disable_auto_group_change`)
}

func scanCustomer(sc interface{ Scan(...any) error }, c *customerRec) error {
	return sc.Scan(&c.ID, &c.WebsiteID, &c.StoreID, &c.GroupID, &c.Email, &c.Firstname, &c.Lastname,
		&c.Middlename, &c.Prefix, &c.Suffix, &c.Dob, &c.Taxvat, &c.Confirmation, &c.CreatedIn,
		&c.CreatedAt, &c.UpdatedAt, &c.Gender, &c.DefaultBilling, &c.DefaultShipping, &c.DisableAutoGroupChange)
}

const addressColumns = `entity_id, parent_id, coalesce(firstname, ''), coalesce(lastname, ''), coalesce(middlename, ''),
	coalesce(prefix, ''), coalesce(suffix, ''), coalesce(company, ''), coalesce(fax, ''), coalesce(vat_id, ''),
	coalesce(city, ''), coalesce(country_id, ''), coalesce(postcode, ''), coalesce(telephone, ''),
	coalesce(region, ''), coalesce(region_id, 0), coalesce(street, ''), created_at, updated_at`

func scanAddress(sc interface{ Scan(...any) error }, a *addressRec) error {
	var street string
	err := sc.Scan(&a.ID, &a.CustomerID, &a.Firstname, &a.Lastname, &a.Middlename, &a.Prefix, &a.Suffix,
		&a.Company, &a.Fax, &a.VatID, &a.City, &a.CountryID, &a.Postcode, &a.Telephone, &a.Region,
		&a.RegionID, &street, &a.CreatedAt, &a.UpdatedAt)
	if street != "" {
		a.Street = strings.Split(street, "\n")
	}
	return err
}

// queryer is what reads need: the reader pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadCustomer reads one customer with its addresses; ok is false when
// there is none.
func loadCustomer(ctx context.Context, q queryer, id int64) (customerRec, bool, error) {
	var c customerRec
	err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns("")+` FROM customer_entity WHERE entity_id = ?`, id), &c)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	addrs, err := loadAddresses(ctx, q, []int64{id})
	if err != nil {
		return c, false, err
	}
	c.Addresses = addrs[id]
	if err := loadExtras(ctx, q, []*customerRec{&c}); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// loadAddresses reads the addresses of the customers, by customer id.
func loadAddresses(ctx context.Context, q queryer, ids []int64) (map[int64][]addressRec, error) {
	out := map[int64][]addressRec{}
	err := inChunks(ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, `SELECT `+addressColumns+` FROM customer_address_entity WHERE parent_id IN (`+
			in+`) ORDER BY entity_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a addressRec
			if err := scanAddress(rows, &a); err != nil {
				rows.Close()
				return err
			}
			out[a.CustomerID] = append(out[a.CustomerID], a)
		}
		return db.CloseRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inChunks calls f with ids in chunks of at most 500 (below SQLite's limit
// on bound parameters), each as a list of placeholders for IN (...) and its
// arguments.
func inChunks(ids []int64, f func(in string, args []any) error) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := f(db.Placeholders(len(chunk)), args); err != nil {
			return err
		}
	}
	return nil
}

// wire returns the customer as Magento answers it.
func (c *customerRec) wire(dir Countries, e *eavSetup) magento.CustomerData {
	gid, sid, wid := int(c.GroupID), int(c.StoreID), int(c.WebsiteID)
	dagc := int(c.DisableAutoGroupChange)
	subscribed := c.subscribed
	out := magento.CustomerData{
		ID:                     int(c.ID),
		GroupID:                &gid,
		CreatedAt:              c.CreatedAt,
		UpdatedAt:              c.UpdatedAt,
		CreatedIn:              c.CreatedIn,
		Dob:                    c.Dob,
		Email:                  c.Email,
		Firstname:              c.Firstname,
		Lastname:               c.Lastname,
		Middlename:             c.Middlename,
		Prefix:                 c.Prefix,
		Suffix:                 c.Suffix,
		StoreID:                &sid,
		Taxvat:                 c.Taxvat,
		WebsiteID:              &wid,
		Confirmation:           c.Confirmation,
		Addresses:              make([]magento.AddressData, 0, len(c.Addresses)),
		DisableAutoGroupChange: &dagc,
		ExtensionAttributes:    &magento.CustomerExtension{IsSubscribed: &subscribed},
		CustomAttributes:       e.wire(entityCustomer, c.custom),
	}
	if c.DefaultBilling != 0 {
		out.DefaultBilling = strconv.FormatInt(c.DefaultBilling, 10)
	}
	if c.DefaultShipping != 0 {
		out.DefaultShipping = strconv.FormatInt(c.DefaultShipping, 10)
	}
	if c.Gender.Valid {
		g := int(c.Gender.Int64)
		out.Gender = &g
	}
	for i := range c.Addresses {
		out.Addresses = append(out.Addresses, c.Addresses[i].wire(dir, e, c.DefaultBilling, c.DefaultShipping))
	}
	return out
}

// wire returns the address as Magento answers it; the default flags appear
// only when true.
func (a *addressRec) wire(dir Countries, e *eavSetup, defBilling, defShipping int64) magento.AddressData {
	rid := int(a.RegionID)
	region := &magento.RegionData{RegionID: rid, Region: a.Region}
	if c, ok := dir.Country(a.CountryID); ok && rid != 0 {
		if r, ok := c.RegionByID(rid); ok {
			region.RegionCode, region.Region = r.Code, r.Name
		}
	} else if a.Region != "" {
		region.RegionCode = a.Region
	}
	out := magento.AddressData{
		ID:         int(a.ID),
		CustomerID: int(a.CustomerID),
		Region:     region,
		RegionID:   &rid,
		CountryID:  a.CountryID,
		Street:     a.Street,
		Company:    a.Company,
		Telephone:  a.Telephone,
		Fax:        a.Fax,
		Postcode:   a.Postcode,
		City:       a.City,
		Firstname:  a.Firstname,
		Lastname:   a.Lastname,
		Middlename: a.Middlename,
		Prefix:     a.Prefix,
		Suffix:     a.Suffix,
		VatID:      a.VatID,
		// The address's own attributes.
		CustomAttributes: e.wire(entityAddress, a.custom),
	}
	if a.ID == defBilling && a.ID != 0 {
		t := true
		out.DefaultBilling = &t
	}
	if a.ID == defShipping && a.ID != 0 {
		t := true
		out.DefaultShipping = &t
	}
	return out
}

// customerFromFields reads a customer's own fields (not its addresses).
func customerFromFields(cf webapi.Fields) customerRec {
	c := customerRec{
		ID:                     webapi.MustNum(cf, "id"),
		WebsiteID:              webapi.MustNum(cf, "website_id"),
		StoreID:                webapi.MustNum(cf, "store_id"),
		GroupID:                webapi.MustNum(cf, "group_id"),
		Email:                  strings.TrimSpace(cf.Str("email")),
		Firstname:              cf.Str("firstname"),
		Lastname:               cf.Str("lastname"),
		Middlename:             cf.Str("middlename"),
		Prefix:                 cf.Str("prefix"),
		Suffix:                 cf.Str("suffix"),
		Dob:                    cf.Str("dob"),
		Taxvat:                 cf.Str("taxvat"),
		DisableAutoGroupChange: webapi.MustNum(cf, "disable_auto_group_change"),
	}
	if g, ok := cf.Num("gender"); ok {
		c.Gender = sql.NullInt64{Int64: g, Valid: true}
	}
	return c
}

var (
	errEmailRequired   = webapi.NewError(http.StatusBadRequest, "The email address is required to create a customer account.", nil)
	errEmailMissing    = webapi.NewError(http.StatusBadRequest, "The customer email is missing. Enter and try again.", nil)
	errAlreadyExists   = webapi.NewError(http.StatusBadRequest, magento.AlreadyExistsMessage, nil)
	errStoreNotInSite  = webapi.NewError(http.StatusBadRequest, "The store view is not in the associated website.", nil)
	errGroupNotExists  = webapi.NewError(http.StatusBadRequest, "The specified customer group id does not exist.", nil)
	errStoreNotFound   = webapi.NewError(http.StatusNotFound, "The store that was requested wasn't found. Verify the store and try again.", nil)
	errDefaultBilling  = webapi.InputError("The %fieldName value is invalid. Set the correct value and try again.", map[string]any{"fieldName": "default_billing"})
	errDefaultShipping = webapi.InputError("The %fieldName value is invalid. Set the correct value and try again.", map[string]any{"fieldName": "default_shipping"})
)

func websiteNotFound(id int64) *webapi.Error {
	return webapi.NewError(http.StatusNotFound, "The website with id %1 that was requested wasn't found. Verify the website and try again.", []any{strconv.FormatInt(id, 10)})
}

// createInput is what a create needs besides the customer's fields.
type createInput struct {
	password    *string       // createAccount's password, if given
	hash        string        // repository save's passwordHash, or the async hash
	passwordErr *webapi.Error // the async password's policy failure
	store       webapi.Store
	all         bool
	eav         bool // createAccount validates addresses with the EAV messages
	groupForbid bool // the caller may not set group_id
}

// createCustomer runs Magento's createAccount flow: email, password
// policy, store and website, customer validation, address validation
// (addresses of unknown countries are dropped), then one transaction for
// the customer and its addresses.
func (m *Module) createCustomer(ctx context.Context, cf webapi.Fields, in createInput) (customerRec, error) {
	if in.groupForbid && cf.Has("group_id") {
		return customerRec{}, webapi.Unauthorized(aclManage)
	}
	rec := customerFromFields(cf)
	var err error
	if rec.custom, err = m.eav.values(entityCustomer, cf); err != nil {
		return rec, err
	}
	rec.custom = mergeValues(nil, rec.custom)
	if sub, set := subscription(cf); set {
		rec.subscribe = &sub
	}
	if rec.Email == "" {
		if in.eav {
			return rec, errEmailRequired
		}
		return rec, errEmailMissing
	}
	if rec.ID != 0 && in.eav {
		// createAccount with an id adds an existing customer to a store,
		// which the sandbox's one store per website never needs.
		return rec, m.existingAccount(ctx, rec.Email, in.store)
	}
	rec.ID = 0
	hash := in.hash
	if in.passwordErr != nil {
		return rec, in.passwordErr
	}
	if in.password != nil {
		if err := checkPasswordPolicy(*in.password, rec.Email); err != nil {
			return rec, err
		}
		hash = hashPassword(*in.password)
	}
	if err := m.resolveStore(&rec, in.store, in.all); err != nil {
		return rec, err
	}
	if !cf.Has("group_id") {
		rec.GroupID = defaultGroupID
	}
	if err := validateCustomer(&rec, m.now(), m.eav.validate(entityCustomer, rec.custom)); err != nil {
		return rec, err
	}
	if _, ok, err := m.customerGroup(ctx, int(rec.GroupID)); err != nil {
		return rec, err
	} else if !ok {
		return rec, errGroupNotExists
	}
	if afs, ok := cf["addresses"].([]webapi.Fields); ok {
		for _, af := range afs {
			a := addressFromFields(af)
			a.ID = 0 // createAccount clones addresses as new
			if _, known := m.countries.Country(a.CountryID); in.eav && a.CountryID != "" && !known {
				continue // createAccount drops addresses in countries the store does not allow
			}
			if a.custom, err = m.eav.values(entityAddress, af); err != nil {
				return rec, err
			}
			a.custom = mergeValues(nil, a.custom)
			if err := m.validateAddressFor(&a, in.eav, nil); err != nil {
				return rec, err
			}
			rec.Addresses = append(rec.Addresses, a)
		}
	}
	now := db.FormatTime(m.now())
	rec.CreatedAt, rec.UpdatedAt, rec.PasswordHash = now, now, hash
	if m.confirmRequired() {
		// Customer\Model\ResourceModel\Customer::_beforeSave: a new
		// account on a website that requires confirmation gets a key.
		rec.Confirmation = confirmationKey()
	}
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		return m.insertCustomer(ctx, tx, &rec)
	})
	if db.IsUniqueViolation(err) {
		return rec, errAlreadyExists
	}
	if err != nil {
		return rec, err
	}
	return rec, nil
}

// existingAccount answers createAccount for a body with a customer id:
// Magento looks the email up in the URL's website and refuses it, as the
// customer is already in the store, or reports that it does not exist.
func (m *Module) existingAccount(ctx context.Context, email string, st webapi.Store) error {
	var n int
	err := m.db.R.QueryRowContext(ctx, `SELECT count(*) FROM customer_entity WHERE email = ? AND website_id = ?`, email, st.WebsiteID).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return webapi.NewError(http.StatusBadRequest, "This customer already exists in this store.", nil)
	}
	return webapi.NewError(http.StatusNotFound, "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value",
		map[string]any{"fieldName": "email", "fieldValue": email, "field2Name": "websiteId", "field2Value": st.WebsiteID})
}

// resolveStore fills the store and website of a new customer as Magento
// does: the website's default store view, else the URL's store view; the
// website from the store; and created_in from the store's name.
func (m *Module) resolveStore(rec *customerRec, urlStore webapi.Store, all bool) error {
	if rec.StoreID == 0 {
		if rec.WebsiteID != 0 {
			if !m.stores.HasWebsite(int(rec.WebsiteID)) {
				return websiteNotFound(rec.WebsiteID)
			}
			st, ok := m.stores.DefaultStore(int(rec.WebsiteID))
			if !ok {
				return errStoreNotFound
			}
			rec.StoreID = int64(st.ID)
		} else {
			st := urlStore
			if all || st.ID == 0 {
				st, _ = m.stores.Store(webapi.DefaultStoreID)
			}
			rec.StoreID = int64(st.ID)
		}
	}
	st, ok := m.stores.Store(int(rec.StoreID))
	if !ok {
		return errStoreNotFound
	}
	if rec.WebsiteID == 0 {
		rec.WebsiteID = int64(st.WebsiteID)
	}
	if int64(st.WebsiteID) != rec.WebsiteID {
		return errStoreNotInSite
	}
	rec.CreatedIn = st.Name
	return nil
}

const insertCustomerSQL = `INSERT INTO customer_entity (website_id, email, group_id, store_id, created_at, updated_at,
	disable_auto_group_change, created_in, prefix, firstname, middlename, lastname, suffix, dob, password_hash,
	taxvat, confirmation, gender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertAddressSQL = `INSERT INTO customer_address_entity (parent_id, created_at, updated_at, city, company,
	country_id, fax, firstname, lastname, middlename, postcode, prefix, region, region_id, street, suffix,
	telephone, vat_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const updateAddressSQL = `UPDATE customer_address_entity SET updated_at = ?, city = ?, company = ?, country_id = ?,
	fax = ?, firstname = ?, lastname = ?, middlename = ?, postcode = ?, prefix = ?, region = ?, region_id = ?,
	street = ?, suffix = ?, telephone = ?, vat_id = ? WHERE entity_id = ?`

// insertCustomer inserts the customer and its addresses and sets its
// default addresses from the addresses' flags.
func (m *Module) insertCustomer(ctx context.Context, tx *sql.Tx, rec *customerRec) error {
	if err := m.checkSharedEmail(ctx, tx, rec.Email, 0); err != nil {
		return err
	}
	st, err := m.db.TxStmt(ctx, tx, insertCustomerSQL)
	if err != nil {
		return err
	}
	var gender any
	if rec.Gender.Valid {
		gender = rec.Gender.Int64
	}
	res, err := st.ExecContext(ctx, rec.WebsiteID, rec.Email, rec.GroupID, rec.StoreID, rec.CreatedAt, rec.UpdatedAt,
		rec.DisableAutoGroupChange, db.NullString(rec.CreatedIn), db.NullString(rec.Prefix), db.NullString(rec.Firstname),
		db.NullString(rec.Middlename), db.NullString(rec.Lastname), db.NullString(rec.Suffix), db.NullString(rec.Dob),
		db.NullString(rec.PasswordHash), db.NullString(rec.Taxvat), db.NullString(rec.Confirmation), gender)
	if err != nil {
		return err
	}
	if rec.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if err := saveValues(ctx, tx, "customer_entity_value", rec.ID, rec.custom); err != nil {
		return err
	}
	if rec.subscribe != nil {
		if err := saveSubscription(ctx, tx, rec.ID, *rec.subscribe); err != nil {
			return err
		}
		rec.subscribed = *rec.subscribe
	}
	if len(rec.Addresses) == 0 {
		return nil
	}
	for i := range rec.Addresses {
		a := &rec.Addresses[i]
		a.CustomerID = rec.ID
		a.CreatedAt, a.UpdatedAt = rec.CreatedAt, rec.UpdatedAt
		if err := m.insertAddress(ctx, tx, a); err != nil {
			return err
		}
		if a.defaultBilling {
			rec.DefaultBilling = a.ID
		}
		if a.defaultShipping {
			rec.DefaultShipping = a.ID
		}
	}
	if rec.DefaultBilling != 0 || rec.DefaultShipping != 0 {
		_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET default_billing = ?, default_shipping = ? WHERE entity_id = ?`,
			db.NullInt(rec.DefaultBilling), db.NullInt(rec.DefaultShipping), rec.ID)
		return err
	}
	return nil
}

func (m *Module) insertAddress(ctx context.Context, tx *sql.Tx, a *addressRec) error {
	if err := m.insertAddressRow(ctx, tx, a); err != nil {
		return err
	}
	return saveValues(ctx, tx, "customer_address_entity_value", a.ID, a.custom)
}

func (m *Module) insertAddressRow(ctx context.Context, tx *sql.Tx, a *addressRec) error {
	st, err := m.db.TxStmt(ctx, tx, insertAddressSQL)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, a.CustomerID, a.CreatedAt, a.UpdatedAt, db.NullString(a.City), db.NullString(a.Company),
		db.NullString(a.CountryID), db.NullString(a.Fax), db.NullString(a.Firstname), db.NullString(a.Lastname),
		db.NullString(a.Middlename), db.NullString(a.Postcode), db.NullString(a.Prefix), db.NullString(a.Region),
		db.NullInt(a.RegionID), db.NullString(strings.Join(a.Street, "\n")), db.NullString(a.Suffix),
		db.NullString(a.Telephone), db.NullString(a.VatID))
	if err != nil {
		return err
	}
	a.ID, err = res.LastInsertId()
	return err
}

// createAccount is POST /V1/customers (AccountManagement::createAccount).
func (m *Module) createAccount(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body,
		webapi.Param{Name: "customer", Required: true, Kind: webapi.KindObject, Sub: customerSpec},
		webapi.Param{Name: "password"},
		webapi.Param{Name: "redirectUrl"},
	)
	if err != nil {
		return nil, err
	}
	in := createInput{store: c.Store, all: c.All, eav: true, groupForbid: !c.Who.IsAdmin()}
	if p.Has("password") {
		pw := p.Str("password")
		in.password = &pw
	}
	rec, err := m.createCustomer(c.R.Context(), p.Sub("customer"), in)
	if err != nil {
		return nil, err
	}
	return rec.wire(m.countries, &m.eav), nil
}

// saveCustomer is POST /V1/customers/ (CustomerRepository::save): an
// update when customer.id is set, else a create without a password.
func (m *Module) saveCustomer(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body,
		webapi.Param{Name: "customer", Required: true, Kind: webapi.KindObject, Sub: customerSpec},
		webapi.Param{Name: "passwordHash"},
	)
	if err != nil {
		return nil, err
	}
	cf := p.Sub("customer")
	if id, ok := cf.Num("id"); ok && id != 0 {
		rec, err := m.updateCustomer(c.R.Context(), id, cf, false, false)
		if err != nil {
			return nil, err
		}
		return rec.wire(m.countries, &m.eav), nil
	}
	rec, err := m.createCustomer(c.R.Context(), cf, createInput{store: c.Store, all: c.All, hash: p.Str("passwordHash")})
	if err != nil {
		return nil, err
	}
	return rec.wire(m.countries, &m.eav), nil
}

// getCustomer is GET /V1/customers/:customerId.
func (m *Module) getCustomer(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "customerId")
	if err != nil {
		return nil, err
	}
	rec, ok, err := loadCustomer(c.R.Context(), m.db.R, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("customerId", id)
	}
	return rec.wire(m.countries, &m.eav), nil
}

// getMe is GET /V1/customers/me.
func (m *Module) getMe(c *webapi.Call) (any, error) {
	rec, ok, err := loadCustomer(c.R.Context(), m.db.R, c.Who.UID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("customerId", c.Who.UID)
	}
	return rec.wire(m.countries, &m.eav), nil
}

// putCustomer is PUT /V1/customers/:id. The URL's id wins over the body's.
// Magento's REST plugin Magento\Customer\Model\Plugin\UpdateCustomer::
// beforeSave merges the body into the stored customer (getUpdatedCustomer):
// a field the body leaves out keeps its value, one it sets to null is
// cleared, and addresses, custom and extension attributes left out are
// kept. The plugin steps aside when the body's customer has an "Id" key
// (capital I: `isset($bodyParams['customer']['Id'])`).
func (m *Module) putCustomer(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	p, err := webapi.Params(c.Body,
		webapi.Param{Name: "customer", Required: true, Kind: webapi.KindObject, Sub: customerSpec},
		webapi.Param{Name: "passwordHash"},
	)
	if err != nil {
		return nil, err
	}
	rec, err := m.updateCustomer(c.R.Context(), id, p.Sub("customer"), false, !bodyCustomerHasID(c.Body))
	if err != nil {
		return nil, err
	}
	return rec.wire(m.countries, &m.eav), nil
}

// bodyCustomerHasID reports whether the body's customer object has a
// non-null "Id" key, as UpdateCustomer::beforeSave tests it.
func bodyCustomerHasID(body any) bool {
	o, ok := body.(*webapi.Object)
	if !ok {
		return false
	}
	for i, k := range o.Keys {
		if k != "customer" {
			continue
		}
		co, ok := o.Vals[i].(*webapi.Object)
		if !ok {
			return false
		}
		for j, ck := range co.Keys {
			if ck == "Id" && co.Vals[j] != nil {
				return true
			}
		}
		return false
	}
	return false
}

// putMe is PUT /V1/customers/me: the token's customer, whatever id the
// body names, and a group_id in the body is ignored. The route has no
// customerId parameter, so UpdateCustomer::beforeSave does not merge: the
// body replaces the customer.
func (m *Module) putMe(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body, webapi.Param{Name: "customer", Required: true, Kind: webapi.KindObject, Sub: customerSpec})
	if err != nil {
		return nil, err
	}
	rec, err := m.updateCustomer(c.R.Context(), c.Who.UID, p.Sub("customer"), true, false)
	if err != nil {
		return nil, err
	}
	return rec.wire(m.countries, &m.eav), nil
}

// mergeCustomer is UpdateCustomer::getUpdatedCustomer: the stored
// customer's fields with the body's set over them; a field the body set to
// null is cleared.
func mergeCustomer(prev customerRec, cf webapi.Fields) webapi.Fields {
	out := webapi.Fields{
		"website_id": prev.WebsiteID, "store_id": prev.StoreID, "group_id": prev.GroupID,
		"email": prev.Email, "firstname": prev.Firstname, "lastname": prev.Lastname,
		"disable_auto_group_change": prev.DisableAutoGroupChange,
	}
	for k, v := range map[string]string{"middlename": prev.Middlename, "prefix": prev.Prefix, "suffix": prev.Suffix,
		"dob": prev.Dob, "taxvat": prev.Taxvat} {
		if v != "" {
			out[k] = v
		}
	}
	if prev.Gender.Valid {
		out["gender"] = prev.Gender.Int64
	}
	if prev.DefaultBilling != 0 {
		out["default_billing"] = strconv.FormatInt(prev.DefaultBilling, 10)
	}
	if prev.DefaultShipping != 0 {
		out["default_shipping"] = strconv.FormatInt(prev.DefaultShipping, 10)
	}
	for k, v := range cf {
		if !webapi.IsNullsKey(k) {
			out[k] = v
		}
	}
	for _, k := range cf.Nulls() {
		delete(out, k)
	}
	return out
}

// mergeAddress is what Magento\Customer\Model\Address\AbstractAddress::
// updateData does to a stored address: every field the body's address
// carries (DataObjectProcessor::buildOutputDataArray skips null getters)
// is set over the stored ones, so a field left out, or null, keeps its
// value.
func mergeAddress(stored addressRec, af webapi.Fields) addressRec {
	a := addressFromFields(af)
	keep := func(name string, dst *string, old string) {
		if !af.Has(name) {
			*dst = old
		}
	}
	keep("firstname", &a.Firstname, stored.Firstname)
	keep("lastname", &a.Lastname, stored.Lastname)
	keep("middlename", &a.Middlename, stored.Middlename)
	keep("prefix", &a.Prefix, stored.Prefix)
	keep("suffix", &a.Suffix, stored.Suffix)
	keep("company", &a.Company, stored.Company)
	keep("fax", &a.Fax, stored.Fax)
	keep("vat_id", &a.VatID, stored.VatID)
	keep("city", &a.City, stored.City)
	keep("country_id", &a.CountryID, stored.CountryID)
	keep("postcode", &a.Postcode, stored.Postcode)
	keep("telephone", &a.Telephone, stored.Telephone)
	if !af.Has("street") {
		a.Street = stored.Street
	}
	if !af.Has("region_id") && !af.Has("region") {
		a.RegionID, a.Region = stored.RegionID, stored.Region
	}
	return a
}

// errAddressOfAnotherCustomer is Magento\Customer\Model\Address\Validator\
// Customer::validate: the address exists but belongs to another customer.
func errAddressOfAnotherCustomer(customerID int64) *webapi.Error {
	return webapi.InputError(`Provided customer ID "%customer_id" isn't related to current customer address.`,
		map[string]any{"customer_id": customerID})
}

// updateCustomer runs CustomerRepository::save on an existing customer:
// the body replaces the customer's fields, except that created_at, the
// password, and (when absent) group_id, store_id and website_id are kept.
// The addresses key absent or null keeps the addresses and the default
// addresses; a list replaces them (ids update, no id creates, the rest are
// deleted) and the defaults come from the body: the customer's
// default_billing and default_shipping, then the addresses' flags.
//
// With merge set, the body is first merged into the stored customer
// (UpdateCustomer::getUpdatedCustomer). An address with an id is always
// merged into the stored one (AddressRepository::save), and must be one of
// this customer's (Address\Validator\Customer). The customer is read and
// written in one transaction, so two updates never interleave.
func (m *Module) updateCustomer(ctx context.Context, id int64, cf webapi.Fields, self, merge bool) (customerRec, error) {
	var out customerRec
	err := m.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = m.updateCustomerTx(ctx, tx, id, cf, self, merge)
		return err
	})
	return out, err
}

func (m *Module) updateCustomerTx(ctx context.Context, tx *sql.Tx, id int64, cf webapi.Fields, self, merge bool) (customerRec, error) {
	prev, ok, err := loadCustomer(ctx, tx, id)
	if err != nil {
		return customerRec{}, err
	}
	if !ok {
		return customerRec{}, webapi.NotFound("customerId", id)
	}
	bodyBilling := cf.Has("default_billing") && cf.Str("default_billing") != ""
	bodyShipping := cf.Has("default_shipping") && cf.Str("default_shipping") != ""
	sentCustom := cf.Has("custom_attributes") || slices.Contains(cf.Nulls(), "custom_attributes")
	if merge {
		cf = mergeCustomer(prev, cf)
	}
	rec := customerFromFields(cf)
	rec.ID = id
	// User-defined attributes: the save writes the values the customer
	// object has and leaves the others alone (CustomerRepository::save
	// hands the object's data to the model, the stored values as its
	// original data only, and Magento\Eav\Model\Entity\AbstractEntity::
	// _collectSaveData skips attributes the data lacks); an empty or null
	// value deletes one. The EAV validator checks the object's values, one
	// it lacks counting as empty. The object is the body's, except that
	// UpdateCustomer::getUpdatedCustomer (merge) starts from the stored
	// customer, whose values stand unless the body sends custom_attributes.
	body, err := m.eav.values(entityCustomer, cf)
	if err != nil {
		return rec, err
	}
	rec.custom = mergeValues(prev.custom, body)
	checked := body
	if merge && !sentCustom {
		checked = prev.custom
	}
	rec.subscribed = prev.subscribed
	if sub, set := subscription(cf); set {
		rec.subscribe = &sub
	}
	rec.CreatedAt, rec.CreatedIn, rec.Confirmation = prev.CreatedAt, prev.CreatedIn, prev.Confirmation
	if self || !cf.Has("group_id") {
		rec.GroupID = prev.GroupID
	}
	if !cf.Has("store_id") {
		rec.StoreID = prev.StoreID
	}
	if !cf.Has("website_id") {
		rec.WebsiteID = prev.WebsiteID
	}
	if rec.Email == "" {
		return rec, errEmailMissing
	}
	if !m.stores.HasWebsite(int(rec.WebsiteID)) {
		return rec, websiteNotFound(rec.WebsiteID)
	}
	if _, ok := m.stores.Store(int(rec.StoreID)); !ok {
		return rec, errStoreNotFound
	}
	if err := validateCustomer(&rec, m.now(), m.eav.validate(entityCustomer, checked)); err != nil {
		return rec, err
	}
	if _, ok, err := customerGroupIn(ctx, tx, int(rec.GroupID)); err != nil {
		return rec, err
	} else if !ok {
		return rec, errGroupNotExists
	}
	existing := map[int64]bool{}
	stored := map[int64]addressRec{}
	for _, a := range prev.Addresses {
		existing[a.ID] = true
		stored[a.ID] = a
	}
	// Customer-level defaults must name one of the existing addresses. They
	// count only when the body carries addresses: without them Magento
	// restores the previous defaults.
	afs, replace := cf["addresses"].([]webapi.Fields)
	rec.DefaultBilling, rec.DefaultShipping = prev.DefaultBilling, prev.DefaultShipping
	if replace {
		rec.DefaultBilling, rec.DefaultShipping = 0, 0
	}
	for _, d := range []struct {
		key string
		dst *int64
		err *webapi.Error
	}{{"default_billing", &rec.DefaultBilling, errDefaultBilling}, {"default_shipping", &rec.DefaultShipping, errDefaultShipping}} {
		if !cf.Has(d.key) || cf.Str(d.key) == "" {
			continue
		}
		n, err := strconv.ParseInt(cf.Str(d.key), 10, 64)
		if err != nil || !existing[n] {
			return rec, d.err
		}
		if replace {
			*d.dst = n
		}
	}
	if replace {
		for _, af := range afs {
			a := addressFromFields(af)
			var owner *webapi.Error
			if a.ID != 0 {
				if old, ok := stored[a.ID]; ok {
					a = mergeAddress(old, af)
				} else {
					var parent int64
					err := tx.QueryRowContext(ctx, `SELECT parent_id FROM customer_address_entity WHERE entity_id = ?`, a.ID).Scan(&parent)
					if errors.Is(err, sql.ErrNoRows) {
						return rec, webapi.NotFound("addressId", a.ID)
					}
					if err != nil {
						return rec, err
					}
					owner = errAddressOfAnotherCustomer(id)
				}
			}
			// AddressRepository::save loads a stored address and lays the
			// body over it (Address::updateData): the user-defined values
			// the body leaves out stay, and are validated with the rest.
			vals, err := m.eav.values(entityAddress, af)
			if err != nil {
				return rec, err
			}
			a.custom = mergeValues(stored[a.ID].custom, vals)
			if err := m.validateAddressFor(&a, false, owner); err != nil {
				return rec, err
			}
			rec.Addresses = append(rec.Addresses, a)
		}
	}
	now := db.FormatTime(m.now())
	rec.UpdatedAt = now
	err = func() error {
		if err := m.checkSharedEmail(ctx, tx, rec.Email, id); err != nil {
			return err
		}
		if err := saveValues(ctx, tx, "customer_entity_value", id, rec.custom); err != nil {
			return err
		}
		if rec.subscribe != nil {
			if err := saveSubscription(ctx, tx, id, *rec.subscribe); err != nil {
				return err
			}
		}
		if replace {
			keep := map[int64]bool{}
			for i := range rec.Addresses {
				a := &rec.Addresses[i]
				a.CustomerID = id
				a.UpdatedAt = now
				if a.ID == 0 {
					a.CreatedAt = now
					if err := m.insertAddress(ctx, tx, a); err != nil {
						return err
					}
				} else {
					_, err := tx.ExecContext(ctx, updateAddressSQL, now, db.NullString(a.City), db.NullString(a.Company),
						db.NullString(a.CountryID), db.NullString(a.Fax), db.NullString(a.Firstname), db.NullString(a.Lastname),
						db.NullString(a.Middlename), db.NullString(a.Postcode), db.NullString(a.Prefix), db.NullString(a.Region),
						db.NullInt(a.RegionID), db.NullString(strings.Join(a.Street, "\n")), db.NullString(a.Suffix),
						db.NullString(a.Telephone), db.NullString(a.VatID), a.ID)
					if err != nil {
						return err
					}
					if err := saveValues(ctx, tx, "customer_address_entity_value", a.ID, a.custom); err != nil {
						return err
					}
				}
				keep[a.ID] = true
				// An address flagged false that is the default kept from
				// the stored customer stops being it (Customer\Model\
				// ResourceModel\Address\Relation::getDefaultBillingChangedAddress);
				// a default the body names itself stands.
				switch {
				case a.defaultBilling:
					rec.DefaultBilling = a.ID
				case a.notDefaultBilling && !bodyBilling && rec.DefaultBilling == a.ID:
					rec.DefaultBilling = 0
				}
				switch {
				case a.defaultShipping:
					rec.DefaultShipping = a.ID
				case a.notDefaultShipping && !bodyShipping && rec.DefaultShipping == a.ID:
					rec.DefaultShipping = 0
				}
			}
			for _, a := range prev.Addresses {
				if keep[a.ID] {
					continue
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM customer_address_entity WHERE entity_id = ?`, a.ID); err != nil {
					return err
				}
			}
			if !keep[rec.DefaultBilling] {
				rec.DefaultBilling = 0
			}
			if !keep[rec.DefaultShipping] {
				rec.DefaultShipping = 0
			}
		}
		var gender any
		if rec.Gender.Valid {
			gender = rec.Gender.Int64
		}
		_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET website_id = ?, email = ?, group_id = ?, store_id = ?,
			updated_at = ?, disable_auto_group_change = ?, prefix = ?, firstname = ?, middlename = ?, lastname = ?,
			suffix = ?, dob = ?, taxvat = ?, gender = ?, default_billing = ?, default_shipping = ? WHERE entity_id = ?`,
			rec.WebsiteID, rec.Email, rec.GroupID, rec.StoreID, now, rec.DisableAutoGroupChange, db.NullString(rec.Prefix),
			db.NullString(rec.Firstname), db.NullString(rec.Middlename), db.NullString(rec.Lastname), db.NullString(rec.Suffix),
			db.NullString(rec.Dob), db.NullString(rec.Taxvat), gender, db.NullInt(rec.DefaultBilling), db.NullInt(rec.DefaultShipping), id)
		return err
	}()
	if db.IsUniqueViolation(err) {
		return rec, errAlreadyExists
	}
	if err != nil {
		return rec, err
	}
	out, ok, err := loadCustomer(ctx, tx, id)
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, webapi.NotFound("customerId", id)
	}
	return out, nil
}

// deleteCustomer is DELETE /V1/customers/:customerId; the addresses go
// with the customer.
func (m *Module) deleteCustomer(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "customerId")
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	var n int64
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_address_entity WHERE parent_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM customer_entity WHERE entity_id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, webapi.NotFound("customerId", id)
	}
	return true, nil
}

// isEmailAvailable is POST /V1/customers/isEmailAvailable
// (AccountManagement::isEmailAvailable). Unless guest checkout login is on
// (ConfigGuestCheckoutLogin), every email is available: since Magento 2.4.7
// the route no longer tells who has an account. With it on, the email is
// looked up in the given website (the URL store's when websiteId is null),
// in every website for website 0 (CustomerRegistry::retrieveByEmail) or
// when accounts are shared globally (ResourceModel\Customer::loadByEmail
// filters by website only in website scope).
func (m *Module) isEmailAvailable(c *webapi.Call) (any, error) {
	p, err := webapi.Params(c.Body, webapi.Param{Name: "customerEmail", Required: true}, webapi.Param{Name: "websiteId", Kind: webapi.KindInt})
	if err != nil {
		return nil, err
	}
	if !m.guestCheckoutLogin() {
		return true, nil
	}
	website := int64(c.Store.WebsiteID)
	if w, ok := p.Num("websiteId"); ok {
		website = w
	}
	q := `SELECT count(*) FROM customer_entity WHERE email = ? AND website_id = ?`
	args := []any{strings.TrimSpace(p.Str("customerEmail")), website}
	if website == 0 || m.lookupWebsite(int(website)) == 0 {
		q, args = `SELECT count(*) FROM customer_entity WHERE email = ?`, args[:1]
	}
	var n int
	if err := m.db.R.QueryRowContext(c.R.Context(), q, args...).Scan(&n); err != nil {
		return nil, err
	}
	return n == 0, nil
}
