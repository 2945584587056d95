package magento_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// The REST tutorial's first steps with the client: create Jane Doe with her
// address in one request, find her again by email, and get her customer
// token for the next step (POST /V1/carts/mine).
func Example() {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()

	c, err := magento.New(magento.Config{
		BaseURL:       srv.URL,
		AdminUsername: "admin",
		AdminPassword: "admin123",
		UserAgent:     "mageseed/example",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	jane, err := c.CreateCustomer(ctx, mageseed.Customer{
		Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1,
		Password: "Password1",
		Addresses: []mageseed.Address{{
			Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
			Region: mageseed.Region{Code: "NY", ID: 43}, Postcode: "11501", CountryID: "US",
			Telephone: "516-555-1111", DefaultBilling: true, DefaultShipping: true,
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", jane.Email, "with", len(jane.Addresses), "address")

	found, err := c.FindCustomers(ctx, 1, []string{"jdoe@example.com", "nobody@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("found", len(found), "customer, id matches:", found[0].ID == jane.ID)

	if _, err := c.CreateCustomer(ctx, jane); mageseed.ErrorCode(err) == mageseed.ECONFLICT {
		fmt.Println("again:", err)
	}

	token, err := c.CustomerToken(ctx, 0, "jdoe@example.com", "Password1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token:", token != "")

	_, err = c.CustomerToken(ctx, 0, "jdoe@example.com", "wrong")
	fmt.Println(mageseed.ErrorCode(err))
	// Output:
	// created jdoe@example.com with 1 address
	// found 1 customer, id matches: true
	// again: POST /V1/customers: 400: A customer with the same email address already exists in an associated website
	// token: true
	// unauthorized
}
