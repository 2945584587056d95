package manifest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
)

// keyRe is the form of customer and address keys: they name outputs
// (customers.jane.token) and environment variables (MAGESEED_JANE_ID).
var keyRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

const keyRule = "may hold only letters, digits, - and _ (at most 64 characters), starting with a letter or digit"

// docState is what the customers and generators of one document share.
type docState struct {
	file     string
	defaults map[string]any
	defLocs  map[string][]*loc // defaults field -> its locs (the value and everything in it), relative to the field
	defOK    bool
}

// custMeta remembers where a customer's email is written: in the customer,
// or in the generator that made it.
type custMeta struct {
	email position
	gen   *genSpec
}

func (ld *loader) errAt(l *loc, usekey bool, msg string) {
	line, col := l.pos()
	if usekey {
		line, col = l.keyPos()
	}
	ld.errs = append(ld.errs, Error{File: l.file, Line: line, Col: col, Path: l.path, Msg: msg})
}

func nodeErr(file string, n *yaml.Node, path, msg string) Error {
	return Error{File: file, Line: max(n.Line, 1), Col: max(n.Column, 1), Path: path, Msg: msg}
}

// document loads one YAML document of file.
func (ld *loader) document(file string, root *yaml.Node, chunks []chunk) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	doc := root.Content[0]
	if doc.Kind == yaml.ScalarNode && doc.ShortTag() == "!!null" {
		return // an empty document
	}
	if doc.Kind != yaml.MappingNode {
		ld.errs = append(ld.errs, nodeErr(file, doc, "", "a manifest is a mapping with the keys version, store, defaults, customers and generate"))
		return
	}
	c := ld.newConv(file)
	rootLoc := &loc{file: file, node: doc}
	c.index[""] = rootLoc
	top := make(map[string]any)
	seen := make(map[string]*yaml.Node)
	var custVal *yaml.Node
	broken := map[string]bool{}
	var brokenDefaults map[string]any
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			ld.errs = append(ld.errs, nodeErr(file, k, "", "mapping keys must be plain strings"))
			continue
		}
		name := k.Value
		if first, dup := seen[name]; dup {
			ld.errs = append(ld.errs, nodeErr(file, k, quoteKey(name), fmt.Sprintf("duplicate key %s (first at line %d): remove one", quoteKey(name), first.Line)))
			continue
		}
		seen[name] = k
		rootLoc.keys = append(rootLoc.keys, name)
		if strings.HasPrefix(name, "x-") {
			top[name] = nil // extension fields are not read
			c.index["/"+escapePtr(name)] = &loc{file: file, node: v, key: k, path: name}
			continue
		}
		if name == "customers" && v.Kind == yaml.AliasNode && v.Alias != nil && v.Alias.Kind == yaml.MappingNode {
			v = v.Alias
		}
		if name == "customers" && (v.Kind == yaml.MappingNode || chunks != nil) {
			custVal = v
			if chunks != nil {
				custVal = nil
			}
			top[name] = map[string]any{} // customers are validated one by one below
			c.index["/customers"] = &loc{file: file, node: v, key: k, path: name, ptr: "/customers"}
			continue
		}
		val, ok := c.value(v, k, "/"+escapePtr(name), name, 1, false)
		if !ok {
			broken[name] = true // reported; not validated further
			if name == "defaults" {
				// Still merged, so that customers do not all miss what
				// the defaults were to give them.
				brokenDefaults, _ = val.(map[string]any)
			}
			continue
		}
		top[name] = val
	}
	bad := broken
	before := len(ld.errs)
	ld.validate(ld.schema.top, top, c)
	for _, e := range ld.errs[before:] {
		sec, _, _ := strings.Cut(e.Path, ".")
		sec, _, _ = strings.Cut(sec, "[")
		bad[sec] = true
	}
	if bad[""] {
		return
	}

	ds := &docState{file: file, defLocs: map[string][]*loc{}}
	if m, ok := top["store"].(map[string]any); ok && !bad["store"] {
		ld.mergeStore(m, c)
	}
	if gm, ok := top["groups"].(map[string]any); ok && !bad["groups"] {
		ld.addGroups(gm, c)
	}
	if m, ok := top["prune"].(map[string]any); ok && !bad["prune"] {
		ld.mergePrune(m, c)
	}
	m, _ := top["defaults"].(map[string]any)
	if m == nil {
		m = brokenDefaults
	}
	if m != nil {
		ds.defaults = m
		ds.defOK = !bad["defaults"]
		for p, l := range c.index {
			rest, ok := strings.CutPrefix(p, "/defaults/")
			if !ok {
				continue
			}
			field, _, _ := strings.Cut(rest, "/")
			cp := *l
			cp.fromDefaults = true
			cp.ptr = strings.TrimPrefix(p, "/defaults")
			ds.defLocs[field] = append(ds.defLocs[field], &cp)
		}
		if ds.defOK {
			if pw, ok := m["password"].(string); ok {
				ld.addSecret(pw)
				if msg := passwordProblem(pw, ""); msg != "" {
					ld.errAt(c.index["/defaults/password"], false, msg)
				}
			}
		}
	}
	if list, ok := top["generate"].([]any); ok {
		for i, g := range list {
			if m, ok := g.(map[string]any); ok && !badUnder(ld.errs[before:], fmt.Sprintf("generate[%d]", i)) {
				ld.addGenerator(ds, m, c, fmt.Sprintf("/generate/%d", i))
			}
		}
	}
	if custVal != nil {
		ld.customers(ds, custVal)
	} else if chunks != nil {
		ld.chunkCustomers(ds, chunks)
	}
}

