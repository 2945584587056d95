package manifest_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mageseed/mageseed/manifest"
)

func ExampleLoad() {
	const yaml = `version: 1
defaults:
  password: ${SEED_PASSWORD:-Password1}
customers:
  jane:
    email: jdoe@example.com
    firstname: Jane
    lastname: Doe
    token: true
    addresses:
      home:
        defaultBilling: true
        defaultShipping: true
        street: ["160 1st St."]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: 516-555-1111
generate:
  - key: demo
    count: 2
    seed: 42
`
	m, err := manifest.Load([]string{"-"}, manifest.Options{
		Stdin:  strings.NewReader(yaml),
		Getenv: func(string) (string, bool) { return "", false },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range m.Customers {
		fmt.Printf("%s %s %s %s, token %v\n", c.Key, c.Email, c.Firstname, c.Lastname, c.Token)
		for _, a := range c.Addresses {
			fmt.Printf("  %s: %s, %s %s %s %s\n", a.Key, a.Street[0], a.City, a.Region.Code, a.Postcode, a.CountryID)
		}
	}
	// Output:
	// jane jdoe@example.com Jane Doe, token true
	//   home: 160 1st St., Mineola NY 11501 US
	// demo-0001 demo-0001@example.test Yuki Hall, token false
	//   address-1: 372 Spring Ave., Phoenix MO 64807 US
	// demo-0002 demo-0002@example.test Ethan Perez, token false
	//   address-1: 487 Market Blvd., Austin WA 44434 US
}

// Invalid input gives an Errors value: every problem, sorted by position.
func ExampleLoad_errors() {
	const yaml = `customers:
  jane:
    email: jdoe@example
    firstname: Jane
    lastname: Doe
    pasword: Password1
`
	_, err := manifest.Load([]string{"-"}, manifest.Options{Stdin: strings.NewReader(yaml), Getenv: os.LookupEnv})
	var errs manifest.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Println(e)
		}
	}
	// Output:
	// <stdin>:3:12: customers.jane.email: is not a valid email address: write it like jane@example.com
	// <stdin>:6:5: customers.jane.pasword: unknown field pasword: did you mean password?
}
