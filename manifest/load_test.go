package manifest_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/manifest"
)

// load writes files (name -> content) into a temporary directory and loads
// names in order, with env as the environment.
func load(tb testing.TB, env map[string]string, files ...string) (*manifest.Manifest, error) {
	tb.Helper()
	if len(files)%2 != 0 {
		tb.Fatal("load: files come in name, content pairs")
	}
	dir := tb.TempDir()
	var names []string
	for i := 0; i < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o600); err != nil {
			tb.Fatal(err)
		}
		names = append(names, p)
	}
	return manifest.Load(names, manifest.Options{Cwd: dir, Getenv: mapEnv(env)})
}

func mapEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// errLines returns the lines of err, which must be an Errors.
func errLines(tb testing.TB, err error) []string {
	tb.Helper()
	if err == nil {
		return nil
	}
	var es manifest.Errors
	if !errors.As(err, &es) {
		tb.Fatalf("got error %T %q, want manifest.Errors", err, err)
	}
	return strings.Split(es.Error(), "\n")
}

const jane = `version: 1
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    password: Password1
    addresses:
      home:
        street: ["160 1st St."]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: 516-555-1111
`

func janeDoe() mageseed.Customer {
	return mageseed.Customer{
		Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", Password: "Password1",
		Addresses: []mageseed.Address{{
			Key: "home", Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
			CountryID: "US", Region: mageseed.Region{Code: "NY"}, Postcode: "11501", Telephone: "516-555-1111",
		}},
	}
}

