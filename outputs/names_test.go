package outputs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type testCustomer struct {
	key   string
	addrs []string
}

func collisions(cs []testCustomer) []string {
	got := Collisions(len(cs), func(i int) string { return cs[i].key }, func(i int) []string { return cs[i].addrs })
	var out []string
	for _, c := range got {
		a := "store"
		if c.A >= 0 {
			a = cs[c.A].key
		}
		s := fmt.Sprintf("%s %s", a, cs[c.B].key)
		if c.AddrA != "" || c.AddrB != "" {
			s += fmt.Sprintf(" (%s, %s)", c.AddrA, c.AddrB)
		}
		out = append(out, s+" "+c.Name)
	}
	return out
}

func TestCollisions(t *testing.T) {
	tests := []struct {
		name string
		in   []testCustomer
		want []string
	}{
		{"none", []testCustomer{{key: "jane", addrs: []string{"home", "work"}}, {key: "bob"}, {key: "jane2"}}, nil},
		{"dash and underscore", []testCustomer{{key: "a-b"}, {key: "a_b"}}, []string{"a-b a_b MAGESEED_A_B_ID"}},
		{"case", []testCustomer{{key: "Jane"}, {key: "jane"}}, []string{"Jane jane MAGESEED_JANE_ID"}},
		{"the store", []testCustomer{{key: "store"}}, []string{"store store MAGESEED_STORE_WEBSITE_ID"}},
		{"store prefix without a clash", []testCustomer{{key: "store_front"}, {key: "storekeeper"}}, nil},
		{"a field of another", []testCustomer{{key: "a"}, {key: "a_website"}}, []string{"a a_website MAGESEED_A_WEBSITE_ID"}},
		{"a field of a later one", []testCustomer{{key: "a_group"}, {key: "a"}}, []string{"a_group a MAGESEED_A_GROUP_ID"}},
		{"an address of another", []testCustomer{{key: "a", addrs: []string{"b"}}, {key: "a_address_b"}},
			[]string{"a a_address_b (b, ) MAGESEED_A_ADDRESS_B_ID"}},
		{"prefix without a clash", []testCustomer{{key: "a"}, {key: "a_b"}}, nil},
		{"two addresses", []testCustomer{{key: "jane", addrs: []string{"home-1", "home_1", "work"}}},
			[]string{"jane jane (home-1, home_1) MAGESEED_JANE_ADDRESS_HOME_1_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, collisions(tt.in)); diff != "" {
				t.Errorf("collisions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCollisionsAgreeWithDotenv checks Collisions against the dotenv file
// itself: for keys drawn from a small alphabet, two customers are reported
// exactly when the file they write together repeats a variable name.
func TestCollisionsAgreeWithDotenv(t *testing.T) {
	parts := []string{"a", "A", "b", "_", "-", "store", "id", "website", "address", "group", "token"}
	var keys []string
	for _, p := range parts {
		for _, q := range parts {
			k := p + q
			if k[0] == '_' || k[0] == '-' {
				continue
			}
			keys = append(keys, k)
		}
	}
	for i, k1 := range keys {
		for _, k2 := range keys[i+1:] {
			if k1 == k2 {
				continue
			}
			cs := []testCustomer{{key: k1, addrs: []string{"b"}}, {key: k2, addrs: []string{"b"}}}
			reported := len(collisions(cs)) > 0
			f := New(Store{URL: "u", StoreCode: "default", Sandbox: "s"})
			for _, c := range cs {
				f.Customers[c.key] = Customer{Token: "t", TokenExpiresAt: "x", Addresses: map[string]Address{"b": {}}}
			}
			var b bytes.Buffer
			if err := Encode(&b, f, FormatDotenv); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			repeated := false
			for _, line := range strings.Split(b.String(), "\n") {
				name, _, ok := strings.Cut(line, "=")
				if !ok {
					continue
				}
				repeated = repeated || seen[name]
				seen[name] = true
			}
			if reported != repeated {
				t.Errorf("keys %q and %q: Collisions reports %t, the dotenv file repeats a name: %t", k1, k2, reported, repeated)
			}
		}
	}
}

// TestAddressCollisionsAgreeWithDotenv checks the shortcut Collisions takes
// for two addresses of one customer (equal sanitised keys) against the
// dotenv file the customer writes.
func TestAddressCollisionsAgreeWithDotenv(t *testing.T) {
	parts := []string{"a", "A", "_", "-", "id", "default", "billing", "shipping"}
	var keys []string
	for _, p := range parts {
		for _, q := range parts {
			if k := p + q; k[0] != '_' && k[0] != '-' {
				keys = append(keys, k)
			}
		}
	}
	for i, a1 := range keys {
		for _, a2 := range keys[i+1:] {
			if a1 == a2 {
				continue
			}
			reported := len(collisions([]testCustomer{{key: "jane", addrs: []string{a1, a2}}})) > 0
			f := New(Store{})
			f.Customers["jane"] = Customer{Addresses: map[string]Address{a1: {}, a2: {}}}
			var b bytes.Buffer
			if err := Encode(&b, f, FormatDotenv); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			repeated := false
			for _, line := range strings.Split(b.String(), "\n") {
				if name, _, ok := strings.Cut(line, "="); ok {
					repeated = repeated || seen[name]
					seen[name] = true
				}
			}
			if reported != repeated {
				t.Errorf("addresses %q and %q: Collisions reports %t, the dotenv file repeats a name: %t", a1, a2, reported, repeated)
			}
		}
	}
}
