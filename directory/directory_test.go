package directory_test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/directory"
)

// mustCountry returns the directory's country id or fails the test.
func mustCountry(tb testing.TB, id string) directory.Country {
	tb.Helper()
	c, ok := directory.Lookup(id)
	if !ok {
		tb.Fatalf("Lookup(%q): not found", id)
	}
	return c
}

func TestRegionByCode(t *testing.T) {
	tests := []struct {
		name    string
		country string
		code    string
		want    directory.Region
	}{
		{"new york", "US", "NY", directory.Region{ID: 43, Code: "NY", Name: "New York"}},
		{"lower case code", "us", "ny", directory.Region{ID: 43, Code: "NY", Name: "New York"}},
		{"alabama", "US", "AL", directory.Region{ID: 1, Code: "AL", Name: "Alabama"}},
		{"massachusetts", "US", "MA", directory.Region{ID: 32, Code: "MA", Name: "Massachusetts"}},
		{"texas", "US", "TX", directory.Region{ID: 57, Code: "TX", Name: "Texas"}},
		{"shared code first wins", "US", "AE", directory.Region{ID: 6, Code: "AE", Name: "Armed Forces Africa"}},
		{"ontario", "CA", "ON", directory.Region{ID: 74, Code: "ON", Name: "Ontario"}},
		{"berlin", "DE", "BER", directory.Region{ID: 82, Code: "BER", Name: "Berlin"}},
		{"paris", "FR", "75", directory.Region{ID: 257, Code: "75", Name: "Paris"}},
		{"corse-du-sud", "FR", "2A", directory.Region{ID: 201, Code: "2A", Name: "Corse-du-Sud"}},
		{"geneva renamed", "CH", "GE", directory.Region{ID: 111, Code: "GE", Name: "Geneva"}},
		{"sao paulo", "BR", "SP", directory.Region{ID: 508, Code: "SP", Name: "São Paulo"}},
		{"new south wales", "AU", "NSW", directory.Region{ID: 549, Code: "NSW", Name: "New South Wales"}},
		{"maharashtra", "IN", "MH", directory.Region{ID: 815, Code: "MH", Name: "Maharashtra"}},
		{"ladakh", "IN", "LA", directory.Region{ID: 1178, Code: "LA", Name: "Ladakh"}},
		{"cyrillic es in a coruna", "ES", "A Coru\u0441a", directory.Region{ID: 130, Code: "A Coru\u0441a", Name: "A Coruña"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustCountry(t, tt.country).RegionByCode(tt.code)
			if !ok {
				t.Fatalf("RegionByCode(%q): not found", tt.code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RegionByCode(%q) mismatch (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

func TestRegionLookupMisses(t *testing.T) {
	tests := []struct {
		name    string
		country string
		lookup  func(directory.Country) bool
	}{
		{"code of another country", "CA", func(c directory.Country) bool { _, ok := c.RegionByCode("NY"); return ok }},
		{"id of another country", "CA", func(c directory.Country) bool { _, ok := c.RegionByID(43); return ok }},
		{"latin c in a coruna", "ES", func(c directory.Country) bool { _, ok := c.RegionByCode("A Coruca"); return ok }},
		{"no regions in gb", "GB", func(c directory.Country) bool { _, ok := c.RegionByCode("ENG"); return ok }},
		{"unknown name", "US", func(c directory.Country) bool { _, ok := c.RegionByName("Atlantis"); return ok }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lookup(mustCountry(t, tt.country)) {
				t.Errorf("lookup in %s found a region, want none", tt.country)
			}
		})
	}
}

func TestRegionByIDAndName(t *testing.T) {
	us := mustCountry(t, "US")
	got, ok := us.RegionByID(43)
	if !ok {
		t.Fatal("RegionByID(43): not found")
	}
	want := directory.Region{ID: 43, Code: "NY", Name: "New York"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RegionByID(43) mismatch (-want +got):\n%s", diff)
	}
	got, ok = us.RegionByName("new york")
	if !ok {
		t.Fatal(`RegionByName("new york"): not found`)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf(`RegionByName("new york") mismatch (-want +got):`+"\n%s", diff)
	}
}

// TestRegionRanges pins the first and last id and the count of every
// country's regions, so an edit that shifts ids shows up here.
func TestRegionRanges(t *testing.T) {
	type span struct{ First, Last, Count int }
	want := map[string]span{
		"US": {1, 65, 65}, "CA": {66, 78, 13}, "DE": {79, 94, 16}, "AT": {95, 103, 9},
		"CH": {104, 129, 26}, "ES": {130, 181, 52}, "FR": {182, 277, 96}, "RO": {278, 319, 42},
		"FI": {320, 339, 20}, "EE": {340, 354, 15}, "LV": {355, 474, 120}, "LT": {475, 484, 10},
		"BR": {485, 511, 27}, "AL": {512, 523, 12}, "AR": {524, 547, 24}, "AU": {548, 555, 8},
		"BY": {556, 562, 7}, "BE": {563, 573, 11}, "BO": {574, 582, 9}, "BG": {583, 610, 28},
		"CL": {611, 626, 16}, "CN": {627, 660, 34}, "CO": {661, 692, 32}, "CR": {693, 699, 7},
		"HR": {700, 720, 21}, "CZ": {721, 734, 14}, "DK": {735, 739, 5}, "EC": {740, 763, 24},
		"GR": {764, 776, 13}, "GY": {777, 786, 10}, "IS": {787, 794, 8}, "IN": {795, 1178, 37},
		"IE": {831, 856, 26}, "IT": {857, 963, 107}, "MX": {964, 995, 32}, "PY": {996, 1013, 18},
		"PE": {1014, 1039, 26}, "PL": {1040, 1055, 16}, "PT": {1056, 1075, 20}, "SR": {1076, 1085, 10},
		"SE": {1086, 1106, 21}, "UA": {1107, 1133, 27}, "UY": {1134, 1152, 19}, "VE": {1153, 1177, 25},
	}
	got := make(map[string]span)
	for _, c := range directory.Countries() {
		if len(c.Regions) == 0 {
			continue
		}
		got[c.ID] = span{c.Regions[0].ID, c.Regions[len(c.Regions)-1].ID, len(c.Regions)}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("region spans mismatch (-want +got):\n%s", diff)
	}
}

// TestRegionIDs checks that ids rise within each country and that, across
// the directory, they run from 1 with neither gap nor duplicate, as a fresh
// install's auto-increment assigns them.
func TestRegionIDs(t *testing.T) {
	var ids []int
	owner := make(map[int]string)
	for _, c := range directory.Countries() {
		for i, r := range c.Regions {
			if prev, dup := owner[r.ID]; dup {
				t.Errorf("region id %d is used by %s and %s", r.ID, prev, c.ID)
			}
			owner[r.ID] = c.ID
			ids = append(ids, r.ID)
			if i > 0 && r.ID <= c.Regions[i-1].ID {
				t.Errorf("%s: region %q has id %d, not above the previous %d", c.ID, r.Code, r.ID, c.Regions[i-1].ID)
			}
			if r.Code == "" || r.Name == "" {
				t.Errorf("%s: region %d has code %q and name %q, want both set", c.ID, r.ID, r.Code, r.Name)
			}
		}
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != i+1 {
			t.Fatalf("sorted region ids: position %d holds %d, want %d", i, id, i+1)
		}
	}
	if got, want := len(ids), 1178; got != want {
		t.Errorf("region count = %d, want %d", got, want)
	}
}

// TestRegionCodesUnique checks that codes are unique within a country, but
// for the four US armed forces regions that share "AE" in Magento.
func TestRegionCodesUnique(t *testing.T) {
	var got []string
	for _, c := range directory.Countries() {
		seen := make(map[string]bool)
		for _, r := range c.Regions {
			if seen[r.Code] {
				got = append(got, fmt.Sprintf("%s/%s/%d", c.ID, r.Code, r.ID))
			}
			seen[r.Code] = true
		}
	}
	want := []string{"US/AE/8", "US/AE/9", "US/AE/10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repeated region codes mismatch (-want +got):\n%s", diff)
	}
}

func TestCountryCodes(t *testing.T) {
	alpha2 := regexp.MustCompile(`^[A-Z]{2}$`)
	alpha3 := regexp.MustCompile(`^[A-Z]{3}$`)
	seenISO3 := make(map[string]string)
	countries := directory.Countries()
	for _, c := range countries {
		if !alpha2.MatchString(c.ID) {
			t.Errorf("country id %q is not two capital letters", c.ID)
		}
		if !alpha3.MatchString(c.ISO3) {
			t.Errorf("%s: ISO3 %q is not three capital letters", c.ID, c.ISO3)
		}
		if c.Name == "" {
			t.Errorf("%s: empty name", c.ID)
		}
		if prev, dup := seenISO3[c.ISO3]; dup {
			t.Errorf("ISO3 %q is used by %s and %s", c.ISO3, prev, c.ID)
		}
		seenISO3[c.ISO3] = c.ID
		got, ok := directory.Lookup(c.ID)
		if !ok || got.ID != c.ID {
			t.Errorf("Lookup(%q) = %q, %t; want %q, true", c.ID, got.ID, ok, c.ID)
		}
	}
	if got, want := len(countries), 249; got != want {
		t.Errorf("country count = %d, want %d", got, want)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id     string
		wantOK bool
		want   string // "ID ISO3 Name"
	}{
		{"US", true, "US USA United States"},
		{"us", true, "US USA United States"},
		{"gB", true, "GB GBR United Kingdom"},
		{"NL", true, "NL NLD Netherlands"},
		{"XK", true, "XK XKX Kosovo"},
		{"CW", true, "CW CUW Curaçao"},
		{"ZZ", false, ""},
		{"USA", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c, ok := directory.Lookup(tt.id)
			if ok != tt.wantOK {
				t.Fatalf("Lookup(%q) ok = %t, want %t", tt.id, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if got := c.ID + " " + c.ISO3 + " " + c.Name; got != tt.want {
				t.Errorf("Lookup(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}

func TestStateRequired(t *testing.T) {
	var required, optional []string
	for _, c := range directory.Countries() {
		if c.StateRequired && len(c.Regions) == 0 {
			t.Errorf("%s requires a state but has no region list", c.ID)
		}
		switch {
		case c.StateRequired:
			required = append(required, c.ID)
		case len(c.Regions) > 0:
			optional = append(optional, c.ID)
		}
	}
	wantRequired := []string{
		"AL", "AR", "AU", "BE", "BG", "BO", "BR", "BY", "CA", "CH", "CL", "CN", "CO", "CR",
		"CZ", "DK", "EC", "EE", "ES", "GR", "GY", "HR", "IE", "IN", "IS", "IT", "LT", "LV",
		"MX", "PE", "PL", "PT", "PY", "RO", "SE", "SR", "UA", "US", "UY", "VE",
	}
	if diff := cmp.Diff(wantRequired, required); diff != "" {
		t.Errorf("state-required countries mismatch (-want +got):\n%s", diff)
	}
	// These have regions but Magento's Directory di.xml exempts them.
	if diff := cmp.Diff([]string{"AT", "DE", "FI", "FR"}, optional); diff != "" {
		t.Errorf("countries with optional regions mismatch (-want +got):\n%s", diff)
	}
}

func TestPostcodeOptional(t *testing.T) {
	var got []string
	for _, c := range directory.Countries() {
		if c.PostcodeOptional {
			got = append(got, c.ID)
		}
	}
	if diff := cmp.Diff([]string{"GB", "HK", "IE", "MO", "PA"}, got); diff != "" {
		t.Errorf("postcode-optional countries mismatch (-want +got):\n%s", diff)
	}
}

func TestCountriesWithoutRegions(t *testing.T) {
	for _, id := range []string{"GB", "NL", "JP", "NZ"} {
		t.Run(id, func(t *testing.T) {
			c := mustCountry(t, id)
			if len(c.Regions) != 0 || c.StateRequired {
				t.Errorf("%s: %d regions, StateRequired %t; want none and false", id, len(c.Regions), c.StateRequired)
			}
			if c.Regions != nil {
				t.Errorf("%s: Regions is an empty non-nil slice, want nil", id)
			}
		})
	}
}

func TestCountriesSorted(t *testing.T) {
	countries := directory.Countries()
	if !sort.SliceIsSorted(countries, func(i, j int) bool { return countries[i].ID < countries[j].ID }) {
		t.Error("Countries() is not sorted by id")
	}
	for i := 1; i < len(countries); i++ {
		if countries[i].ID == countries[i-1].ID {
			t.Errorf("Countries() lists %s twice", countries[i].ID)
		}
	}
}

func ExampleLookup() {
	us, _ := directory.Lookup("us")
	ny, _ := us.RegionByCode("NY")
	fmt.Println(us.Name, us.StateRequired, ny.ID, ny.Name)
	// Output: United States true 43 New York
}
