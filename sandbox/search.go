package sandbox

import (
	"context"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed/magento"
)

// qnode is a node of a query string parsed with PHP's bracket syntax:
// searchCriteria[filterGroups][0][filters][0][field]=email.
type qnode struct {
	value    string
	hasValue bool
	keys     []string // child keys in first-seen order
	children map[string]*qnode
}

func (n *qnode) child(key string) *qnode {
	if n.children == nil {
		n.children = map[string]*qnode{}
	}
	c, ok := n.children[key]
	if !ok {
		c = &qnode{}
		n.children[key] = c
		n.keys = append(n.keys, key)
	}
	return c
}

// parsePHPQuery parses a raw query string into a tree.
func parsePHPQuery(raw string) *qnode {
	root := &qnode{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		path := []string{key}
		if i := strings.IndexByte(key, '['); i > 0 {
			path = []string{key[:i]}
			rest := key[i:]
			for strings.HasPrefix(rest, "[") {
				j := strings.IndexByte(rest, ']')
				if j < 0 {
					break
				}
				path = append(path, rest[1:j])
				rest = rest[j+1:]
			}
		}
		n := root
		for _, p := range path {
			if p == "" { // "[]" appends
				p = strconv.Itoa(len(n.keys))
			}
			n = n.child(p)
		}
		n.value, n.hasValue = val, true
	}
	return root
}

// lookup returns the child named in camelCase or snake_case.
func (n *qnode) lookup(camel string) *qnode {
	if n == nil || n.children == nil {
		return nil
	}
	if c, ok := n.children[camel]; ok {
		return c
	}
	return n.children[snakeCase(camel)]
}

// list returns the children of a list node in index order.
func (n *qnode) list() []*qnode {
	if n == nil {
		return nil
	}
	keys := append([]string(nil), n.keys...)
	sort.SliceStable(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA != nil || errB != nil {
			return false
		}
		return a < b
	})
	out := make([]*qnode, 0, len(keys))
	for _, k := range keys {
		out = append(out, n.children[k])
	}
	return out
}

// checkKeys reports a key of n that is none of the allowed fields (given
// in camelCase), with Magento's "is not supported" error.
func (n *qnode) checkKeys(allowed ...string) error {
	for _, k := range n.keys {
		g := upperCamel(k)
		ok := false
		for _, a := range allowed {
			if g == upperCamel(a) {
				ok = true
				break
			}
		}
		if !ok {
			return inputError(msgNotSupported, map[string]any{"fieldName": g})
		}
	}
	return nil
}

// filter, sortOrder and criteria are a parsed searchCriteria.
type filter struct {
	field, value, cond string
}

type criteria struct {
	groups      [][]filter
	sorts       []magento.SortOrder
	pageSize    int // 0: all rows
	currentPage int
	echo        magento.SearchCriteria
}

// parseCriteria reads searchCriteria from the query string. It is
// required; `?searchCriteria=` means no criteria.
func parseCriteria(r *http.Request) (criteria, error) {
	root := parsePHPQuery(r.URL.RawQuery)
	sc := root.lookup("searchCriteria")
	var cr criteria
	cr.echo.FilterGroups = []magento.FilterGroup{}
	if sc == nil {
		return cr, requiredError("searchCriteria")
	}
	if err := sc.checkKeys("filterGroups", "sortOrders", "pageSize", "currentPage"); err != nil {
		return cr, err
	}
	for _, g := range sc.lookup("filterGroups").list() {
		if err := g.checkKeys("filters"); err != nil {
			return cr, err
		}
		var fs []filter
		var echo magento.FilterGroup
		for _, f := range g.lookup("filters").list() {
			if err := f.checkKeys("field", "value", "conditionType"); err != nil {
				return cr, err
			}
			fl := filter{cond: "eq"}
			var missing inputErrors
			if n := f.lookup("field"); n != nil && n.hasValue {
				fl.field = n.value
			} else {
				missing.add(requiredError("field"))
			}
			if n := f.lookup("value"); n != nil && n.hasValue {
				fl.value = n.value
			} else {
				missing.add(requiredError("value"))
			}
			if e := missing.err(); e != nil {
				return cr, e
			}
			ef := magento.Filter{Field: fl.field, Value: fl.value}
			if n := f.lookup("conditionType"); n != nil && n.hasValue && n.value != "" {
				fl.cond = strings.ToLower(n.value)
				ef.ConditionType = n.value
			}
			fs = append(fs, fl)
			echo.Filters = append(echo.Filters, ef)
		}
		cr.groups = append(cr.groups, fs)
		cr.echo.FilterGroups = append(cr.echo.FilterGroups, echo)
	}
	for _, s := range sc.lookup("sortOrders").list() {
		if err := s.checkKeys("field", "direction"); err != nil {
			return cr, err
		}
		so := magento.SortOrder{Direction: "ASC"}
		if n := s.lookup("field"); n != nil {
			so.Field = n.value
		}
		if n := s.lookup("direction"); n != nil && n.value != "" {
			so.Direction = strings.ToUpper(n.value)
		}
		if so.Direction != "ASC" && so.Direction != "DESC" {
			return cr, newError(http.StatusBadRequest, "The sort order has to be specified as %1 for ascending order or %2 for descending order.", []any{"ASC", "DESC"})
		}
		cr.sorts = append(cr.sorts, so)
	}
	cr.echo.SortOrders = cr.sorts
	for _, p := range []struct {
		name string
		dst  *int
		echo **int
	}{{"pageSize", &cr.pageSize, &cr.echo.PageSize}, {"currentPage", &cr.currentPage, &cr.echo.CurrentPage}} {
		n := sc.lookup(p.name)
		if n == nil || !n.hasValue {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(n.value))
		if err != nil {
			return cr, typeError(n.value, "int")
		}
		*p.dst = v
		vv := v
		*p.echo = &vv
	}
	return cr, nil
}

