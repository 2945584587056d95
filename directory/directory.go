// Package directory is an offline copy of Magento's stock directory: the
// countries and regions a fresh Magento Open Source 2.4.8 install holds,
// with the region ids its auto-increment assigns. Its data is the embedded
// file directory.tsv, whose header says where every id comes from;
// internal/gen is the program that first wrote it.
//
// Against a real store, prefer the store's own answer
// (GET /V1/directory/countries/:id): stores installed on an older release
// hold other ids.
package directory

//go:generate sh -c "git show 08176c2:directory_data.go | go run ./internal/gen > directory.tsv"

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Country is a country in Magento's stock directory, with its regions in
// install order (their ids are Magento's stock region ids).
type Country struct {
	ID   string // ISO 3166-1 alpha-2, e.g. "US"
	ISO3 string // ISO 3166-1 alpha-3, e.g. "USA"
	Name string // English name, e.g. "United States"

	// Regions lists the country's regions, in Magento's install order.
	Regions []Region

	// StateRequired reports whether an address in the country needs a
	// region (general/region/state_required).
	StateRequired bool

	// PostcodeOptional reports whether the postcode may be left out
	// (general/country/optional_zip_countries).
	PostcodeOptional bool
}

// Region is a region of a Country, as the directory_country_region table
// holds it.
type Region struct {
	ID   int
	Code string
	Name string
}

//go:embed directory.tsv
var data string

// index parses data once; the tests of this package make sure it parses.
var index = sync.OnceValue(func() map[string]*Country {
	cs, err := parse(data)
	if err != nil {
		panic("directory: embedded directory.tsv: " + err.Error())
	}
	m := make(map[string]*Country, len(cs))
	for i := range cs {
		m[cs[i].ID] = &cs[i]
	}
	return m
})

// parse reads the format of directory.tsv (see its header).
func parse(s string) ([]Country, error) {
	var out []Country
	for n, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "country" && len(f) == 5:
			c := Country{ID: f[1], ISO3: f[2], Name: f[3]}
			if f[4] != "-" {
				for _, flag := range strings.Split(f[4], ",") {
					switch flag {
					case "stateRequired":
						c.StateRequired = true
					case "postcodeOptional":
						c.PostcodeOptional = true
					default:
						return nil, fmt.Errorf("line %d: unknown flag %q", n+1, flag)
					}
				}
			}
			out = append(out, c)
		case f[0] == "region" && len(f) == 4:
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: region before any country", n+1)
			}
			id, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: region id: %v", n+1, err)
			}
			c := &out[len(out)-1]
			c.Regions = append(c.Regions, Region{ID: id, Code: f[2], Name: f[3]})
		default:
			return nil, fmt.Errorf("line %d: want a country line of 5 fields or a region line of 4", n+1)
		}
	}
	return out, nil
}

// Lookup returns the country with ISO code id (case-insensitive).
func Lookup(id string) (Country, bool) {
	c, ok := index()[strings.ToUpper(id)]
	if !ok {
		return Country{}, false
	}
	return *c, true
}

// Countries returns every country of the directory, sorted by id.
func Countries() []Country {
	m := index()
	out := make([]Country, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RegionByCode returns the country's region with the given code
// (case-insensitive). Where several regions share a code, the first in
// install order wins, as in Magento.
func (c Country) RegionByCode(code string) (Region, bool) {
	for _, r := range c.Regions {
		if strings.EqualFold(r.Code, code) {
			return r, true
		}
	}
	return Region{}, false
}

// RegionByID returns the country's region with the given id.
func (c Country) RegionByID(id int) (Region, bool) {
	for _, r := range c.Regions {
		if r.ID == id {
			return r, true
		}
	}
	return Region{}, false
}

// RegionByName returns the country's region with the given name
// (case-insensitive).
func (c Country) RegionByName(name string) (Region, bool) {
	for _, r := range c.Regions {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return Region{}, false
}
