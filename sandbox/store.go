package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/mageseed/mageseed/sandbox/internal/db"
)

// schema mirrors the Magento tables the customer API touches, reduced to the
// columns the sandbox serves. Emails compare case-insensitively (NOCASE),
// like MySQL's default collation, so UNIQUE(email, website_id) refuses
// "Jane@x" next to "jane@x".
const schema = `
CREATE TABLE IF NOT EXISTS sandbox_meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS store_website (
	website_id       INTEGER PRIMARY KEY,
	code             TEXT NOT NULL UNIQUE,
	name             TEXT NOT NULL,
	default_group_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_group (
	group_id         INTEGER PRIMARY KEY,
	website_id       INTEGER NOT NULL,
	name             TEXT NOT NULL,
	root_category_id INTEGER NOT NULL,
	default_store_id INTEGER NOT NULL,
	code             TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS store (
	store_id   INTEGER PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	website_id INTEGER NOT NULL,
	group_id   INTEGER NOT NULL,
	name       TEXT NOT NULL,
	is_active  INTEGER NOT NULL DEFAULT 1
);
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
CREATE TABLE IF NOT EXISTS oauth_token_request_log (
	user_name       TEXT NOT NULL,
	user_type       INTEGER NOT NULL,
	failures_count  INTEGER NOT NULL,
	lock_expires_at TEXT NOT NULL,
	PRIMARY KEY (user_name, user_type)
);
CREATE TABLE IF NOT EXISTS jwt_auth_revoked (
	user_type_id  INTEGER NOT NULL,
	user_id       INTEGER NOT NULL,
	revoke_before INTEGER NOT NULL,
	PRIMARY KEY (user_type_id, user_id)
);
CREATE TABLE IF NOT EXISTS magento_bulk (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid            TEXT NOT NULL UNIQUE,
	user_id         INTEGER,
	user_type       INTEGER,
	description     TEXT,
	operation_count INTEGER NOT NULL,
	start_time      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS magento_operation (
	id                     INTEGER PRIMARY KEY AUTOINCREMENT,
	operation_key          INTEGER NOT NULL,
	bulk_uuid              TEXT NOT NULL,
	topic_name             TEXT NOT NULL,
	serialized_data        TEXT,
	result_serialized_data TEXT,
	status                 INTEGER NOT NULL,
	error_code             INTEGER,
	result_message         TEXT,
	store_id               INTEGER NOT NULL,
	allow_group            INTEGER NOT NULL DEFAULT 0,
	payload                TEXT,
	UNIQUE (bulk_uuid, operation_key)
);
CREATE INDEX IF NOT EXISTS magento_operation_status ON magento_operation (status);
`

// websiteRow, storeGroupRow, storeRow and groupRow are the store structure.
type websiteRow struct {
	ID             int
	Code, Name     string
	DefaultGroupID int
}

type storeGroupRow struct {
	ID, WebsiteID, RootCategoryID, DefaultStoreID int
	Name, Code                                    string
}

type storeRow struct {
	ID, WebsiteID, GroupID int
	Code, Name             string
	IsActive               int
}

type groupRow struct {
	ID         int
	Code       string
	TaxClassID int
}

// catalog is the store structure (websites, store groups, store views,
// customer groups), read once after seeding; the API does not change it.
type catalog struct {
	websites []websiteRow
	groups   []storeGroupRow
	stores   []storeRow
	cgroups  []groupRow
}

func (c *catalog) website(id int) (websiteRow, bool) {
	for _, w := range c.websites {
		if w.ID == id {
			return w, true
		}
	}
	return websiteRow{}, false
}

func (c *catalog) store(id int) (storeRow, bool) {
	for _, s := range c.stores {
		if s.ID == id {
			return s, true
		}
	}
	return storeRow{}, false
}

func (c *catalog) storeByCode(code string) (storeRow, bool) {
	for _, s := range c.stores {
		if s.Code == code {
			return s, true
		}
	}
	return storeRow{}, false
}

// defaultStore returns the default store view of a website.
func (c *catalog) defaultStore(websiteID int) (storeRow, bool) {
	w, ok := c.website(websiteID)
	if !ok {
		return storeRow{}, false
	}
	for _, g := range c.groups {
		if g.ID == w.DefaultGroupID {
			return c.store(g.DefaultStoreID)
		}
	}
	return storeRow{}, false
}

