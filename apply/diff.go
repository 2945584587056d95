package apply

import (
	"sort"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
)

// identity is a customer's identity in a store: its email, case-folded, and
// its website.
type identity struct {
	email   string
	website int
}

func identityOf(c *mageseed.Customer) identity {
	return identity{strings.ToLower(strings.TrimSpace(c.Email)), c.WebsiteID}
}

// index maps identities to remote customers. Building it is linear; every
// lookup is a map access, so a diff over N customers is O(N). dups holds the
// identities that more than one remote customer has, with all of them.
func index(remote []mageseed.Customer) (idx map[identity]*mageseed.Customer, dups map[identity][]*mageseed.Customer) {
	idx = make(map[identity]*mageseed.Customer, len(remote))
	for i := range remote {
		id := identityOf(&remote[i])
		if first, seen := idx[id]; seen {
			if dups == nil {
				dups = make(map[identity][]*mageseed.Customer)
			}
			if len(dups[id]) == 0 {
				dups[id] = append(dups[id], first)
			}
			dups[id] = append(dups[id], &remote[i])
			continue
		}
		idx[id] = &remote[i]
	}
	return idx, dups
}

// duplicate returns the Duplicate of desired customer d, which the
// customers in list share.
func duplicate(d *mageseed.Customer, list []*mageseed.Customer, a Action) Duplicate {
	dup := Duplicate{Key: d.Key, Email: d.Email, WebsiteID: d.WebsiteID, Action: a}
	seen := map[int]bool{}
	for _, r := range list {
		if !seen[r.ID] {
			seen[r.ID] = true
			dup.IDs = append(dup.IDs, r.ID)
		}
	}
	sort.Ints(dup.IDs)
	return dup
}

// Diff compares the desired customers (resolved: WebsiteID and region ids
// filled) with the remote ones and returns the plan: one change per desired
// customer, in order, but for those the store holds more than once, which
// are the plan's Duplicates.
//
// Only what the desired customer declares is compared (field ownership):
// email, firstname and lastname always; the optional fields when they are
// not nil; addresses by normalised content (see matchAddresses). Passwords
// cannot be read back and are never compared. Addresses in the store that
// no desired address matches are kept, never offered for deletion.
//
// The plan's changes point into desired and remote: leave both unchanged
// while the plan is in use.
func Diff(desired, remote []mageseed.Customer) *Plan {
	idx, dups := index(remote)
	p := &Plan{Changes: make([]Change, 0, len(desired))}
	for i := range desired {
		d := &desired[i]
		if list := dups[identityOf(d)]; len(list) > 1 {
			p.Duplicates = append(p.Duplicates, duplicate(d, list, NoOp))
			continue
		}
		ch := Change{Key: d.Key, Email: d.Email, WebsiteID: d.WebsiteID, Desired: d}
		r, ok := idx[identityOf(d)]
		if !ok {
			ch.Action = Create
			ch.Fields = createFields(d)
			p.Changes = append(p.Changes, ch)
			continue
		}
		ch.Remote = r
		ch.ID = r.ID
		ch.Fields = changes(d, r)
		if len(ch.Fields) > 0 {
			ch.Action = Update
		}
		p.Changes = append(p.Changes, ch)
	}
	return p
}

// DestroyPlan returns the plan that deletes the desired customers found in
// the store: a Delete for each, first, then a NoOp for each customer that is
// already absent. A customer the store holds more than once is a Duplicate:
// none of its copies is deleted.
func DestroyPlan(desired, remote []mageseed.Customer) *Plan {
	idx, dups := index(remote)
	p := &Plan{Changes: make([]Change, 0, len(desired))}
	var absent []Change
	for i := range desired {
		d := &desired[i]
		if list := dups[identityOf(d)]; len(list) > 1 {
			p.Duplicates = append(p.Duplicates, duplicate(d, list, Delete))
			continue
		}
		r, ok := idx[identityOf(d)]
		if !ok {
			absent = append(absent, Change{Key: d.Key, Email: d.Email, WebsiteID: d.WebsiteID})
			continue
		}
		p.Changes = append(p.Changes, Change{
			Action:    Delete,
			Key:       d.Key,
			Email:     r.Email,
			WebsiteID: r.WebsiteID,
			ID:        r.ID,
			Remote:    r,
			Fields:    deleteFields(r),
		})
	}
	p.Changes = append(p.Changes, absent...)
	return p
}

