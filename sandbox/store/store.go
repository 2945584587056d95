// Package store follows Magento_Store: websites, store groups and store
// views (the tables store_website, store_group and store), Magento's stock
// ones and the extra websites the sandbox is configured with, and the
// routes /V1/store/websites, /V1/store/storeViews and
// /V1/store/storeConfigs. The structure is seeded once and read back; the
// API does not change it.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Schema is the module's tables.
const Schema = `
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
`

// aclStore is the ACL resource of the store endpoints (2.4.8).
const aclStore = "Magento_Backend::store"

// Website is an extra website with its one store view. Name defaults to the
// code with "Website" appended, StoreCode to Code, StoreName to the store
// code with "Store View" appended.
type Website struct {
	Code, Name, StoreCode, StoreName string
}

// Normalize fills the defaults of the extra websites and checks that their
// codes are usable and distinct.
func Normalize(in []Website) ([]Website, error) {
	seenSite := map[string]bool{"admin": true, "base": true}
	seenStore := map[string]bool{"admin": true, "default": true, "all": true}
	out := make([]Website, 0, len(in))
	for _, w := range in {
		if w.StoreCode == "" {
			w.StoreCode = w.Code
		}
		if w.Name == "" {
			w.Name = titleCase(w.Code) + " Website"
		}
		if w.StoreName == "" {
			w.StoreName = titleCase(w.StoreCode) + " Store View"
		}
		if !validCode(w.Code) {
			return nil, fmt.Errorf("extra website %q: code must be lower-case letters, digits and _ and start with a letter", w.Code)
		}
		if !validCode(w.StoreCode) {
			return nil, fmt.Errorf("extra website %q: store code %q must be lower-case letters, digits and _ and start with a letter", w.Code, w.StoreCode)
		}
		if seenSite[w.Code] {
			return nil, fmt.Errorf("extra website %q: website code is taken", w.Code)
		}
		if seenStore[w.StoreCode] {
			return nil, fmt.Errorf("extra website %q: store code %q is taken", w.Code, w.StoreCode)
		}
		seenSite[w.Code], seenStore[w.StoreCode] = true, true
		out = append(out, w)
	}
	return out, nil
}

// validCode reports whether code is a valid Magento website or store code.
func validCode(code string) bool {
	if code == "" || code[0] < 'a' || code[0] > 'z' {
		return false
	}
	for _, c := range code {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func titleCase(code string) string {
	words := strings.FieldsFunc(code, func(r rune) bool { return r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// websiteRow and storeGroupRow are rows of store_website and store_group;
// store views are webapi.Store.
type websiteRow struct {
	ID             int
	Code, Name     string
	DefaultGroupID int
}

type storeGroupRow struct {
	ID, WebsiteID, RootCategoryID, DefaultStoreID int
	Name, Code                                    string
}

// Manager is the store structure (Magento\Store\Model\StoreManager):
// websites, store groups and store views, read once after seeding.
type Manager struct {
	websites []websiteRow
	groups   []storeGroupRow
	stores   []webapi.Store
}

// Open seeds Magento's stock websites, store groups and store views and
// the extra websites (each once: a database reopened keeps what it has),
// then reads the structure back.
func Open(ctx context.Context, d *db.DB, extra []Website) (*Manager, error) {
	err := d.Write(ctx, func(tx *sql.Tx) error {
		stock := []string{
			`INSERT OR IGNORE INTO store_website VALUES (0, 'admin', 'Admin', 0), (1, 'base', 'Main Website', 1)`,
			`INSERT OR IGNORE INTO store_group VALUES (0, 0, 'Default', 0, 0, 'default'), (1, 1, 'Main Website Store', 2, 1, 'main_website_store')`,
			`INSERT OR IGNORE INTO store VALUES (0, 'admin', 0, 0, 'Admin', 1), (1, 'default', 1, 1, 'Default Store View', 1)`,
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
	m := &Manager{}
	if err := m.load(ctx, d); err != nil {
		return nil, err
	}
	return m, nil
}

func (c *Manager) load(ctx context.Context, s *db.DB) error {
	rows, err := s.R.QueryContext(ctx, `SELECT website_id, code, name, default_group_id FROM store_website ORDER BY website_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var w websiteRow
		if err := rows.Scan(&w.ID, &w.Code, &w.Name, &w.DefaultGroupID); err != nil {
			rows.Close()
			return err
		}
		c.websites = append(c.websites, w)
	}
	if err := db.CloseRows(rows); err != nil {
		return err
	}
	rows, err = s.R.QueryContext(ctx, `SELECT group_id, website_id, root_category_id, default_store_id, name, code FROM store_group ORDER BY group_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var g storeGroupRow
		if err := rows.Scan(&g.ID, &g.WebsiteID, &g.RootCategoryID, &g.DefaultStoreID, &g.Name, &g.Code); err != nil {
			rows.Close()
			return err
		}
		c.groups = append(c.groups, g)
	}
	if err := db.CloseRows(rows); err != nil {
		return err
	}
	rows, err = s.R.QueryContext(ctx, `SELECT store_id, website_id, group_id, code, name, is_active FROM store ORDER BY store_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var st webapi.Store
		if err := rows.Scan(&st.ID, &st.WebsiteID, &st.GroupID, &st.Code, &st.Name, &st.IsActive); err != nil {
			rows.Close()
			return err
		}
		c.stores = append(c.stores, st)
	}
	if err := db.CloseRows(rows); err != nil {
		return err
	}
	return nil
}

func (c *Manager) website(id int) (websiteRow, bool) {
	for _, w := range c.websites {
		if w.ID == id {
			return w, true
		}
	}
	return websiteRow{}, false
}

// HasWebsite reports whether the website exists.
func (c *Manager) HasWebsite(id int) bool {
	_, ok := c.website(id)
	return ok
}

// Store returns the store view with the id.
func (c *Manager) Store(id int) (webapi.Store, bool) {
	for _, s := range c.stores {
		if s.ID == id {
			return s, true
		}
	}
	return webapi.Store{}, false
}

// StoreByCode returns the store view with the code.
func (c *Manager) StoreByCode(code string) (webapi.Store, bool) {
	for _, s := range c.stores {
		if s.Code == code {
			return s, true
		}
	}
	return webapi.Store{}, false
}

// DefaultStore returns the default store view of a website.
func (c *Manager) DefaultStore(websiteID int) (webapi.Store, bool) {
	w, ok := c.website(websiteID)
	if !ok {
		return webapi.Store{}, false
	}
	for _, g := range c.groups {
		if g.ID == w.DefaultGroupID {
			return c.Store(g.DefaultStoreID)
		}
	}
	return webapi.Store{}, false
}

// Websites lists the websites by id, admin (0) included.
func (c *Manager) Websites() []webapi.Website {
	out := make([]webapi.Website, 0, len(c.websites))
	for _, w := range c.websites {
		out = append(out, webapi.Website{ID: w.ID, Code: w.Code, Name: w.Name})
	}
	return out
}

// Stores lists the store views by id, admin (0) included.
func (c *Manager) Stores() []webapi.Store {
	return append([]webapi.Store(nil), c.stores...)
}

// Routes returns the module's routes.
func (c *Manager) Routes() []webapi.Route {
	return []webapi.Route{
		{Method: "GET", Pattern: "/V1/store/websites", ACL: aclStore, Handle: c.websitesRoute},
		{Method: "GET", Pattern: "/V1/store/storeViews", ACL: aclStore, Handle: c.storeViews},
		{Method: "GET", Pattern: "/V1/store/storeConfigs", ACL: aclStore, Handle: c.storeConfigs},
	}
}
