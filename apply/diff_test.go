package apply

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// home is the tutorial's address, as a manifest declares it (resolved).
func home() mageseed.Address {
	return mageseed.Address{
		Key: "home", Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."},
		City: "Mineola", CountryID: "US", Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"},
		Postcode: "11501", Telephone: "516-555-1111", DefaultBilling: true, DefaultShipping: true,
	}
}

// jane is the tutorial's customer, as a manifest declares it (resolved).
func jane() mageseed.Customer {
	return mageseed.Customer{
		Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1,
		Password: "Password1", Token: true, Addresses: []mageseed.Address{home()},
	}
}

// stored is jane as the store holds her: ids, store defaults, a region
// read back, the defaults as customer ids.
func stored() mageseed.Customer {
	a := home()
	a.Key, a.ID = "", 7
	a.Telephone = "(516) 555 1111"
	a.City = "  MINEOLA "
	return mageseed.Customer{
		ID: 3, Email: "JDoe@Example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1,
		GroupID: mageseed.Int(1), StoreID: mageseed.Int(1), Dob: mageseed.String("1990-01-02 00:00:00"),
		Middlename: mageseed.String("Q"), Addresses: []mageseed.Address{a}, DefaultBilling: 7, DefaultShipping: 7,
	}
}

func TestDiff(t *testing.T) {
	type change struct {
		Action Action
		Fields []FieldChange
	}
	work := mageseed.Address{
		Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Work Rd"}, City: "Albany", CountryID: "US",
		Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"}, Postcode: "12201", Telephone: "5185550000",
	}
	tests := []struct {
		name    string
		desired func() mageseed.Customer
		remote  func() []mageseed.Customer
		want    change
	}{
		{
			name:    "absent customer is created with its declared fields, password masked",
			desired: jane,
			remote:  func() []mageseed.Customer { return nil },
			want: change{Create, []FieldChange{
				{Path: "email", Action: Create, New: "jdoe@example.com"},
				{Path: "firstname", Action: Create, New: "Jane"},
				{Path: "lastname", Action: Create, New: "Doe"},
				{Path: "websiteId", Action: Create, New: "1"},
				{Path: "password", Action: Create, Sensitive: true},
				{Path: "addresses.home", Action: Create, New: "Jane Doe, 160 1st St., Mineola, NY 11501, US, 516-555-1111 (default billing and shipping)"},
			}},
		},
		{
			name:    "store defaults, undeclared fields, email case and normalised address cause no diff",
			desired: jane,
			remote:  func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want:    change{NoOp, nil},
		},
		{
			name: "changed lastname is an update with old and new",
			desired: func() mageseed.Customer {
				c := jane()
				c.Lastname = "Smith"
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want:   change{Update, []FieldChange{{Path: "lastname", Action: Update, Old: "Doe", New: "Smith"}}},
		},
		{
			name: "declared group, dob and new suffix are compared",
			desired: func() mageseed.Customer {
				c := jane()
				c.GroupID = mageseed.Int(2)
				c.Dob = mageseed.String("1990-01-02")
				c.Suffix = mageseed.String("Jr.")
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want: change{Update, []FieldChange{
				{Path: "suffix", Action: Create, New: "Jr."},
				{Path: "groupId", Action: Update, Old: "1", New: "2"},
			}},
		},
		{
			name: "customer in another website is created",
			desired: func() mageseed.Customer {
				c := jane()
				c.WebsiteID = 2
				c.Addresses = nil
				c.Password = ""
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want: change{Create, []FieldChange{
				{Path: "email", Action: Create, New: "jdoe@example.com"},
				{Path: "firstname", Action: Create, New: "Jane"},
				{Path: "lastname", Action: Create, New: "Doe"},
				{Path: "websiteId", Action: Create, New: "2"},
			}},
		},
		{
			name: "unmatched address is added, the store's own address kept",
			desired: func() mageseed.Customer {
				c := jane()
				c.Addresses[0].Street = []string{"161 1st St."}
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want: change{Update, []FieldChange{
				{Path: "addresses.home", Action: Create, New: "Jane Doe, 161 1st St., Mineola, NY 11501, US, 516-555-1111 (default billing and shipping)"},
			}},
		},
		{
			name: "address that declares fewer fields matches",
			desired: func() mageseed.Customer {
				c := jane()
				c.Addresses = []mageseed.Address{{Key: "home", Street: []string{"160  1ST st."}, City: "mineola", Postcode: "11501"}}
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want:   change{NoOp, nil},
		},
		{
			name: "declared default moves to the matched address",
			desired: func() mageseed.Customer {
				c := jane()
				w := work
				w.Key, w.DefaultShipping = "work", true
				c.Addresses = append(c.Addresses, w)
				c.Addresses[0].DefaultShipping = false
				return c
			},
			remote: func() []mageseed.Customer {
				r := stored()
				w := work
				w.ID = 8
				r.Addresses = append(r.Addresses, w)
				return []mageseed.Customer{r}
			},
			want: change{Update, []FieldChange{
				{Path: "addresses.work.defaultShipping", Action: Update, Old: "false", New: "true"},
			}},
		},
		{
			name: "two equal desired addresses take one remote address each",
			desired: func() mageseed.Customer {
				c := jane()
				twin := home()
				twin.Key, twin.DefaultBilling, twin.DefaultShipping = "twin", false, false
				c.Addresses = append(c.Addresses, twin)
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want: change{Update, []FieldChange{
				{Path: "addresses.twin", Action: Create, New: "Jane Doe, 160 1st St., Mineola, NY 11501, US, 516-555-1111"},
			}},
		},
		{
			name: "a broad address does not steal a narrow one's only match",
			desired: func() mageseed.Customer {
				c := jane()
				broad := mageseed.Address{Key: "any", City: "Mineola"}
				narrow := home()
				narrow.Key = "home"
				c.Addresses = []mageseed.Address{broad, narrow}
				return c
			},
			remote: func() []mageseed.Customer {
				r := stored()
				other := home()
				other.ID, other.Street, other.DefaultBilling, other.DefaultShipping = 9, []string{"2 Elm St"}, false, false
				r.Addresses = append([]mageseed.Address{other}, r.Addresses...)
				// Make home the first candidate of the broad address too.
				r.Addresses[0], r.Addresses[1] = r.Addresses[1], r.Addresses[0]
				return []mageseed.Customer{r}
			},
			want: change{NoOp, nil},
		},
		{
			name: "region by code matches a store region without id",
			desired: func() mageseed.Customer {
				c := jane()
				c.Addresses[0].Region = mageseed.Region{Code: "ny"}
				return c
			},
			remote: func() []mageseed.Customer {
				r := stored()
				r.Addresses[0].Region = mageseed.Region{Code: "NY", Name: "New York"}
				return []mageseed.Customer{r}
			},
			want: change{NoOp, nil},
		},
		{
			name: "different region is a different address",
			desired: func() mageseed.Customer {
				c := jane()
				c.Addresses[0].Region = mageseed.Region{ID: 12, Code: "CA", Name: "California"}
				c.Addresses[0].DefaultBilling, c.Addresses[0].DefaultShipping = false, false
				return c
			},
			remote: func() []mageseed.Customer { return []mageseed.Customer{stored()} },
			want: change{Update, []FieldChange{
				{Path: "addresses.home", Action: Create, New: "Jane Doe, 160 1st St., Mineola, CA 11501, US, 516-555-1111"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Diff([]mageseed.Customer{tt.desired()}, tt.remote())
			if len(p.Changes) != 1 {
				t.Fatalf("got %d changes, want 1", len(p.Changes))
			}
			got := change{p.Changes[0].Action, p.Changes[0].Fields}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Diff mismatch (-got +want):\n%s", diff)
			}
			if c := p.Changes[0]; c.Remote != nil {
				// Apply's converge must find what the plan shows.
				_, fields := converge(c.Desired, c.Remote)
				if diff := cmp.Diff(fields, c.Fields); diff != "" {
					t.Errorf("converge and Diff disagree (-converge +Diff):\n%s", diff)
				}
			}
		})
	}
}

func TestConvergeKeepsUndeclared(t *testing.T) {
	d := jane()
	w := mageseed.Address{Key: "work", Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Work Rd"}, City: "Albany",
		CountryID: "US", Region: mageseed.Region{ID: 43}, Postcode: "12201", Telephone: "5185550000", DefaultBilling: true}
	d.Addresses = append(d.Addresses, w)
	d.Addresses[0].DefaultBilling = false
	d.Lastname = "Smith"
	r := stored()
	extra := mageseed.Address{ID: 11, Firstname: "Jane", Lastname: "Doe", Street: []string{"9 Admin Ave"}, City: "Boston", CountryID: "US", Region: mageseed.Region{ID: 32}}
	r.Addresses = append(r.Addresses, extra)

	got, _ := converge(&d, &r)

	if got.Password != "" {
		t.Errorf("the update carries a password")
	}
	if got.ID != 3 || got.Lastname != "Smith" || *got.Middlename != "Q" || *got.GroupID != 1 {
		t.Errorf("converge changed what it does not own or missed the lastname: %+v", got)
	}
	var ids []int
	var billing []bool
	for _, a := range got.Addresses {
		ids = append(ids, a.ID)
		billing = append(billing, a.DefaultBilling)
	}
	if diff := cmp.Diff(ids, []int{7, 11, 0}); diff != "" {
		t.Errorf("address ids (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(billing, []bool{false, false, true}); diff != "" {
		t.Errorf("default billing flags (-got +want):\n%s", diff)
	}
	if got.DefaultBilling != 0 || got.DefaultShipping != 7 {
		t.Errorf("got defaults billing %d shipping %d, want 0 (the new address) and 7", got.DefaultBilling, got.DefaultShipping)
	}
}

func TestMatchAddressesNormalisation(t *testing.T) {
	base := mageseed.Address{Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St.", "Apt 2"}, City: "Mineola",
		CountryID: "US", Region: mageseed.Region{ID: 43}, Postcode: "SW1A 1AA", Telephone: "+1 516-555-1111", Company: mageseed.String("ACME")}
	tests := []struct {
		name   string
		edit   func(a *mageseed.Address)
		wantOK bool
	}{
		{"identical", func(a *mageseed.Address) {}, true},
		{"case and spaces", func(a *mageseed.Address) { a.City = " mineola  "; a.Street = []string{"160   1ST st.", " apt 2"} }, true},
		{"empty street line", func(a *mageseed.Address) { a.Street = append(a.Street, "") }, true},
		{"postcode spacing", func(a *mageseed.Address) { a.Postcode = "sw1a1aa" }, true},
		{"phone punctuation", func(a *mageseed.Address) { a.Telephone = "+1 (516) 555 1111" }, true},
		{"phone without plus", func(a *mageseed.Address) { a.Telephone = "1 516 555 1111" }, false},
		{"street lines order", func(a *mageseed.Address) { a.Street = []string{"Apt 2", "160 1st St."} }, false},
		{"street line joined", func(a *mageseed.Address) { a.Street = []string{"160 1st St. Apt 2"} }, false},
		{"company differs", func(a *mageseed.Address) { a.Company = mageseed.String("Other") }, false},
		{"company absent in store", func(a *mageseed.Address) { a.Company = nil }, false},
		{"region differs", func(a *mageseed.Address) { a.Region = mageseed.Region{ID: 12} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.Street = append([]string(nil), base.Street...)
			tt.edit(&r)
			got := matchAddresses([]mageseed.Address{base}, []mageseed.Address{r})[0] == 0
			if got != tt.wantOK {
				t.Errorf("match = %v, want %v", got, tt.wantOK)
			}
		})
	}
}

func TestNormEqual(t *testing.T) {
	tests := []string{"", " ", "a", "A", " a ", "a b", "a  b", "a\tb", " a\n b ", "ab", "Straße", "STRASSE", "straße", "Ünïcödé  x", "ünïcödé x", "a b ", "a bc"}
	for _, a := range tests {
		for _, b := range tests {
			if got, want := normEqual(a, b), normText(a) == normText(b); got != want {
				t.Errorf("normEqual(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestDestroyPlan(t *testing.T) {
	a, b := jane(), jane()
	b.Key, b.Email = "bob", "bob@example.com"
	p := DestroyPlan([]mageseed.Customer{b, a}, []mageseed.Customer{stored()})
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Action.String()+" "+c.Key)
	}
	if diff := cmp.Diff(got, []string{"delete jane", "no-op bob"}); diff != "" {
		t.Errorf("destroy plan (-got +want):\n%s", diff)
	}
	if p.Changes[0].ID != 3 {
		t.Errorf("delete targets id %d, want 3", p.Changes[0].ID)
	}
	c, u, d, n := p.Counts()
	if diff := cmp.Diff([]int{c, u, d, n}, []int{0, 0, 1, 1}); diff != "" {
		t.Errorf("counts (-got +want):\n%s", diff)
	}
}

func TestPlanJSON(t *testing.T) {
	unchanged := jane()
	unchanged.Key, unchanged.Email = "same", "same@example.com"
	r := stored()
	r2 := stored()
	r2.ID, r2.Email = 4, "same@example.com"
	changed := jane()
	changed.Lastname = "Smith"
	newbie := jane()
	newbie.Key, newbie.Email = "new", "new@example.com"
	p := Diff([]mageseed.Customer{changed, unchanged, newbie}, []mageseed.Customer{r, r2})
	if !p.HasChanges() {
		t.Fatal("HasChanges = false, want true")
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Password1") {
		t.Errorf("plan JSON holds the password: %s", b)
	}
	var got struct {
		Changes []struct {
			Action string `json:"action"`
			Key    string `json:"key"`
		} `json:"changes"`
		Summary Summary `json:"summary"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.Summary, Summary{Create: 1, Update: 1, Unchanged: 1}); diff != "" {
		t.Errorf("summary (-got +want):\n%s", diff)
	}
	var keys []string
	for _, c := range got.Changes {
		keys = append(keys, c.Action+" "+c.Key)
	}
	if diff := cmp.Diff(keys, []string{"update jane", "create new"}); diff != "" {
		t.Errorf("changes (-got +want):\n%s", diff)
	}

	noop := Diff([]mageseed.Customer{unchanged}, []mageseed.Customer{r2})
	if noop.HasChanges() {
		t.Errorf("HasChanges = true for a plan of no-ops")
	}
}

func TestActionJSON(t *testing.T) {
	for _, a := range []Action{NoOp, Create, Update, Delete} {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var got Action
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got != a {
			t.Errorf("round trip of %v gave %v (%s)", a, got, b)
		}
	}
}