// deleteFields lists what a Delete removes, for the plan's rendering.
func deleteFields(r *mageseed.Customer) []FieldChange {
	f := []FieldChange{
		{Path: "id", Action: Delete, Old: strconv.Itoa(r.ID)},
		{Path: "email", Action: Delete, Old: r.Email},
		{Path: "firstname", Action: Delete, Old: r.Firstname},
		{Path: "lastname", Action: Delete, Old: r.Lastname},
	}
	for i := range r.Addresses {
		a := &r.Addresses[i]
		f = append(f, FieldChange{Path: "addresses." + strconv.Itoa(a.ID), Action: Delete, Old: renderAddress(a, isDefault(r, a))})
	}
	return f
}

// createFields lists the declared fields of a customer to create.
func createFields(d *mageseed.Customer) []FieldChange {
	n := 5 + len(d.Addresses) // email, names, website, password, addresses
	for _, o := range optionalFields {
		if _, ok := o.get(d); ok {
			n++
		}
	}
	f := make([]FieldChange, 0, n)
	add := func(path, v string) {
		if v != "" {
			f = append(f, FieldChange{Path: path, Action: Create, New: v})
		}
	}
	add("email", d.Email)
	add("firstname", d.Firstname)
	add("lastname", d.Lastname)
	add("websiteId", strconv.Itoa(d.WebsiteID))
	for _, o := range optionalFields {
		if v, ok := o.get(d); ok {
			add(o.path, v)
		}
	}
	codes := make([]string, 0, len(d.CustomAttributes))
	for k := range d.CustomAttributes {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		add("customAttributes."+k, attrText(d.CustomAttributes[k]))
	}
	if d.Password != "" {
		f = append(f, FieldChange{Path: "password", Action: Create, Sensitive: true})
	}
	for i := range d.Addresses {
		a := &d.Addresses[i]
		f = append(f, FieldChange{Path: "addresses." + addressKey(a, i), Action: Create, New: renderAddress(a, defaults{a.DefaultBilling, a.DefaultShipping})})
	}
	return f
}

// optionalField is a customer field that a manifest may leave out.
type optionalField struct {
	path string
	// get returns the field's rendering and whether it is set.
	get func(c *mageseed.Customer) (string, bool)
	// set copies the field from src to dst.
	set func(dst, src *mageseed.Customer)
	// norm normalises a rendering for comparison.
	norm func(string) string
	// quietUnknown: when the store does not say the value (a nil remote
	// field), no change is reported, but an update still sends the
	// declared value.
	quietUnknown bool
}

func strField(path string, f func(c *mageseed.Customer) **string) optionalField {
	return optionalField{
		path: path,
		get: func(c *mageseed.Customer) (string, bool) {
			p := *f(c)
			if p == nil {
				return "", false
			}
			return *p, true
		},
		set:  func(dst, src *mageseed.Customer) { *f(dst) = *f(src) },
		norm: strings.TrimSpace,
	}
}

func intField(path string, f func(c *mageseed.Customer) **int) optionalField {
	return optionalField{
		path: path,
		get: func(c *mageseed.Customer) (string, bool) {
			p := *f(c)
			if p == nil {
				return "", false
			}
			return strconv.Itoa(*p), true
		},
		set:  func(dst, src *mageseed.Customer) { *f(dst) = *f(src) },
		norm: func(s string) string { return s },
	}
}

