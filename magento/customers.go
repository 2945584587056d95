package magento

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
	"golang.org/x/sync/errgroup"
)

// SearchBatch is the most emails FindCustomers puts in one search request,
// and its page size.
const SearchBatch = 100

// maxInValue bounds the length of one comma-joined list of emails, so that
// a search URL stays within the 8 KiB request line that common proxies
// accept (nginx's default) even with long addresses.
const maxInValue = 6000

// FindCustomers returns the customers of website websiteID whose email is
// one of emails (compared without regard to case, as Magento's database
// does), with their addresses. Emails not in the store are absent from the
// result. It sends one search request per 100 emails (condition type in,
// AND website_id eq websiteID; fewer when the emails are so long that the
// URL would pass 8 KiB), several at a time, and reads every page.
func (c *Client) FindCustomers(ctx context.Context, websiteID int, emails []string) ([]mageseed.Customer, error) {
	var batches [][]FilterGroup
	seen := make(map[string]bool, len(emails))
	var plain []string
	website := FilterGroup{Filters: []Filter{{Field: "website_id", Value: strconv.Itoa(websiteID), ConditionType: "eq"}}}
	for _, e := range emails {
		e = strings.TrimSpace(e)
		key := strings.ToLower(e)
		if e == "" || seen[key] {
			continue
		}
		seen[key] = true
		if strings.Contains(e, ",") {
			// The in condition splits its value on commas: look such an
			// address up on its own.
			batches = append(batches, []FilterGroup{
				{Filters: []Filter{{Field: "email", Value: e, ConditionType: "eq"}}}, website,
			})
			continue
		}
		plain = append(plain, e)
	}
	for len(plain) > 0 {
		n, size := 0, 0
		for n < len(plain) && n < SearchBatch && (n == 0 || size+1+len(plain[n]) <= maxInValue) {
			size += 1 + len(plain[n])
			n++
		}
		batches = append(batches, []FilterGroup{
			{Filters: []Filter{{Field: "email", Value: strings.Join(plain[:n], ","), ConditionType: "in"}}}, website,
		})
		plain = plain[n:]
	}
	results := make([][]mageseed.Customer, len(batches))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.lim.max)
	for i, groups := range batches {
		g.Go(func() error {
			found, err := c.search(gctx, groups, SearchBatch)
			results[i] = found
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []mageseed.Customer
	for _, r := range results {
		all = append(all, r...)
	}
	return all, nil
}

// Query selects customers for SearchCustomers.
type Query struct {
	// EmailLike is a pattern for the email, with % matching any run of
	// characters (SQL LIKE, without regard to case); "" matches every
	// email.
	EmailLike string
	// WebsiteID limits the search to one website; 0 means every website
	// (no customer belongs to the admin website).
	WebsiteID int
	// Filters are more filter groups, AND'ed with the above; the filters
	// inside a group are OR'ed.
	Filters []FilterGroup
	// PageSize is the number of customers per request; 0 means 100.
	PageSize int
}

// SearchCustomers returns every customer that q selects, with addresses,
// in the order of their ids, reading all pages.
func (c *Client) SearchCustomers(ctx context.Context, q Query) ([]mageseed.Customer, error) {
	var groups []FilterGroup
	if q.EmailLike != "" {
		groups = append(groups, FilterGroup{Filters: []Filter{{Field: "email", Value: q.EmailLike, ConditionType: "like"}}})
	}
	if q.WebsiteID != 0 {
		groups = append(groups, FilterGroup{Filters: []Filter{{Field: "website_id", Value: strconv.Itoa(q.WebsiteID), ConditionType: "eq"}}})
	}
	groups = append(groups, q.Filters...)
	size := q.PageSize
	if size <= 0 {
		size = SearchBatch
	}
	return c.search(ctx, groups, size)
}

// searchQuery encodes search criteria in Magento's bracket syntax, sorted by
// entity id so that pages do not shift.
func searchQuery(groups []FilterGroup, pageSize, page int) url.Values {
	q := url.Values{}
	for i, g := range groups {
		for j, f := range g.Filters {
			prefix := fmt.Sprintf("searchCriteria[filterGroups][%d][filters][%d]", i, j)
			q.Set(prefix+"[field]", f.Field)
			q.Set(prefix+"[value]", f.Value)
			if f.ConditionType != "" {
				q.Set(prefix+"[conditionType]", f.ConditionType)
			}
		}
	}
	q.Set("searchCriteria[sortOrders][0][field]", "entity_id")
	q.Set("searchCriteria[sortOrders][0][direction]", "ASC")
	q.Set("searchCriteria[pageSize]", strconv.Itoa(pageSize))
	q.Set("searchCriteria[currentPage]", strconv.Itoa(page))
	return q
}

// search reads every page of a customer search. Past the last page Magento
// answers the last page again, so it stops when it holds total_count
// customers, or when a page brings nothing new.
func (c *Client) search(ctx context.Context, groups []FilterGroup, pageSize int) ([]mageseed.Customer, error) {
	var all []mageseed.Customer
	seen := make(map[int]bool)
	for page := 1; ; page++ {
		var res CustomerSearchResults
		k := &call{
			method: http.MethodGet, path: "/V1/customers/search",
			query: searchQuery(groups, pageSize, page),
		}
		if err := c.do(ctx, k, &res); err != nil {
			return nil, err
		}
		added := 0
		for _, d := range res.Items {
			if d.ID != 0 && seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			all = append(all, customerFromWire(d))
			added++
		}
		if len(all) >= res.TotalCount || added == 0 {
			return all, nil
		}
	}
}

// GetCustomer returns the customer with the given id. An unknown id gives
// ENOTFOUND.
func (c *Client) GetCustomer(ctx context.Context, id int) (mageseed.Customer, error) {
	var d CustomerData
	k := &call{method: http.MethodGet, path: "/V1/customers/" + strconv.Itoa(id)}
	if err := c.do(ctx, k, &d); err != nil {
		return mageseed.Customer{}, err
	}
	return customerFromWire(d), nil
}

// CreateCustomer creates c with its addresses and password in one request
// (POST /V1/customers) and returns the stored customer with its ids; the
// keys of cust and its addresses are carried over (addresses matched by
// content, else in order).
//
// A create is retried only when the store provably did not run it (see the
// package documentation). Any other failure without an answer gives
// EUNAVAILABLE: the customer may exist, and the caller must look the email
// up before it tries again. An (email, website) already taken gives
// ECONFLICT.
func (c *Client) CreateCustomer(ctx context.Context, cust mageseed.Customer) (mageseed.Customer, error) {
	d := customerToWire(cust)
	d.ID = 0
	d.DefaultBilling, d.DefaultShipping = "", ""
	for i := range d.Addresses {
		d.Addresses[i].ID = 0
	}
	k := &call{
		method: http.MethodPost, path: "/V1/customers",
		body:  CreateCustomerRequest{Customer: d, Password: cust.Password},
		retry: retryCreate, secret: cust.Password != "", secrets: []string{cust.Password},
	}
	var out CustomerData
	if err := c.do(ctx, k, &out); err != nil {
		return mageseed.Customer{}, err
	}
	got := customerFromWire(out)
	got.Key, got.Website = cust.Key, cust.Website
	assignKeys(cust.Addresses, got.Addresses, false)
	return got, nil
}

// assignKeys copies the keys of the addresses sent to the addresses the
// store answered: by id for addresses that had one (unless fresh, as on
// create, where the store ignores ids), then by content, then in order.
func assignKeys(sent, got []mageseed.Address, byID bool) {
	used := make([]bool, len(sent))
	done := make([]bool, len(got))
	if byID {
		idx := make(map[int]int)
		for i, a := range sent {
			if a.ID != 0 {
				idx[a.ID] = i
			}
		}
		for j := range got {
			if i, ok := idx[got[j].ID]; ok && !used[i] {
				got[j].Key, used[i], done[j] = sent[i].Key, true, true
			}
		}
	}
	for j := range got {
		if done[j] {
			continue
		}
		for i := range sent {
			if !used[i] && (!byID || sent[i].ID == 0) && sameContent(sent[i], got[j]) {
				got[j].Key, used[i], done[j] = sent[i].Key, true, true
				break
			}
		}
	}
	i := 0
	for j := range got {
		if done[j] {
			continue
		}
		for i < len(sent) && (used[i] || (byID && sent[i].ID != 0)) {
			i++
		}
		if i == len(sent) {
			return
		}
		got[j].Key, used[i] = sent[i].Key, true
	}
}

// sameContent reports whether two addresses have the same street, city,
// postcode, country and names, without regard to case or spacing.
func sameContent(a, b mageseed.Address) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(strings.Join(a.Street, "|")) == norm(strings.Join(b.Street, "|")) &&
		norm(a.City) == norm(b.City) && norm(a.Postcode) == norm(b.Postcode) &&
		strings.EqualFold(a.CountryID, b.CountryID) &&
		norm(a.Firstname) == norm(b.Firstname) && norm(a.Lastname) == norm(b.Lastname)
}

// UpdateCustomer replaces customer cust.ID with cust (PUT
// /V1/customers/:id) and returns the stored customer. It sends the email,
// website, names, the optional fields cust sets and every address in
// cust.Addresses: those with an id are updated, those without are created,
// and the store deletes every address the list leaves out, so callers send
// back the addresses they keep. A customer without addresses leaves the
// store's addresses as they are. Keys are carried over: by id for kept
// addresses, by content (else in order) for new ones.
func (c *Client) UpdateCustomer(ctx context.Context, cust mageseed.Customer) (mageseed.Customer, error) {
	if cust.ID <= 0 {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "update customer %s: no customer id", cust.Email)
	}
	path := "/V1/customers/" + strconv.Itoa(cust.ID)
	k := &call{
		method: http.MethodPut, path: path,
		body: UpdateCustomerRequest{Customer: customerToWire(cust)},
	}
	var out CustomerData
	if err := c.do(ctx, k, &out); err != nil {
		return mageseed.Customer{}, err
	}
	got := customerFromWire(out)
	got.Key, got.Website = cust.Key, cust.Website
	assignKeys(cust.Addresses, got.Addresses, true)
	return got, nil
}

