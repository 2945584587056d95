package magento_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/magento"
)

// searchStore is a fake store that answers GET /V1/customers/search over a
// list of customers, with Magento's paging: a page past the last one gives
// the last page again. It understands the filters the client sends (email
// in/eq/like, website_id eq), and can lie about total_count.
type searchStore struct {
	customers []magento.CustomerData
	// extraTotal is added to the true total_count.
	extraTotal int

	mu       sync.Mutex
	requests []url.Values
}

func newSearchStore(n int, websiteOf func(i int) int) *searchStore {
	s := &searchStore{}
	for i := range n {
		w := websiteOf(i)
		s.customers = append(s.customers, magento.CustomerData{
			ID: i + 1, Email: fmt.Sprintf("c%04d@example.com", i), Firstname: "C", Lastname: strconv.Itoa(i), WebsiteID: &w,
			Addresses: []magento.AddressData{},
		})
	}
	return s
}

func (s *searchStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/rest/default/V1/customers/search" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.requests = append(s.requests, q)
	s.mu.Unlock()
	var match []magento.CustomerData
	for _, c := range s.customers {
		if s.matches(q, c) {
			match = append(match, c)
		}
	}
	size, _ := strconv.Atoi(q.Get("searchCriteria[pageSize]"))
	page, _ := strconv.Atoi(q.Get("searchCriteria[currentPage]"))
	if size <= 0 {
		size = len(match) + 1
	}
	last := max(1, (len(match)+size-1)/size)
	page = min(max(page, 1), last)
	from := min((page-1)*size, len(match))
	to := min(from+size, len(match))
	json.NewEncoder(w).Encode(magento.CustomerSearchResults{Items: match[from:to], TotalCount: len(match) + s.extraTotal})
}

func (s *searchStore) matches(q url.Values, c magento.CustomerData) bool {
	for g := 0; ; g++ {
		prefix := fmt.Sprintf("searchCriteria[filterGroups][%d][filters][0]", g)
		field := q.Get(prefix + "[field]")
		if field == "" {
			return true
		}
		value, cond := q.Get(prefix+"[value]"), q.Get(prefix+"[conditionType]")
		var have string
		switch field {
		case "email":
			have = c.Email
		case "website_id":
			have = strconv.Itoa(*c.WebsiteID)
		}
		ok := false
		switch cond {
		case "", "eq":
			ok = strings.EqualFold(have, value)
		case "in":
			for _, v := range strings.Split(value, ",") {
				ok = ok || strings.EqualFold(have, v)
			}
		case "like":
			ok = strings.HasSuffix(have, strings.TrimPrefix(value, "%"))
		}
		if !ok {
			return false
		}
	}
}

func (s *searchStore) emailsPerRequest() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n []int
	for _, q := range s.requests {
		v := q.Get("searchCriteria[filterGroups][0][filters][0][value]")
		n = append(n, len(strings.Split(v, ",")))
	}
	sort.Ints(n)
	return n
}

func TestFindCustomersBatching(t *testing.T) {
	s := newSearchStore(300, func(i int) int { return 1 + i%2 })
	c := newClient(t, s, nil)
	var emails []string
	for i := range 250 {
		emails = append(emails, fmt.Sprintf("c%04d@example.com", i))
	}
	emails = append(emails, "C0000@EXAMPLE.COM", "absent@example.com") // a duplicate in other case, and one not in the store
	got, err := c.FindCustomers(context.Background(), 1, emails)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.emailsPerRequest(), []int{51, 100, 100}); diff != "" {
		t.Errorf("emails per search request (-got +want):\n%s", diff)
	}
	for _, q := range s.requests {
		if q.Get("searchCriteria[filterGroups][0][filters][0][conditionType]") != "in" ||
			q.Get("searchCriteria[filterGroups][1][filters][0][field]") != "website_id" ||
			q.Get("searchCriteria[filterGroups][1][filters][0][value]") != "1" ||
			q.Get("searchCriteria[pageSize]") != "100" {
			t.Errorf("search request %v: want email in, AND website_id eq 1, pageSize 100", q)
		}
	}
	if len(got) != 125 {
		t.Fatalf("found %d customers, want the 125 of website 1", len(got))
	}
	for _, cust := range got {
		if cust.WebsiteID != 1 {
			t.Errorf("customer %s of website %d in the result", cust.Email, cust.WebsiteID)
		}
	}
}

