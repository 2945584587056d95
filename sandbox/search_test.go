package sandbox_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// searchStore holds five customers with distinct names, groups and dobs.
func searchStore(t *testing.T) *store {
	s := newStore(t, sandbox.Options{})
	for _, c := range []struct {
		email, first string
		group        int
		dob          any
	}{
		{"ann@example.com", "Ann", 1, "1980-01-01"},
		{"bob@example.com", "Bob", 2, "1985-06-15"},
		{"cid@example.org", "Cid", 3, nil},
		{"dee@example.org", "Dee", 1, "1990-12-31"},
		{"eve@example.net", "Eve", 2, nil},
	} {
		s.create(with(c.email, map[string]any{"firstname": c.first, "group_id": c.group, "dob": c.dob}))
	}
	return s
}

// TestSearchConditions checks every condition type of a filter.
func TestSearchConditions(t *testing.T) {
	s := searchStore(t)
	tests := []struct {
		field, value, cond string
		want               []string
	}{
		{"email", "bob@example.com", "", []string{"bob@example.com"}},
		{"email", "BOB@EXAMPLE.COM", "eq", []string{"bob@example.com"}},
		{"email", "bob@example.com", "neq", []string{"ann@example.com", "cid@example.org", "dee@example.org", "eve@example.net"}},
		{"email", "%@example.ORG", "like", []string{"cid@example.org", "dee@example.org"}},
		{"email", "%example.org", "nlike", []string{"ann@example.com", "bob@example.com", "eve@example.net"}},
		{"email", "ann@example.com,EVE@example.net,nobody@example.com", "in", []string{"ann@example.com", "eve@example.net"}},
		{"email", "ann@example.com,eve@example.net", "nin", []string{"bob@example.com", "cid@example.org", "dee@example.org"}},
		{"dob", "", "null", []string{"cid@example.org", "eve@example.net"}},
		{"dob", "", "notnull", []string{"ann@example.com", "bob@example.com", "dee@example.org"}},
		{"group_id", "1", "gt", []string{"bob@example.com", "cid@example.org", "eve@example.net"}},
		{"group_id", "2", "lt", []string{"ann@example.com", "dee@example.org"}},
		{"group_id", "2", "gteq", []string{"bob@example.com", "cid@example.org", "eve@example.net"}},
		{"group_id", "2", "lteq", []string{"ann@example.com", "bob@example.com", "dee@example.org", "eve@example.net"}},
		{"dob", "1985-01-01", "from", []string{"bob@example.com", "dee@example.org"}},
		{"dob", "1985-12-31", "to", []string{"ann@example.com", "bob@example.com"}},
		{"firstname", "c", "like", nil},
		{"firstname", "_ee", "like", []string{"dee@example.org"}},
		{"name", "Cid Doe", "eq", []string{"cid@example.org"}},
		{"billing_postcode", "11501", "eq", []string{"ann@example.com", "bob@example.com", "cid@example.org", "dee@example.org", "eve@example.net"}},
		{"email", "' OR 1=1 --", "eq", nil},
		{"email", `"; DROP TABLE customer_entity; --`, "like", nil},
		{"email", "%", "like", []string{"ann@example.com", "bob@example.com", "cid@example.org", "dee@example.org", "eve@example.net"}},
		{"email", "bob@example.com", "nosuchcondition", []string{"bob@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.cond+" "+tt.value, func(t *testing.T) {
			res := s.search(filterQuery(tt.field, tt.value, tt.cond))
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, emails(res)); diff != "" {
				t.Errorf("emails mismatch (-want +got):\n%s", diff)
			}
			if res.TotalCount != len(want) {
				t.Errorf("total_count = %d, want %d", res.TotalCount, len(want))
			}
		})
	}
	// The store still holds its five customers after the injection tries.
	if got := s.search("searchCriteria=").TotalCount; got != 5 {
		t.Errorf("customers after injection attempts = %d, want 5", got)
	}
}

