package sandbox

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Access control lists: a route is open to everyone (anonymous), to the
// customer of a customer token (self), or to admin and integration tokens
// (any Magento_* resource; the sandbox's admin holds them all).
const (
	aclAnonymous = "anonymous"
	aclSelf      = "self"
	aclCustomer  = "Magento_Customer::customer"
	aclManage    = "Magento_Customer::manage"
	aclDelete    = "Magento_Customer::delete"
	aclGroup     = "Magento_Customer::group"
	aclStore     = "Magento_Backend::store"
	aclBulk      = "Magento_AsynchronousOperations::system_magento_logging_bulk_operations"
)

// route is one REST route: method, path pattern (":name" segments bind
// path parameters), the ACL resource, and the handler.
type route struct {
	method  string
	pattern string // e.g. "/V1/customers/:customerId" or "/async/bulk/V1/customers"
	segs    []string
	acl     string
	body    bool // the route reads a JSON body
	status  int  // success status; 0 means 200
	handle  func(s *Sandbox, c *call) (any, error)
}

// call is one request as a handler sees it.
type call struct {
	r      *http.Request
	params map[string]string
	store  storeRow // the store of the URL (default store view without a code)
	all    bool     // the URL's store code is "all"
	who    identity
	body   any // the decoded JSON body of routes that read one
	raw    []byte
}

// routes lists every route. Literal segments are listed before parameters
// in the same position, so /V1/customers/me wins over /V1/customers/:id.
var routes = buildRoutes([]route{
	{method: "POST", pattern: "/V1/integration/admin/token", acl: aclAnonymous, body: true, handle: (*Sandbox).adminToken},
	{method: "POST", pattern: "/V1/integration/customer/token", acl: aclAnonymous, body: true, handle: (*Sandbox).customerToken},
	{method: "POST", pattern: "/V1/integration/customer/revoke-customer-token", acl: aclSelf, handle: (*Sandbox).revokeCustomerToken},

	{method: "GET", pattern: "/V1/customers/me", acl: aclSelf, handle: (*Sandbox).getMe},
	{method: "PUT", pattern: "/V1/customers/me", acl: aclSelf, body: true, handle: (*Sandbox).putMe},
	{method: "GET", pattern: "/V1/customers/me/billingAddress", acl: aclSelf, handle: (*Sandbox).meBillingAddress},
	{method: "GET", pattern: "/V1/customers/me/shippingAddress", acl: aclSelf, handle: (*Sandbox).meShippingAddress},
	{method: "GET", pattern: "/V1/customers/search", acl: aclCustomer, handle: (*Sandbox).searchCustomers},
	{method: "POST", pattern: "/V1/customers/isEmailAvailable", acl: aclAnonymous, body: true, handle: (*Sandbox).isEmailAvailable},
	{method: "GET", pattern: "/V1/customers/addresses/:addressId", acl: aclManage, handle: (*Sandbox).getAddress},
	{method: "POST", pattern: "/V1/customers", acl: aclAnonymous, body: true, handle: (*Sandbox).createAccount},
	{method: "POST", pattern: "/V1/customers/", acl: aclManage, body: true, handle: (*Sandbox).saveCustomer},
	{method: "GET", pattern: "/V1/customers/:customerId", acl: aclCustomer, handle: (*Sandbox).getCustomer},
	{method: "PUT", pattern: "/V1/customers/:id", acl: aclManage, body: true, handle: (*Sandbox).putCustomer},
	{method: "DELETE", pattern: "/V1/customers/:customerId", acl: aclDelete, handle: (*Sandbox).deleteCustomer},
	{method: "GET", pattern: "/V1/customers/:customerId/billingAddress", acl: aclManage, handle: (*Sandbox).billingAddress},
	{method: "GET", pattern: "/V1/customers/:customerId/shippingAddress", acl: aclManage, handle: (*Sandbox).shippingAddress},
	{method: "DELETE", pattern: "/V1/addresses/:addressId", acl: aclManage, handle: (*Sandbox).deleteAddress},

	{method: "GET", pattern: "/V1/directory/countries", acl: aclAnonymous, handle: (*Sandbox).countries},
	{method: "GET", pattern: "/V1/directory/countries/:countryId", acl: aclAnonymous, handle: (*Sandbox).country},
	{method: "GET", pattern: "/V1/store/websites", acl: aclStore, handle: (*Sandbox).websites},
	{method: "GET", pattern: "/V1/store/storeViews", acl: aclStore, handle: (*Sandbox).storeViews},
	{method: "GET", pattern: "/V1/store/storeConfigs", acl: aclStore, handle: (*Sandbox).storeConfigs},
	{method: "GET", pattern: "/V1/customerGroups/search", acl: aclGroup, handle: (*Sandbox).searchGroups},
	{method: "GET", pattern: "/V1/customerGroups/default", acl: aclGroup, handle: (*Sandbox).defaultGroup},
	{method: "GET", pattern: "/V1/customerGroups/default/:storeId", acl: aclGroup, handle: (*Sandbox).defaultGroup},
	{method: "GET", pattern: "/V1/customerGroups/:id", acl: aclGroup, handle: (*Sandbox).getGroup},

	{method: "POST", pattern: "/async/V1/customers", acl: aclAnonymous, body: true, status: http.StatusAccepted, handle: (*Sandbox).asyncCreate},
	{method: "POST", pattern: "/async/bulk/V1/customers", acl: aclAnonymous, body: true, status: http.StatusAccepted, handle: (*Sandbox).asyncBulkCreate},
	{method: "GET", pattern: "/V1/bulk/:bulkUuid/status", acl: aclBulk, handle: (*Sandbox).bulkStatus},
	{method: "GET", pattern: "/V1/bulk/:bulkUuid/detailed-status", acl: aclBulk, handle: (*Sandbox).bulkDetailedStatus},
	{method: "GET", pattern: "/V1/bulk/:bulkUuid/operation-status/:status", acl: aclBulk, handle: (*Sandbox).bulkOperationCount},
})

