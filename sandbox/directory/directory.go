// Package directory follows Magento_Directory: the countries and regions
// the store allows (the offline copy in the project's directory package), the
// routes /V1/directory/countries and /V1/directory/countries/:countryId,
// and the country and region lookups other modules validate addresses
// against.
package directory

import (
	"net/http"
	"strconv"

	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Directory is the store's country directory. The zero value is ready to
// use.
type Directory struct{}

// Country returns the country with the two-letter id.
func (d *Directory) Country(id string) (directory.Country, bool) {
	return directory.Lookup(id)
}

// Routes returns the module's routes.
func (d *Directory) Routes() []webapi.Route {
	return []webapi.Route{
		{Method: "GET", Pattern: "/V1/directory/countries", ACL: webapi.ACLAnonymous, Handle: d.countries},
		{Method: "GET", Pattern: "/V1/directory/countries/:countryId", ACL: webapi.ACLAnonymous, Handle: d.country},
	}
}

// countryData returns a directory country as Magento answers it: region ids
// as strings, available_regions absent for countries without a list.
func countryData(c directory.Country) magento.CountryData {
	out := magento.CountryData{
		ID:                      c.ID,
		TwoLetterAbbreviation:   c.ID,
		ThreeLetterAbbreviation: c.ISO3,
		FullNameLocale:          c.Name,
		FullNameEnglish:         c.Name,
	}
	for _, r := range c.Regions {
		out.AvailableRegions = append(out.AvailableRegions, magento.RegionInfo{ID: strconv.Itoa(r.ID), Code: r.Code, Name: r.Name})
	}
	return out
}

// countries is GET /V1/directory/countries.
func (d *Directory) countries(c *webapi.Call) (any, error) {
	cs := directory.Countries()
	out := make([]magento.CountryData, 0, len(cs))
	for _, co := range cs {
		out = append(out, countryData(co))
	}
	return out, nil
}

// country is GET /V1/directory/countries/:countryId.
func (d *Directory) country(c *webapi.Call) (any, error) {
	co, ok := directory.Lookup(c.Params["countryId"])
	if !ok {
		return nil, webapi.NewError(http.StatusNotFound, "Requested country is not available.", nil)
	}
	return countryData(co), nil
}