// mergeStore merges a document's store section into the manifest's; files
// must agree on every field they both set.
func (ld *loader) mergeStore(m map[string]any, c *conv) {
	for _, f := range []struct {
		name string
		dst  *string
	}{{"url", &ld.store.URL}, {"storeCode", &ld.store.StoreCode}, {"website", &ld.store.Website}} {
		v, ok := m[f.name].(string)
		if !ok {
			continue
		}
		l := c.index["/store/"+f.name]
		if first, set := ld.storeLocs[f.name]; set {
			if *f.dst != v {
				line, col := first.pos()
				ld.errAt(l, false, fmt.Sprintf("differs from store.%s at %s:%d:%d: files must agree", f.name, first.file, line, col))
			}
			continue
		}
		*f.dst = v
		ld.storeLocs[f.name] = &loc{file: l.file, node: l.node, key: l.key, path: l.path}
	}
}

// mergePrune sets the manifest's prune scope; files that both set one must
// set the same.
func (ld *loader) mergePrune(m map[string]any, c *conv) {
	p := &Prune{}
	p.EmailLike, _ = getStr(m, "emailLike")
	p.Website, _ = getStr(m, "website")
	p.Group = getIntp(m, "group")
	l := c.index["/prune"]
	if ld.prune != nil {
		a := ld.prune
		same := a.EmailLike == p.EmailLike && a.Website == p.Website &&
			(a.Group == nil) == (p.Group == nil) && (a.Group == nil || *a.Group == *p.Group)
		if !same {
			line, col := ld.pruneLoc.pos()
			ld.errAt(l, false, fmt.Sprintf("differs from prune at %s:%d:%d: files must agree", ld.pruneLoc.file, line, col))
		}
		return
	}
	ld.prune = p
	ld.pruneLoc = &loc{file: l.file, node: l.node, key: l.key, path: l.path}
}

// customers loads the customers mapping of a document, one customer at a
// time, so that memory holds one customer's JSON at once.
func (ld *loader) customers(ds *docState, m *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		m.Content[i+1] = nil // let the tree go as we progress
		ld.customer(ds, k, v)
	}
}

