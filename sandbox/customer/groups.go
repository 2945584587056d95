package customer

import (
	"database/sql"
	"net/http"
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// groupData returns a group as Magento answers it, with its tax class's
// name.
func (m *Module) groupData(g groupRow) magento.GroupData {
	return magento.GroupData{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID, TaxClassName: m.taxClasses[g.TaxClassID]}
}

// getGroup is GET /V1/customerGroups/:id.
func (m *Module) getGroup(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	g, ok, err := m.customerGroup(c.R.Context(), int(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, webapi.NotFound("id", id)
	}
	return m.groupData(g), nil
}

// searchGroups is GET /V1/customerGroups/search.
func (m *Module) searchGroups(c *webapi.Call) (any, error) {
	cr, err := webapi.ParseCriteria(c.R)
	if err != nil {
		return nil, err
	}
	where, args, err := cr.Where(groupSearchColumns)
	if err != nil {
		return nil, err
	}
	order := cr.OrderBy(groupSearchColumns, "customer_group_id")
	ctx := c.R.Context()
	var total int
	if err := m.db.R.QueryRowContext(ctx, "SELECT count(*) FROM customer_group"+where, args...).Scan(&total); err != nil {
		return nil, err
	}
	limit, offset := cr.Page(total)
	rows, err := m.db.R.QueryContext(ctx, "SELECT customer_group_id, customer_group_code, tax_class_id FROM customer_group"+
		where+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	out := magento.GroupSearchResults{Items: []magento.GroupData{}, SearchCriteria: cr.Echo, TotalCount: total}
	for rows.Next() {
		var g groupRow
		if err := rows.Scan(&g.ID, &g.Code, &g.TaxClassID); err != nil {
			rows.Close()
			return nil, err
		}
		out.Items = append(out.Items, m.groupData(g))
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	return out, nil
}

// defaultGroup is GET /V1/customerGroups/default[/:storeId]: the group new
// accounts join (customer/create_account/default_group), the same for every
// store view of the sandbox.
func (m *Module) defaultGroup(c *webapi.Call) (any, error) {
	if _, ok := c.Params["storeId"]; ok {
		id, err := webapi.PathID(c, "storeId")
		if err != nil {
			return nil, err
		}
		// GroupManagement::getDefaultGroup catches the store lookup's
		// NoSuchEntityException and throws its own for the storeId.
		if _, ok := m.stores.Store(int(id)); !ok {
			return nil, webapi.NotFound("storeId", id)
		}
	}
	g, _, err := m.customerGroup(c.R.Context(), defaultGroupID)
	if err != nil {
		return nil, err
	}
	return m.groupData(g), nil
}

// groupSpec is customer-data-group-interface in a request.
var groupSpec = webapi.NewSpec(`\Magento\Customer\Api\Data\GroupInterface`,
	webapi.Field{Name: "id", Kind: webapi.KindInt},
	webapi.Field{Name: "code"},
	webapi.Field{Name: "tax_class_id", Kind: webapi.KindInt},
	webapi.Field{Name: "tax_class_name"},
	webapi.Field{Name: "extension_attributes", Kind: webapi.KindObject, Sub: webapi.NewSpec(`\Magento\Customer\Api\Data\GroupExtensionInterface`,
		webapi.Field{Name: "exclude_website_ids", Kind: webapi.KindStrings})},
)

// createGroup is POST /V1/customerGroups (GroupRepository::save): a body
// with an id updates that group.
func (m *Module) createGroup(c *webapi.Call) (any, error) {
	return m.saveGroup(c, 0, false)
}

// updateGroup is PUT /V1/customerGroups/:id (GroupRepository::save); the
// path's id wins over the body's.
func (m *Module) updateGroup(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	return m.saveGroup(c, id, true)
}

// Messages of GroupRepository.
const (
	msgGroupExists  = "Customer Group already exists."
	msgCannotDelete = "Cannot delete group."
	fieldTaxClassID = "taxClassId" // the field _verifyTaxClassModel names
)

// saveGroup runs Magento\Customer\Model\ResourceModel\GroupRepository::save:
// the code is required (_validate); a new group without a tax class gets
// DEFAULT_TAX_CLASS_ID (3); the tax class must be a customer tax class
// (_verifyTaxClassModel); an id names an existing group, updated in place;
// the code is cut to 32 characters (Group::_prepareData) and must be
// unique, whatever its case (the unique key under MySQL's collation).
func (m *Module) saveGroup(c *webapi.Call, pathID int64, fromPath bool) (any, error) {
	p, err := webapi.Params(c.Body, webapi.Param{Name: "group", Required: true, Kind: webapi.KindObject, Sub: groupSpec})
	if err != nil {
		return nil, err
	}
	gf := p.Sub("group")
	id, hasID := gf.Num("id")
	if fromPath {
		id, hasID = pathID, true
	}
	code := gf.Str("code")
	if strings.TrimSpace(code) == "" {
		return nil, webapi.RequiredError("code")
	}
	if r := []rune(code); len(r) > groupCodeMaxLength {
		code = string(r[:groupCodeMaxLength])
	}
	tax, hasTax := gf.Num("tax_class_id")
	taxValue := any(tax)
	if !hasTax {
		taxValue = ""
	}
	ctx := c.R.Context()
	if !hasID {
		if tax == 0 {
			tax = retailTaxClassID
		}
		if _, ok := m.taxClasses[int(tax)]; !ok {
			return nil, webapi.InputError(webapi.MsgInvalidValue, map[string]any{"fieldName": fieldTaxClassID, "value": taxValue})
		}
	} else {
		if _, ok := m.taxClasses[int(tax)]; !ok {
			return nil, webapi.InputError(webapi.MsgInvalidValue, map[string]any{"fieldName": fieldTaxClassID, "value": taxValue})
		}
		if _, ok, err := m.customerGroup(ctx, int(id)); err != nil {
			return nil, err
		} else if !ok {
			return nil, webapi.NotFound("id", id)
		}
	}
	var saved groupRow
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customer_group WHERE customer_group_code = ? COLLATE NOCASE
			AND customer_group_id != ?`, code, id).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			return webapi.NewError(http.StatusBadRequest, msgGroupExists, nil)
		}
		if hasID {
			_, err = tx.ExecContext(ctx, `UPDATE customer_group SET customer_group_code = ?, tax_class_id = ? WHERE customer_group_id = ?`,
				code, tax, id)
			saved = groupRow{ID: int(id), Code: code, TaxClassID: int(tax)}
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO customer_group (customer_group_code, tax_class_id) VALUES (?, ?)`, code, tax)
		if err != nil {
			return err
		}
		newID, err := res.LastInsertId()
		saved = groupRow{ID: int(newID), Code: code, TaxClassID: int(tax)}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m.groupData(saved), nil
}

// deleteGroup is DELETE /V1/customerGroups/:id
// (GroupRepository::deleteById): NOT LOGGED IN (0) and the default group
// stay; the customers of a deleted group move to the default group
// (Magento\Customer\Model\ResourceModel\Group::_afterDelete).
func (m *Module) deleteGroup(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	if _, ok, err := m.customerGroup(ctx, int(id)); err != nil {
		return nil, err
	} else if !ok {
		return nil, webapi.NotFound("id", id)
	}
	if id <= 0 || id == defaultGroupID {
		return nil, webapi.NewError(http.StatusBadRequest, msgCannotDelete, nil)
	}
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE customer_entity SET group_id = ? WHERE group_id = ?`, defaultGroupID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM customer_group WHERE customer_group_id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return true, nil
}
