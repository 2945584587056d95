package outputs

import (
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
