package outputs_test

import (
	"fmt"

	"github.com/mageseed/mageseed/outputs"
)

func ExampleFile_Lookup() {
	out := &outputs.File{
		Version: 1,
		Customers: map[string]outputs.Customer{
			"jane": {ID: 2, Email: "jdoe@example.com", WebsiteID: 1, GroupID: 1,
				Addresses: map[string]outputs.Address{"home": {ID: 5, DefaultBilling: true}},
				Token:     "fl0o0yr1xota4w88negpwfsle38807yb", TokenExpiresAt: "2026-11-27T14:00:00Z"},
		},
	}
	for _, path := range []string{"customers.jane.token", "customers.jane.addresses.home.id", "customers.bob.id"} {
		v, ok := out.Lookup(path)
		fmt.Printf("%s: %q %v\n", path, v, ok)
	}
	// Output:
	// customers.jane.token: "fl0o0yr1xota4w88negpwfsle38807yb" true
	// customers.jane.addresses.home.id: "5" true
	// customers.bob.id: "" false
}
