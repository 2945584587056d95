package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/outputs"
)

// exportOptions are the options of 'mageseed export'.
type exportOptions struct {
	store     storeFlags
	emailLike string
	website   string
	out       string
	metadata  string
}

func newExportCmd(s streams) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the store's customers as a manifest",
		Long: `Export reads customers and their addresses from the store and writes them as a
mageseed manifest, so that you can start from what a store already holds.
Keys come from the email's local part (made unique); regions are written as
region codes; passwords cannot be read back and are left out; fields that hold
Magento's defaults are left out. Groups are written by code, custom attributes
by code with option labels for selects, and the newsletter subscription as
isSubscribed.

--metadata FILE also writes the store's metadata (customer and address
attributes, groups, street lines, account sharing when it can be told) as
JSON, for 'mageseed validate --metadata FILE'.

Exporting, then planning the export against the same store, shows no changes.`,
		Example: `  mageseed export --sandbox -o customers.yaml
  mageseed export --email-like '%@example.com' --website base`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.store.check(); err != nil {
				return err
			}
			return runExport(cmd.Context(), s, o)
		},
	}
	o.store.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&o.emailLike, "email-like", "", "only customers whose email matches this SQL LIKE `PATTERN` (% is any text)")
	f.StringVar(&o.website, "website", "", "only customers of the website with this `CODE`")
	f.StringVarP(&o.out, "output", "o", "-", "write the manifest to `FILE` (- for stdout)")
	f.StringVar(&o.metadata, "metadata", "", "also write the store's metadata snapshot to `FILE`, for 'mageseed validate --metadata'")
	return cmd
}

func runExport(ctx context.Context, s streams, o *exportOptions) error {
	st, err := connect(ctx, o.store, "", "", s)
	if err != nil {
		return err
	}
	defer st.Close()
	websites, err := st.client.Websites(ctx)
	if err != nil {
		return storeError(fmt.Errorf("read websites from %s: %w", st.url, err))
	}
	websiteID := -1
	if o.website != "" {
		for _, w := range websites {
			if w.Code == o.website {
				websiteID = w.ID
			}
		}
		if websiteID < 0 {
			return withHint(fmt.Errorf("the store has no website %q", o.website), "website codes of this store: %s", websiteCodes(websites))
		}
	}
	q := magento.Query{EmailLike: o.emailLike}
	if websiteID > 0 {
		q.WebsiteID = websiteID
	}
	customers, err := st.client.SearchCustomers(ctx, q)
	if err != nil {
		return storeError(fmt.Errorf("read customers from %s: %w", st.url, err))
	}
	md, err := st.client.Metadata(ctx)
	if err != nil {
		return storeError(fmt.Errorf("read the customer attributes and groups of %s: %w", st.url, err))
	}
	if o.metadata != "" {
		if len(customers) > 0 {
			for _, w := range websites {
				if w.ID != 0 && w.ID != customers[0].WebsiteID {
					if scope, err := st.client.ShareScope(ctx, customers[0].Email, customers[0].WebsiteID, w.ID); err == nil {
						md.ShareScope = scope
					}
					break
				}
			}
		}
		if err := writeMetadata(o.metadata, st.url, md); err != nil {
			return err
		}
		fmt.Fprintf(s.err, "mageseed: wrote the store's metadata to %s\n", o.metadata)
	}
	doc, err := exportManifest(customers, websites, md, st.url)
	if err != nil {
		return err
	}
	if o.out == "-" {
		_, err = s.out.Write(doc)
		return err
	}
	if err := outputs.WriteFileAtomic(o.out, 0o644, func(w io.Writer) error { _, err := w.Write(doc); return err }); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(s.err, "mageseed: exported %d %s to %s\n", len(customers), plural(len(customers), "customer", "customers"), o.out)
	return nil
}

func websiteCodes(ws []mageseed.Website) string {
	var codes []string
	for _, w := range ws {
		if w.ID != 0 {
			codes = append(codes, w.Code)
		}
	}
	return strings.Join(codes, ", ")
}

var keyUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// exportKey makes a manifest key from an email's local part: letters,
// digits, - and _, starting with a letter or digit, at most 64 characters.
func exportKey(email string) string {
	local, _, _ := strings.Cut(email, "@")
	k := strings.Trim(keyUnsafe.ReplaceAllString(strings.ToLower(local), "-"), "-_")
	if len(k) > 56 {
		k = strings.TrimRight(k[:56], "-_")
	}
	if k == "" {
		k = "customer"
	}
	return k
}

