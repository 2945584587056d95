package outputs

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// TestRecall fills address ids from the outputs only for the same key,
// email and website.
func TestRecall(t *testing.T) {
	prev := &File{Customers: map[string]Customer{
		"jane": {ID: 7, Email: "J@Example.com", WebsiteID: 1, Addresses: map[string]Address{"home": {ID: 11}}},
		"bob":  {ID: 8, Email: "old@example.com", WebsiteID: 1, Addresses: map[string]Address{"home": {ID: 12}}},
	}}
	desired := []mageseed.Customer{
		{Key: "jane", Email: "j@example.com", WebsiteID: 1, Addresses: []mageseed.Address{{Key: "home"}, {Key: "work"}}},
		{Key: "bob", Email: "new@example.com", WebsiteID: 1, Addresses: []mageseed.Address{{Key: "home"}}},
	}
	Recall(desired, prev)
	got := []int{desired[0].Addresses[0].ID, desired[0].Addresses[1].ID, desired[1].Addresses[0].ID}
	if diff := cmp.Diff([]int{11, 0, 0}, got); diff != "" {
		t.Errorf("recalled ids (-want +got):\n%s", diff)
	}
	Recall(desired, nil) // no outputs: nothing happens
}

// TestRekey: a record follows its customer to the key the manifest now
// gives it, and a second record of a declared customer goes.
func TestRekey(t *testing.T) {
	o := &File{Customers: map[string]Customer{
		"jane_doe": {ID: 1, Email: "Jane@example.test", WebsiteID: 1}, // as a dotenv file gives it back
		"bob":      {ID: 2, Email: "bob@example.test", WebsiteID: 1},
		"robert":   {ID: 2, Email: "bob@example.test", WebsiteID: 1}, // a stale second record
		"ann":      {ID: 3, Email: "ann@example.test", WebsiteID: 2}, // another website
		"old":      {ID: 4, Email: "old@example.test", WebsiteID: 1},
	}}
	o.Rekey([]mageseed.Customer{
		{Key: "Jane-Doe", Email: "jane@example.test", WebsiteID: 1},
		{Key: "bob", Email: "bob@example.test", WebsiteID: 1},
		{Key: "ann2", Email: "ann@example.test", WebsiteID: 1},
	})
	var got []string
	for k, c := range o.Customers {
		got = append(got, fmt.Sprintf("%s=%d", k, c.ID))
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"Jane-Doe=1", "ann=3", "bob=2", "old=4"}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}
