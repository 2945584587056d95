package apply_test

import (
	"fmt"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
)

func ExampleDiff() {
	desired := []mageseed.Customer{{
		Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Smith", WebsiteID: 1,
		Password: "Password1",
		Addresses: []mageseed.Address{{
			Key: "home", Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
			CountryID: "US", Region: mageseed.Region{ID: 43, Code: "NY"}, Postcode: "11501", Telephone: "516-555-1111",
			DefaultBilling: true,
		}},
	}}
	// The store holds Jane with her old lastname, a group it chose itself
	// and the same address written differently.
	remote := []mageseed.Customer{{
		ID: 2, Email: "JDoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1, GroupID: mageseed.Int(1),
		Addresses: []mageseed.Address{{
			ID: 5, Firstname: "JANE", Lastname: "Doe", Street: []string{"160  1st St."}, City: "mineola",
			CountryID: "US", Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"}, Postcode: "11501", Telephone: "(516) 555 1111",
		}},
	}}
	plan := apply.Diff(desired, remote)
	for _, c := range plan.Changes {
		fmt.Printf("%c %s (id %d)\n", c.Action, c.Key, c.ID)
		for _, f := range c.Fields {
			fmt.Printf("    %c %s: %q -> %q\n", f.Action, f.Path, f.Old, f.New)
		}
	}
	create, update, del, unchanged := plan.Counts()
	fmt.Printf("Plan: %d to create, %d to update, %d to delete, %d unchanged.\n", create, update, del, unchanged)
	// Output:
	// ~ jane (id 2)
	//     ~ lastname: "Doe" -> "Smith"
	//     ~ addresses.home.defaultBilling: "false" -> "true"
	// Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged.
}

func ExampleTokenExpiry() {
	issued := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	// An opaque token lives for the given lifetime from now; a JWT says
	// when it expires itself.
	fmt.Println(apply.TokenExpiry("fl0o0yr1xota4w88negpwfsle38807yb", issued, time.Hour))
	fmt.Println(apply.TokenExpiry("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3OTU3OTE2MDB9.c2ln", issued, time.Hour))
	// Output:
	// 2026-11-27T14:00:00Z
	// 2026-11-27T15:00:00Z
}
