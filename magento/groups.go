package magento

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/mageseed/mageseed"
)

// groupPage is the page size of group searches.
const groupPage = 1000

// GroupRequest is the body of POST /V1/customerGroups and
// PUT /V1/customerGroups/:id.
type GroupRequest struct {
	Group GroupInput `json:"group"`
}

// GroupInput is customer-data-group-interface as a request sends it: no id
// on a create, where an id would make it an update.
type GroupInput struct {
	ID         int    `json:"id,omitempty"`
	Code       string `json:"code"`
	TaxClassID int    `json:"tax_class_id"`
}

// Groups lists the store's customer groups (GET /V1/customerGroups/search,
// every page).
func (c *Client) Groups(ctx context.Context) ([]mageseed.Group, error) {
	var out []mageseed.Group
	seen := map[int]bool{}
	for page := 1; ; page++ {
		q := url.Values{}
		q.Set("searchCriteria[pageSize]", strconv.Itoa(groupPage))
		q.Set("searchCriteria[currentPage]", strconv.Itoa(page))
		var res GroupSearchResults
		if err := c.do(ctx, &call{method: http.MethodGet, path: "/V1/customerGroups/search", query: q}, &res); err != nil {
			return nil, err
		}
		added := 0
		for _, g := range res.Items {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			out = append(out, mageseed.Group{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID})
			added++
		}
		if len(out) >= res.TotalCount || added == 0 {
			return out, nil
		}
	}
}

// defaultTaxClass is the tax class a group gets when none is given
// (Magento\Customer\Model\ResourceModel\GroupRepository::DEFAULT_TAX_CLASS_ID).
const defaultTaxClass = 3

// CreateGroup creates a customer group (POST /V1/customerGroups) and
// returns it with its id. A TaxClassID of 0 means 3, the stock Retail
// Customer class. Like a customer create it is retried only when the store
// provably did not run it: on EUNAVAILABLE the caller looks the code up
// before trying again. A code the store holds (without regard to case)
// gives ECONFLICT ("Customer Group already exists.").
func (c *Client) CreateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error) {
	tax := g.TaxClassID
	if tax == 0 {
		tax = defaultTaxClass
	}
	k := &call{
		method: http.MethodPost, path: "/V1/customerGroups",
		body:  GroupRequest{Group: GroupInput{Code: g.Code, TaxClassID: tax}},
		retry: retryCreate,
	}
	var out GroupData
	if err := c.do(ctx, k, &out); err != nil {
		return mageseed.Group{}, err
	}
	return mageseed.Group{Key: g.Key, ID: out.ID, Code: out.Code, TaxClassID: out.TaxClassID}, nil
}

// UpdateGroup changes the code and tax class of group g.ID
// (PUT /V1/customerGroups/:id).
func (c *Client) UpdateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error) {
	if g.ID <= 0 {
		return mageseed.Group{}, mageseed.Errorf(mageseed.EINVALID, "update customer group %s: no group id (group 0 cannot be changed)", g.Code)
	}
	k := &call{
		method: http.MethodPut, path: "/V1/customerGroups/" + strconv.Itoa(g.ID),
		body: GroupRequest{Group: GroupInput{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID}},
	}
	var out GroupData
	if err := c.do(ctx, k, &out); err != nil {
		return mageseed.Group{}, err
	}
	return mageseed.Group{Key: g.Key, ID: out.ID, Code: out.Code, TaxClassID: out.TaxClassID}, nil
}

// ActivateRequest is the body of PUT /V1/customers/:email/activate.
type ActivateRequest struct {
	ConfirmationKey string `json:"confirmationKey"`
}