func TestFindCustomersCommaInEmail(t *testing.T) {
	s := newSearchStore(3, func(int) int { return 1 })
	s.customers[2].Email = `"a,b"@example.com`
	c := newClient(t, s, nil)
	got, err := c.FindCustomers(context.Background(), 1, []string{"c0000@example.com", `"a,b"@example.com`})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(s.requests) != 2 {
		t.Errorf("found %d customers in %d requests, want 2 in 2 (an email with a comma is looked up alone)", len(got), len(s.requests))
	}
}

func TestFindCustomersNone(t *testing.T) {
	s := newSearchStore(3, func(int) int { return 1 })
	c := newClient(t, s, nil)
	got, err := c.FindCustomers(context.Background(), 1, nil)
	if err != nil || len(got) != 0 || len(s.requests) != 0 {
		t.Errorf("FindCustomers(no emails) = %d customers, %v, %d requests; want none, nil, 0", len(got), err, len(s.requests))
	}
}

func TestSearchPaging(t *testing.T) {
	tests := []struct {
		name         string
		customers    int
		pageSize     int
		extraTotal   int
		wantRequests int
		wantFound    int
		wantErr      string
	}{
		{name: "stops on total_count", customers: 250, pageSize: 100, wantRequests: 3, wantFound: 250},
		{name: "exact pages", customers: 200, pageSize: 100, wantRequests: 2, wantFound: 200},
		{name: "empty store", customers: 0, pageSize: 100, wantRequests: 1, wantFound: 0},
		// A store whose count exceeds what it returns gives the last page
		// again past the end: a page with nothing new ends the search
		// with an error, not with a guess.
		{name: "a count the pages never reach", customers: 250, pageSize: 100, extraTotal: 10, wantRequests: 4, wantErr: "the store's search did not converge: page 4 brought no customer not read before, with 250 of total_count 260 read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSearchStore(tt.customers, func(int) int { return 1 })
			s.extraTotal = tt.extraTotal
			c := newClient(t, s, nil)
			got, err := c.SearchCustomers(context.Background(), magento.Query{EmailLike: "%@example.com", PageSize: tt.pageSize})
			if tt.wantErr != "" {
				if err == nil || !strings.HasSuffix(err.Error(), tt.wantErr) || mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if len(s.requests) != tt.wantRequests {
					t.Errorf("%d requests, want %d", len(s.requests), tt.wantRequests)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantFound || len(s.requests) != tt.wantRequests {
				t.Errorf("found %d in %d requests, want %d in %d", len(got), len(s.requests), tt.wantFound, tt.wantRequests)
			}
			for i, cust := range got {
				if cust.ID != i+1 {
					t.Fatalf("customer %d has id %d, want %d (in id order, no repeats)", i, cust.ID, i+1)
				}
			}
		})
	}
}

func TestCreateCustomerRequest(t *testing.T) {
	s := &script{answers: []answer{{status: 200, body: `{"id":2,"email":"jdoe@example.com","firstname":"Jane","lastname":"Doe","website_id":1,"group_id":1,"default_billing":"2","default_shipping":"2","addresses":[{"id":2,"customer_id":2,"region":{"region_code":"NY","region":"New York","region_id":43},"region_id":43,"country_id":"US","street":["160 1st St."],"telephone":"516-555-1111","postcode":"11501","city":"Mineola","firstname":"Jane","lastname":"Doe","default_shipping":true,"default_billing":true}]}`}}}
	c := newClient(t, s, nil)
	in := mageseed.Customer{
		Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1, Password: "Password1!",
		Addresses: []mageseed.Address{{
			Key: "home", ID: 99, Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
			Region: mageseed.Region{ID: 43, Code: "NY"}, Postcode: "11501", CountryID: "US", Telephone: "516-555-1111",
			DefaultBilling: true, DefaultShipping: true,
		}},
	}
	got, err := c.CreateCustomer(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(s.bodies[0]), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"customer": map[string]any{
			"email": "jdoe@example.com", "firstname": "Jane", "lastname": "Doe", "website_id": float64(1),
			"addresses": []any{map[string]any{
				"firstname": "Jane", "lastname": "Doe", "street": []any{"160 1st St."}, "city": "Mineola",
				"region": map[string]any{"region_code": "NY", "region_id": float64(43)}, "region_id": float64(43),
				"postcode": "11501", "country_id": "US", "telephone": "516-555-1111",
				"default_billing": true, "default_shipping": true,
			}},
		},
		"password": "Password1!",
	}
	if diff := cmp.Diff(body, want); diff != "" {
		t.Errorf("request body (-got +want):\n%s", diff)
	}
	if got.ID != 2 || got.Key != "jane" || len(got.Addresses) != 1 || got.Addresses[0].Key != "home" || got.Addresses[0].ID != 2 ||
		got.DefaultBilling != 2 || !got.Addresses[0].DefaultBilling {
		t.Errorf("created customer = %+v, want id 2, key jane, address home with id 2, default billing", got)
	}
	if got.Password != "" {
		t.Errorf("the returned customer keeps the password")
	}
}

func TestUpdateCustomerRequest(t *testing.T) {
	s := &script{answers: []answer{{status: 200, body: `{"id":7,"email":"jdoe@example.com","firstname":"Jane","lastname":"Roe","website_id":1,"default_billing":"3","addresses":[{"id":3,"country_id":"US","city":"Mineola"},{"id":5,"country_id":"US","city":"Boston"},{"id":8,"country_id":"US","city":"Albany"}]}`}}}
	c := newClient(t, s, nil)
	in := mageseed.Customer{
		Key: "jane", ID: 7, Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Roe", WebsiteID: 1,
		Password: "never-sent-on-update", DefaultBilling: 3, Taxvat: mageseed.String("X1"),
		Addresses: []mageseed.Address{
			{Key: "home", ID: 3, CountryID: "US", City: "Mineola"},
			{ID: 5, CountryID: "US", City: "Boston"}, // kept, not in the manifest
			{Key: "work", CountryID: "US", City: "Albany"},
		},
	}
	got, err := c.UpdateCustomer(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.requests[0]; r.Method != http.MethodPut || r.URL.Path != "/rest/default/V1/customers/7" {
		t.Errorf("request = %s %s, want PUT /rest/default/V1/customers/7", r.Method, r.URL.Path)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(s.bodies[0]), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"customer": map[string]any{
			"id": float64(7), "email": "jdoe@example.com", "firstname": "Jane", "lastname": "Roe", "website_id": float64(1),
			"taxvat": "X1", "default_billing": "3",
			"addresses": []any{
				map[string]any{"id": float64(3), "country_id": "US", "city": "Mineola"},
				map[string]any{"id": float64(5), "country_id": "US", "city": "Boston"},
				map[string]any{"country_id": "US", "city": "Albany"},
			},
		},
	}
	if diff := cmp.Diff(body, want); diff != "" {
		t.Errorf("request body (-got +want):\n%s", diff)
	}
	var keys []string
	for _, a := range got.Addresses {
		keys = append(keys, fmt.Sprintf("%d:%s", a.ID, a.Key))
	}
	if diff := cmp.Diff(keys, []string{"3:home", "5:", "8:work"}); diff != "" {
		t.Errorf("address keys (-got +want):\n%s", diff)
	}
}

func TestUpdateCustomerNeedsID(t *testing.T) {
	c := newClient(t, &script{answers: []answer{{status: 200, body: customerJSON}}}, nil)
	_, err := c.UpdateCustomer(context.Background(), mageseed.Customer{Email: "a@example.com"})
	if mageseed.ErrorCode(err) != mageseed.EINVALID {
		t.Errorf("UpdateCustomer without id = %v, want EINVALID", err)
	}
}

func TestDeleteAfterLostAnswer(t *testing.T) {
	// The first DELETE is done but its answer lost; the retry finds nothing.
	s := &script{answers: []answer{{drop: true}, {status: 404, body: `{"message":"No such entity with %fieldName = %fieldValue","parameters":{"fieldName":"customerId","fieldValue":7}}`}}}
	c := newClient(t, s, nil)
	if err := c.DeleteCustomer(context.Background(), 7); err != nil {
		t.Errorf("DeleteCustomer = %v, want nil: the first attempt deleted it", err)
	}
	s2 := &script{answers: []answer{{status: 404, body: `{"message":"No such entity"}`}}}
	c2 := newClient(t, s2, nil)
	if err := c2.DeleteCustomer(context.Background(), 7); mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("DeleteCustomer of an unknown id = %v, want ENOTFOUND", err)
	}
}

func TestWebsitesAndRegions(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/rest/default/V1/store/websites", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id":0,"code":"admin","name":"Admin","default_group_id":0},{"id":1,"code":"base","name":"Main Website","default_group_id":1}]`)
	})
	mux.HandleFunc("/rest/default/V1/directory/countries/US", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"US","two_letter_abbreviation":"US","three_letter_abbreviation":"USA","full_name_locale":"United States","full_name_english":"United States","available_regions":[{"id":"1","code":"AL","name":"Alabama"},{"id":"43","code":"NY","name":"New York"}]}`)
	})
	mux.HandleFunc("/rest/default/V1/directory/countries/FR", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"FR","two_letter_abbreviation":"FR","three_letter_abbreviation":"FRA","full_name_locale":"France","full_name_english":"France"}`)
	})
	mux.HandleFunc("/rest/default/V1/directory/countries/XX", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"message":"Requested country is not available."}`)
	})
	c := newClient(t, mux, nil)
	ctx := context.Background()
	ws, err := c.Websites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ws, []mageseed.Website{{ID: 0, Code: "admin", Name: "Admin"}, {ID: 1, Code: "base", Name: "Main Website", DefaultGroupID: 1}}); diff != "" {
		t.Errorf("Websites (-got +want):\n%s", diff)
	}
	us, err := c.Regions(ctx, "US")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(us, []directory.Region{{ID: 1, Code: "AL", Name: "Alabama"}, {ID: 43, Code: "NY", Name: "New York"}}); diff != "" {
		t.Errorf("Regions(US) (-got +want):\n%s", diff)
	}
	fr, err := c.Regions(ctx, "FR")
	if err != nil || fr == nil || len(fr) != 0 {
		t.Errorf("Regions(FR) = %#v, %v; want an empty slice", fr, err)
	}
	if _, err := c.Regions(ctx, "XX"); mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("Regions(XX) = %v, want ENOTFOUND", err)
	}
}

func TestFindCustomersLongEmails(t *testing.T) {
	s := newSearchStore(0, func(int) int { return 1 })
	c := newClient(t, s, nil)
	var emails []string
	for i := range 100 {
		emails = append(emails, fmt.Sprintf("%s-%03d@example.com", strings.Repeat("x", 100), i))
	}
	if _, err := c.FindCustomers(context.Background(), 1, emails); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range s.emailsPerRequest() {
		total += n
	}
	if len(s.requests) < 2 || total != 100 {
		t.Errorf("%d requests for %d emails of 116 bytes, want them split across more than one", len(s.requests), total)
	}
	for _, q := range s.requests {
		if n := len(q.Encode()); n > 8000 {
			t.Errorf("search query of %d bytes, want at most 8000", n)
		}
	}
}
