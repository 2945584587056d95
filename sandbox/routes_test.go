package sandbox_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/sandbox"
)

// TestRoutePatterns checks the route names the stats count requests under:
// method and pattern, store code and "all" stripped, async prefixes kept,
// "unmatched" for the rest.
func TestRoutePatterns(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	for _, r := range []struct{ method, path string }{
		{"GET", "/rest/default/V1/customers/1"},
		{"GET", "/rest/all/V1/customers/2"},
		{"GET", "/rest/V1/customers/me"},
		{"PUT", "/rest/V1/customers/3"},
		{"POST", "/rest/V1/customers/"},
		{"GET", "/rest/V1/customers/search?searchCriteria="},
		{"POST", "/rest/default/async/bulk/V1/customers"},
		{"POST", "/rest/default/async/V1/customers"},
		{"GET", "/rest/V1/bulk/x/detailed-status"},
		{"GET", "/rest/V1/directory/countries/US"},
		{"GET", "/rest/V1/nowhere"},
		{"GET", "/favicon.ico"},
	} {
		s.do(r.method, r.path, s.admin, nil)
	}
	var got struct {
		Requests map[string]int64 `json:"requests"`
	}
	s.ok("GET", "/__sandbox/stats", "", nil, &got)
	want := map[string]int64{
		"POST /V1/integration/admin/token":       1, // newStore's admin token
		"GET /V1/customers/:customerId":          2,
		"GET /V1/customers/me":                   1,
		"PUT /V1/customers/:id":                  1,
		"POST /V1/customers/":                    1,
		"GET /V1/customers/search":               1,
		"POST /async/bulk/V1/customers":          1,
		"POST /async/V1/customers":               1,
		"GET /V1/bulk/:bulkUuid/detailed-status": 1,
		"GET /V1/directory/countries/:countryId": 1,
		"unmatched":                              2,
	}
	if diff := cmp.Diff(want, got.Requests); diff != "" {
		t.Errorf("stats requests mismatch (-want +got):\n%s", diff)
	}
}
