// Package webapi is the sandbox's protocol layer, after Magento's
// Magento\Framework\Webapi and the Magento_Webapi module: REST routes and
// their path parameters, the store code in the URL, the ACL check, who a
// request runs as (through an Authenticator), request decoding with PHP's
// key order and Magento's type conversion, input limits, search criteria,
// and the error envelope.
//
// It knows no Magento module: each module package gives its routes to
// Register, and the sandbox wires the store lookup and the authenticator
// in. Modules build their answers and errors with this package's types.
package webapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync/atomic"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
)

// Access control lists a route may carry besides a Magento_* resource: a
// route is open to everyone (anonymous), to the customer of a customer
// token (self), or to admin and integration tokens (any Magento_*
// resource; the sandbox's admin holds them all).
const (
	ACLAnonymous = "anonymous"
	ACLSelf      = "self"
)

// Store ids of Magento's stock installation: the admin store view (which
// the URL's "all" selects) and the default store view (which a URL without
// a store code selects).
const (
	AdminStoreID   = 0
	DefaultStoreID = 1
)

// Body limits: request bodies larger than DefaultMaxBody (or a route's
// MaxBody) are refused with 413 in Magento's error envelope. A caller
// without a valid token (a guest) may send GuestMaxBody at most, whatever
// the route: anyone may post to the anonymous routes, and a token request
// or a registration needs a few kilobytes, so large anonymous posts cannot
// fill the sandbox's memory.
const (
	DefaultMaxBody = 10 << 20
	GuestMaxBody   = 64 << 10
)

// Route is one REST route: method, path pattern (":name" segments bind
// path parameters), the ACL resource, and the handler.
type Route struct {
	Method  string
	Pattern string // e.g. "/V1/customers/:customerId" or "/async/bulk/V1/customers"
	ACL     string
	Body    bool  // the route reads a JSON body
	MaxBody int64 // the body limit; 0 means DefaultMaxBody
	Status  int   // success status; 0 means 200
	Handle  func(c *Call) (any, error)

	segs []string
}

// Call is one request as a handler sees it.
type Call struct {
	R      *http.Request
	Params map[string]string
	Store  Store    // the store of the URL (default store view without a code)
	All    bool     // the URL's store code is "all"
	Who    Identity // who the request runs as
	Body   any      // the decoded JSON body of routes that read one
	Raw    []byte
}

// Store is a store view, as the URL's store code selects it.
type Store struct {
	ID, WebsiteID, GroupID int
	Code, Name             string
	IsActive               int
}

// Website is a website, as the store structure lists it.
type Website struct {
	ID         int
	Code, Name string
}

// Stores finds store views (Magento\Store\Model\StoreManager).
type Stores interface {
	Store(id int) (Store, bool)
	StoreByCode(code string) (Store, bool)
}

// API routes REST requests to the registered routes.
type API struct {
	stores Stores
	auth   Authenticator
	routes []Route

	// Log receives a line for every internal error, with the report id
	// its answer names; nil means os.Stderr.
	Log io.Writer
}

// New returns an API with no routes that finds store codes in stores and
// callers with auth.
func New(stores Stores, auth Authenticator) *API {
	return &API{stores: stores, auth: auth}
}

// Register adds routes. Routes are tried in the order they were
// registered: list literal segments before parameters in the same
// position, so /V1/customers/me wins over /V1/customers/:id.
func (a *API) Register(rs ...Route) {
	for _, r := range rs {
		r.segs = strings.Split(strings.TrimPrefix(r.Pattern, "/"), "/")
		a.routes = append(a.routes, r)
	}
}

// match finds the route of r and the URL's store, or returns ok false.
func (a *API) match(r *http.Request) (rt *Route, c *Call, ok bool) {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/rest/") {
		return nil, nil, false
	}
	segs := strings.Split(strings.TrimPrefix(path, "/rest/"), "/")
	c = &Call{R: r}
	// The first segment is a store code, "all", or already part of the
	// route (the default store).
	switch first := segs[0]; {
	case first == "all":
		c.All = true
		c.Store, _ = a.stores.Store(AdminStoreID)
		segs = segs[1:]
	case first == "V1" || first == "async":
		c.Store, _ = a.stores.Store(DefaultStoreID)
	default:
		if st, found := a.stores.StoreByCode(first); found {
			c.Store = st
			segs = segs[1:]
		} else {
			c.Store, _ = a.stores.Store(DefaultStoreID)
		}
	}
	method := r.Method
	if method == http.MethodHead {
		// HEAD is answered as GET, without the body.
		method = http.MethodGet
	}
	for i := range a.routes {
		rt := &a.routes[i]
		if rt.Method != method || len(rt.segs) != len(segs) {
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
			c.Params = params
			return rt, c, true
		}
	}
	return nil, nil, false
}

