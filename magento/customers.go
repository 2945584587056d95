package magento

import (
	"context"
	"encoding/json"
	"errors"
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
// URL would pass 8 KiB), several at a time, and reads every page (see
// search for what ends a search with an error). Customers the store returns
// that were not asked for (another email or website) are dropped as they are
// decoded.
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
	// Customers the search did not ask for (a store that ignores the
	// filter) are dropped as they are decoded.
	keep := func(d *CustomerData) bool {
		return seen[strings.ToLower(strings.TrimSpace(d.Email))] && d.WebsiteID != nil && *d.WebsiteID == websiteID
	}
	results := make([][]mageseed.Customer, len(batches))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.lim.max)
	for i, groups := range batches {
		g.Go(func() error {
			found, err := c.search(gctx, groups, SearchBatch, keep)
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
	return c.search(ctx, groups, size, nil)
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

// searchSlack is how many pages past ceil(total_count/pageSize) a search
// reads before it gives up on a store whose pages never add up.
const searchSlack = 2

// search reads every page of a customer search, keeping the customers that
// keep accepts (every one when keep is nil). Each page is decoded as it
// arrives. Past the last page Magento answers the last page again, so the
// search stops once the pages held total_count customers. A store whose
// total_count changes between pages, or whose pages run past
// ceil(total_count/pageSize)+searchSlack or come empty before the count is
// reached, gets "the store's search did not converge": the answer would be
// a guess. A kept customer or address without an id, or two kept customers
// with one (email, website), is an error too; a kept customer whose
// address list is null or missing is read again (GET /V1/customers/:id),
// so that no update built from it deletes addresses the store did not
// list.
func (c *Client) search(ctx context.Context, groups []FilterGroup, pageSize int, keep func(*CustomerData) bool) ([]mageseed.Customer, error) {
	var all []mageseed.Customer
	kept := make(map[int]bool)
	owner := make(map[identity]int)
	var unknown []int // indexes in all of customers without an address list
	total, count := 0, 0
	const path = "/V1/customers/search"
	notConverged := func(format string, args ...any) error {
		return coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: http.MethodGet, Path: path, Status: http.StatusOK,
			Message: "the store's search did not converge: " + fmt.Sprintf(format, args...),
		})
	}
	for page := 1; ; page++ {
		var pageItems []CustomerData
		var pageTotal, pageCount int
		k := &call{
			method: http.MethodGet, path: path,
			query: searchQuery(groups, pageSize, page),
		}
		k.stream = func(w *window) error {
			// A cut-off page is read again whole: start afresh.
			pageItems, pageTotal, pageCount = nil, 0, 0
			var err error
			pageTotal, pageCount, err = decodeSearch(w, func(d *CustomerData) error {
				if keep != nil && !keep(d) {
					return nil
				}
				if err := checkIDs(k, d); err != nil {
					return err
				}
				pageItems = append(pageItems, *d)
				return nil
			})
			return err
		}
		if err := c.do(ctx, k, nil); err != nil {
			return nil, err
		}
		if page == 1 {
			total = pageTotal
		} else if pageTotal != total {
			return nil, notConverged("total_count changed from %d to %d between pages", total, pageTotal)
		}
		// Items dropped unread count as they come; kept ones only when new
		// (past the end, Magento answers the last page again).
		fresh := pageCount - len(pageItems)
		for i := range pageItems {
			d := &pageItems[i]
			if kept[d.ID] {
				continue
			}
			fresh++
			id := identity{strings.ToLower(strings.TrimSpace(d.Email)), websiteOf(d)}
			if other, ok := owner[id]; ok {
				dup := &DuplicateCustomerError{Email: d.Email, WebsiteID: id.website, IDs: [2]int{other, d.ID}}
				return nil, coded(mageseed.ECONFLICT, &RequestError{
					Method: http.MethodGet, Path: path, Status: http.StatusOK,
					Message: "the store returned two customers for one email and website: " + dup.Error(),
					Err:     dup,
				})
			}
			owner[id] = d.ID
			kept[d.ID] = true
			if d.Addresses == nil {
				unknown = append(unknown, len(all))
			}
			all = append(all, customerFromWire(*d))
		}
		count += fresh
		if count >= total {
			break
		}
		lastPage := (total + pageSize - 1) / pageSize
		switch {
		case fresh == 0:
			return nil, notConverged("page %d brought no customer not read before, with %d of total_count %d read", page, count, total)
		case page >= lastPage+searchSlack:
			return nil, notConverged("%d pages of %d read (total_count %d), and the pages still do not add up", page, pageSize, total)
		}
	}
	for _, i := range unknown {
		got, err := c.GetCustomer(ctx, all[i].ID)
		if err != nil {
			return nil, fmt.Errorf("read customer %d again (the search left out its addresses): %w", all[i].ID, err)
		}
		all[i] = got
	}
	return all, nil
}

// identity is a customer's (email, website), the email lower case.
type identity struct {
	email   string
	website int
}

func websiteOf(d *CustomerData) int {
	if d.WebsiteID == nil {
		return 0
	}
	return *d.WebsiteID
}

// DuplicateCustomerError reports two customers that the store returned for
// one (email, website), which Magento's unique key forbids: mageseed cannot
// tell which one a manifest means, so plan, apply and destroy stop at it.
// It is wrapped in a *mageseed.Error with code ECONFLICT.
type DuplicateCustomerError struct {
	Email     string
	WebsiteID int
	// IDs are the two customers' ids, in the order the store returned them.
	IDs [2]int
}

func (e *DuplicateCustomerError) Error() string {
	return fmt.Sprintf("customers %d and %d both have email %s in website %d",
		e.IDs[0], e.IDs[1], mageseed.EscapeTerminal(e.Email), e.WebsiteID)
}

// checkIDs refuses a customer, or one of its addresses, without an id: it
// could never be updated, and its outputs entry would point nowhere.
func checkIDs(k *call, d *CustomerData) error {
	if d.ID <= 0 {
		return coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: k.method, Path: k.path, Status: http.StatusOK,
			Message: fmt.Sprintf("the store returned a customer without an id (email %s)", mageseed.EscapeTerminal(d.Email)),
		})
	}
	for _, a := range d.Addresses {
		if a.ID <= 0 {
			return coded(mageseed.EUNAVAILABLE, &RequestError{
				Method: k.method, Path: k.path, Status: http.StatusOK,
				Message: fmt.Sprintf("the store returned an address without an id (customer %d)", d.ID),
			})
		}
	}
	return nil
}