// optionalFields are the customer fields compared only when declared.
var optionalFields = []optionalField{
	strField("middlename", func(c *mageseed.Customer) **string { return &c.Middlename }),
	strField("prefix", func(c *mageseed.Customer) **string { return &c.Prefix }),
	strField("suffix", func(c *mageseed.Customer) **string { return &c.Suffix }),
	func() optionalField {
		f := strField("dob", func(c *mageseed.Customer) **string { return &c.Dob })
		// A store may answer "1990-01-02 00:00:00" for "1990-01-02".
		f.norm = func(s string) string {
			s = strings.TrimSpace(s)
			if len(s) > 10 && s[10] == ' ' {
				s = s[:10]
			}
			return s
		}
		return f
	}(),
	strField("taxvat", func(c *mageseed.Customer) **string { return &c.Taxvat }),
	intField("gender", func(c *mageseed.Customer) **int { return &c.Gender }),
	intField("groupId", func(c *mageseed.Customer) **int { return &c.GroupID }),
	{
		path: "group",
		get:  func(c *mageseed.Customer) (string, bool) { return c.Group, c.Group != "" },
		set:  func(dst, src *mageseed.Customer) { dst.Group = src.Group },
		norm: strings.ToLower,
	},
	intField("storeId", func(c *mageseed.Customer) **int { return &c.StoreID }),
	{
		// Some stores leave is_subscribed out of their answers: unknown is
		// not a difference.
		path: "isSubscribed",
		get: func(c *mageseed.Customer) (string, bool) {
			if c.IsSubscribed == nil {
				return "", false
			}
			return strconv.FormatBool(*c.IsSubscribed), true
		},
		set: func(dst, src *mageseed.Customer) {
			b := *src.IsSubscribed
			dst.IsSubscribed = &b
		},
		norm:         func(s string) string { return s },
		quietUnknown: true,
	},
}

// changes returns the field changes that would make remote r what d
// declares. It is converge without building the customer to send, for
// plans.
func changes(d, r *mageseed.Customer) []FieldChange {
	f := fieldChanges(d, r, nil)
	af, _, _, _ := convergeAddresses(d, r, false)
	f = append(f, af...)
	if d.Confirm && r.Confirmation != "" {
		f = append(f, FieldChange{Path: "confirmation", Action: Update, Old: "awaiting email confirmation", New: "activated"})
	}
	return f
}

// converge returns the customer to send to the store so that remote r
// becomes what d declares, and the field changes that takes. It starts from
// r, so that fields d does not declare and addresses d does not match are
// sent back as they are, and the password is never part of it.
func converge(d, r *mageseed.Customer) (mageseed.Customer, []FieldChange) {
	t := *r
	t.Key = d.Key
	t.Password = ""
	t.Token = false
	f := fieldChanges(d, r, &t)
	af, addrs, billing, shipping := convergeAddresses(d, r, true)
	f = append(f, af...)
	t.Addresses = addrs
	t.DefaultBilling, t.DefaultShipping = billing, shipping
	return t, f
}

// fieldChanges compares the customer fields d declares with r's and, when
// t is not nil, copies the changed ones into t.
func fieldChanges(d, r, t *mageseed.Customer) []FieldChange {
	var f []FieldChange
	if strings.TrimSpace(d.Firstname) != strings.TrimSpace(r.Firstname) {
		f = append(f, FieldChange{Path: "firstname", Action: Update, Old: r.Firstname, New: d.Firstname})
		if t != nil {
			t.Firstname = d.Firstname
		}
	}
	if strings.TrimSpace(d.Lastname) != strings.TrimSpace(r.Lastname) {
		f = append(f, FieldChange{Path: "lastname", Action: Update, Old: r.Lastname, New: d.Lastname})
		if t != nil {
			t.Lastname = d.Lastname
		}
	}
	for _, o := range optionalFields {
		dv, declared := o.get(d)
		if !declared {
			continue
		}
		rv, held := o.get(r)
		if held && o.norm(dv) == o.norm(rv) {
			continue
		}
		if !held && o.quietUnknown {
			if t != nil {
				o.set(t, d)
			}
			continue
		}
		a := Update
		if !held {
			a = Create
		}
		f = append(f, FieldChange{Path: o.path, Action: a, Old: rv, New: dv})
		if t != nil {
			o.set(t, d)
		}
	}
	af, merged := attributeChanges("customAttributes", d.CustomAttributes, r.CustomAttributes)
	f = append(f, af...)
	if t != nil && len(d.CustomAttributes) > 0 {
		t.CustomAttributes = merged
	}
	return f
}

