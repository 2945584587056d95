package manifest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const genManifest = `version: 1
generate:
  - key: demo
    count: 12
    seed: 42
    password: Password1
    addresses: 2
    countries: [US, CA]
`

func generated(tb testing.TB, data string) []mageseed.Customer {
	tb.Helper()
	m, err := Load([]string{"-"}, Options{Stdin: strings.NewReader(data), Cwd: tb.TempDir(), Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return m.Customers
}

// TestGenerateGolden pins generated customers byte for byte: the same seed
// gives the same desired state on every run and machine. Run with -update
// after a deliberate change to the generators or their word lists.
func TestGenerateGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range generated(t, genManifest) {
		fmt.Fprintf(&b, "%s %s %q %q group=%v token=%v\n", c.Key, c.Email, c.Firstname, c.Lastname, c.GroupID, c.Token)
		for _, a := range c.Addresses {
			fmt.Fprintf(&b, "  %s %q %q %q %s %+v %q %q billing=%v shipping=%v\n", a.Key, a.Firstname, a.Lastname,
				a.Street, a.City, a.Region, a.Postcode, a.Telephone, a.DefaultBilling, a.DefaultShipping)
		}
	}
	got := []byte(b.String())
	golden := filepath.Join("testdata", "generate.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("generated customers differ from %s (-want +got):\n%s", golden, diff)
	}
}

// TestGenerateDeterministic checks that values depend on (seed, index) and
// nothing else: a run twice gives the same customers, a larger count keeps
// the first ones, and another seed changes them.
func TestGenerateDeterministic(t *testing.T) {
	a := generated(t, genManifest)
	b := generated(t, genManifest)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", diff)
	}
	more := generated(t, strings.Replace(genManifest, "count: 12", "count: 20", 1))
	if diff := cmp.Diff(a, more[:len(a)]); diff != "" {
		t.Errorf("a larger count changed the first customers (-12 +20):\n%s", diff)
	}
	other := generated(t, strings.Replace(genManifest, "seed: 42", "seed: 43", 1))
	if cmp.Equal(a, other) {
		t.Error("seeds 42 and 43 give the same customers")
	}
}

// TestGenerateFieldIndependence leaves out one generated field at a time
// and checks that every other value stays the same: adding a field to the
// generators never reshuffles the others.
func TestGenerateFieldIndependence(t *testing.T) {
	co, _ := directory.Lookup("US")
	ca, _ := directory.Lookup("CA")
	g := &genSpec{key: "demo", count: 50, seed: 7, email: "demo-{n}@example.test", password: "Password1",
		addresses: 2, countries: []directory.Country{co, ca}}
	var addrNames []string
	for _, f := range addressFields {
		addrNames = append(addrNames, f.name)
	}
	full := make([]mageseed.Customer, g.count)
	for i := range full {
		full[i] = g.customer(i+1, customerFields, addrNames)
	}
	for skip := range customerFields {
		name := customerFields[skip].name
		t.Run(name, func(t *testing.T) {
			fields := append(append([]genField(nil), customerFields[:skip]...), customerFields[skip+1:]...)
			for i := range full {
				got := g.customer(i+1, fields, addrNames)
				want := full[i]
				want.Addresses = append([]mageseed.Address(nil), want.Addresses...)
				clearCustomerField(&want, name)
				clearCustomerField(&got, name)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("customer %d changed without %s (-want +got):\n%s", i+1, name, diff)
				}
			}
		})
	}
	for skip, name := range addrNames {
		t.Run("address."+name, func(t *testing.T) {
			fields := append(append([]string(nil), addrNames[:skip]...), addrNames[skip+1:]...)
			for i := range full {
				got := g.customer(i+1, customerFields, fields)
				want := full[i]
				want.Addresses = append([]mageseed.Address(nil), want.Addresses...)
				for j := range want.Addresses {
					clearAddressField(&want.Addresses[j], name)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("customer %d changed without address %s (-want +got):\n%s", i+1, name, diff)
				}
			}
		})
	}
}

func clearCustomerField(c *mageseed.Customer, name string) {
	switch name {
	case "firstname":
		c.Firstname = ""
		for i := range c.Addresses {
			c.Addresses[i].Firstname = ""
		}
	case "lastname":
		c.Lastname = ""
		for i := range c.Addresses {
			c.Addresses[i].Lastname = ""
		}
	}
}

func clearAddressField(a *mageseed.Address, name string) {
	switch name {
	case "street":
		a.Street = nil
	case "city":
		a.City = ""
	case "region":
		a.Region = mageseed.Region{}
	case "postcode":
		a.Postcode = ""
	case "telephone":
		a.Telephone = ""
	}
}

// TestGeneratedValid checks generated customers against the rules that
// declared ones must pass, for every country of the directory.
func TestGeneratedValid(t *testing.T) {
	for _, co := range directory.Countries() {
		g := &genSpec{key: "g", count: 30, seed: 1, email: "g-{n}@example.test", password: "Password1", addresses: 1,
			countries: []directory.Country{co}}
		for i := 1; i <= g.count; i++ {
			c := g.customer(i, customerFields, nil)
			for _, s := range []string{c.Firstname, c.Lastname} {
				if nameProblem(s) != "" {
					t.Fatalf("%s: customer %d: name %q breaks the name rule", co.ID, i, s)
				}
			}
			if emailProblem(c.Email) != "" {
				t.Fatalf("%s: customer %d: email %q is invalid", co.ID, i, c.Email)
			}
			a := c.Addresses[0]
			if phoneProblem(a.Telephone) != "" {
				t.Fatalf("%s: customer %d: telephone %q breaks the telephone rule", co.ID, i, a.Telephone)
			}
			if a.Postcode == "" || a.City == "" || len(a.Street) != 1 || a.Street[0] == "" {
				t.Fatalf("%s: customer %d: incomplete address %+v", co.ID, i, a)
			}
			if len(co.Regions) > 0 {
				if _, ok := co.RegionByCode(a.Region.Code); !ok {
					t.Fatalf("%s: customer %d: region %q is not in the directory", co.ID, i, a.Region.Code)
				}
			} else if co.StateRequired && a.Region.Name == "" {
				t.Fatalf("%s: customer %d: no region for a country that requires one", co.ID, i)
			}
		}
	}
}