// customer loads the customer v with key k.
func (ld *loader) customer(ds *docState, k, v *yaml.Node) {
	if len(ld.errs) >= maxErrors {
		return // enough to fix first
	}
	{
		if k.Kind != yaml.ScalarNode {
			ld.errs = append(ld.errs, nodeErr(ds.file, k, "customers", "mapping keys must be plain strings"))
			return
		}
		key := k.Value
		path := joinPath("customers", key)
		if !keyRe.MatchString(key) {
			ld.errs = append(ld.errs, nodeErr(ds.file, k, path, "customer key "+keyRule))
			return
		}
		here := ld.at(ds.file, k.Line, k.Column)
		if first, dup := ld.keys[key]; dup {
			msg := fmt.Sprintf("customer %s is already declared at %s: keys must be unique across all files", key, ld.where(first))
			if first.file == here.file {
				msg = fmt.Sprintf("customer %s is already declared at line %d: keys must be unique across all files", key, first.line)
			}
			ld.errs = append(ld.errs, nodeErr(ds.file, k, path, msg))
			return
		}
		ld.keys[key] = here
		c := ld.newConv(ds.file)
		val, ok := c.value(v, k, "", path, 2, false)
		if !ok {
			return
		}
		cm, isMap := val.(map[string]any)
		if isMap && ds.defaults != nil {
			fields := make([]string, 0, len(ds.defaults))
			for f := range ds.defaults {
				if _, has := cm[f]; !has {
					fields = append(fields, f)
				}
			}
			sort.Strings(fields)
			for _, f := range fields {
				cm[f] = ds.defaults[f]
				for _, l := range ds.defLocs[f] {
					c.index[l.ptr] = l
				}
			}
		}
		before := len(ld.errs)
		ld.validate(ld.schema.customer, val, c)
		if !isMap {
			return
		}
		var bad []string
		for _, e := range ld.errs[before:] {
			bad = append(bad, e.Path)
		}
		ld.buildCustomer(ds, key, cm, c, bad, len(ld.errs) > before)
	}
}

// badUnder reports whether one of errs is at p or inside it.
func badUnder(errs Errors, p string) bool {
	for _, e := range errs {
		if under(e.Path, p) {
			return true
		}
	}
	return false
}

// under reports whether path is p or inside it.
func under(path, p string) bool {
	return path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}

// getters over a validated JSON object.

func getStr(m map[string]any, k string) (string, bool) {
	s, ok := m[k].(string)
	return s, ok
}

func getStrp(m map[string]any, k string) *string {
	if s, ok := m[k].(string); ok {
		return &s
	}
	return nil
}

func getIntp(m map[string]any, k string) *int {
	switch v := m[k].(type) {
	case json.Number:
		if n, err := strconv.Atoi(string(v)); err == nil {
			return &n
		}
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return &n
		}
	}
	return nil
}

// show returns v for a message, unless it came from the environment.
func (ld *loader) show(v string) string {
	if ld.secretSet[v] {
		return "(a value from the environment)"
	}
	return v
}

// now is the clock for date checks; tests may replace it.
var now = time.Now

// buildCustomer checks a customer against Magento's rules and adds it when
// it has no problem. Fields with schema problems (bad lists their paths) are
// not checked again; invalid reports that the schema found problems.
func (ld *loader) buildCustomer(ds *docState, key string, m map[string]any, c *conv, bad []string, invalid bool) {
	at := func(ptr string) *loc { return c.lookup(ptr) }
	cu := mageseed.Customer{Key: key}
	cu.Email, _ = getStr(m, "email")
	cu.Firstname, _ = getStr(m, "firstname")
	cu.Lastname, _ = getStr(m, "lastname")
	cu.Website, _ = getStr(m, "website")
	if id := getIntp(m, "websiteId"); id != nil {
		cu.WebsiteID = *id
	}
	cu.Middlename = getStrp(m, "middlename")
	cu.Prefix = getStrp(m, "prefix")
	cu.Suffix = getStrp(m, "suffix")
	cu.Dob = getStrp(m, "dob")
	cu.Taxvat = getStrp(m, "taxvat")
	cu.Gender = getIntp(m, "gender")
	cu.GroupID = getIntp(m, "groupId")
	cu.StoreID = getIntp(m, "storeId")
	cu.Password, _ = getStr(m, "password")
	cu.Token, _ = m["token"].(bool)
	cu.Group, _ = getStr(m, "group")
	if b, ok := m["isSubscribed"].(bool); ok {
		cu.IsSubscribed = &b
	}
	cu.Confirm, _ = m["confirm"].(bool)
	ld.addSecret(cu.Password)

	before := len(ld.errs)
	if _, ok := m["email"].(string); ok {
		if msg := emailProblem(cu.Email); msg != "" {
			ld.errAt(at("/email"), false, msg)
		}
	}
	for _, f := range []string{"firstname", "lastname", "middlename"} {
		if s, ok := getStr(m, f); ok && nameProblem(s) != "" {
			ld.errAt(at("/"+f), false, nameProblem(s))
		}
	}
	if cu.Dob != nil {
		if msg := dobProblem(*cu.Dob, now().UTC()); msg != "" {
			ld.errAt(at("/dob"), false, msg)
		}
	}
	if _, ok := m["password"].(string); ok {
		if msg := passwordProblem(cu.Password, cu.Email); msg != "" {
			ld.errAt(at("/password"), false, msg)
		}
	}
	if cu.Token && cu.Password == "" {
		ld.errAt(at("/token"), false, "a token needs the customer's password to sign in with: set password here or under defaults")
	}
	if cu.Group != "" && cu.GroupID != nil {
		ld.errAt(at("/group"), true, "give group (the code) or groupId, not both")
	}
	if cu.Group != "" {
		ld.record(key, "group", at("/group"))
	}
	cu.CustomAttributes = ld.customAttributes(key, "", m, at, "/customAttributes")
	cu.Addresses = ld.addresses(m, c, &cu)
	if len(bad) > 0 {
		kept := ld.errs[:before]
	errs:
		for _, e := range ld.errs[before:] {
			for _, p := range bad {
				if under(e.Path, p) {
					continue errs
				}
			}
			kept = append(kept, e)
		}
		ld.errs = kept
	}
	if invalid || len(ld.errs) > before {
		return
	}
	el := at("/email")
	line, col := el.pos()
	ld.custs = append(ld.custs, cu)
	ld.metas = append(ld.metas, custMeta{email: ld.at(el.file, line, col)})
	f := &ld.files[ld.fileNo[ds.file]]
	f.Customers++
	f.Addresses += len(cu.Addresses)
}