// RoutePattern returns the route r matches as "METHOD /pattern" (the store
// code stripped), or "unmatched".
func (a *API) RoutePattern(r *http.Request) string {
	rt, _, ok := a.match(r)
	if !ok {
		return "unmatched"
	}
	return rt.Method + " " + rt.Pattern
}

// ServeHTTP answers one REST request: route, authenticate, check the ACL,
// decode the body, run the handler, write the answer.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, c, ok := a.match(r)
	if !ok {
		WriteError(w, NewError(http.StatusNotFound, MsgNoRoute, nil))
		return
	}
	who, authErr := a.auth.Identify(r)
	if authErr != nil {
		WriteError(w, authErr)
		return
	}
	c.Who = who
	if !c.Who.Allowed(rt.ACL) {
		WriteError(w, Unauthorized(rt.ACL))
		return
	}
	if rt.Body {
		limit := int64(DefaultMaxBody)
		if rt.MaxBody > 0 {
			limit = rt.MaxBody
		}
		if c.Who.Type == UserGuest {
			limit = GuestMaxBody
		}
		if err := c.readBody(w, limit); err != nil {
			WriteError(w, err)
			return
		}
	}
	out, err := rt.Handle(c)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	WriteJSON(w, status, out)
}

// readBody checks the Content-Type, reads at most limit bytes and decodes
// the JSON body into c.Body (objects keep their key order). An empty body
// decodes to an empty object, so missing parameters are reported as such.
func (c *Call) readBody(w http.ResponseWriter, limit int64) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, c.R.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return NewError(http.StatusRequestEntityTooLarge, MsgTooLarge, map[string]any{"max": limit})
		}
		return NewError(http.StatusBadRequest, MsgDecoding, nil)
	}
	c.Raw = raw
	if len(bytes.TrimSpace(raw)) == 0 {
		c.Body = &Object{}
		return nil
	}
	if err := checkContentType(c.R.Header.Get("Content-Type")); err != nil {
		return err
	}
	v, err := DecodeOrdered(raw)
	if err != nil {
		return NewError(http.StatusBadRequest, MsgDecoding, nil)
	}
	c.Body = v
	return nil
}

// checkContentType accepts JSON bodies only, with Magento's messages for
// the rest.
func checkContentType(h string) error {
	if strings.TrimSpace(h) == "" {
		return NewError(http.StatusBadRequest, MsgContentTypeEmpty, nil)
	}
	mt, params, err := mime.ParseMediaType(h)
	if err != nil {
		return NewError(http.StatusBadRequest, MsgContentTypeBad, nil)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return NewError(http.StatusBadRequest, MsgCharset, nil)
	}
	if mt != "application/json" {
		// Magento\Framework\Webapi\Rest\Request\DeserializerFactory::get
		// throws a Webapi\Exception: the media type is in the sentence.
		return WebapiError(http.StatusBadRequest, MsgContentType, []any{mt})
	}
	return nil
}

// PathID reads an integer path parameter as ServiceInputProcessor::process
// converts it: "abc" is a 400 with the finished sentence `The "abc" value's
// type is invalid. The "int" type was expected. Verify and try again.`, and
// a numeric "7.0" is 7.
func PathID(c *Call, name string) (int64, error) {
	return asInt(c.Params[name])
}

// reportSeq numbers the sandbox's error reports.
var reportSeq atomic.Int64

// writeError writes err as WriteError does, and logs an internal error
// with the report id its answer names, as Magento\Framework\Webapi\
// ErrorProcessor::_critical logs "Report ID: webapi-...; Message: ...".
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if !isInternal(err) || r.Context().Err() != nil {
		// A client that went away is no internal error; nobody reads
		// the answer.
		WriteError(w, err)
		return
	}
	id := fmt.Sprintf("webapi-sandbox-%d", reportSeq.Add(1))
	log := a.Log
	if log == nil {
		log = os.Stderr
	}
	fmt.Fprintf(log, "sandbox: Report ID: %s; %s %s: %v\n", id, r.Method, r.URL.Path, err)
	WriteJSON(w, http.StatusInternalServerError, magento.ErrorResponse{Message: MsgInternal, Parameters: []any{id}})
}

// isInternal reports whether WriteError answers err with the masked 500.
func isInternal(err error) bool {
	if _, ok := err.(*Error); ok {
		return false
	}
	if errors.Is(err, db.ErrClosed) {
		return false
	}
	if me, ok := err.(*mageseed.Error); ok && me.Code != mageseed.EINTERNAL {
		return false
	}
	return true
}
