package webapi

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
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
	return n.children[SnakeCase(camel)]
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
		g := UpperCamel(k)
		ok := false
		for _, a := range allowed {
			if g == UpperCamel(a) {
				ok = true
				break
			}
		}
		if !ok {
			return InputError(MsgNotSupported, map[string]any{"fieldName": g})
		}
	}
	return nil
}

// filter, sortOrder and Criteria are a parsed searchCriteria.
type filter struct {
	field, value, cond string
}

type Criteria struct {
	groups      [][]filter
	sorts       []magento.SortOrder
	pageSize    int // 0: all rows
	currentPage int
	Echo        magento.SearchCriteria // the criteria as search results echo them
}

// ParseCriteria reads searchCriteria from the query string. It is
// required; `?searchCriteria=` means no criteria.
func ParseCriteria(r *http.Request) (Criteria, error) {
	root := parsePHPQuery(r.URL.RawQuery)
	sc := root.lookup("searchCriteria")
	var cr Criteria
	cr.Echo.FilterGroups = []magento.FilterGroup{}
	if sc == nil {
		return cr, RequiredError("searchCriteria")
	}
	if err := sc.checkKeys("filterGroups", "sortOrders", "pageSize", "currentPage"); err != nil {
		return cr, err
	}
	// Magento\Framework\Webapi\Validator\EntityArrayValidator refuses a
	// list of more than 20 data objects before anything reads them.
	groups := sc.lookup("filterGroups").list()
	if len(groups) > MaxComplexItems {
		return cr, MaxItemsError(`\Magento\Framework\Api\Search\FilterGroup`)
	}
	for _, g := range groups {
		if err := g.checkKeys("filters"); err != nil {
			return cr, err
		}
		var fs []filter
		var echo magento.FilterGroup
		filters := g.lookup("filters").list()
		if len(filters) > MaxComplexItems {
			return cr, MaxItemsError(`\Magento\Framework\Api\Filter`)
		}
		for _, f := range filters {
			if err := f.checkKeys("field", "value", "conditionType"); err != nil {
				return cr, err
			}
			fl := filter{cond: "eq"}
			var missing InputErrors
			if n := f.lookup("field"); n != nil && n.hasValue {
				fl.field = n.value
			} else {
				missing.Add(RequiredError("field"))
			}
			if n := f.lookup("value"); n != nil && n.hasValue {
				fl.value = n.value
			} else {
				missing.Add(RequiredError("value"))
			}
			if e := missing.Err(); e != nil {
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
		cr.Echo.FilterGroups = append(cr.Echo.FilterGroups, echo)
	}
	sorts := sc.lookup("sortOrders").list()
	if len(sorts) > MaxComplexItems {
		return cr, MaxItemsError(`\Magento\Framework\Api\SortOrder`)
	}
	for _, s := range sorts {
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
			return cr, NewError(http.StatusBadRequest, "The sort order has to be specified as %1 for ascending order or %2 for descending order.", []any{"ASC", "DESC"})
		}
		cr.sorts = append(cr.sorts, so)
	}
	cr.Echo.SortOrders = cr.sorts
	for _, p := range []struct {
		name string
		dst  *int
		echo **int
	}{{"pageSize", &cr.pageSize, &cr.Echo.PageSize}, {"currentPage", &cr.currentPage, &cr.Echo.CurrentPage}} {
		n := sc.lookup(p.name)
		if n == nil || !n.hasValue {
			continue
		}
		n64, err := asInt(n.value)
		if err != nil {
			return cr, SerialError(Render(MsgFieldProcessing, map[string]any{"field_name": p.name, "details": err.(*Error).Message}))
		}
		v := int(n64)
		*p.dst = v
		vv := v
		*p.echo = &vv
	}
	return cr, nil
}

// Column is a searchable field: its SQL expression and whether it is text
// (compared case-insensitively, like MySQL's collation).
type Column struct {
	Expr string
	Text bool
}

func invalidField(field string) *Error {
	return NewError(http.StatusBadRequest, "Invalid attribute name: %1", []any{field})
}

// Where builds the WHERE clause of the criteria: filters OR'ed inside a
// group, groups AND'ed. Values are always bound, never spliced.
func (cr *Criteria) Where(cols map[string]Column) (string, []any, error) {
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
func condition(col Column, cond, value string) (string, []any) {
	e := col.Expr
	collate := ""
	if col.Text {
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

// OrderBy builds the ORDER BY clause, with the id as the last key so that
// pages are stable. Sorts on unknown fields are dropped, as Magento drops
// them.
func (cr *Criteria) OrderBy(cols map[string]Column, idExpr string) string {
	var keys []string
	for _, s := range cr.sorts {
		col, ok := cols[s.Field]
		if !ok {
			continue // Magento's EAV collection ignores a sort on an unknown attribute
		}
		k := col.Expr
		if col.Text {
			k += " COLLATE NOCASE"
		}
		keys = append(keys, k+" "+s.Direction)
	}
	keys = append(keys, idExpr+" ASC")
	return " ORDER BY " + strings.Join(keys, ", ")
}

// Page returns LIMIT and OFFSET for a result of total rows. Magento clamps
// the current page: past the last page it serves the last page again.
func (cr *Criteria) Page(total int) (limit, offset int) {
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