// exportKeys gives each customer a key from its email's local part
// (exportKey), made unique, such that no two customers write the same
// dotenv or github variable and none writes one of the store's own
// (outputs.Collisions): validate refuses such keys. A key that would
// collide gets a suffix -2, -3, and so on.
func exportKeys(customers []mageseed.Customer) []string {
	keys := make([]string, len(customers))
	used := map[string]bool{} // by the name a dotenv file gives the key
	next := func(base string) string {
		key := base
		for i := 2; used[outputs.DotenvKey(key)]; i++ {
			key = base + "-" + strconv.Itoa(i)
		}
		used[outputs.DotenvKey(key)] = true
		return key
	}
	for i, c := range customers {
		keys[i] = next(exportKey(c.Email))
	}
	addrs := func(i int) []string {
		as := make([]string, len(customers[i].Addresses))
		for j := range as {
			as[j] = exportAddressKey(j)
		}
		return as
	}
	for {
		renamed := false
		for _, col := range outputs.Collisions(len(keys), func(i int) string { return keys[i] }, addrs) {
			if col.A != col.B { // two addresses of one customer: not a key's doing
				keys[col.B] = next(exportKey(customers[col.B].Email))
				renamed = true
			}
		}
		if !renamed {
			return keys
		}
	}
}

// exportAddressKey is the key of a customer's i-th address (from 0).
func exportAddressKey(i int) string { return "address-" + strconv.Itoa(i+1) }

// exportManifest renders customers as a manifest document.
func exportManifest(customers []mageseed.Customer, websites []mageseed.Website, md *mageseed.Metadata, from string) ([]byte, error) {
	codeOf := map[int]string{}
	defaultWebsite := 1
	for _, w := range websites {
		codeOf[w.ID] = w.Code
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(m *yaml.Node, k string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	str := func(s string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"}
		if strings.IndexFunc(s, jsonUnsafe) >= 0 {
			// Double-quoted, so that yamlEscapeUnsafe may write what
			// yaml.v3 leaves raw (bidi controls) as \u escapes.
			n.Style = yaml.DoubleQuotedStyle
		}
		return n
	}
	num := func(i int) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(i), Tag: "!!int"} }
	boolean := func(b bool) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatBool(b), Tag: "!!bool"}
	}
	add(root, "version", num(1))
	cs := &yaml.Node{Kind: yaml.MappingNode}
	keys := exportKeys(customers)
	for ci, c := range customers {
		key := keys[ci]
		m := &yaml.Node{Kind: yaml.MappingNode}
		add(m, "email", str(c.Email))
		if c.WebsiteID != defaultWebsite {
			code, ok := codeOf[c.WebsiteID]
			if !ok {
				return nil, fmt.Errorf("customer %s belongs to website %d, which the store does not list", c.Email, c.WebsiteID)
			}
			add(m, "website", str(code))
		}
		add(m, "firstname", str(c.Firstname))
		add(m, "lastname", str(c.Lastname))
		for _, f := range []struct {
			name string
			v    *string
		}{{"middlename", c.Middlename}, {"prefix", c.Prefix}, {"suffix", c.Suffix}, {"dob", c.Dob}, {"taxvat", c.Taxvat}} {
			if f.v != nil && *f.v != "" {
				add(m, f.name, str(*f.v))
			}
		}
		if c.Gender != nil && *c.Gender != 0 {
			add(m, "gender", num(*c.Gender))
		}
		if c.GroupID != nil && *c.GroupID != 1 {
			if g := md.GroupByID(*c.GroupID); g != nil {
				add(m, "group", str(g.Code))
			} else {
				add(m, "groupId", num(*c.GroupID))
			}
		}
		if c.IsSubscribed != nil && *c.IsSubscribed {
			add(m, "isSubscribed", boolean(true))
		}
		if n := exportAttributes(md, false, c.CustomAttributes); n != nil {
			add(m, "customAttributes", n)
		}
		if len(c.Addresses) > 0 {
			as := &yaml.Node{Kind: yaml.MappingNode}
			for i, a := range c.Addresses {
				an := &yaml.Node{Kind: yaml.MappingNode}
				add(an, "firstname", str(a.Firstname))
				add(an, "lastname", str(a.Lastname))
				street := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
				for _, l := range a.Street {
					street.Content = append(street.Content, str(l))
				}
				add(an, "street", street)
				add(an, "city", str(a.City))
				if !a.Region.IsZero() {
					r := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
					if a.Region.Code != "" && a.Region.ID != 0 {
						add(r, "regionCode", str(a.Region.Code))
					} else if a.Region.Name != "" {
						add(r, "region", str(a.Region.Name))
					}
					if len(r.Content) > 0 {
						add(an, "region", r)
					}
				}
				if a.Postcode != "" {
					add(an, "postcode", str(a.Postcode))
				}
				add(an, "countryId", str(a.CountryID))
				if a.Telephone != "" {
					add(an, "telephone", str(a.Telephone))
				}
				for _, f := range []struct {
					name string
					v    *string
				}{{"company", a.Company}, {"fax", a.Fax}, {"vatId", a.VatID}, {"middlename", a.Middlename}, {"prefix", a.Prefix}, {"suffix", a.Suffix}} {
					if f.v != nil && *f.v != "" {
						add(an, f.name, str(*f.v))
					}
				}
				if a.ID != 0 && a.ID == c.DefaultBilling || a.DefaultBilling {
					add(an, "defaultBilling", boolean(true))
				}
				if a.ID != 0 && a.ID == c.DefaultShipping || a.DefaultShipping {
					add(an, "defaultShipping", boolean(true))
				}
				if n := exportAttributes(md, true, a.CustomAttributes); n != nil {
					add(an, "customAttributes", n)
				}
				add(as, exportAddressKey(i), an)
			}
			add(m, "addresses", as)
		}
		add(cs, key, m)
	}
	if len(cs.Content) == 0 {
		cs.Style = yaml.FlowStyle
	}
	add(root, "customers", cs)
	var b strings.Builder
	b.WriteString("# yaml-language-server: $schema=https://raw.githubusercontent.com/mageseed/mageseed/main/schemas/manifest.schema.json\n")
	fmt.Fprintf(&b, "# Exported by mageseed from %s: %d %s. Passwords cannot be read from a store,\n", from, len(customers), plural(len(customers), "customer", "customers"))
	b.WriteString("# so none are declared; add one to a customer to have it set when it is created.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return yamlEscapeUnsafe([]byte(b.String())), nil
}