func buildRoutes(rs []route) []route {
	for i := range rs {
		rs[i].segs = strings.Split(strings.TrimPrefix(rs[i].pattern, "/"), "/")
	}
	return rs
}

// match finds the route of r and the URL's store, or returns ok false.
func (s *Sandbox) match(r *http.Request) (rt *route, c *call, ok bool) {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/rest/") {
		return nil, nil, false
	}
	segs := strings.Split(strings.TrimPrefix(path, "/rest/"), "/")
	c = &call{r: r}
	// The first segment is a store code, "all", or already part of the
	// route (the default store).
	switch first := segs[0]; {
	case first == "all":
		c.all = true
		c.store, _ = s.dir.store(0)
		segs = segs[1:]
	case first == "V1" || first == "async":
		c.store, _ = s.dir.store(defaultStoreID)
	default:
		if st, found := s.dir.storeByCode(first); found {
			c.store = st
			segs = segs[1:]
		} else {
			c.store, _ = s.dir.store(defaultStoreID)
		}
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != r.Method || len(rt.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		matched := true
		for j, p := range rt.segs {
			if strings.HasPrefix(p, ":") {
				if segs[j] == "" {
					matched = false
					break
				}
				params[p[1:]] = segs[j]
				continue
			}
			if p != segs[j] {
				matched = false
				break
			}
		}
		if matched {
			c.params = params
			return rt, c, true
		}
	}
	return nil, nil, false
}

// routePattern returns the route r matches as "METHOD /pattern" (the store
// code stripped), or "unmatched".
func (s *Sandbox) routePattern(r *http.Request) string {
	rt, _, ok := s.match(r)
	if !ok {
		return "unmatched"
	}
	return rt.method + " " + rt.pattern
}

// serveAPI answers one REST request: route, authenticate, check the ACL,
// decode the body, run the handler, write the answer.
func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request) {
	rt, c, ok := s.match(r)
	if !ok {
		writeError(w, newError(http.StatusNotFound, msgNoRoute, nil))
		return
	}
	who, signed, authErr := s.auth.oauthCaller(r)
	if authErr != nil {
		writeError(w, authErr)
		return
	}
	if !signed {
		who = s.auth.identify(r)
	}
	c.who = who
	if !c.who.allowed(rt.acl) {
		writeError(w, unauthorized(rt.acl))
		return
	}
	if rt.body {
		limit := int64(maxBodyBytes)
		if strings.HasPrefix(rt.pattern, "/async/bulk/") {
			limit = maxBulkBodyBytes
		}
		if err := c.readBody(w, limit); err != nil {
			writeError(w, err)
			return
		}
	}
	out, err := rt.handle(s, c)
	if err != nil {
		writeError(w, err)
		return
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
}

// readBody checks the Content-Type, reads at most limit bytes and decodes
// the JSON body into c.body (objects keep their key order). An empty body
// decodes to an empty object, so missing parameters are reported as such.
func (c *call) readBody(w http.ResponseWriter, limit int64) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, c.r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(http.StatusRequestEntityTooLarge, msgTooLarge, map[string]any{"max": limit})
		}
		return newError(http.StatusBadRequest, msgDecoding, nil)
	}
	c.raw = raw
	if len(bytes.TrimSpace(raw)) == 0 {
		c.body = &object{}
		return nil
	}
	if err := checkContentType(c.r.Header.Get("Content-Type")); err != nil {
		return err
	}
	v, err := decodeOrdered(raw)
	if err != nil {
		return newError(http.StatusBadRequest, msgDecoding, nil)
	}
	c.body = v
	return nil
}

// checkContentType accepts JSON bodies only, with Magento's messages for
// the rest.
func checkContentType(h string) error {
	if strings.TrimSpace(h) == "" {
		return newError(http.StatusBadRequest, msgContentTypeEmpty, nil)
	}
	mt, params, err := mime.ParseMediaType(h)
	if err != nil {
		return newError(http.StatusBadRequest, msgContentTypeBad, nil)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return newError(http.StatusBadRequest, msgCharset, nil)
	}
	if mt != "application/json" {
		return newError(http.StatusBadRequest, msgContentType, []any{mt})
	}
	return nil
}