// ActivateCustomer confirms the account of customer cust with its
// confirmation key (PUT /V1/customers/:email/activate), as the link of the
// confirmation email would, and returns the customer. An account that is
// already active gives EINVALID ("The account is already active.").
//
// The store looks the email up in the website of the store view in the
// URL, so the request goes to the store view the customer belongs to
// (cust.StoreID, by GET /V1/store/storeViews, read once per client), or
// without one to a store view of the customer's website.
func (c *Client) ActivateCustomer(ctx context.Context, cust mageseed.Customer, key string) (mageseed.Customer, error) {
	k := &call{
		method: http.MethodPut, path: "/V1/customers/" + url.PathEscape(cust.Email) + "/activate",
		body: ActivateRequest{ConfirmationKey: key}, secrets: []string{key},
	}
	switch {
	case cust.StoreID != nil && *cust.StoreID != 0:
		code, err := c.storeViewCode(ctx, *cust.StoreID)
		if err != nil {
			return mageseed.Customer{}, err
		}
		k.store = code
	case cust.WebsiteID > 0:
		code, err := c.websiteStoreView(ctx, cust.WebsiteID)
		if err != nil {
			return mageseed.Customer{}, err
		}
		k.store = code
	}
	var out CustomerData
	if err := c.do(ctx, k, &out); err != nil {
		return mageseed.Customer{}, err
	}
	return customerFromWire(out), nil
}

// Confirmation statuses of GET /V1/customers/:id/confirm
// (Magento\Customer\Api\AccountManagementInterface).
const (
	ConfirmationRequired    = "account_confirmation_required"
	Confirmed               = "account_confirmed"
	ConfirmationNotRequired = "account_confirmation_not_required"
)

// ConfirmationStatus returns the account confirmation status of customer id
// (GET /V1/customers/:id/confirm): ConfirmationRequired, Confirmed or
// ConfirmationNotRequired.
func (c *Client) ConfirmationStatus(ctx context.Context, id int) (string, error) {
	var s string
	k := &call{method: http.MethodGet, path: "/V1/customers/" + strconv.Itoa(id) + "/confirm"}
	if err := c.do(ctx, k, &s); err != nil {
		return "", err
	}
	return s, nil
}

// storeViews caches the store's views, read once per client.
type storeViews struct {
	mu   sync.Mutex
	list []StoreViewData // nil until read
}

// storeViewList returns the store's views (GET /V1/store/storeViews, once
// per client).
func (c *Client) storeViewList(ctx context.Context) ([]StoreViewData, error) {
	c.views.mu.Lock()
	defer c.views.mu.Unlock()
	if c.views.list == nil {
		var list []StoreViewData
		if err := c.do(ctx, &call{method: http.MethodGet, path: "/V1/store/storeViews"}, &list); err != nil {
			return nil, err
		}
		if list == nil {
			list = []StoreViewData{}
		}
		c.views.list = list
	}
	return c.views.list, nil
}

// storeViewCode returns the code of store view id (GET
// /V1/store/storeViews, once per client).
func (c *Client) storeViewCode(ctx context.Context, id int) (string, error) {
	list, err := c.storeViewList(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range list {
		if v.ID == id {
			return v.Code, nil
		}
	}
	return "", mageseed.Errorf(mageseed.ENOTFOUND, "store view %d is not in the store's list", id)
}

// websiteStoreView returns the code of a store view of website websiteID
// to send a request through, "" for the client's own store view: the
// client's own when it belongs to that website, else the website's active
// view with the lowest id (any view of a website looks an email up in that
// website; the admin view 0 is never chosen). A website without a store
// view gives ENOTFOUND.
func (c *Client) websiteStoreView(ctx context.Context, websiteID int) (string, error) {
	list, err := c.storeViewList(ctx)
	if err != nil {
		return "", err
	}
	best := -1
	for i, v := range list {
		if v.ID == 0 || v.WebsiteID != websiteID {
			continue
		}
		if v.Code == c.storeCode {
			return "", nil
		}
		if best < 0 || (v.IsActive != 0 && list[best].IsActive == 0) ||
			((v.IsActive != 0) == (list[best].IsActive != 0) && v.ID < list[best].ID) {
			best = i
		}
	}
	if best < 0 {
		return "", mageseed.Errorf(mageseed.ENOTFOUND, "website %d has no store view in the store's list", websiteID)
	}
	return list[best].Code, nil
}
