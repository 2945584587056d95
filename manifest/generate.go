package manifest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/bits"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/outputs"
)

// maxGenerated bounds the customers that all generators of a manifest make
// together, so that a few bytes of YAML cannot ask for gigabytes.
var maxGenerated = 200_000

// genSpec is one entry of a generate list, with its document's defaults
// applied.
type genSpec struct {
	file       string
	key        string
	count      int
	seed       int64
	email      string // pattern with {n}
	password   string
	addresses  int
	countries  []directory.Country
	groupID    *int
	group      string
	subscribed *bool
	confirm    bool
	website    string
	token      bool

	at     *loc // the entry
	keyAt  *loc
	mailAt *loc
}

// addGenerator reads and checks one generate entry (already schema-valid).
func (ld *loader) addGenerator(ds *docState, m map[string]any, c *conv, ptr string) {
	at := func(f string) *loc { return c.lookup(ptr + "/" + f) }
	g := &genSpec{file: ds.file, addresses: 1, at: c.lookup(ptr), keyAt: at("key"), mailAt: at("email")}
	g.key, _ = getStr(m, "key")
	if n := getIntp(m, "count"); n != nil {
		g.count = *n
	}
	if s := getIntp(m, "seed"); s != nil {
		g.seed = int64(*s)
	}
	if n := getIntp(m, "addresses"); n != nil {
		g.addresses = *n
	}
	g.groupID = getIntp(m, "groupId")
	g.website, _ = getStr(m, "website")
	g.token, _ = m["token"].(bool)
	var pwAt *loc
	if pw, ok := getStr(m, "password"); ok {
		g.password, pwAt = pw, at("password")
	}
	if d := ds.defaults; d != nil && ds.defOK {
		if _, ok := m["password"]; !ok {
			g.password, _ = getStr(d, "password")
		}
		if g.website == "" {
			g.website, _ = getStr(d, "website")
		}
		if g.groupID == nil {
			g.groupID = getIntp(d, "groupId")
		}
		g.group, _ = getStr(d, "group")
		if b, ok := d["isSubscribed"].(bool); ok {
			g.subscribed = &b
		}
		g.confirm, _ = d["confirm"].(bool)
		if _, ok := m["token"]; !ok {
			g.token, _ = d["token"].(bool)
		}
	}
	ok := true
	if pwAt != nil {
		ld.addSecret(g.password)
		if msg := passwordProblem(g.password, ""); msg != "" {
			ld.errAt(pwAt, false, msg)
			ok = false
		}
	}
	if g.token && g.password == "" && pwAt == nil {
		if ds.defaults == nil || ds.defOK {
			// Defaults with problems were reported where they are.
			ld.errAt(g.at, true, "a token needs the customers' password to sign in with: set password here or under defaults")
		}
		ok = false
	}
	g.email = g.key + "-{n}@example.test"
	if e, has := getStr(m, "email"); has {
		g.email = e
		if g.count > 1 && !strings.Contains(e, "{n}") {
			ld.errAt(g.mailAt, false, "must contain {n}, the customer's number, so that every email is different")
			ok = false
		} else if msg := emailProblem(g.emailOf(1)); msg != "" {
			ld.errAt(g.mailAt, false, "with {n} replaced, "+msg)
			ok = false
		}
	}
	countries := []any{"US"}
	if l, has := m["countries"].([]any); has {
		countries = l
	}
	for i, x := range countries {
		id, _ := x.(string)
		co, known := directory.Lookup(id)
		if !known {
			ld.errAt(at("countries/"+strconv.Itoa(i)), false, "is not a country in Magento's directory: use an ISO 3166-1 alpha-2 code, like US")
			ok = false
			continue
		}
		g.countries = append(g.countries, co)
	}
	if ok {
		ld.gens = append(ld.gens, g)
	}
}

// width is the number of digits in generated numbers: that of count, at
// least 4.
func (g *genSpec) width() int { return max(4, len(strconv.Itoa(g.count))) }

func (g *genSpec) number(i int) string {
	s := strconv.Itoa(i)
	if w := g.width(); len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return s
}

