package customer

import (
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

func groupData(g groupRow) magento.GroupData {
	name := ""
	if g.TaxClassID == retailTaxClassID {
		name = retailTaxClassName
	}
	return magento.GroupData{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID, TaxClassName: name}
}

// getGroup is GET /V1/customerGroups/:id.
func (m *Module) getGroup(c *webapi.Call) (any, error) {
	id, err := webapi.PathID(c, "id")
	if err != nil {
		return nil, err
	}
	g, ok := m.customerGroup(int(id))
	if !ok {
		return nil, webapi.NotFound("id", id)
	}
	return groupData(g), nil
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
		out.Items = append(out.Items, groupData(g))
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
	g, _ := m.customerGroup(defaultGroupID)
	return groupData(g), nil
}