// addresses checks and returns a customer's addresses, given as a mapping
// (keys as written) or a list (keys address-1, address-2, ...).
func (ld *loader) addresses(m map[string]any, c *conv, cu *mageseed.Customer) []mageseed.Address {
	var keys []string
	var items []map[string]any
	var ptrs []string
	switch v := m["addresses"].(type) {
	case map[string]any:
		for _, k := range c.lookup("/addresses").keys {
			a, _ := v[k].(map[string]any)
			p := "/addresses/" + escapePtr(k)
			if !keyRe.MatchString(k) {
				ld.errAt(c.lookup(p), true, "address key "+keyRule)
				continue
			}
			keys, items, ptrs = append(keys, k), append(items, a), append(ptrs, p)
		}
	case []any:
		for i, x := range v {
			a, _ := x.(map[string]any)
			keys = append(keys, "address-"+strconv.Itoa(i+1))
			items = append(items, a)
			ptrs = append(ptrs, "/addresses/"+strconv.Itoa(i))
		}
	}
	var out []mageseed.Address
	var billing, shipping string
	for i, a := range items {
		if a == nil {
			continue
		}
		p := ptrs[i]
		at := func(f string) *loc { return c.lookup(p + "/" + f) }
		ad := mageseed.Address{Key: keys[i], Firstname: cu.Firstname, Lastname: cu.Lastname}
		if s, ok := getStr(a, "firstname"); ok {
			ad.Firstname = s
		}
		if s, ok := getStr(a, "lastname"); ok {
			ad.Lastname = s
		}
		switch st := a["street"].(type) {
		case string:
			ad.Street = []string{st}
		case []any:
			for _, x := range st {
				s, _ := x.(string)
				ad.Street = append(ad.Street, s)
			}
		}
		ad.City, _ = getStr(a, "city")
		ad.Postcode, _ = getStr(a, "postcode")
		ad.CountryID, _ = getStr(a, "countryId")
		ad.CountryID = strings.ToUpper(ad.CountryID)
		ad.Telephone, _ = getStr(a, "telephone")
		ad.Middlename = getStrp(a, "middlename")
		ad.Prefix = getStrp(a, "prefix")
		ad.Suffix = getStrp(a, "suffix")
		ad.Company = getStrp(a, "company")
		ad.Fax = getStrp(a, "fax")
		ad.VatID = getStrp(a, "vatId")
		ad.DefaultBilling, _ = a["defaultBilling"].(bool)
		ad.DefaultShipping, _ = a["defaultShipping"].(bool)
		ad.CustomAttributes = ld.customAttributes(cu.Key, "addresses."+keys[i]+".", a, func(ptr string) *loc { return c.lookup(p + ptr) }, "/customAttributes")
		ld.record(cu.Key, "addresses."+keys[i], c.lookup(p))
		if len(ad.Street) > 1 {
			ld.record(cu.Key, "addresses."+keys[i]+".street", at("street"))
		}

		for _, f := range []string{"firstname", "lastname", "middlename"} {
			if s, ok := getStr(a, f); ok && nameProblem(s) != "" {
				ld.errAt(at(f), false, nameProblem(s))
			}
		}
		if _, has := a["street"]; has && (len(ad.Street) == 0 || strings.TrimSpace(ad.Street[0]) == "") {
			ld.errAt(at("street"), false, "the first street line must not be empty")
		}
		if _, has := a["city"]; has && strings.TrimSpace(ad.City) == "" {
			ld.errAt(at("city"), false, "must not be empty")
		}
		if _, has := a["telephone"]; has {
			if msg := phoneProblem(ad.Telephone); msg != "" {
				ld.errAt(at("telephone"), false, msg)
			}
		}
		if ad.DefaultBilling {
			if billing != "" {
				ld.errAt(at("defaultBilling"), true, "only one address may be the default billing address, and "+billing+" already is")
			}
			billing = keys[i]
		}
		if ad.DefaultShipping {
			if shipping != "" {
				ld.errAt(at("defaultShipping"), true, "only one address may be the default shipping address, and "+shipping+" already is")
			}
			shipping = keys[i]
		}
		if _, has := a["countryId"]; !has {
			out = append(out, ad)
			continue // reported by the schema
		}
		ad.Region = ld.region(a, at, c.lookup(p), ad.CountryID)
		country, known := directory.Lookup(ad.CountryID)
		if known && !country.PostcodeOptional && strings.TrimSpace(ad.Postcode) == "" {
			ld.errAt(c.lookup(p), true, "missing postcode: "+country.ID+" requires one")
		}
		out = append(out, ad)
	}
	return out
}