// TestSearchGroupsAndSorting checks OR inside a group, AND across groups,
// sort orders, snake_case keys and the echoed search_criteria.
func TestSearchGroupsAndSorting(t *testing.T) {
	s := searchStore(t)
	q := url.Values{}
	q.Set("searchCriteria[filterGroups][0][filters][0][field]", "group_id")
	q.Set("searchCriteria[filterGroups][0][filters][0][value]", "1")
	q.Set("searchCriteria[filterGroups][0][filters][1][field]", "group_id")
	q.Set("searchCriteria[filterGroups][0][filters][1][value]", "2")
	q.Set("searchCriteria[filterGroups][1][filters][0][field]", "email")
	q.Set("searchCriteria[filterGroups][1][filters][0][value]", "%.com")
	q.Set("searchCriteria[filterGroups][1][filters][0][conditionType]", "like")
	q.Set("searchCriteria[sortOrders][0][field]", "firstname")
	q.Set("searchCriteria[sortOrders][0][direction]", "DESC")
	res := s.search(q.Encode())
	if diff := cmp.Diff([]string{"bob@example.com", "ann@example.com"}, emails(res)); diff != "" {
		t.Errorf("OR/AND search mismatch (-want +got):\n%s", diff)
	}
	wantEcho := magento.SearchCriteria{
		FilterGroups: []magento.FilterGroup{
			{Filters: []magento.Filter{{Field: "group_id", Value: "1"}, {Field: "group_id", Value: "2"}}},
			{Filters: []magento.Filter{{Field: "email", Value: "%.com", ConditionType: "like"}}},
		},
		SortOrders: []magento.SortOrder{{Field: "firstname", Direction: "DESC"}},
	}
	if diff := cmp.Diff(wantEcho, res.SearchCriteria); diff != "" {
		t.Errorf("echoed search_criteria mismatch (-want +got):\n%s", diff)
	}

	unknownSort := "searchCriteria[sortOrders][0][field]=nope&searchCriteria[sortOrders][0][direction]=DESC"
	if got := s.search(unknownSort); got.TotalCount != 5 || got.Items[0].Email != "ann@example.com" {
		t.Errorf("sort on an unknown field: total %d, first %q; want 5, ann@example.com (sort ignored)", got.TotalCount, got.Items[0].Email)
	}

	snake := "search_criteria[filter_groups][0][filters][0][field]=email" +
		"&search_criteria[filter_groups][0][filters][0][value]=eve%40example.net" +
		"&search_criteria[filter_groups][0][filters][0][condition_type]=eq"
	if diff := cmp.Diff([]string{"eve@example.net"}, emails(s.search(snake))); diff != "" {
		t.Errorf("snake_case search mismatch (-want +got):\n%s", diff)
	}
}