// column is a searchable field: its SQL expression and whether it is text
// (compared case-insensitively, like MySQL's collation).
type column struct {
	expr string
	text bool
}

// customerSearchColumns are the fields a customer search may filter and sort on:
// the customer attributes and the billing address extras Magento's
// getList joins. Anything else is refused, so no input reaches SQL but
// bound values.
var customerSearchColumns = map[string]column{
	"entity_id":                 {"c.entity_id", false},
	"email":                     {"c.email", true},
	"firstname":                 {"c.firstname", true},
	"lastname":                  {"c.lastname", true},
	"middlename":                {"c.middlename", true},
	"prefix":                    {"c.prefix", true},
	"suffix":                    {"c.suffix", true},
	"website_id":                {"c.website_id", false},
	"group_id":                  {"c.group_id", false},
	"store_id":                  {"c.store_id", false},
	"created_at":                {"c.created_at", true},
	"updated_at":                {"c.updated_at", true},
	"created_in":                {"c.created_in", true},
	"dob":                       {"c.dob", true},
	"taxvat":                    {"c.taxvat", true},
	"gender":                    {"c.gender", false},
	"confirmation":              {"c.confirmation", true},
	"default_billing":           {"c.default_billing", false},
	"default_shipping":          {"c.default_shipping", false},
	"disable_auto_group_change": {"c.disable_auto_group_change", false},
	"is_active":                 {"c.is_active", false},
	"billing_postcode":          {"ba.postcode", true},
	"billing_city":              {"ba.city", true},
	"billing_telephone":         {"ba.telephone", true},
	"billing_region":            {"ba.region", true},
	"billing_country_id":        {"ba.country_id", true},
	"billing_company":           {"ba.company", true},
	"name": {"trim(coalesce(c.prefix || ' ', '') || coalesce(c.firstname, '') || coalesce(' ' || c.middlename, '') || ' ' || " +
		"coalesce(c.lastname, '') || coalesce(' ' || c.suffix, ''))", true},
}

var groupSearchColumns = map[string]column{
	"id":                  {"customer_group_id", false},
	"customer_group_id":   {"customer_group_id", false},
	"code":                {"customer_group_code", true},
	"customer_group_code": {"customer_group_code", true},
	"tax_class_id":        {"tax_class_id", false},
}

func invalidField(field string) *apiError {
	return newError(http.StatusBadRequest, "Invalid attribute name: %1", []any{field})
}

