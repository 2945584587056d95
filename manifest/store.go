package manifest

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mageseed/mageseed"
)

// CheckStore checks customers against a store's metadata and returns every
// problem at the position where the manifest writes it, like Load: custom
// attribute codes the store does not have, option labels that are not
// options, text outside the attribute's validation rules, street lines above
// the street attribute's multiline_count, group codes that neither the
// manifest nor the store declares, and, for the customers that creating
// reports (nil: none), required attributes they leave out.
//
// customers are m.Customers or a copy of them in the same order (as
// apply.Resolve returns). Their custom attribute values are rewritten in the
// store's form: option labels become option ids, a multiselect's list the
// comma-joined ids. The maps are replaced, never changed in place.
//
// Metadata that was not read is not checked: with no attributes (as for
// `mageseed validate` without --metadata), attribute codes pass, and with no
// groups, group codes pass. A StreetLines of 0 means 2, a stock store's.
func (m *Manifest) CheckStore(md *mageseed.Metadata, customers []mageseed.Customer, creating func(i int) bool) Errors {
	ck := &storeCheck{m: m, md: md, secrets: make(map[string]bool, len(m.Secrets))}
	for _, s := range m.Secrets {
		ck.secrets[s] = true
	}
	ck.streetLines = md.StreetLines
	if ck.streetLines <= 0 {
		ck.streetLines = 2
	}
	for i := range customers {
		if len(ck.errs) >= maxErrors {
			break
		}
		c := &customers[i]
		create := creating != nil && creating(i)
		ck.group(c)
		c.CustomAttributes = ck.attributes(c.Key, "", false, c.CustomAttributes)
		if create {
			ck.required(c.Key, "", false, c.CustomAttributes, customerHas(c))
		}
		for j := range c.Addresses {
			a := &c.Addresses[j]
			prefix := "addresses." + a.Key + "."
			if len(a.Street) > ck.streetLines {
				ck.fail(c.Key, prefix+"street", fmt.Sprintf("has %d lines, and the store takes at most %d (its street attribute's multiline_count, customer/address/street_lines): join lines or raise the setting",
					len(a.Street), ck.streetLines))
			}
			a.CustomAttributes = ck.attributes(c.Key, prefix, true, a.CustomAttributes)
			if create {
				ck.required(c.Key, prefix, true, a.CustomAttributes, addressHas(a))
			}
		}
	}
	return ck.errs.sortDedup()
}

// storeCheck is the state of one CheckStore.
type storeCheck struct {
	m           *Manifest
	md          *mageseed.Metadata
	secrets     map[string]bool
	streetLines int
	errs        Errors
}

// fail records msg at field of customer key (its key when the field's place
// was not recorded).
func (ck *storeCheck) fail(key, field, msg string) {
	ck.failAt(key, field, false, msg)
}

// failAt is fail; atKey reports the field's key rather than its value.
func (ck *storeCheck) failAt(key, field string, atKey bool, msg string) {
	p, ok := ck.m.fieldPos[key+"\x00"+field]
	if kp, has := ck.m.fieldPos[key+"\x00"+field+"\x00key"]; atKey && has {
		p = kp
	}
	path := joinPath("customers", key)
	if field != "" {
		path += "." + field
	}
	if !ok {
		p = ck.m.keys[key]
	}
	name := ""
	if int(p.file) < len(ck.m.Files) {
		name = ck.m.Files[p.file].Name
	}
	ck.errs = append(ck.errs, Error{File: name, Line: max(int(p.line), 1), Col: max(int(p.col), 1), Path: path, Msg: msg})
}

// show returns v for a message, unless it is a secret.
func (ck *storeCheck) show(v string) string {
	if ck.secrets[v] {
		return "(a value from the environment)"
	}
	return strconv.Quote(v)
}

// group checks the customer's group code.
func (ck *storeCheck) group(c *mageseed.Customer) {
	if c.Group == "" || ck.md.Groups == nil {
		return
	}
	for _, g := range ck.m.Groups {
		if strings.EqualFold(g.Code, c.Group) {
			return
		}
	}
	if ck.md.GroupByCode(c.Group) != nil {
		return
	}
	var codes []string
	for _, g := range ck.md.Groups {
		if g.ID != 0 {
			codes = append(codes, g.Code)
		}
	}
	ck.fail(c.Key, "group", fmt.Sprintf("the store has no customer group %s and the manifest declares none: declare it under groups, or use one of %s",
		ck.show(c.Group), strings.Join(codes, ", ")))
}

