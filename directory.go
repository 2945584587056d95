package mageseed

import (
	"sort"
	"strings"
)

// Country is a country in Magento's stock directory, with its regions in
// install order (their ids are Magento's stock region ids).
type Country struct {
	ID   string // ISO 3166-1 alpha-2, e.g. "US"
	ISO3 string // ISO 3166-1 alpha-3, e.g. "USA"
	Name string // English name, e.g. "United States"

	// Regions lists the country's regions, in Magento's install order.
	Regions []DirectoryRegion

	// StateRequired reports whether an address in the country needs a
	// region (general/region/state_required).
	StateRequired bool

	// PostcodeOptional reports whether the postcode may be left out
	// (general/country/optional_zip_countries).
	PostcodeOptional bool
}

// DirectoryRegion is a region of a Country.
type DirectoryRegion struct {
	ID   int
	Code string
	Name string
}

// LookupCountry returns the country with ISO code id (case-insensitive).
func LookupCountry(id string) (Country, bool) {
	c, ok := countryIndex[strings.ToUpper(id)]
	if !ok {
		return Country{}, false
	}
	return *c, true
}

// Countries returns every country of the directory, sorted by id.
func Countries() []Country {
	out := make([]Country, 0, len(countryIndex))
	for _, c := range countryIndex {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RegionByCode returns the country's region with the given code
// (case-insensitive). Where several regions share a code, the first in
// install order wins, as in Magento.
func (c Country) RegionByCode(code string) (DirectoryRegion, bool) {
	for _, r := range c.Regions {
		if strings.EqualFold(r.Code, code) {
			return r, true
		}
	}
	return DirectoryRegion{}, false
}

// RegionByID returns the country's region with the given id.
func (c Country) RegionByID(id int) (DirectoryRegion, bool) {
	for _, r := range c.Regions {
		if r.ID == id {
			return r, true
		}
	}
	return DirectoryRegion{}, false
}

// RegionByName returns the country's region with the given name
// (case-insensitive).
func (c Country) RegionByName(name string) (DirectoryRegion, bool) {
	for _, r := range c.Regions {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return DirectoryRegion{}, false
}

var countryIndex = func() map[string]*Country {
	m := make(map[string]*Country, len(directory))
	for i := range directory {
		m[directory[i].ID] = &directory[i]
	}
	return m
}()