// attributeChanges compares the declared custom attributes d with the
// stored ones r, code by code (field ownership per attribute), and returns
// the changes and the full set to send: r's values with d's over them. A
// stock 2.4.8 keeps the attributes an update leaves out
// (Magento\Customer\Model\ResourceModel\CustomerRepository::save), but
// stores with modules that replace the customer on save lose them: sending
// the whole set is right for both.
func attributeChanges(prefix string, d, r map[string]mageseed.AttributeValue) ([]FieldChange, map[string]mageseed.AttributeValue) {
	if len(d) == 0 {
		return nil, r
	}
	merged := make(map[string]mageseed.AttributeValue, len(r)+len(d))
	for k, v := range r {
		merged[k] = v
	}
	codes := make([]string, 0, len(d))
	for k := range d {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	var f []FieldChange
	for _, code := range codes {
		dv := d[code]
		merged[code] = dv
		rv, held := r[code]
		if held && attrNorm(dv.Value) == attrNorm(rv.Value) {
			continue
		}
		a := Update
		if !held {
			a = Create
		}
		f = append(f, FieldChange{Path: prefix + "." + code, Action: a, Old: attrText(rv), New: attrText(dv)})
	}
	return f, merged
}

// attrText renders a declared value for a plan.
func attrText(v mageseed.AttributeValue) string {
	switch {
	case v.Value == "" && len(v.List) > 0:
		return strings.Join(v.List, ",")
	case v.Label != "" && v.Label != v.Value:
		return v.Label + " (" + v.Value + ")"
	}
	return v.Value
}

// attrNorm normalises a custom attribute value for comparison: spaces
// around it, a date stored as "YYYY-MM-DD 00:00:00", and the order of a
// multiselect's option ids do not count.
func attrNorm(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 19 && strings.HasSuffix(s, " 00:00:00") {
		return s[:10]
	}
	if strings.Contains(s, ",") {
		parts := strings.Split(s, ",")
		nums := make([]int, 0, len(parts))
		for _, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return s
			}
			nums = append(nums, n)
		}
		sort.Ints(nums)
		out := make([]string, len(nums))
		for i, n := range nums {
			out[i] = strconv.Itoa(n)
		}
		return strings.Join(out, ",")
	}
	return s
}

