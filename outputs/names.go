package outputs

import "strings"

// Collision is a variable name that two writers would both write in the
// dotenv and github formats, which cannot tell them apart: two customers
// (A != B), two addresses of one customer (A == B, AddrA != AddrB), or a
// customer and the store's own variables (A == -1).
type Collision struct {
	Name         string // the dotenv name, MAGESEED_ included
	A, B         int    // indexes of the customers; A is -1 for the store
	AddrA, AddrB string // the address keys that write Name, when addresses do
}

// storeOwner is the owner index of the store's own variables.
const storeOwner = -1

// variable is one name a customer record writes, and the address that
// writes it ("" for the customer's own fields).
type variable struct{ name, addr string }

// customerVariables lists the dotenv names (without MAGESEED_) that a
// record of customer key with the addresses addrs can write, a token
// included, as flatten writes them.
func customerVariables(key string, addrs []string) []variable {
	one := func(addr string) []namedValue {
		c := Customer{Token: "t"}
		if addr != "" {
			c.Addresses = map[string]Address{addr: {}}
		}
		return (&File{Customers: map[string]Customer{key: c}}).flattenCustomers("_", true)
	}
	base := one("")
	var out []variable
	for _, kv := range base {
		out = append(out, variable{name: kv.name})
	}
	for _, a := range addrs {
		for _, kv := range one(a)[len(base):] {
			out = append(out, variable{name: kv.name, addr: a})
		}
	}
	return out
}

// storeNames are the dotenv names of the store's own variables.
var storeNames = func() []string {
	var out []string
	for _, kv := range (&File{Store: Store{Sandbox: "x"}}).flattenStore("_", true) {
		out = append(out, kv.name)
	}
	return out
}()

// Collisions finds the variable names that two customers, two addresses of
// one customer, or a customer and the store would all write in the dotenv
// and github formats (names are upper-cased, and characters other than
// letters and digits become "_", so "a-b" and "a_b", or "Jane" and "jane",
// write the same names; a customer called "store" writes
// MAGESEED_STORE_WEBSITE_ID, the store's own). Customer i has key key(i)
// and address keys addrs(i). Each pair of writers is reported once, with
// a name they share; A is the earlier customer (or the store).
//
// Every name a customer writes starts with its sanitised key and "_", so
// only customers whose sanitised keys are equal, or one a prefix of the
// other up to a "_", can collide: memory stays one map entry per customer.
func Collisions(n int, key func(i int) string, addrs func(i int) []string) []Collision {
	var out []Collision
	owners := map[string]int{"STORE": storeOwner}
	vars := func(i int) []variable {
		if i == storeOwner {
			vs := make([]variable, len(storeNames))
			for j, s := range storeNames {
				vs[j] = variable{name: s}
			}
			return vs
		}
		return customerVariables(key(i), addrs(i))
	}
	for i := range n {
		// Two addresses of this customer: their names are
		// <KEY>_ADDRESS_<ADDR>_ID, _DEFAULT_BILLING and _DEFAULT_SHIPPING,
		// so they meet exactly when the sanitised address keys are equal.
		if as := addrs(i); len(as) > 1 {
			seen := make(map[string]string, len(as))
			for _, a := range as {
				sa := sanitizeName(a, true)
				if first, dup := seen[sa]; dup && first != a {
					out = append(out, Collision{Name: "MAGESEED_" + sanitizeName(key(i), true) + "_ADDRESS_" + sa + "_ID", A: i, B: i, AddrA: first, AddrB: a})
					continue
				}
				seen[sa] = a
			}
		}
		s := sanitizeName(key(i), true)
		// Earlier customers whose sanitised key is s or a prefix of it up
		// to a "_", and the store.
		var cands []int
		for j := 0; j < len(s); j++ {
			if s[j] == '_' {
				if o, ok := owners[s[:j]]; ok {
					cands = append(cands, o)
				}
			}
		}
		if o, ok := owners[s]; ok {
			cands = append(cands, o)
		}
		if len(cands) > 0 {
			mine := vars(i)
			for _, o := range cands {
				if c, ok := firstShared(vars(o), mine); ok {
					c.A, c.B = o, i
					out = append(out, c)
				}
			}
		}
		// Later customers find this one through its key.
		if _, taken := owners[s]; !taken {
			owners[s] = i
		}
	}
	// A customer whose key extends the key of a later one: the loop above
	// only looks back, so look forward too.
	byKey := owners
	for i := range n {
		s := sanitizeName(key(i), true)
		for j := 0; j < len(s); j++ {
			if s[j] != '_' {
				continue
			}
			o, ok := byKey[s[:j]]
			if !ok || o == storeOwner || o < i {
				continue // the store and earlier customers were checked above
			}
			if c, ok := firstShared(vars(i), vars(o)); ok {
				c.A, c.B = i, o
				out = append(out, c)
			}
		}
	}
	return out
}

// firstShared returns the first name of b that a writes too.
func firstShared(a, b []variable) (Collision, bool) {
	names := make(map[string]string, len(a))
	for _, v := range a {
		names[v.name] = v.addr
	}
	for _, v := range b {
		if addr, ok := names[v.name]; ok {
			return Collision{Name: "MAGESEED_" + v.name, AddrA: addr, AddrB: v.addr}, true
		}
	}
	return Collision{}, false
}

// GroupCollision is a variable name that a customer group and another
// writer would both write: two groups (Customer is -1), or a group and a
// customer, in the dotenv format (MAGESEED_GROUP_VIP_ID is the id of group
// vip and of customer group-vip).
type GroupCollision struct {
	Name     string // the dotenv name, MAGESEED_ included
	Group    int    // the index of the group
	Other    int    // the index of the earlier group, when Customer is -1
	Customer int    // the index of the customer, or -1
	Addr     string // the customer's address key that writes Name, if one does
	GitHub   bool   // two groups write the same github name too (groups_a_b_id)
}

// groupVariable is the dotenv name (without MAGESEED_) of group key's id.
func groupVariable(key string) string {
	return (&File{Groups: map[string]Group{key: {}}}).flattenGroups("_", true)[0].name
}

// GroupCollisions finds the groups (keys groups) whose id variable is
// written by an earlier group too (keys equal once sanitised and
// upper-cased: "a-b" and "a_b", "VIP" and "vip"), or by one of the n
// customers (key(i), address keys addrs(i)), as Collisions does for
// customers. Each pair is reported once. Only customers whose sanitised
// key is GROUP or starts with GROUP_ can write a group's name.
func GroupCollisions(groups []string, n int, key func(i int) string, addrs func(i int) []string) []GroupCollision {
	var out []GroupCollision
	owner := make(map[string]int, len(groups))
	for g, k := range groups {
		name := groupVariable(k)
		if first, dup := owner[name]; dup {
			gh := sanitizeName(k, false) == sanitizeName(groups[first], false)
			out = append(out, GroupCollision{Name: "MAGESEED_" + name, Group: g, Other: first, Customer: -1, GitHub: gh})
			continue
		}
		owner[name] = g
	}
	if len(owner) == 0 {
		return out
	}
	for i := range n {
		s := sanitizeName(key(i), true)
		if s != "GROUP" && !strings.HasPrefix(s, "GROUP_") {
			continue
		}
		reported := map[int]bool{}
		for _, v := range customerVariables(key(i), addrs(i)) {
			if g, ok := owner[v.name]; ok && !reported[g] {
				reported[g] = true
				out = append(out, GroupCollision{Name: "MAGESEED_" + v.name, Group: g, Other: -1, Customer: i, Addr: v.addr})
			}
		}
	}
	return out
}
