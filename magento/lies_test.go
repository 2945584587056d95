package magento_test

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/outputs"
)

// pageOf returns page n (from 1) of size customers c<first>..., ids from
// first.
func pageOf(first, size int) []magento.CustomerData {
	var out []magento.CustomerData
	for i := range size {
		out = append(out, wireCustomer(first+i, fmt.Sprintf("c%d@example.com", first+i), 1))
	}
	return out
}

func pageNumber(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("searchCriteria[currentPage]"))
	return n
}

// TestSearchThatDoesNotConverge: a store whose pages lie (total_count that
// changes, pages that never end, pages that repeat) ends the search with
// "the store's search did not converge" after a bounded number of requests,
// never with a loop or a partial answer.
func TestSearchThatDoesNotConverge(t *testing.T) {
	tests := []struct {
		name     string
		page     func(n int, r *http.Request) magento.CustomerSearchResults
		wantMax  int // requests at most
		wantText string
	}{
		{
			name: "total_count grows on every page",
			page: func(n int, r *http.Request) magento.CustomerSearchResults {
				p := pageNumber(r)
				return searchAnswer(100*(p+1), pageOf(100*(p-1)+1, 100)...)
			},
			wantMax: 2, wantText: "total_count changed from 200 to 300 between pages",
		},
		{
			name: "fresh customers on every page, past the count",
			page: func(n int, r *http.Request) magento.CustomerSearchResults {
				// Each page is full and new, but total_count says 250:
				// a store that ignores currentPage's end.
				p := pageNumber(r)
				return searchAnswer(250, pageOf(1000*p, 100)...)
			},
			wantMax: 3, wantText: "",
		},
		{
			name: "half pages forever",
			page: func(n int, r *http.Request) magento.CustomerSearchResults {
				p := pageNumber(r)
				return searchAnswer(1000, pageOf(50*(p-1)+1, 50)...)
			},
			wantMax: 12, wantText: "12 pages of 100 read (total_count 1000), and the pages still do not add up",
		},
		{
			name: "the first page again and again",
			page: func(n int, r *http.Request) magento.CustomerSearchResults {
				return searchAnswer(300, pageOf(1, 100)...)
			},
			wantMax: 2, wantText: "page 2 brought no customer not read before, with 100 of total_count 300 read",
		},
		{
			name: "empty pages with a count",
			page: func(n int, r *http.Request) magento.CustomerSearchResults {
				return searchAnswer(5)
			},
			wantMax: 1, wantText: "page 1 brought no customer not read before, with 0 of total_count 5 read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
				jsonAnswer(w, 200, tt.page(n, r))
			})
			c := h.client(t, nil)
			got, err := c.SearchCustomers(ctxTest(t), magento.Query{})
			n := h.count("GET", "/V1/customers/search")
			if tt.wantText == "" {
				// Three full pages hold 300 >= 250: the count is reached.
				if err != nil || n != tt.wantMax || len(got) != 300 {
					t.Fatalf("%d customers in %d requests, %v; want 300 in %d", len(got), n, err, tt.wantMax)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error after %d requests, %d customers", n, len(got))
			}
			want := "GET /V1/customers/search: 200: the store's search did not converge: " + tt.wantText
			if err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			if n > tt.wantMax {
				t.Errorf("%d requests, want at most %d", n, tt.wantMax)
			}
		})
	}
}

// TestCustomerWithoutID: a customer or an address without an id (or id 0)
// is refused wherever the store returns it, and never reaches apply's
// outputs.
func TestCustomerWithoutID(t *testing.T) {
	noID := wireCustomer(0, "c1@example.com", 1)
	badAddress := wireCustomer(7, "c1@example.com", 1)
	badAddress.Addresses = []magento.AddressData{{ID: 0, City: "Springfield"}}
	for _, tt := range []struct {
		name string
		d    magento.CustomerData
		want string
	}{
		{"customer id 0", noID, "the store returned a customer without an id (email c1@example.com)"},
		{"address id 0", badAddress, "the store returned an address without an id (customer 7)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
				jsonAnswer(w, 200, searchAnswer(1, tt.d))
			})
			h.on("GET", "/V1/customers/", func(n int, w http.ResponseWriter, r *http.Request) { jsonAnswer(w, 200, tt.d) })
			h.on("POST", "/V1/customers", func(n int, w http.ResponseWriter, r *http.Request) { jsonAnswer(w, 200, tt.d) })
			h.on("PUT", "/V1/customers/", func(n int, w http.ResponseWriter, r *http.Request) { jsonAnswer(w, 200, tt.d) })
			c := h.client(t, nil)
			ctx := ctxTest(t)
			cust := mageseed.Customer{Key: "c1", ID: 7, Email: "c1@example.com", WebsiteID: 1, Firstname: "Jane", Lastname: "Doe"}
			_, errFind := c.FindCustomers(ctx, 1, []string{"c1@example.com"})
			_, errGet := c.GetCustomer(ctx, 7)
			_, errCreate := c.CreateCustomer(ctx, cust)
			_, errUpdate := c.UpdateCustomer(ctx, cust)
			for what, err := range map[string]error{"find": errFind, "get": errGet, "create": errCreate, "update": errUpdate} {
				if err == nil || !strings.Contains(err.Error(), tt.want) || mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE {
					t.Errorf("%s: %v, want %q", what, err, tt.want)
				}
			}

			// Through apply: the create fails; the outputs record nothing.
			dir := t.TempDir()
			w, err := outputs.NewWriter(dir+"/outputs.json", "json", nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := apply.Apply(ctx, c, apply.Diff([]mageseed.Customer{cust}, nil), apply.Options{Outputs: w})
			w.Close()
			if err == nil || len(res.Failed) != 1 {
				t.Fatalf("Apply: %v, %+v", err, res)
			}
			out, _, err := outputs.Read(dir + "/outputs.json")
			if err == nil && len(out.Customers) != 0 {
				t.Errorf("outputs hold %v", out.Customers)
			}
		})
	}
}