func (c *catalog) customerGroup(id int) (groupRow, bool) {
	for _, g := range c.cgroups {
		if g.ID == id {
			return g, true
		}
	}
	return groupRow{}, false
}

// Stock tax class of the stock customer groups.
const (
	retailTaxClassID   = 3
	retailTaxClassName = "Retail Customer"
	defaultGroupID     = 1 // customer/create_account/default_group
	defaultStoreID     = 1
)

// seed inserts Magento's stock store structure and customer groups and the
// extra websites (each once: a database reopened keeps what it has), then
// reads the structure back.
func seed(ctx context.Context, s *db.DB, extra []Website) (*catalog, error) {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		stock := []string{
			`INSERT OR IGNORE INTO store_website VALUES (0, 'admin', 'Admin', 0), (1, 'base', 'Main Website', 1)`,
			`INSERT OR IGNORE INTO store_group VALUES (0, 0, 'Default', 0, 0, 'default'), (1, 1, 'Main Website Store', 2, 1, 'main_website_store')`,
			`INSERT OR IGNORE INTO store VALUES (0, 'admin', 0, 0, 'Admin', 1), (1, 'default', 1, 1, 'Default Store View', 1)`,
			`INSERT OR IGNORE INTO customer_group VALUES (0, 'NOT LOGGED IN', 3), (1, 'General', 3), (2, 'Wholesale', 3), (3, 'Retailer', 3)`,
		}
		for _, q := range stock {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, w := range extra {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store_website WHERE code = ?`, w.Code).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			var storeTaken int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store WHERE code = ?`, w.StoreCode).Scan(&storeTaken); err != nil {
				return err
			}
			if storeTaken > 0 {
				return fmt.Errorf("extra website %q: store code %q is taken by another website", w.Code, w.StoreCode)
			}
			var wid, gid, sid int64
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(website_id), 0) + 1 FROM store_website`).Scan(&wid); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(group_id), 0) + 1 FROM store_group`).Scan(&gid); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(store_id), 0) + 1 FROM store`).Scan(&sid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_website VALUES (?, ?, ?, ?)`, wid, w.Code, w.Name, gid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_group VALUES (?, ?, ?, 2, ?, ?)`, gid, wid, w.Name+" Store", sid, w.Code+"_store"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO store VALUES (?, ?, ?, ?, ?, 1)`, sid, w.StoreCode, wid, gid, w.StoreName); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loadCatalog(ctx, s)
}

func loadCatalog(ctx context.Context, s *db.DB) (*catalog, error) {
	c := &catalog{}
	rows, err := s.R.QueryContext(ctx, `SELECT website_id, code, name, default_group_id FROM store_website ORDER BY website_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var w websiteRow
		if err := rows.Scan(&w.ID, &w.Code, &w.Name, &w.DefaultGroupID); err != nil {
			rows.Close()
			return nil, err
		}
		c.websites = append(c.websites, w)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	rows, err = s.R.QueryContext(ctx, `SELECT group_id, website_id, root_category_id, default_store_id, name, code FROM store_group ORDER BY group_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var g storeGroupRow
		if err := rows.Scan(&g.ID, &g.WebsiteID, &g.RootCategoryID, &g.DefaultStoreID, &g.Name, &g.Code); err != nil {
			rows.Close()
			return nil, err
		}
		c.groups = append(c.groups, g)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	rows, err = s.R.QueryContext(ctx, `SELECT store_id, website_id, group_id, code, name, is_active FROM store ORDER BY store_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var st storeRow
		if err := rows.Scan(&st.ID, &st.WebsiteID, &st.GroupID, &st.Code, &st.Name, &st.IsActive); err != nil {
			rows.Close()
			return nil, err
		}
		c.stores = append(c.stores, st)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	rows, err = s.R.QueryContext(ctx, `SELECT customer_group_id, customer_group_code, tax_class_id FROM customer_group ORDER BY customer_group_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var g groupRow
		if err := rows.Scan(&g.ID, &g.Code, &g.TaxClassID); err != nil {
			rows.Close()
			return nil, err
		}
		c.cgroups = append(c.cgroups, g)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	return c, nil
}
