package customer

import (
	"context"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// customerSearchColumns are the fields a customer search may filter and sort on:
// the customer attributes and the billing address extras Magento's
// getList joins. Anything else is refused, so no input reaches SQL but
// bound values.
var customerSearchColumns = map[string]webapi.Column{
	"entity_id":                 {Expr: "c.entity_id", Text: false},
	"email":                     {Expr: "c.email", Text: true},
	"firstname":                 {Expr: "c.firstname", Text: true},
	"lastname":                  {Expr: "c.lastname", Text: true},
	"middlename":                {Expr: "c.middlename", Text: true},
	"prefix":                    {Expr: "c.prefix", Text: true},
	"suffix":                    {Expr: "c.suffix", Text: true},
	"website_id":                {Expr: "c.website_id", Text: false},
	"group_id":                  {Expr: "c.group_id", Text: false},
	"store_id":                  {Expr: "c.store_id", Text: false},
	"created_at":                {Expr: "c.created_at", Text: true},
	"updated_at":                {Expr: "c.updated_at", Text: true},
	"created_in":                {Expr: "c.created_in", Text: true},
	"dob":                       {Expr: "c.dob", Text: true},
	"taxvat":                    {Expr: "c.taxvat", Text: true},
	"gender":                    {Expr: "c.gender", Text: false},
	"confirmation":              {Expr: "c.confirmation", Text: true},
	"default_billing":           {Expr: "c.default_billing", Text: false},
	"default_shipping":          {Expr: "c.default_shipping", Text: false},
	"disable_auto_group_change": {Expr: "c.disable_auto_group_change", Text: false},
	"is_active":                 {Expr: "c.is_active", Text: false},
	"billing_postcode":          {Expr: "ba.postcode", Text: true},
	"billing_city":              {Expr: "ba.city", Text: true},
	"billing_telephone":         {Expr: "ba.telephone", Text: true},
	"billing_region":            {Expr: "ba.region", Text: true},
	"billing_country_id":        {Expr: "ba.country_id", Text: true},
	"billing_company":           {Expr: "ba.company", Text: true},
	"name": {Expr: "trim(coalesce(c.prefix || ' ', '') || coalesce(c.firstname, '') || coalesce(' ' || c.middlename, '') || ' ' || " +
		"coalesce(c.lastname, '') || coalesce(' ' || c.suffix, ''))", Text: true},
}

var groupSearchColumns = map[string]webapi.Column{
	"id":                  {Expr: "customer_group_id", Text: false},
	"customer_group_id":   {Expr: "customer_group_id", Text: false},
	"code":                {Expr: "customer_group_code", Text: true},
	"customer_group_code": {Expr: "customer_group_code", Text: true},
	"tax_class_id":        {Expr: "tax_class_id", Text: false},
}

// searchCustomers is GET /V1/customers/search.
func (m *Module) searchCustomers(c *webapi.Call) (any, error) {
	cr, err := webapi.ParseCriteria(c.R)
	if err != nil {
		return nil, err
	}
	where, args, err := cr.Where(customerSearchColumns)
	if err != nil {
		return nil, err
	}
	order := cr.OrderBy(customerSearchColumns, "c.entity_id")
	from := " FROM customer_entity c LEFT JOIN customer_address_entity ba ON ba.entity_id = c.default_billing"
	ctx := c.R.Context()
	var total int
	if err := m.db.R.QueryRowContext(ctx, "SELECT count(*)"+from+where, args...).Scan(&total); err != nil {
		return nil, err
	}
	limit, offset := cr.Page(total)
	recs, err := m.queryCustomers(ctx, "SELECT "+customerColumns("c.")+from+where+order+" LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	out := magento.CustomerSearchResults{Items: make([]magento.CustomerData, 0, len(recs)), SearchCriteria: cr.Echo, TotalCount: total}
	for i := range recs {
		out.Items = append(out.Items, recs[i].wire(m.countries, &m.eav))
	}
	return out, nil
}

// queryCustomers runs a query of customer rows and reads their addresses.
func (m *Module) queryCustomers(ctx context.Context, q string, args ...any) ([]customerRec, error) {
	rows, err := m.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var recs []customerRec
	for rows.Next() {
		var rec customerRec
		if err := scanCustomer(rows, &rec); err != nil {
			rows.Close()
			return nil, err
		}
		recs = append(recs, rec)
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, err
	}
	ids := make([]int64, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	addrs, err := loadAddresses(ctx, m.db.R, ids)
	if err != nil {
		return nil, err
	}
	ptrs := make([]*customerRec, len(recs))
	for i := range recs {
		recs[i].Addresses = addrs[recs[i].ID]
		ptrs[i] = &recs[i]
	}
	if err := loadExtras(ctx, m.db.R, ptrs); err != nil {
		return nil, err
	}
	return recs, nil
}