// TestDuplicateIdentity: two customers with one (email, website) in a search
// answer are an error naming both ids, typed for callers; one customer
// returned twice (the last page again) is not.
func TestDuplicateIdentity(t *testing.T) {
	h := newHostile(t)
	h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
		jsonAnswer(w, 200, searchAnswer(3,
			wireCustomer(7, "jdoe@example.com", 1),
			wireCustomer(7, "jdoe@example.com", 1),
			wireCustomer(9, "JDoe@Example.com", 1)))
	})
	c := h.client(t, nil)
	_, err := c.FindCustomers(ctxTest(t), 1, []string{"jdoe@example.com"})
	var dup *magento.DuplicateCustomerError
	if !errors.As(err, &dup) {
		t.Fatalf("error %v is not a *DuplicateCustomerError", err)
	}
	if dup.IDs != [2]int{7, 9} || dup.WebsiteID != 1 || !strings.EqualFold(dup.Email, "jdoe@example.com") {
		t.Errorf("duplicate = %+v", dup)
	}
	if mageseed.ErrorCode(err) != mageseed.ECONFLICT {
		t.Errorf("code %q", mageseed.ErrorCode(err))
	}
	want := "GET /V1/customers/search: 200: the store returned two customers for one email and website: customers 7 and 9 both have email JDoe@Example.com in website 1"
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}

	// Through apply's read, as plan and destroy do.
	_, err = apply.Read(ctxTest(t), c, []mageseed.Customer{{Email: "jdoe@example.com", WebsiteID: 1}})
	if !errors.As(err, &dup) {
		t.Errorf("apply.Read: %v", err)
	}
}

// TestUnknownAddresses: a customer whose address list is null or missing is
// read again before anything could replace its addresses, and the list the
// GET gives is the one returned; a GET without one is an error, never "no
// addresses".
func TestUnknownAddresses(t *testing.T) {
	for _, shape := range []string{`"addresses":null,`, ``} {
		t.Run("search "+shape, func(t *testing.T) {
			h := newHostile(t)
			h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"items":[{"id":7,"email":"jdoe@example.com",%s"website_id":1,"firstname":"Jane","lastname":"Doe"}],"total_count":1}`, shape)
			})
			full := wireCustomer(7, "jdoe@example.com", 1)
			full.Addresses = []magento.AddressData{{ID: 11, City: "Mineola", Street: []string{"1 Main St"}, CountryID: "US"}}
			h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) { jsonAnswer(w, 200, full) })
			c := h.client(t, nil)
			got, err := c.FindCustomers(ctxTest(t), 1, []string{"jdoe@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].Addresses) != 1 || got[0].Addresses[0].ID != 11 {
				t.Fatalf("got %+v, want the customer with address 11", got)
			}
			if n := h.count("GET", "/V1/customers/7"); n != 1 {
				t.Errorf("%d reads of the customer, want 1", n)
			}
		})
	}

	t.Run("update answer without addresses", func(t *testing.T) {
		h := newHostile(t)
		h.on("PUT", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":7,"email":"jdoe@example.com","website_id":1,"firstname":"Jane","lastname":"Doe"}`)
		})
		h.on("GET", "/V1/customers/7", func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":7,"email":"jdoe@example.com","website_id":1,"addresses":null}`)
		})
		c := h.client(t, nil)
		_, err := c.UpdateCustomer(ctxTest(t), mageseed.Customer{ID: 7, Email: "jdoe@example.com", WebsiteID: 1})
		if err == nil || !strings.Contains(err.Error(), "GET /V1/customers/7: 200: the store's answer does not list the customer's addresses") {
			t.Errorf("UpdateCustomer: %v", err)
		}
	})
}