func (g *genSpec) emailOf(i int) string { return strings.ReplaceAll(g.email, "{n}", g.number(i)) }

// rnd is the random source of one generated field: a function of (seed,
// index, field) only, never a stream shared between fields, so that adding a
// field changes no other value.
type rnd struct{ state uint64 }

func newRnd(seed int64, index int, field string) *rnd {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(index))
	h.Write(b[:])
	h.Write([]byte(field))
	return &rnd{state: h.Sum64()}
}

// next returns the next value of a splitmix64 sequence.
func (r *rnd) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rnd) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func pick[T any](r *rnd, list []T) T { return list[r.intn(len(list))] }

// digits fills a format: # is a digit, N a digit from 2 to 9, A an
// upper-case letter.
func (r *rnd) digits(format string) string {
	b := []byte(format)
	for i, c := range b {
		switch c {
		case '#':
			b[i] = byte('0' + r.intn(10))
		case 'N':
			b[i] = byte('2' + r.intn(8))
		case 'A':
			b[i] = byte('A' + r.intn(26))
		}
	}
	return string(b)
}

// genField sets one generated field of customer i (1-based).
type genField struct {
	name string
	set  func(g *genSpec, i int, r *rnd, c *mageseed.Customer)
}

// customerFields are the generated customer fields. Each draws from its own
// rnd, so adding one here leaves every other value as it was.
var customerFields = []genField{
	{"firstname", func(g *genSpec, i int, r *rnd, c *mageseed.Customer) { c.Firstname = pick(r, firstNames) }},
	{"lastname", func(g *genSpec, i int, r *rnd, c *mageseed.Customer) { c.Lastname = pick(r, lastNames) }},
}

// addressFields are the generated address fields, drawn per (seed, index,
// "address.<n>.<field>"). country comes first: the others depend on it.
var addressFields = []struct {
	name string
	set  func(r *rnd, co directory.Country, a *mageseed.Address)
}{
	{"street", func(r *rnd, co directory.Country, a *mageseed.Address) {
		a.Street = []string{streetLine(r, co.ID)}
	}},
	{"city", func(r *rnd, co directory.Country, a *mageseed.Address) {
		a.City = pick(r, citiesOf(co.ID))
	}},
	{"region", func(r *rnd, co directory.Country, a *mageseed.Address) {
		if regs := usableRegions(co); len(regs) > 0 {
			d := pick(r, regs)
			a.Region = mageseed.Region{Code: d.Code, Name: d.Name}
		} else if co.StateRequired {
			a.Region = mageseed.Region{Name: pick(r, genericRegions)}
		}
	}},
	{"postcode", func(r *rnd, co directory.Country, a *mageseed.Address) {
		a.Postcode = r.digits(postcodeFormat(co.ID))
	}},
	{"telephone", func(r *rnd, co directory.Country, a *mageseed.Address) {
		a.Telephone = r.digits(phoneFormat(co.ID))
	}},
}

