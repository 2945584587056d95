package outputs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

func TestGroupVariables(t *testing.T) {
	f := sample()
	f.Groups = map[string]Group{"vip": {ID: 5, Code: "VIP"}, "b2b-partners": {ID: 4, Code: "Partners"}}

	var b bytes.Buffer
	if err := Encode(&b, f, FormatDotenv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if diff := cmp.Diff([]string{"MAGESEED_GROUP_B2B_PARTNERS_ID=4", "MAGESEED_GROUP_VIP_ID=5"}, lines[len(lines)-2:]); diff != "" {
		t.Errorf("dotenv group lines (-want +got):\n%s", diff)
	}
	back, _, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]Group{"vip": {ID: 5}, "b2b_partners": {ID: 4}}, back.Groups); diff != "" {
		t.Errorf("groups read back (-want +got):\n%s", diff)
	}
	if _, ok := back.Customers["group"]; ok {
		t.Errorf("a group's variable was read back as a customer")
	}
	if v, ok := back.Lookup("groups.vip.id"); !ok || v != "5" {
		t.Errorf("Lookup(groups.vip.id) = %q, %t; want 5", v, ok)
	}

	ghOut := filepath.Join(t.TempDir(), "github_output")
	t.Setenv("GITHUB_OUTPUT", ghOut)
	w, err := NewWriter(filepath.Join(t.TempDir(), "out.json"), FormatGitHub, &File{Store: f.Store})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	w.delimiter = func() string { n++; return fmt.Sprintf("EOF%d", n) }
	for k, g := range f.Groups {
		w.RecordGroup(k, g)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gh, err := os.ReadFile(ghOut)
	if err != nil {
		t.Fatal(err)
	}
	want := "store_url<<EOF1\nhttp://127.0.0.1:8080\nEOF1\n" +
		"store_code<<EOF2\ndefault\nEOF2\n" +
		"store_website_id<<EOF3\n1\nEOF3\n" +
		"groups_b2b_partners_id<<EOF4\n4\nEOF4\n" +
		"groups_vip_id<<EOF5\n5\nEOF5\n"
	if diff := cmp.Diff(want, string(gh)); diff != "" {
		t.Errorf("$GITHUB_OUTPUT (-want +got):\n%s", diff)
	}
}

// A customer whose dotenv name could be a group's, but is a customer's
// field, is read back as the customer's.
func TestGroupVariablesCustomerGroup(t *testing.T) {
	f := New(Store{})
	f.Customers["group"] = Customer{ID: 7, Email: "g@example.test", GroupID: 3}
	f.Groups = map[string]Group{"vip": {ID: 5}}
	var b bytes.Buffer
	if err := Encode(&b, f, FormatDotenv); err != nil {
		t.Fatal(err)
	}
	back, _, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]Group{"vip": {ID: 5}}, back.Groups); diff != "" {
		t.Errorf("groups read back (-want +got):\n%s", diff)
	}
	if c := back.Customers["group"]; c.ID != 7 || c.GroupID != 3 {
		t.Errorf("customer group read back as %+v", c)
	}
}

func TestGroupCollisions(t *testing.T) {
	tests := []struct {
		name   string
		groups []string
		custs  []testCustomer
		want   []string
	}{
		{"none", []string{"vip", "b2b"}, []testCustomer{{key: "jane"}, {key: "group"}, {key: "groupvip"}}, nil},
		{"customer group-vip", []string{"vip"}, []testCustomer{{key: "jane"}, {key: "group-vip"}}, []string{"vip group-vip MAGESEED_GROUP_VIP_ID"}},
		{"customer Group_VIP", []string{"b2b", "vip"}, []testCustomer{{key: "Group_VIP"}}, []string{"vip Group_VIP MAGESEED_GROUP_VIP_ID"}},
		{"a field of customer group", []string{"website", "group", "token_expires"}, []testCustomer{{key: "group"}},
			[]string{"website group MAGESEED_GROUP_WEBSITE_ID", "group group MAGESEED_GROUP_GROUP_ID"}},
		{"an address of customer group", []string{"address_home"}, []testCustomer{{key: "group", addrs: []string{"home"}}},
			[]string{"address_home group (home) MAGESEED_GROUP_ADDRESS_HOME_ID"}},
		{"two groups", []string{"a-b", "vip", "a_b", "VIP"}, nil,
			[]string{"a-b a_b github MAGESEED_GROUP_A_B_ID", "vip VIP MAGESEED_GROUP_VIP_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tt.custs
			var got []string
			for _, c := range GroupCollisions(tt.groups, len(cs), func(i int) string { return cs[i].key }, func(i int) []string { return cs[i].addrs }) {
				other := ""
				if c.Customer >= 0 {
					other = cs[c.Customer].key
				} else {
					other = tt.groups[c.Other]
				}
				s := tt.groups[c.Group] + " " + other
				if c.Customer < 0 {
					s = other + " " + tt.groups[c.Group]
				}
				if c.Addr != "" {
					s += " (" + c.Addr + ")"
				}
				if c.GitHub {
					s += " github"
				}
				got = append(got, s+" "+c.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("group collisions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGroupCollisionsAgreeWithDotenv checks GroupCollisions against the
// dotenv file itself: for a customer and a group with keys drawn from a
// small alphabet, a collision is reported exactly when the file repeats a
// variable name.
func TestGroupCollisionsAgreeWithDotenv(t *testing.T) {
	tails := []string{"a", "A", "a-b", "a_b", "id", "website", "group", "token", "token-expires", "address-b", "address_b_default", "b"}
	var keys []string
	found := 0
	for _, p := range []string{"group", "Group", "groupa", "a"} {
		for _, sep := range []string{"", "-", "_"} {
			for _, tail := range append([]string{""}, tails...) {
				keys = append(keys, p+sep+tail)
			}
		}
	}
	for _, ck := range keys {
		for _, gk := range tails {
			cs := []testCustomer{{key: ck, addrs: []string{"b"}}}
			reported := len(GroupCollisions([]string{gk}, 1, func(int) string { return ck }, func(int) []string { return cs[0].addrs })) > 0
			f := New(Store{})
			f.Customers[ck] = Customer{Token: "t", Addresses: map[string]Address{"b": {}}}
			f.Groups = map[string]Group{gk: {}}
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
			if reported {
				found++
			}
			if reported != repeated {
				t.Errorf("customer %q, group %q: GroupCollisions reports %t, the dotenv file repeats a name: %t", ck, gk, reported, repeated)
			}
		}
	}
	if found < 10 {
		t.Errorf("only %d collisions among the keys: the alphabet does not exercise GroupCollisions", found)
	}
	t.Logf("%d keys, %d collisions", len(keys), found)
}