// DeleteCustomer deletes the customer with the given id (DELETE
// /V1/customers/:id). An unknown id gives ENOTFOUND, unless the delete was
// retried after an unanswered attempt: then the first attempt did the work.
func (c *Client) DeleteCustomer(ctx context.Context, id int) error {
	k := &call{method: http.MethodDelete, path: "/V1/customers/" + strconv.Itoa(id)}
	var ok bool
	err := c.do(ctx, k, &ok)
	if mageseed.ErrorCode(err) == mageseed.ENOTFOUND && k.attempts > 1 {
		return nil
	}
	return err
}

// CustomerToken exchanges a customer's email and password for a customer
// access token (POST /V1/integration/customer/token). It asks the
// configured store view, never "all" (which refuses valid customers on some
// versions; "all" falls back to the default store view). A wrong password
// gives EUNAUTHORIZED and is never retried: Magento locks an account after
// six failures.
func (c *Client) CustomerToken(ctx context.Context, email, password string) (string, error) {
	k := &call{
		method: http.MethodPost, path: "/V1/integration/customer/token",
		body:  CredentialsRequest{Username: email, Password: password},
		retry: retryToken, auth: authNone, secret: true, secrets: []string{password},
	}
	if strings.EqualFold(c.storeCode, "all") {
		k.store = "-"
	}
	var token string
	if err := c.do(ctx, k, &token); err != nil {
		return "", err
	}
	if token == "" {
		return "", coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: k.method, Path: k.path, Status: http.StatusOK, Message: "the store answered an empty token",
		})
	}
	return token, nil
}

