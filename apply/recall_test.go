package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// TestRecalledAddress: an address the outputs record is updated in place
// when its content changed, and only then: a recorded id the customer no
// longer has, or one that another desired address matches by content, makes
// no in-place update.
func TestRecalledAddress(t *testing.T) {
	home := func(city string, id int) mageseed.Address {
		return mageseed.Address{Key: "home", ID: id, Firstname: "Jane", Lastname: "Doe", Street: []string{"1 Main St"},
			City: city, CountryID: "US", Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"}, Postcode: "11501", Telephone: "5165551111"}
	}
	remote := mageseed.Customer{ID: 7, Email: "j@example.com", WebsiteID: 1, Firstname: "Jane", Lastname: "Doe",
		Addresses: []mageseed.Address{home("Mineola", 11)}}
	remote.Addresses[0].Key = ""
	tests := []struct {
		name       string
		desired    mageseed.Address
		wantFields []FieldChange
		wantIDs    []int // ids of the addresses sent, 0 for a new one
	}{
		{"recorded and changed: in place", home("Garden City", 11),
			[]FieldChange{{Path: "addresses.home.city", Action: Update, Old: "Mineola", New: "Garden City"}}, []int{11}},
		{"not recorded: added beside", home("Garden City", 0),
			[]FieldChange{{Path: "addresses.home", Action: Create}}, []int{11, 0}},
		{"recorded id gone: added beside", home("Garden City", 99),
			[]FieldChange{{Path: "addresses.home", Action: Create}}, []int{11, 0}},
		{"recorded and unchanged: nothing", home("Mineola", 11), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mageseed.Customer{Key: "jane", Email: "j@example.com", WebsiteID: 1, Firstname: "Jane", Lastname: "Doe",
				Addresses: []mageseed.Address{tt.desired}}
			r := remote
			r.Addresses = append([]mageseed.Address(nil), remote.Addresses...)
			body, fields := converge(&d, &r)
			for i := range fields {
				if fields[i].Action == Create {
					fields[i].New = "" // the rendering is tested elsewhere
				}
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("field changes (-want +got):\n%s", diff)
			}
			if tt.wantIDs == nil {
				return
			}
			var ids []int
			for _, a := range body.Addresses {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("address ids sent (-want +got):\n%s", diff)
			}
			if tt.wantIDs[0] == 11 && len(tt.wantIDs) == 1 && body.Addresses[0].City != "Garden City" {
				t.Errorf("the address sent has city %q, want the manifest's", body.Addresses[0].City)
			}
		})
	}
}