// region reads and checks an address's region against the offline
// directory. The region is returned as declared.
func (ld *loader) region(a map[string]any, at func(string) *loc, addr *loc, countryID string) mageseed.Region {
	var r mageseed.Region
	var codeSet, idSet, nameSet bool
	var idLoc *loc
	if rm, ok := a["region"].(map[string]any); ok {
		if s, ok := getStr(rm, "regionCode"); ok {
			r.Code, codeSet = s, true
		}
		if id := getIntp(rm, "regionId"); id != nil {
			r.ID, idSet, idLoc = *id, true, at("region/regionId")
		}
		if s, ok := getStr(rm, "region"); ok {
			r.Name, nameSet = s, true
		}
	}
	if id := getIntp(a, "regionId"); id != nil {
		if idSet && *id != r.ID {
			ld.errAt(at("regionId"), false, "differs from region.regionId: give the id once")
			return r
		}
		r.ID, idSet, idLoc = *id, true, at("regionId")
	}
	country, ok := directory.Lookup(countryID)
	if !ok {
		ld.errAt(at("countryId"), false, "is not a country in Magento's directory: use an ISO 3166-1 alpha-2 code, like US")
		return r
	}
	cid := country.ID
	if len(country.Regions) == 0 {
		switch {
		case codeSet:
			ld.errAt(at("region/regionCode"), false, cid+" has no region list in Magento: give the region's name as region: {region: ...}")
		case idSet:
			ld.errAt(idLoc, false, cid+" has no region list in Magento: give the region's name as region: {region: ...}")
		case !nameSet && country.StateRequired:
			ld.errAt(addr, true, "missing region: "+cid+" requires one; add region: {region: <name>}")
		}
		return r
	}
	var byCode, byID directory.Region
	var codeOK, idOK bool
	if codeSet {
		if byCode, codeOK = country.RegionByCode(r.Code); !codeOK {
			ld.errAt(at("region/regionCode"), false, fmt.Sprintf("%s is not a region code of %s: use a code from GET /V1/directory/countries/%s", ld.show(r.Code), cid, cid))
		}
	}
	if idSet {
		if byID, idOK = country.RegionByID(r.ID); !idOK {
			ld.errAt(idLoc, false, fmt.Sprintf("%d is not a region id of %s in a stock store: prefer region: {regionCode: ...}", r.ID, cid))
		}
	}
	if codeOK && idOK && !strings.EqualFold(byID.Code, r.Code) {
		ld.errAt(idLoc, false, fmt.Sprintf("names region %s, not %s (%s is %d in a stock store): give one of them", byID.Code, byCode.Code, byCode.Code, byCode.ID))
	}
	if nameSet && !codeSet && !idSet {
		if _, ok := country.RegionByName(r.Name); !ok {
			ld.errAt(at("region/region"), false, fmt.Sprintf("is not a region name of %s: give region: {regionCode: ...}", cid))
		}
	}
	if !codeSet && !idSet && !nameSet && country.StateRequired {
		ld.errAt(addr, true, fmt.Sprintf("missing region: %s requires one; add region: {regionCode: %s}", cid, country.Regions[0].Code))
	}
	return r
}