// customer returns generated customer i (1-based) with the given customer
// and address fields.
func (g *genSpec) customer(i int, cf []genField, af []string) mageseed.Customer {
	c := mageseed.Customer{
		Key:      g.key + "-" + g.number(i),
		Email:    strings.ToLower(g.emailOf(i)),
		Website:  g.website,
		Password: g.password,
		Token:    g.token,
	}
	if g.groupID != nil {
		c.GroupID = mageseed.Int(*g.groupID)
	}
	c.Group, c.Confirm = g.group, g.confirm
	if g.subscribed != nil {
		b := *g.subscribed
		c.IsSubscribed = &b
	}
	for _, f := range cf {
		f.set(g, i, newRnd(g.seed, i, f.name), &c)
	}
	for n := 1; n <= g.addresses; n++ {
		prefix := "address." + strconv.Itoa(n) + "."
		co := g.countries[0]
		if len(g.countries) > 1 {
			co = pick(newRnd(g.seed, i, prefix+"country"), g.countries)
		}
		a := mageseed.Address{
			Key:       "address-" + strconv.Itoa(n),
			Firstname: c.Firstname,
			Lastname:  c.Lastname,
			CountryID: co.ID,
		}
		for _, f := range addressFields {
			if af != nil && !contains(af, f.name) {
				continue
			}
			f.set(newRnd(g.seed, i, prefix+f.name), co, &a)
		}
		if n == 1 {
			a.DefaultBilling, a.DefaultShipping = true, true
		}
		c.Addresses = append(c.Addresses, a)
	}
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// usableRegions are the regions a generated address may use: all of the
// country's, without the US armed forces regions.
func usableRegions(co directory.Country) []directory.Region {
	out := make([]directory.Region, 0, len(co.Regions))
	for _, r := range co.Regions {
		if !strings.HasPrefix(r.Name, "Armed Forces") {
			out = append(out, r)
		}
	}
	return out
}

// expand appends the generated customers of every generator, checking their
// keys and emails against the declared ones.
func (ld *loader) expand() {
	total := 0
	for _, g := range ld.gens {
		total += g.count
		if total > maxGenerated {
			ld.errAt(g.at, true, fmt.Sprintf("generators may make at most %d customers in all: lower count", maxGenerated))
			return
		}
	}
	for _, g := range ld.gens {
		website := g.website
		if website == "" {
			website = ld.store.Website
		}
		g.website = website
		f := &ld.files[ld.fileNo[g.file]]
		reported := false
		for i := 1; i <= g.count; i++ {
			c := g.customer(i, customerFields, nil)
			if first, dup := ld.keys[c.Key]; dup {
				if !reported {
					ld.errAt(g.keyAt, false, fmt.Sprintf("generates key %s, already declared at %s: choose another key", c.Key, ld.where(first)))
					reported = true
				}
				continue
			}
			line, col := g.keyAt.pos()
			ld.keys[c.Key] = ld.at(g.file, line, col)
			ld.custs = append(ld.custs, c)
			ml, mc := g.mailAt.pos()
			ld.metas = append(ld.metas, custMeta{gen: g, email: ld.at(g.file, ml, mc)})
			f.Customers++
			f.Addresses += len(c.Addresses)
		}
	}
}

// finish completes the manifest once every file is loaded: websites from the
// store section, generated customers, and (email, website) uniqueness.
func (ld *loader) finish() {
	for i := range ld.custs {
		if ld.custs[i].Website == "" && ld.custs[i].WebsiteID == 0 {
			ld.custs[i].Website = ld.store.Website
		}
	}
	ld.expand()
	seen := make(map[string]int, len(ld.custs))
	reportedGen := map[*genSpec]bool{}
	for i, c := range ld.custs {
		site := "code:" + c.Website
		if c.Website == "" && c.WebsiteID != 0 {
			site = "id:" + strconv.Itoa(c.WebsiteID)
		}
		id := strings.ToLower(c.Email) + "\x00" + site
		j, dup := seen[id]
		if !dup {
			seen[id] = i
			continue
		}
		m := ld.metas[i]
		if m.gen != nil {
			if reportedGen[m.gen] {
				continue
			}
			reportedGen[m.gen] = true
		}
		e := Error{File: ld.files[m.email.file].Name, Line: int(m.email.line), Col: int(m.email.col),
			Path: joinPath(joinPath("customers", c.Key), "email")}
		first := ld.custs[j].Key
		e.Msg = fmt.Sprintf("customer %s has the same email in the same website (at %s): emails must be unique per website", first, ld.where(ld.metas[j].email))
		if m.gen != nil {
			e.Path = m.gen.mailAt.path
			e.Msg = fmt.Sprintf("generates %s with the email of customer %s (at %s): emails must be unique per website", c.Key, first, ld.where(ld.metas[j].email))
		}
		ld.errs = append(ld.errs, e)
	}
	ld.nameCollisions()
}

// nameCollisions reports the customer and address keys that would write the
// same variable in the dotenv and github outputs formats, or one of the
// store's own (see outputs.Collisions), naming both keys and both places.
func (ld *loader) nameCollisions() {
	custs := ld.custs
	addrs := func(i int) []string {
		as := custs[i].Addresses
		keys := make([]string, len(as))
		for j := range as {
			keys[j] = as[j].Key
			if keys[j] == "" {
				keys[j] = strconv.Itoa(j)
			}
		}
		return keys
	}
	cols := outputs.Collisions(len(custs), func(i int) string { return custs[i].Key }, addrs)
	for _, col := range cols {
		b := custs[col.B]
		at := ld.keyAt(col.B)
		e := Error{File: ld.files[at.file].Name, Line: int(at.line), Col: int(at.col), Path: joinPath("customers", b.Key)}
		switch {
		case col.A < 0:
			e.Msg = fmt.Sprintf("customer %s would write %s, the store's own variable, in the dotenv and github outputs: rename the customer", b.Key, col.Name)
		case col.A == col.B:
			e.Msg = fmt.Sprintf("addresses %s and %s of customer %s would both write %s in the dotenv and github outputs: rename one", col.AddrA, col.AddrB, b.Key, col.Name)
		default:
			a, first := custs[col.A], ld.keyAt(col.A)
			where := "at " + ld.where(first)
			if first.file == at.file {
				where = fmt.Sprintf("line %d", first.line)
			}
			e.Msg = fmt.Sprintf("customers %s (%s) and %s (line %d) would both write %s in the dotenv and github outputs: rename one", a.Key, where, b.Key, at.line, col.Name)
		}
		if m := ld.metas[col.B]; m.gen != nil {
			e.Path = m.gen.mailAt.path
		}
		ld.errs = append(ld.errs, e)
	}
	ld.groupNameCollisions(addrs)
}

// groupNameCollisions reports the groups whose id variable in the dotenv
// and github outputs (MAGESEED_GROUP_<KEY>_ID, groups_<key>_id) another
// group or a customer would write too (see outputs.GroupCollisions),
// naming both keys and both places.
func (ld *loader) groupNameCollisions(addrs func(i int) []string) {
	groups := make([]string, len(ld.groups))
	for i, g := range ld.groups {
		groups[i] = g.Key
	}
	custs := ld.custs
	for _, col := range outputs.GroupCollisions(groups, len(custs), func(i int) string { return custs[i].Key }, addrs) {
		g := groups[col.Group]
		gAt := ld.groupPos[g]
		// other names the other writer and where it is, seen from at.
		other := func(first, at position) string {
			if first.file == at.file {
				return fmt.Sprintf("line %d", first.line)
			}
			return "at " + ld.where(first)
		}
		if col.Customer < 0 {
			o := groups[col.Other]
			formats := "dotenv outputs"
			if col.GitHub {
				formats = "dotenv and github outputs"
			}
			ld.errs = append(ld.errs, Error{File: ld.files[gAt.file].Name, Line: int(gAt.line), Col: int(gAt.col), Path: joinPath("groups", g),
				Msg: fmt.Sprintf("groups %s (%s) and %s (line %d) would both write %s in the %s: rename one", o, other(ld.groupPos[o], gAt), g, gAt.line, col.Name, formats)})
			continue
		}
		c := custs[col.Customer]
		at := ld.keyAt(col.Customer)
		who := "customer " + c.Key
		if col.Addr != "" {
			who = fmt.Sprintf("address %s of customer %s", col.Addr, c.Key)
		}
		e := Error{File: ld.files[at.file].Name, Line: int(at.line), Col: int(at.col), Path: joinPath("customers", c.Key),
			Msg: fmt.Sprintf("%s (line %d) and group %s (%s) would both write %s in the dotenv outputs: rename one", who, at.line, g, other(gAt, at), col.Name)}
		if m := ld.metas[col.Customer]; m.gen != nil {
			e.Path = m.gen.mailAt.path
		}
		ld.errs = append(ld.errs, e)
	}
}

// keyAt is where customer i is declared: its key, or for a generated
// customer its generator's email.
func (ld *loader) keyAt(i int) position {
	if p, ok := ld.keys[ld.custs[i].Key]; ok && ld.metas[i].gen == nil {
		return p
	}
	return ld.metas[i].email
}