// convergeAddresses matches d's addresses to r's and returns the field
// changes and, when build is set, the full address list to send (r's
// addresses, kept with their ids and with default flags as d declares,
// then d's unmatched addresses, new) and the customer's resulting default
// billing and shipping address ids (0 when the default is a new address,
// which the address flag marks).
func convergeAddresses(d, r *mageseed.Customer, build bool) ([]FieldChange, []mageseed.Address, int, int) {
	billing, shipping := r.DefaultBilling, r.DefaultShipping
	if len(d.Addresses) == 0 {
		return nil, r.Addresses, billing, shipping
	}
	match := matchAddresses(d.Addresses, r.Addresses)
	inPlace := adoptRecorded(d.Addresses, r.Addresses, match)
	var f []FieldChange
	for i := range d.Addresses {
		da := &d.Addresses[i]
		key := addressKey(da, i)
		j := match[i]
		if j < 0 {
			f = append(f, FieldChange{Path: "addresses." + key, Action: Create, New: renderAddress(da, defaults{da.DefaultBilling, da.DefaultShipping})})
			continue
		}
		if inPlace[i] {
			f = append(f, addressChanges("addresses."+key, da, &r.Addresses[j])...)
		}
		af, _ := attributeChanges("addresses."+key+".customAttributes", da.CustomAttributes, r.Addresses[j].CustomAttributes)
		f = append(f, af...)
		df := isDefault(r, &r.Addresses[j])
		if da.DefaultBilling && !df.billing {
			f = append(f, FieldChange{Path: "addresses." + key + ".defaultBilling", Action: Update, Old: "false", New: "true"})
		}
		if da.DefaultShipping && !df.shipping {
			f = append(f, FieldChange{Path: "addresses." + key + ".defaultShipping", Action: Update, Old: "false", New: "true"})
		}
	}
	if !build {
		return f, nil, 0, 0
	}

	out := make([]mageseed.Address, len(r.Addresses), len(r.Addresses)+len(d.Addresses))
	copy(out, r.Addresses)
	for i := range out {
		df := isDefault(r, &out[i])
		out[i].DefaultBilling, out[i].DefaultShipping = df.billing, df.shipping
	}
	newBilling, newShipping := -1, -1 // index into out of the declared default
	for i := range d.Addresses {
		da := &d.Addresses[i]
		j := match[i]
		switch {
		case j < 0:
			na := *da
			na.ID = 0
			out = append(out, na)
			j = len(out) - 1
		case inPlace[i]:
			out[j] = mergeAddress(*da, out[j])
		default:
			out[j].Key = da.Key
		}
		if j < len(r.Addresses) && len(da.CustomAttributes) > 0 {
			_, out[j].CustomAttributes = attributeChanges("", da.CustomAttributes, r.Addresses[j].CustomAttributes)
		}
		if da.DefaultBilling && newBilling < 0 {
			newBilling = j
		}
		if da.DefaultShipping && newShipping < 0 {
			newShipping = j
		}
	}
	if newBilling >= 0 {
		for i := range out {
			out[i].DefaultBilling = i == newBilling
		}
		billing = out[newBilling].ID
	}
	if newShipping >= 0 {
		for i := range out {
			out[i].DefaultShipping = i == newShipping
		}
		shipping = out[newShipping].ID
	}
	return f, out, billing, shipping
}

// addressKey is the name of the i-th desired address in paths: its
// manifest key, or its position when it has none.
func addressKey(a *mageseed.Address, i int) string {
	if a.Key != "" {
		return a.Key
	}
	return strconv.Itoa(i)
}

// defaults says whether an address is its customer's default billing and
// shipping address.
type defaults struct{ billing, shipping bool }

// isDefault reports whether a is c's default billing and shipping address,
// by the address flags or by the customer's default ids.
func isDefault(c *mageseed.Customer, a *mageseed.Address) defaults {
	return defaults{
		billing:  a.DefaultBilling || (a.ID != 0 && c.DefaultBilling == a.ID),
		shipping: a.DefaultShipping || (a.ID != 0 && c.DefaultShipping == a.ID),
	}
}

// renderAddress renders an address on one line, for plans.
func renderAddress(a *mageseed.Address, df defaults) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if a.Company != nil {
		add(*a.Company)
	}
	add(strings.TrimSpace(a.Firstname + " " + a.Lastname))
	add(strings.Join(a.Street, " "))
	add(a.City)
	region := a.Region.Code
	if region == "" {
		region = a.Region.Name
	}
	if region == "" && a.Region.ID != 0 {
		region = "region " + strconv.Itoa(a.Region.ID)
	}
	add(strings.TrimSpace(region + " " + a.Postcode))
	add(a.CountryID)
	add(a.Telephone)
	s := strings.Join(parts, ", ")
	switch {
	case df.billing && df.shipping:
		s += " (default billing and shipping)"
	case df.billing:
		s += " (default billing)"
	case df.shipping:
		s += " (default shipping)"
	}
	return s
}