// customAttributes reads the customAttributes mapping of m (a customer, or
// an address when prefix is "addresses.<key>."), recording where each value
// is for the checks against the store. Values are kept as written: text,
// a number as its digits, true and false as 1 and 0 (Magento's boolean
// values), a list for a multiselect.
func (ld *loader) customAttributes(key, prefix string, m map[string]any, at func(string) *loc, ptr string) map[string]mageseed.AttributeValue {
	attrs, ok := m["customAttributes"].(map[string]any)
	if !ok || len(attrs) == 0 {
		return nil
	}
	out := make(map[string]mageseed.AttributeValue, len(attrs))
	for code, v := range attrs {
		var av mageseed.AttributeValue
		switch x := v.(type) {
		case []any:
			av.List = make([]string, 0, len(x))
			for _, item := range x {
				av.List = append(av.List, scalarText(item))
			}
		default:
			av.Value = scalarText(x)
		}
		out[code] = av
		l := at(ptr + "/" + escapePtr(code))
		ld.record(key, prefix+"customAttributes."+code, l)
		if l != nil {
			line, col := l.keyPos()
			ld.fieldPos[key+"\x00"+prefix+"customAttributes."+code+"\x00key"] = ld.at(l.file, line, col)
		}
	}
	return out
}

// scalarText renders a schema-valid scalar as the store's text.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

// record remembers where field (a path below customer key, like
// customAttributes.loyalty_number) is written, for the checks that need
// the store's metadata (Manifest.CheckStore).
func (ld *loader) record(key, field string, l *loc) {
	if l == nil {
		return
	}
	line, col := l.pos()
	ld.fieldPos[key+"\x00"+field] = ld.at(l.file, line, col)
}

// addGroups adds a document's groups: keys unique across all files, codes
// unique without regard to case (the store's unique key on the code).
func (ld *loader) addGroups(m map[string]any, c *conv) {
	for _, key := range c.lookup("/groups").keys {
		g, _ := m[key].(map[string]any)
		if g == nil {
			continue
		}
		p := "/groups/" + escapePtr(key)
		kl := c.lookup(p)
		line, col := kl.keyPos()
		if first, dup := ld.groupPos[key]; dup {
			ld.errAt(kl, true, fmt.Sprintf("group %s is already declared at %s: keys must be unique across all files", key, ld.where(first)))
			continue
		}
		gr := mageseed.Group{Key: key}
		gr.Code, _ = getStr(g, "code")
		if id := getIntp(g, "taxClassId"); id != nil {
			gr.TaxClassID = *id
		}
		if strings.TrimSpace(gr.Code) != gr.Code {
			ld.errAt(c.lookup(p+"/code"), false, "must not begin or end with a space")
			continue
		}
		for _, o := range ld.groups {
			if strings.EqualFold(o.Code, gr.Code) {
				ld.errAt(c.lookup(p+"/code"), false, fmt.Sprintf("group %s has the same code (at %s): codes are unique in a store, without regard to case", o.Key, ld.where(ld.groupPos[o.Key])))
				gr.Code = ""
				break
			}
		}
		ld.groupPos[key] = ld.at(kl.file, line, col)
		if gr.Code != "" {
			ld.groups = append(ld.groups, gr)
		}
	}
}
