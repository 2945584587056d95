package sandbox_test

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// tutorialStep6 is the exact body of Adobe's REST tutorial, "Step 6. Create
// a customer".
const tutorialStep6 = `{
  "customer": {
    "email": "jdoe@example.com",
    "firstname": "Jane",
    "lastname": "Doe",
    "addresses": [{
      "defaultShipping": true,
      "defaultBilling": true,
      "firstname": "Jane",
      "lastname": "Doe",
      "region": {
        "regionCode": "NY",
        "region": "New York",
        "regionId": 43
      },
      "postcode": "11501",
      "street": ["160 1st St."],
      "city": "Mineola",
      "telephone": "516-555-1111",
      "countryId": "US"
    }]
  },
  "password": "Password1"
}`

// TestTutorialReplay replays the tutorial: create Jane with an admin token,
// get her customer token, and read her back through /V1/customers/me.
func TestTutorialReplay(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var got magento.CustomerData
	s.ok("POST", "/rest/default/V1/customers", s.admin, tutorialStep6, &got)

	if got.ID == 0 || len(got.Addresses) != 1 || got.Addresses[0].ID == 0 {
		t.Fatalf("created customer has no id or address id: %+v", got)
	}
	id, addrID := got.ID, got.Addresses[0].ID
	now := "2026-03-14 09:26:53"
	yes, no := true, false
	one, zero, rid := 1, 0, 43
	want := magento.CustomerData{
		ID:              id,
		GroupID:         &one,
		DefaultBilling:  strconv.Itoa(addrID),
		DefaultShipping: strconv.Itoa(addrID),
		CreatedAt:       now,
		UpdatedAt:       now,
		CreatedIn:       "Default Store View",
		Email:           "jdoe@example.com",
		Firstname:       "Jane",
		Lastname:        "Doe",
		StoreID:         &one,
		WebsiteID:       &one,
		Addresses: []magento.AddressData{{
			ID:              addrID,
			CustomerID:      id,
			Region:          &magento.RegionData{RegionCode: "NY", Region: "New York", RegionID: 43},
			RegionID:        &rid,
			CountryID:       "US",
			Street:          []string{"160 1st St."},
			Telephone:       "516-555-1111",
			Postcode:        "11501",
			City:            "Mineola",
			Firstname:       "Jane",
			Lastname:        "Doe",
			DefaultShipping: &yes,
			DefaultBilling:  &yes,
		}},
		DisableAutoGroupChange: &zero,
		ExtensionAttributes:    &magento.CustomerExtension{IsSubscribed: &no},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created customer mismatch (-want +got):\n%s", diff)
	}

	token := s.token("/rest/default/V1/integration/customer/token", "jdoe@example.com", "Password1")
	var me magento.CustomerData
	s.ok("GET", "/rest/default/V1/customers/me", token, nil, &me)
	if diff := cmp.Diff(want, me); diff != "" {
		t.Errorf("GET /V1/customers/me mismatch (-want +got):\n%s", diff)
	}
}