// TestSearchPaging checks pageSize and currentPage: total_count is
// unpaged, and a page past the last serves the last page again.
func TestSearchPaging(t *testing.T) {
	s := searchStore(t)
	page := func(size, cur string) []string {
		q := "searchCriteria[sortOrders][0][field]=email"
		if size != "" {
			q += "&searchCriteria[pageSize]=" + size
		}
		if cur != "" {
			q += "&searchCriteria[currentPage]=" + cur
		}
		res := s.search(q)
		if res.TotalCount != 5 {
			t.Errorf("pageSize %s currentPage %s: total_count = %d, want 5", size, cur, res.TotalCount)
		}
		return emails(res)
	}
	tests := []struct {
		size, cur string
		want      []string
	}{
		{"", "", []string{"ann@example.com", "bob@example.com", "cid@example.org", "dee@example.org", "eve@example.net"}},
		{"2", "", []string{"ann@example.com", "bob@example.com"}},
		{"2", "1", []string{"ann@example.com", "bob@example.com"}},
		{"2", "2", []string{"cid@example.org", "dee@example.org"}},
		{"2", "3", []string{"eve@example.net"}},
		{"2", "4", []string{"eve@example.net"}},
		{"2", "99", []string{"eve@example.net"}},
		{"2", "0", []string{"ann@example.com", "bob@example.com"}},
		{"10", "2", []string{"ann@example.com", "bob@example.com", "cid@example.org", "dee@example.org", "eve@example.net"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, page(tt.size, tt.cur)); diff != "" {
			t.Errorf("pageSize %s currentPage %s mismatch (-want +got):\n%s", tt.size, tt.cur, diff)
		}
	}
	var res magento.CustomerSearchResults
	s.ok("GET", "/rest/V1/customers/search?"+filterQuery("email", "nobody@example.com", "eq")+"&searchCriteria[pageSize]=2&searchCriteria[currentPage]=3", s.admin, nil, &res)
	if len(res.Items) != 0 || res.TotalCount != 0 || *res.SearchCriteria.CurrentPage != 3 {
		t.Errorf("empty search = %d items, total %d, echoed page %d; want 0, 0, 3", len(res.Items), res.TotalCount, *res.SearchCriteria.CurrentPage)
	}
}

// TestCustomerGroups checks the stock groups and their search.
func TestCustomerGroups(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var all magento.GroupSearchResults
	s.ok("GET", "/rest/V1/customerGroups/search?searchCriteria=", s.admin, nil, &all)
	want := []magento.GroupData{
		{ID: 0, Code: "NOT LOGGED IN", TaxClassID: 3, TaxClassName: "Retail Customer"},
		{ID: 1, Code: "General", TaxClassID: 3, TaxClassName: "Retail Customer"},
		{ID: 2, Code: "Wholesale", TaxClassID: 3, TaxClassName: "Retail Customer"},
		{ID: 3, Code: "Retailer", TaxClassID: 3, TaxClassName: "Retail Customer"},
	}
	if diff := cmp.Diff(want, all.Items); diff != "" || all.TotalCount != 4 {
		t.Errorf("groups mismatch (-want +got):\n%s total %d", diff, all.TotalCount)
	}
	var one magento.GroupSearchResults
	s.ok("GET", "/rest/V1/customerGroups/search?"+filterQuery("code", "wholesale", "eq"), s.admin, nil, &one)
	if diff := cmp.Diff(want[2:3], one.Items); diff != "" {
		t.Errorf("group search mismatch (-want +got):\n%s", diff)
	}
	var g magento.GroupData
	s.ok("GET", "/rest/V1/customerGroups/3", s.admin, nil, &g)
	if diff := cmp.Diff(want[3], g); diff != "" {
		t.Errorf("group 3 mismatch (-want +got):\n%s", diff)
	}
	for _, path := range []string{"/rest/V1/customerGroups/default", "/rest/V1/customerGroups/default/1"} {
		var d magento.GroupData
		s.ok("GET", path, s.admin, nil, &d)
		if diff := cmp.Diff(want[1], d); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
		}
	}
}

// TestDirectory checks the country endpoints: string region ids, NY 43,
// and no available_regions for a country without a list.
func TestDirectory(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var us map[string]any
	s.ok("GET", "/rest/V1/directory/countries/us", "", nil, &us)
	regions := us["available_regions"].([]any)
	if len(regions) != 65 {
		t.Errorf("US regions = %d, want 65", len(regions))
	}
	ny := regions[42].(map[string]any)
	if diff := cmp.Diff(map[string]any{"id": "43", "code": "NY", "name": "New York"}, ny); diff != "" {
		t.Errorf("NY mismatch (-want +got):\n%s", diff)
	}
	if us["three_letter_abbreviation"] != "USA" || us["full_name_english"] != "United States" {
		t.Errorf("US = %v", us)
	}
	var gb map[string]any
	s.ok("GET", "/rest/V1/directory/countries/GB", "", nil, &gb)
	if _, ok := gb["available_regions"]; ok {
		t.Errorf("GB has available_regions: %v", gb)
	}
	var all []magento.CountryData
	s.ok("GET", "/rest/V1/directory/countries", "", nil, &all)
	seen := map[string]bool{}
	for _, c := range all {
		seen[c.ID] = true
	}
	for _, id := range []string{"US", "CA", "GB", "DE", "FR", "NL", "AU", "IN"} {
		if !seen[id] {
			t.Errorf("countries lacks %s", id)
		}
	}
}
