package sandbox_test

import (
	"net/http"
	"testing"

	"github.com/mageseed/mageseed/sandbox"
)

// FuzzCreateBody checks that no body makes POST /V1/customers fail with a
// 500: every input is either a customer or one of Magento's 4xx answers.
func FuzzCreateBody(f *testing.F) {
	for _, seed := range []string{
		tutorialStep6,
		`{}`, `[]`, `null`, `"x"`, `{"customer":null}`, `{"customer":[]}`, `{"customer":{"addresses":{}}}`,
		`{"customer":{"email":"a@example.com","firstname":"A","lastname":"B","addresses":[{"street":"x"}]}}`,
		`{"customer":{"email":"a@example.com","firstname":"A","lastname":"B","addresses":[{"region":{"region_id":"x"}}]}}`,
		`{"customer":{"email":"a@example.com","firstname":"A","lastname":"B","dob":"0000-00-00","gender":1e99}}`,
		`{"customer":{"email":"a@example.com","firstname":"A","lastname":"B","custom_attributes":[{}]},"password":1}`,
	} {
		f.Add(seed)
	}
	s := newStore(f, sandbox.Options{})
	f.Fuzz(func(t *testing.T, body string) {
		s := s.with(t)
		r := s.do("POST", "/rest/V1/customers", s.admin, typed{"application/json", body})
		if r.status >= 500 {
			t.Errorf("body %q: status %d, body %s", body, r.status, r.body)
		}
	})
}

// FuzzSearchQuery checks that no query string makes a customer search fail
// with a 500, and that none changes the store.
func FuzzSearchQuery(f *testing.F) {
	for _, seed := range []string{
		"searchCriteria=",
		filterQuery("email", "' OR 1=1 --", "eq"),
		filterQuery("email", "a,b,c", "in"),
		filterQuery("group_id", "x", "gt"),
		"searchCriteria[filterGroups][x][filters][y][field]=email&searchCriteria[filterGroups][x][filters][y][value]=1",
		"searchCriteria[filterGroups][0]=1",
		"searchCriteria[pageSize]=-1&searchCriteria[currentPage]=-5",
		"searchCriteria[pageSize]=99999999999999999999",
		"searchCriteria[sortOrders][0][field]=email&searchCriteria[sortOrders][0][direction]=sideways",
		"searchCriteria[[[]]]=1&%zz",
		"searchCriteria[filterGroups][0][filters][0][value]=\x1b", // no client can send it
	} {
		f.Add(seed)
	}
	s := newStore(f, sandbox.Options{})
	s.create(customerBody("fuzz@example.com"))
	f.Fuzz(func(t *testing.T, query string) {
		s := s.with(t)
		path := "/rest/V1/customers/search?" + query
		// A query net/url refuses (a control character) cannot reach a
		// store: there is nothing to check.
		if _, err := http.NewRequest("GET", s.srv.URL+path, nil); err != nil {
			t.Skipf("query %q cannot be sent: %v", query, err)
		}
		r := s.do("GET", path, s.admin, nil)
		if r.status >= 500 {
			t.Errorf("query %q: status %d, body %s", query, r.status, r.body)
		}
		if got := s.search("searchCriteria=").TotalCount; got != 1 {
			t.Fatalf("after query %q the store has %d customers, want 1", query, got)
		}
	})
}