func TestLoadValid(t *testing.T) {
	with := func(f func(c *mageseed.Customer)) []mageseed.Customer {
		c := janeDoe()
		f(&c)
		return []mageseed.Customer{c}
	}
	tests := []struct {
		name  string
		env   map[string]string
		files []string
		want  []mageseed.Customer
		store manifest.Store
	}{
		{
			name:  "tutorial shape",
			files: []string{"a.yaml", jane},
			want:  with(func(*mageseed.Customer) {}),
		},
		{
			name: "REST payload with an address list and a full region",
			files: []string{"a.yaml", `customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    password: Password1
    addresses:
      - defaultShipping: true
        defaultBilling: true
        firstname: Jane
        lastname: Doe
        region: {regionCode: NY, region: New York, regionId: 43}
        postcode: "11501"
        street: ["160 1st St."]
        city: Mineola
        telephone: 516-555-1111
        countryId: US
      - street: 1 Main St.
        city: Albany
        regionId: "43"
        postcode: 12207
        countryId: us
        telephone: 5185550100
`},
			want: with(func(c *mageseed.Customer) {
				c.Addresses[0].Key = "address-1"
				c.Addresses[0].Region = mageseed.Region{ID: 43, Code: "NY", Name: "New York"}
				c.Addresses[0].DefaultBilling, c.Addresses[0].DefaultShipping = true, true
				c.Addresses = append(c.Addresses, mageseed.Address{Key: "address-2", Firstname: "Jane", Lastname: "Doe",
					Street: []string{"1 Main St."}, City: "Albany", Region: mageseed.Region{ID: 43}, Postcode: "12207",
					CountryID: "US", Telephone: "5185550100"})
			}),
		},
		{
			name: "defaults merge and the store website",
			files: []string{"a.yaml", `store: {website: base, storeCode: default}
defaults:
  password: Password1
  groupId: 2
  token: true
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    groupId: 3
  john:
    email: john@example.com
    firstname: John
    lastname: Roe
    website: second
`},
			want: []mageseed.Customer{
				{Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", Website: "base", Password: "Password1", Token: true, GroupID: mageseed.Int(3)},
				{Key: "john", Email: "john@example.com", Firstname: "John", Lastname: "Roe", Website: "second", Password: "Password1", Token: true, GroupID: mageseed.Int(2)},
			},
			store: manifest.Store{Website: "base", StoreCode: "default"},
		},
		{
			name: "interpolation",
			env:  map[string]string{"PW": "S3cret-pass", "GROUP": "2", "EMPTY": ""},
			files: []string{"a.yaml", `customers:
  jane:
    email: ${MAIL:-jdoe@example.com}
    firstname: Jane
    lastname: Doe${EMPTY}
    password: ${PW}
    groupId: ${GROUP}
    taxvat: "$${NOT_A_VAR} ${GROUP}"
    middlename: ${EMPTY:-Q}
`},
			want: []mageseed.Customer{{Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe",
				Password: "S3cret-pass", GroupID: mageseed.Int(2), Taxvat: mageseed.String("${NOT_A_VAR} 2"), Middlename: mageseed.String("Q")}},
		},
		{
			name: "text fields keep what is written",
			files: []string{"a.yaml", `customers:
  c1:
    email: c1@example.com
    firstname: Jane
    lastname: Doe
    password: 12345678Aa
    dob: 1990-01-31
    taxvat: 0123
    addresses:
      home:
        street: [160 1st St.]
        city: Boston
        region: {regionCode: MA}
        postcode: 02108
        countryId: US
        telephone: 6175550100
`},
			want: []mageseed.Customer{{Key: "c1", Email: "c1@example.com", Firstname: "Jane", Lastname: "Doe",
				Password: "12345678Aa", Dob: mageseed.String("1990-01-31"), Taxvat: mageseed.String("0123"),
				Addresses: []mageseed.Address{{Key: "home", Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Boston",
					Region: mageseed.Region{Code: "MA"}, Postcode: "02108", CountryID: "US", Telephone: "6175550100"}}}},
		},
		{
			name: "anchors, aliases and merge keys",
			files: []string{"a.yaml", `x-address: &addr
  street: ["160 1st St."]
  city: Mineola
  region: {regionCode: NY}
  postcode: "11501"
  countryId: US
  telephone: 516-555-1111
x-person: &person
  firstname: Jane
  lastname: Doe
  password: Password1
customers:
  jane:
    <<: *person
    email: jdoe@example.com
    addresses:
      home: *addr
`},
			want: with(func(*mageseed.Customer) {}),
		},
		{
			name: "customers through an alias",
			files: []string{"a.yaml", `x-customers: &all
  amy: {email: amy@example.com, firstname: Amy, lastname: Alpha, password: Password1}
customers: *all
`},
			want: []mageseed.Customer{{Key: "amy", Email: "amy@example.com", Firstname: "Amy", Lastname: "Alpha", Password: "Password1"}},
		},
		{
			name: "several documents and files in order",
			files: []string{"b.yaml", `customers:
  zed: {email: zed@example.com, firstname: Zed, lastname: Zulu, password: Password1}
---
customers:
  amy: {email: amy@example.com, firstname: Amy, lastname: Alpha, password: Password1}
`, "a.yaml", `customers:
  bob: {email: bob@example.com, firstname: Bob, lastname: Bravo, password: Password1}
`},
			want: []mageseed.Customer{
				{Key: "zed", Email: "zed@example.com", Firstname: "Zed", Lastname: "Zulu", Password: "Password1"},
				{Key: "amy", Email: "amy@example.com", Firstname: "Amy", Lastname: "Alpha", Password: "Password1"},
				{Key: "bob", Email: "bob@example.com", Firstname: "Bob", Lastname: "Bravo", Password: "Password1"},
			},
		},
		{
			name: "same email in two websites",
			files: []string{"a.yaml", `defaults: {password: Password1}
customers:
  a: {email: jdoe@example.com, firstname: Jane, lastname: Doe, website: base}
  b: {email: JDOE@example.com, firstname: Jane, lastname: Doe, website: second}
`},
			want: []mageseed.Customer{
				{Key: "a", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", Website: "base", Password: "Password1"},
				{Key: "b", Email: "JDOE@example.com", Firstname: "Jane", Lastname: "Doe", Website: "second", Password: "Password1"},
			},
		},
		{
			name: "countries without a region list and with optional postcodes",
			files: []string{"a.yaml", `customers:
  g:
    email: g@example.com
    firstname: Gwen
    lastname: Jones
    password: Password1
    addresses:
      home: {street: [10 Downing St.], city: London, countryId: GB, telephone: "+44 20 7946 0000"}
`},
			want: []mageseed.Customer{{Key: "g", Email: "g@example.com", Firstname: "Gwen", Lastname: "Jones", Password: "Password1",
				Addresses: []mageseed.Address{{Key: "home", Firstname: "Gwen", Lastname: "Jones", Street: []string{"10 Downing St."},
					City: "London", CountryID: "GB", Telephone: "+44 20 7946 0000"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := load(t, tt.env, tt.files...)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.want, m.Customers); diff != "" {
				t.Errorf("customers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.store, m.Store); diff != "" {
				t.Errorf("store (-want +got):\n%s", diff)
			}
		})
	}
}