// attributes checks and resolves the declared custom attributes of a
// customer (address false) or an address.
func (ck *storeCheck) attributes(key, prefix string, address bool, attrs map[string]mageseed.AttributeValue) map[string]mageseed.AttributeValue {
	if len(attrs) == 0 {
		return attrs
	}
	entity, list := "customer", ck.md.CustomerAttributes
	if address {
		entity, list = "address", ck.md.AddressAttributes
	}
	out := make(map[string]mageseed.AttributeValue, len(attrs))
	codes := make([]string, 0, len(attrs))
	for code := range attrs {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		v := attrs[code]
		out[code] = v
		field := prefix + "customAttributes." + code
		if mageseed.IsField(address, code) {
			ck.failAt(key, field, true, fmt.Sprintf("%s is a field of the %s, not a custom attribute: write it as a field", code, entity))
			continue
		}
		if list == nil {
			continue // no metadata: codes cannot be checked
		}
		a := ck.md.Attribute(address, code)
		if a == nil {
			custom := map[string]bool{}
			for _, x := range list {
				if !mageseed.IsField(address, x.Code) {
					custom[x.Code] = true
				}
			}
			msg := fmt.Sprintf("the store has no %s attribute %s", entity, code)
			if len(custom) == 0 {
				msg += ": it has no custom " + entity + " attributes"
			} else if s := suggest(code, custom); strings.HasPrefix(s, ": did you mean") {
				msg += s
			} else {
				names := make([]string, 0, len(custom))
				for n := range custom {
					names = append(names, n)
				}
				sort.Strings(names)
				msg += ": its custom " + entity + " attributes are " + strings.Join(names, ", ")
			}
			ck.failAt(key, field, true, msg)
			continue
		}
		resolved, msg := resolveValue(a, v, ck.show)
		if msg != "" {
			ck.fail(key, field, msg)
			continue
		}
		rv := mageseed.AttributeValue{Value: resolved}
		switch {
		case v.List != nil:
			rv.Label = strings.Join(v.List, ", ")
		case v.Value != resolved:
			rv.Label = v.Value
		}
		out[code] = rv
	}
	return out
}

