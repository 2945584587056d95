package customer

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// attributes returns every attribute of the entity, stock then
// user-defined, in the order Magento's attribute collection gives them
// (sort order, then code). The options of website_id, store_id and
// group_id are the store's websites, store views and logged-in groups as
// they are now.
func (m *Module) attributes(ctx context.Context, entity string) ([]*attribute, error) {
	var as []*attribute
	if entity == entityCustomer {
		websites, stores, groups, err := m.structureOptions(ctx)
		if err != nil {
			return nil, err
		}
		as = stockCustomerAttributes(websites, stores, groups)
	} else {
		as = stockAddressAttributes(m.streetLines())
	}
	as = append(as, m.eav.custom[entity]...)
	sortAttributes(as)
	return as, nil
}

// structureOptions returns the options of website_id (the websites but
// admin, Customer\Model\Customer\Attribute\Source\Website), store_id (the
// store views but admin) and group_id (the groups but NOT LOGGED IN,
// Customer\Model\Customer\Attribute\Source\Group).
func (m *Module) structureOptions(ctx context.Context) (websites, stores, groups []option, err error) {
	for _, w := range m.stores.Websites() {
		if w.ID != 0 {
			websites = append(websites, option{w.Name, strconv.Itoa(w.ID)})
		}
	}
	for _, st := range m.stores.Stores() {
		if st.ID != 0 {
			stores = append(stores, option{st.Name, strconv.Itoa(st.ID)})
		}
	}
	rows, err := m.db.R.QueryContext(ctx, `SELECT customer_group_id, customer_group_code FROM customer_group
		WHERE customer_group_id != 0 ORDER BY customer_group_id`)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var id int
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		groups = append(groups, option{code, strconv.Itoa(id)})
	}
	return websites, stores, groups, db.CloseRows(rows)
}

func metadataList(as []*attribute) []magento.AttributeMetadataData {
	out := make([]magento.AttributeMetadataData, 0, len(as))
	for _, a := range as {
		out = append(out, a.metadata())
	}
	return out
}

// metadataRoutes returns the four metadata routes of an entity, under
// prefix (/V1/attributeMetadata/customer or .../customerAddress), after
// Magento\Customer\Model\Metadata\CustomerMetadata and AddressMetadata.
func (m *Module) metadataRoutes(prefix, entity string) []webapi.Route {
	// getAllAttributesMetadata
	all := func(c *webapi.Call) (any, error) {
		as, err := m.attributes(c.R.Context(), entity)
		if err != nil {
			return nil, err
		}
		return metadataList(as), nil
	}
	// getCustomAttributesMetadata: the attributes that are not a getter
	// of the data interface and not system, which on the sandbox are the
	// user-defined ones.
	custom := func(c *webapi.Call) (any, error) {
		return metadataList(m.eav.custom[entity]), nil
	}
	// getAttributes: the attributes of a form; none is
	// NoSuchEntityException::singleField('formCode', $formCode).
	form := func(c *webapi.Call) (any, error) {
		code := c.Params["formCode"]
		as, err := m.attributes(c.R.Context(), entity)
		if err != nil {
			return nil, err
		}
		var in []*attribute
		for _, a := range as {
			if a.inForm(code) {
				in = append(in, a)
			}
		}
		if len(in) == 0 {
			return nil, webapi.NotFound("formCode", code)
		}
		return metadataList(in), nil
	}
	// getAttributeMetadata.
	one := func(c *webapi.Call) (any, error) {
		code := c.Params["attributeCode"]
		as, err := m.attributes(c.R.Context(), entity)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Code == code {
				return a.metadata(), nil
			}
		}
		return nil, webapi.NewError(http.StatusNotFound, msgNoSuchEntity2, map[string]any{
			"fieldName": "entityType", "fieldValue": entity, "field2Name": "attributeCode", "field2Value": code})
	}
	return []webapi.Route{
		{Method: "GET", Pattern: prefix, ACL: aclCustomer, Handle: all},
		{Method: "GET", Pattern: prefix + "/custom", ACL: aclCustomer, Handle: custom},
		{Method: "GET", Pattern: prefix + "/form/:formCode", ACL: aclCustomer, Handle: form},
		{Method: "GET", Pattern: prefix + "/attribute/:attributeCode", ACL: aclCustomer, Handle: one},
	}
}

// msgNoSuchEntity2 is NoSuchEntityException's message for two fields.
const msgNoSuchEntity2 = "No such entity with %fieldName = %fieldValue, %field2Name = %field2Value"