// Websites lists the store's websites (GET /V1/store/websites), the admin
// website (id 0) included.
func (c *Client) Websites(ctx context.Context) ([]mageseed.Website, error) {
	var ws []WebsiteData
	if err := c.do(ctx, &call{method: http.MethodGet, path: "/V1/store/websites"}, &ws); err != nil {
		return nil, err
	}
	out := make([]mageseed.Website, 0, len(ws))
	for _, w := range ws {
		out = append(out, mageseed.Website{ID: w.ID, Code: w.Code, Name: w.Name, DefaultGroupID: w.DefaultGroupID})
	}
	return out, nil
}

// Regions lists a country's regions as the store's directory holds them
// (GET /V1/directory/countries/:id); a country without a region list gives
// an empty slice, a country the store does not offer ENOTFOUND.
func (c *Client) Regions(ctx context.Context, countryID string) ([]directory.Region, error) {
	var cd CountryData
	k := &call{method: http.MethodGet, path: "/V1/directory/countries/" + url.PathEscape(countryID)}
	if err := c.do(ctx, k, &cd); err != nil {
		return nil, err
	}
	out := make([]directory.Region, 0, len(cd.AvailableRegions))
	for _, r := range cd.AvailableRegions {
		id, err := strconv.Atoi(r.ID)
		if err != nil {
			return nil, coded(mageseed.EUNAVAILABLE, &RequestError{
				Method: k.method, Path: k.path, Status: http.StatusOK,
				Message: fmt.Sprintf("region %s has a non-numeric id %q", r.Code, r.ID),
			})
		}
		out = append(out, directory.Region{ID: id, Code: r.Code, Name: r.Name})
	}
	return out, nil
}