// resolveValue turns a declared value into the store's form for attribute
// a, or says what is wrong with it.
func resolveValue(a *mageseed.Attribute, v mageseed.AttributeValue, show func(string) string) (string, string) {
	if v.List != nil && a.Input != "multiselect" {
		return "", fmt.Sprintf("is a list, and %s is a %s attribute, which takes one value", a.Code, inputName(a.Input))
	}
	if a.HasOptions() || (a.Input == "boolean" && len(a.Options) > 0) {
		items := v.List
		if items == nil {
			items = []string{v.Value}
			if a.Input == "multiselect" && strings.Contains(v.Value, ",") && optionOf(a, v.Value) == "" {
				items = strings.Split(v.Value, ",")
			}
		}
		ids := make([]string, 0, len(items))
		for _, it := range items {
			id := optionOf(a, strings.TrimSpace(it))
			if id == "" {
				var labels []string
				for _, o := range a.Options {
					if strings.TrimSpace(o.Label) != "" && o.Value != "" {
						labels = append(labels, o.Label)
					}
				}
				return "", fmt.Sprintf("%s is not an option of %s: use one of %s (a label or its value)", show(it), a.Code, strings.Join(labels, ", "))
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		sortIDs(ids)
		return strings.Join(ids, ","), ""
	}
	if msg := textProblem(a, v.Value); msg != "" {
		return "", msg
	}
	return v.Value, ""
}

// optionOf returns the value (id) of a's option whose label or value is s:
// the exact label first, then the value, then the label without regard to
// case; "" when none.
func optionOf(a *mageseed.Attribute, s string) string {
	if s == "" {
		return ""
	}
	for _, o := range a.Options {
		if o.Value != "" && o.Label == s {
			return o.Value
		}
	}
	for _, o := range a.Options {
		if o.Value != "" && o.Value == s {
			return o.Value
		}
	}
	for _, o := range a.Options {
		if o.Value != "" && strings.EqualFold(strings.TrimSpace(o.Label), s) {
			return o.Value
		}
	}
	return ""
}

// sortIDs sorts option ids, numerically when they are numbers.
func sortIDs(ids []string) {
	sort.SliceStable(ids, func(i, j int) bool {
		a, erra := strconv.Atoi(ids[i])
		b, errb := strconv.Atoi(ids[j])
		if erra == nil && errb == nil {
			return a < b
		}
		return ids[i] < ids[j]
	})
}

func inputName(input string) string {
	if input == "" {
		return "text"
	}
	return input
}

var (
	numericRe  = regexp.MustCompile(`^[0-9]+$`)
	dateRuleRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)
)

// textProblem checks a text value against the attribute's validation rules
// (Magento\Eav\Model\Attribute\Data\Text::validateValue and
// AbstractData::_validateInputRule).
func textProblem(a *mageseed.Attribute, s string) string {
	rule := func(name string) (int, bool) {
		v, ok := a.Validation[name]
		if !ok {
			return 0, false
		}
		k, err := strconv.Atoi(strings.TrimSpace(v))
		return k, err == nil && k > 0
	}
	// Lengths count only when the attribute has an input validation
	// (Magento\Eav\Model\Attribute\Data\Text::validateLength), of the
	// trimmed value.
	_, lengths := a.Validation["input_validation"]
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if k, ok := rule("min_text_length"); lengths && ok && n < k {
		return fmt.Sprintf("must be at least %d characters long (the store's rule for %s)", k, a.Code)
	}
	if k, ok := rule("max_text_length"); lengths && ok && n > k {
		return fmt.Sprintf("must be at most %d characters long (the store's rule for %s)", k, a.Code)
	}
	bad := func(what string) string {
		return fmt.Sprintf("must hold %s (the store's input validation for %s)", what, a.Code)
	}
	switch a.Validation["input_validation"] {
	case "alphanumeric":
		if !allRunes(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return bad("letters and digits only")
		}
	case "alphanum-with-spaces":
		if !allRunes(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' }) {
			return bad("letters, digits and spaces only")
		}
	case "numeric":
		if !numericRe.MatchString(s) {
			return bad("digits only")
		}
	case "alpha":
		if !allRunes(s, unicode.IsLetter) {
			return bad("letters only")
		}
	case "email":
		if _, err := mail.ParseAddress(s); err != nil || strings.ContainsAny(s, "<> ") {
			return bad("an email address")
		}
	case "url":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
			return bad("a URL, like https://example.com")
		}
	case "date":
		if !dateRuleRe.MatchString(s) {
			return bad("a date written YYYY-MM-DD")
		}
	}
	if a.Input == "date" && s != "" && !dateRuleRe.MatchString(s) {
		return fmt.Sprintf("must be a date written YYYY-MM-DD (%s is a date attribute)", a.Code)
	}
	return ""
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

// required reports the store's required attributes that a customer or
// address to create leaves out: custom attributes, and the fields a store
// may make required in its configuration (dob, gender, taxvat, prefix, ...),
// which has reports.
func (ck *storeCheck) required(key, prefix string, address bool, attrs map[string]mageseed.AttributeValue, has func(code string) (bool, bool)) {
	list := ck.md.CustomerAttributes
	entity := "customer"
	if address {
		list, entity = ck.md.AddressAttributes, "address"
	}
	for _, a := range list {
		if !a.Required || (a.System && !a.UserDefined && !mageseed.IsField(address, a.Code)) {
			continue // a system attribute the store fills itself
		}
		if mageseed.IsField(address, a.Code) {
			present, known := has(a.Code)
			if known && !present {
				ck.fail(key, strings.TrimSuffix(prefix, "."), fmt.Sprintf("the store requires %s on every %s (its attribute is required): declare it", a.Code, entity))
			}
			continue
		}
		if v, ok := attrs[a.Code]; ok && (v.Value != "" || len(v.List) > 0) {
			continue
		}
		ck.fail(key, strings.TrimSuffix(prefix, "."), fmt.Sprintf("missing required attribute %s: the store requires it on every new %s; add it under customAttributes", a.Code, entity))
	}
}

// customerHas reports, for the customer fields a store's configuration may
// make required, whether c declares them; known is false for other codes.
func customerHas(c *mageseed.Customer) func(string) (bool, bool) {
	return func(code string) (bool, bool) {
		switch code {
		case "dob":
			return c.Dob != nil, true
		case "gender":
			return c.Gender != nil && *c.Gender != 0, true
		case "taxvat":
			return c.Taxvat != nil && *c.Taxvat != "", true
		case "prefix":
			return c.Prefix != nil && *c.Prefix != "", true
		case "suffix":
			return c.Suffix != nil && *c.Suffix != "", true
		case "middlename":
			return c.Middlename != nil && *c.Middlename != "", true
		}
		return false, false
	}
}

// addressHas is customerHas for an address.
func addressHas(a *mageseed.Address) func(string) (bool, bool) {
	return func(code string) (bool, bool) {
		switch code {
		case "company":
			return a.Company != nil && *a.Company != "", true
		case "fax":
			return a.Fax != nil && *a.Fax != "", true
		case "vat_id":
			return a.VatID != nil && *a.VatID != "", true
		case "prefix":
			return a.Prefix != nil && *a.Prefix != "", true
		case "suffix":
			return a.Suffix != nil && *a.Suffix != "", true
		case "middlename":
			return a.Middlename != nil && *a.Middlename != "", true
		}
		return false, false
	}
}