// decodeSearch decodes a search answer from w as it arrives, one customer
// at a time, and hands each to each. It returns total_count and the number
// of items. Other fields (search_criteria, which a store may echo at any
// length) are skipped token by token.
func decodeSearch(w *window, each func(*CustomerData) error) (total, items int, err error) {
	dec := json.NewDecoder(w)
	dec.UseNumber()
	next := func() (json.Token, error) {
		w.mark = dec.InputOffset()
		return dec.Token()
	}
	if err := expectDelim(next, '{'); err != nil {
		return 0, 0, err
	}
	hasTotal := false
	for dec.More() {
		t, err := next()
		if err != nil {
			return 0, 0, err
		}
		switch t {
		case "items":
			if !dec.More() {
				return 0, 0, errors.New("items has no value")
			}
			w.mark = dec.InputOffset()
			t, err := dec.Token()
			if err != nil {
				return 0, 0, err
			}
			if t == nil {
				continue // items: null
			}
			if t != json.Delim('[') {
				return 0, 0, fmt.Errorf("items is %v, not a list", t)
			}
			for dec.More() {
				w.mark = dec.InputOffset()
				var d CustomerData
				if err := dec.Decode(&d); err != nil {
					return 0, 0, err
				}
				items++
				if err := each(&d); err != nil {
					return 0, 0, err
				}
			}
			if err := expectDelim(next, ']'); err != nil {
				return 0, 0, err
			}
		case "total_count":
			w.mark = dec.InputOffset()
			var n json.Number
			if err := dec.Decode(&n); err != nil {
				return 0, 0, fmt.Errorf("total_count: %w", err)
			}
			v, err := strconv.Atoi(n.String())
			if err != nil || v < 0 {
				return 0, 0, fmt.Errorf("total_count %s is not a count", n)
			}
			total, hasTotal = v, true
		default:
			if err := skipValue(dec, next); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := expectDelim(next, '}'); err != nil {
		return 0, 0, err
	}
	if !hasTotal {
		return 0, 0, errors.New("the answer has no total_count")
	}
	return total, items, nil
}

func expectDelim(next func() (json.Token, error), d json.Delim) error {
	t, err := next()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("found %v where %v was expected", t, d)
	}
	return nil
}

// skipValue skips one value, token by token, so that it is never held
// whole.
func skipValue(dec *json.Decoder, next func() (json.Token, error)) error {
	depth := 0
	for {
		t, err := next()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// GetCustomer returns the customer with the given id. An unknown id gives
// ENOTFOUND. An answer without an id (for the customer or an address), or
// without the address list, is an error: the addresses would be unknown.
func (c *Client) GetCustomer(ctx context.Context, id int) (mageseed.Customer, error) {
	var d CustomerData
	k := &call{method: http.MethodGet, path: "/V1/customers/" + strconv.Itoa(id)}
	if err := c.do(ctx, k, &d); err != nil {
		return mageseed.Customer{}, err
	}
	if err := checkIDs(k, &d); err != nil {
		return mageseed.Customer{}, err
	}
	if d.Addresses == nil {
		return mageseed.Customer{}, coded(mageseed.EUNAVAILABLE, &RequestError{
			Method: k.method, Path: k.path, Status: http.StatusOK,
			Message: "the store's answer does not list the customer's addresses (addresses is null or missing)",
		})
	}
	return customerFromWire(d), nil
}

// stored turns the answer to a create or an update into the customer it
// stored, reading the customer again when the answer leaves the address
// list out.
func (c *Client) stored(ctx context.Context, k *call, d CustomerData) (mageseed.Customer, error) {
	if err := checkIDs(k, &d); err != nil {
		return mageseed.Customer{}, err
	}
	if d.Addresses == nil {
		return c.GetCustomer(ctx, d.ID)
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
	got, err := c.stored(ctx, k, out)
	if err != nil {
		return mageseed.Customer{}, err
	}
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
	got, err := c.stored(ctx, k, out)
	if err != nil {
		return mageseed.Customer{}, err
	}
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
// access token (POST /V1/integration/customer/token).
//
// Magento looks the email up in the website of the store view in the URL
// (Magento\Customer\Model\AccountManagement::authenticate finds the
// customer with CustomerRepository::get($email), in the current website),
// so a customer of website websiteID is asked for through a store view of
// that website: the configured one when it belongs there, else one of the
// website's own (GET /V1/store/storeViews, once per client). websiteID 0
// means the configured store view, never "all" (which refuses valid
// customers on some versions; "all" falls back to the default store
// view). A wrong password gives EUNAUTHORIZED and is never retried: Magento
// locks an account after six failures.
func (c *Client) CustomerToken(ctx context.Context, websiteID int, email, password string) (string, error) {
	k := &call{
		method: http.MethodPost, path: "/V1/integration/customer/token",
		body:  CredentialsRequest{Username: email, Password: password},
		retry: retryToken, auth: authNone, secret: true, secrets: []string{password},
		account: c.signIns.get("customer", email),
	}
	if websiteID > 0 {
		code, err := c.websiteStoreView(ctx, websiteID)
		if err != nil {
			return "", fmt.Errorf("find a store view of website %d to sign customer %s in through: %w", websiteID, email, err)
		}
		k.store = code
	}
	if k.store == "" && strings.EqualFold(c.storeCode, "all") {
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
	k.account.signedIn()
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