// where builds the WHERE clause of the criteria: filters OR'ed inside a
// group, groups AND'ed. Values are always bound, never spliced.
func (cr *criteria) where(cols map[string]column) (string, []any, error) {
	var conds []string
	var args []any
	for _, g := range cr.groups {
		var ors []string
		for _, f := range g {
			col, ok := cols[f.field]
			if !ok {
				return "", nil, invalidField(f.field)
			}
			sqlCond, a := condition(col, f.cond, f.value)
			ors = append(ors, sqlCond)
			args = append(args, a...)
		}
		if len(ors) > 0 {
			conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// condition returns the SQL of one filter. Unknown condition types compare
// for equality, as Magento's MySQL adapter does with them.
func condition(col column, cond, value string) (string, []any) {
	e := col.expr
	collate := ""
	if col.text {
		collate = " COLLATE NOCASE"
	}
	switch cond {
	case "neq":
		return e + " != ?" + collate, []any{value}
	case "like":
		return e + ` LIKE ? ESCAPE '\'`, []any{value}
	case "nlike":
		return e + ` NOT LIKE ? ESCAPE '\'`, []any{value}
	case "in", "nin":
		parts := strings.Split(value, ",")
		args := make([]any, len(parts))
		for i, p := range parts {
			args[i] = p
		}
		op := " IN ("
		if cond == "nin" {
			op = " NOT IN ("
		}
		return e + collate + op + db.Placeholders(len(parts)) + ")", args
	case "null":
		return e + " IS NULL", nil
	case "notnull":
		return e + " IS NOT NULL", nil
	case "gt":
		return e + " > ?" + collate, []any{value}
	case "lt":
		return e + " < ?" + collate, []any{value}
	case "gteq", "from":
		return e + " >= ?" + collate, []any{value}
	case "lteq", "to":
		return e + " <= ?" + collate, []any{value}
	case "finset":
		return "(',' || " + e + " || ',') LIKE ('%,' || ? || ',%')", []any{value}
	case "nfinset":
		return "(',' || coalesce(" + e + ", '') || ',') NOT LIKE ('%,' || ? || ',%')", []any{value}
	}
	return e + " = ?" + collate, []any{value}
}

// orderBy builds the ORDER BY clause, with the id as the last key so that
// pages are stable. Sorts on unknown fields are dropped, as Magento drops
// them.
func (cr *criteria) orderBy(cols map[string]column, idExpr string) string {
	var keys []string
	for _, s := range cr.sorts {
		col, ok := cols[s.Field]
		if !ok {
			continue // Magento's EAV collection ignores a sort on an unknown attribute
		}
		k := col.expr
		if col.text {
			k += " COLLATE NOCASE"
		}
		keys = append(keys, k+" "+s.Direction)
	}
	keys = append(keys, idExpr+" ASC")
	return " ORDER BY " + strings.Join(keys, ", ")
}

// page returns LIMIT and OFFSET for a result of total rows. Magento clamps
// the current page: past the last page it serves the last page again.
func (cr *criteria) page(total int) (limit, offset int) {
	if cr.pageSize <= 0 {
		return -1, 0
	}
	last := 1
	if total > 0 {
		last = (total + cr.pageSize - 1) / cr.pageSize
	}
	cur := cr.currentPage
	if cur < 1 {
		cur = 1
	}
	if cur > last {
		cur = last
	}
	return cr.pageSize, (cur - 1) * cr.pageSize
}

// searchCustomers is GET /V1/customers/search.
func (s *Sandbox) searchCustomers(c *call) (any, error) {
	cr, err := parseCriteria(c.r)
	if err != nil {
		return nil, err
	}
	where, args, err := cr.where(customerSearchColumns)
	if err != nil {
		return nil, err
	}
	order := cr.orderBy(customerSearchColumns, "c.entity_id")
	from := " FROM customer_entity c LEFT JOIN customer_address_entity ba ON ba.entity_id = c.default_billing"
	ctx := c.r.Context()
	var total int
	if err := s.db.R.QueryRowContext(ctx, "SELECT count(*)"+from+where, args...).Scan(&total); err != nil {
		return nil, err
	}
	limit, offset := cr.page(total)
	recs, err := s.queryCustomers(ctx, "SELECT "+customerColumns("c.")+from+where+order+" LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	out := magento.CustomerSearchResults{Items: make([]magento.CustomerData, 0, len(recs)), SearchCriteria: cr.echo, TotalCount: total}
	for i := range recs {
		out.Items = append(out.Items, recs[i].wire())
	}
	return out, nil
}

// queryCustomers runs a query of customer rows and reads their addresses.
func (s *Sandbox) queryCustomers(ctx context.Context, q string, args ...any) ([]customerRec, error) {
	rows, err := s.db.R.QueryContext(ctx, q, args...)
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
	addrs, err := loadAddresses(ctx, s.db.R, ids)
	if err != nil {
		return nil, err
	}
	for i := range recs {
		recs[i].Addresses = addrs[recs[i].ID]
	}
	return recs, nil
}