// exportAttributes renders the custom attribute values a store holds: a
// select's option id as its label, a multiselect's ids as a list of labels,
// a boolean as true or false, a date without its time. Fields of the data
// interface and empty values are left out; nil when nothing is left.
func exportAttributes(md *mageseed.Metadata, address bool, attrs map[string]mageseed.AttributeValue) *yaml.Node {
	codes := make([]string, 0, len(attrs))
	for code, v := range attrs {
		if !mageseed.IsField(address, code) && v.Value != "" {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	sort.Strings(codes)
	str := func(s string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"}
		if strings.IndexFunc(s, jsonUnsafe) >= 0 {
			n.Style = yaml.DoubleQuotedStyle // see yamlEscapeUnsafe
		}
		return n
	}
	label := func(a *mageseed.Attribute, id string) string {
		for _, o := range a.Options {
			if o.Value == id && strings.TrimSpace(o.Label) != "" {
				return o.Label
			}
		}
		return id
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, code := range codes {
		v := attrs[code].Value
		var n *yaml.Node
		a := md.Attribute(address, code)
		switch {
		case a == nil:
			n = str(v)
		case a.Input == "multiselect":
			n = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, id := range strings.Split(v, ",") {
				n.Content = append(n.Content, str(label(a, strings.TrimSpace(id))))
			}
		case a.Input == "boolean":
			n = &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatBool(v == "1"), Tag: "!!bool"}
		case a.Input == "select":
			n = str(label(a, v))
		case a.Input == "date" && len(v) == 19 && strings.HasSuffix(v, " 00:00:00"):
			n = str(v[:10])
		default:
			n = str(v)
		}
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: code}, n)
	}
	return out
}

// yamlEscapeUnsafe writes the characters a terminal could act on that
// yaml.v3 emits raw (it escapes the C0 and C1 controls itself, but not the
// bidirectional formatting characters) as \uXXXX escapes. exportManifest
// double-quotes every string that holds one, and a double-quoted YAML
// scalar reads \uXXXX back as the character, so the manifest means the
// same and prints as data.
func yamlEscapeUnsafe(b []byte) []byte { return safeJSON(b) }
