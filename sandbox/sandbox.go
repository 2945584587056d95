// Package sandbox is a Magento-compatible store for the customer API: an
// http.Handler that answers the customer, address, token, directory, store,
// customer-group and async-bulk endpoints of Magento 2.4's REST API, with
// Magento's status codes, error envelopes and validation messages, over a
// SQLite database whose tables mirror Magento's.
//
// Like LocalStack, it is a protocol layer and one package per Magento
// module it emulates, wired together here:
//
//   - webapi: the protocol layer (Magento\Framework\Webapi and
//     Magento_Webapi): routes, store codes, the ACL check, request decoding,
//     input limits, search criteria, the error envelope;
//   - customer (Magento_Customer): customers, addresses, customer groups,
//     attribute metadata and the store's own attributes (with Magento_Eav's
//     data models), email confirmation, account sharing, and the newsletter
//     flag of Magento_Newsletter's customer plugin;
//   - integration (Magento_Integration): tokens, their lockout, OAuth 1.0a;
//   - directory (Magento_Directory): countries and regions;
//   - store (Magento_Store): websites, store views, store configs;
//   - async (Magento_WebapiAsync and Magento_AsynchronousOperations): the
//     async and bulk API and its consumer;
//   - internal/db: the SQLite database, the schema each module contributes,
//     and the serialized, group-committed writer.
//
// A Profile (profile.go) models a customised store: its own customer and
// address attributes, street lines, email confirmation, account sharing,
// groups, tax classes and websites; the customer module applies it.
//
// A module package never imports another: what one needs of another is a
// small interface it declares (customer's Stores and Countries,
// integration's Customers, async's Accounts) or one webapi offers
// (webapi.Stores, webapi.Authenticator), and New wires them. What is the
// sandbox's own and not Magento's (the stats, the fault injector) is
// middleware around the protocol layer, in this package.
//
// Rules the package keeps:
//
//   - Answers follow Magento 2.4: 200 for creates, 401 (never 403) for ACL
//     refusals with the route's resources, 404 "Request does not match any
//     route." for unknown routes, 400 aggregate errors for two or more
//     input errors.
//   - A missing, malformed, expired or revoked token makes the request a
//     guest's; nothing fails until a route's ACL refuses the guest.
//   - Every write goes through one database connection, serialized in Go
//     and group-committed (concurrent writes share a transaction, each in
//     its own savepoint); reads use a pool. A customer and its addresses
//     are written together or not at all.
//   - Time comes from Options.Now, so tests move the clock for token expiry
//     and lockouts.
//   - Request bodies larger than 10 MiB (64 MiB on the async bulk route;
//     64 KiB for a caller without a valid token, whatever the route) are
//     refused with 413 and a Magento-style error envelope (Magento itself
//     leaves the limit to the web server).
//   - An internal error is answered with Magento's masked 500 and a report
//     id, and logged with that id to Options.Log (stderr by default).
//   - Where Magento's answer depends on its version, the sandbox follows
//     2.4.8: unknown nested keys are refused, DELETE of a customer needs
//     Magento_Customer::delete, store endpoints need Magento_Backend::store.
//   - Two or more errors of Magento's validators (customer fields, and the
//     EAV check of createAccount's addresses) are answered as their
//     rendered messages one a line, with the list in errors; two or more
//     input errors (the address validator, missing parameters) as the
//     aggregate "One or more input exceptions have occurred." with the
//     list. Addresses are validated in order and the first failing address
//     is reported.
//   - Secrets (passwords, tokens) never appear in answers other than the
//     token endpoints' own, nor in errors.
//
// Fidelity: each behaviour below was traced to Magento 2.4.8's code, and a
// test names the file and method that establish it. These are the
// disagreements found and fixed, each once a place where the sandbox was
// more lenient or said it differently:
//
//   - Exceptions thrown as Magento\Framework\Webapi\Exception reach the
//     client as finished sentences without parameters (ErrorProcessor::
//     maskException passes them on as they are): the unsupported
//     Content-Type (Rest\Request\DeserializerFactory::get) and every type
//     error. Other LocalizedExceptions keep their template and parameters.
//   - Type errors follow TypeProcessor::processSimpleAndAnyType and
//     ServiceInputProcessor: `Error occurred during "<key as sent>"
//     processing. ` once per nesting level, values shown as PHP's string of
//     them ("1" for true, "array" for a list); a bool takes any scalar, an
//     int any numeric string (truncated), a data object anything; a path
//     parameter gets the bare sentence.
//   - Lists of more than 20 data objects (filter groups, filters, sort
//     orders, addresses) are refused: `Maximum items of type "%type" is %max`
//     (Webapi\Validator\EntityArrayValidator), where 2,000 filter groups once
//     failed with 500.
//   - PUT /V1/customers/:id merges the body into the stored customer
//     (Customer\Model\Plugin\UpdateCustomer): fields left out keep their
//     values, null clears, an "Id" key turns the merge off; PUT
//     /V1/customers/me replaces. An address sent with its id keeps the
//     fields it leaves out (AbstractAddress::updateData), and one of
//     another customer is refused (Address\Validator\Customer). The PUT
//     reads and writes in one transaction.
//   - More street lines than customer/address/street_lines (Options.Config,
//     2 by default) are refused (Eav\Model\Attribute\Data\Multiline); the
//     address validators' errors are one aggregate on update as on create.
//   - The default group of an unknown store is GroupManagement::
//     getDefaultGroup's 404 for storeId.
//   - OAuth 1.0a is checked as Magento\Framework\Oauth\Oauth::
//     validateAccessTokenRequest does: version, required parameters, token
//     length, HMAC-SHA256 only, the consumer, the nonce (once per consumer,
//     timestamp at most 600 s ahead), the token, the signature over
//     Magento's base string (natural order, rawurldecode), each with
//     Magento's message and status. The integration's key and token must be
//     32 characters, as Magento makes them.
//   - Ten concurrent wrong passwords lock the account: the failure counter
//     is read and written in one transaction.
//
// Where the sandbox departs from Magento on purpose: HEAD is answered as
// GET without the body (Magento's Rest\Request::getHttpMethod refuses it
// with 400 "Request method is invalid."), so that health checks and link
// checkers can probe it; the body limits above; OAuth nonces are kept in
// memory, so a restart forgets them; and a form-encoded body is read flat,
// where PHP's parse_str would nest bracketed names.
package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/async"
	"github.com/mageseed/mageseed/sandbox/customer"
	"github.com/mageseed/mageseed/sandbox/directory"
	"github.com/mageseed/mageseed/sandbox/integration"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/store"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Options configures a Sandbox. The zero value is a usable in-memory store.
type Options struct {
	// DB is the SQLite database path; "" means an in-memory database that
	// lives as long as the Sandbox.
	DB string

	// AdminUser and AdminPassword are the admin account's credentials,
	// exchanged for an admin token at POST /V1/integration/admin/token.
	// New applies the defaults "admin" and "admin123" when they are empty.
	AdminUser, AdminPassword string

	// IntegrationToken, when non-empty, is accepted as an admin bearer
	// token (an integration's access token).
	IntegrationToken string

	// OAuth, when set, is an integration whose requests are signed with
	// OAuth 1.0a (as Magento integrations sign them by default since
	// 2.4.4); a signed request that verifies runs as that integration. Its
	// consumer key and access token are 32 characters long, as Magento
	// makes them, and requests are checked as 2.4.8 checks them.
	OAuth *magento.OAuthCredentials

	// AdminTokenLifetime and CustomerTokenLifetime are the lifetimes of the
	// tokens the store issues; 0 means Magento's defaults, 4h and 1h.
	AdminTokenLifetime, CustomerTokenLifetime time.Duration

	// ExtraWebsites are websites besides Magento's stock "base" website,
	// each with one store group and one store view. A database keeps the
	// websites it has; New adds the ones it lacks.
	ExtraWebsites []Website

	// Workers bounds the /rest requests handled at once, as a store's pool
	// of PHP-FPM workers does; 0 means no limit. Queue is the number of
	// requests that may wait for a worker; past it, the answer is 503 at
	// once (see pool.go). Latency, when set, is spent inside a worker: it
	// is the service time of one request.
	Workers, Queue int

	// Latency, Jitter, ErrorRate, DropRate, RateLimit and FaultSeed inject
	// faults into /rest requests (see faults.go).
	Latency, Jitter time.Duration
	ErrorRate       float64
	DropRate        float64
	RateLimit       int
	FaultSeed       int64

	// Profile, when set, models a customised store: its own customer and
	// address attributes, configuration (street lines, email
	// confirmation, account sharing), customer groups, tax classes and
	// websites. See Profile and LoadProfile.
	Profile *Profile

	// Now is the store's clock; nil means time.Now.
	Now func() time.Time

	// Config holds store configuration values by path, as Magento's
	// core_config_data does (for example "customer/address/street_lines":
	// "3", "customer/create_account/confirm": "1",
	// "customer/account_share/scope": "0"); a path not set takes Magento's
	// default. A Profile's config sets the same paths; a path both set to
	// different values is an error.
	Config map[string]string

	// Log receives a line for every internal error (an answer 500 with a
	// report id), as Magento writes them to its exception log; nil means
	// os.Stderr.
	Log io.Writer
}

// Website is an extra website with its one store view. Name defaults to the
// code with "Website" appended, StoreCode to Code, StoreName to the store
// code with "Store View" appended.
type Website struct {
	Code, Name, StoreCode, StoreName string
}

// Sandbox is a Magento-compatible store. It implements http.Handler; Close
// releases it.
type Sandbox struct {
	db      *db.DB
	api     *webapi.API
	stats   *stats
	handler http.Handler // the middleware chain around api
	async   *async.Async

	closeOnce sync.Once
	closeErr  error
}

// Default credentials and lifetimes.
const (
	defaultAdminUser             = "admin"
	defaultAdminPassword         = "admin123"
	defaultAdminTokenLifetime    = 4 * time.Hour
	defaultCustomerTokenLifetime = time.Hour
)

// New opens (or creates) the store's database, seeds Magento's stock
// websites, store views and customer groups, and starts the consumer of
// asynchronous operations. The caller must Close the Sandbox.
func New(opts Options) (*Sandbox, error) {
	if opts.AdminUser == "" {
		opts.AdminUser = defaultAdminUser
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = defaultAdminPassword
	}
	if opts.AdminTokenLifetime <= 0 {
		opts.AdminTokenLifetime = defaultAdminTokenLifetime
	}
	if opts.CustomerTokenLifetime <= 0 {
		opts.CustomerTokenLifetime = defaultCustomerTokenLifetime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.validateFaults(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := opts.validatePool(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if o := opts.OAuth; o != nil && (len(o.ConsumerKey) != integration.KeyLength || len(o.AccessToken) != integration.KeyLength) {
		return nil, fmt.Errorf("sandbox: the integration's consumer key and access token must be %d characters long, as Magento makes them", integration.KeyLength)
	}
	extra := make([]store.Website, 0, len(opts.ExtraWebsites))
	for _, w := range opts.ExtraWebsites {
		extra = append(extra, store.Website(w))
	}
	var profile customer.Config
	config := opts.Config
	if opts.Profile != nil {
		for _, w := range opts.Profile.Websites {
			extra = append(extra, store.Website(w))
		}
		profile = opts.Profile.customerConfig()
		var err error
		if config, err = opts.Profile.configValues(opts.Config); err != nil {
			return nil, fmt.Errorf("sandbox: profile: %w", err)
		}
	}
	sites, err := store.Normalize(extra)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}

	d, err := db.Open(opts.DB, store.Schema, customer.Schema, customer.ValuesSchema, integration.Schema, async.Schema)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open database %q: %w", displayDB(opts.DB), err)
	}
	ctx := context.Background()
	stores, err := store.Open(ctx, d, sites)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("sandbox: seed database %q: %w", displayDB(opts.DB), err)
	}
	dir := &directory.Directory{}
	customers, err := customer.New(ctx, d, stores, dir, opts.Now)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("sandbox: seed database %q: %w", displayDB(opts.DB), err)
	}
	customers.Config = config
	if err := customers.Configure(ctx, profile); err != nil {
		d.Close()
		return nil, fmt.Errorf("sandbox: profile: %w", err)
	}
	tokens, err := integration.New(ctx, d, integration.Config{
		AdminUser:             opts.AdminUser,
		AdminPassword:         opts.AdminPassword,
		IntegrationToken:      opts.IntegrationToken,
		OAuth:                 opts.OAuth,
		AdminTokenLifetime:    opts.AdminTokenLifetime,
		CustomerTokenLifetime: opts.CustomerTokenLifetime,
		Now:                   opts.Now,
	}, customers)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}

	s := &Sandbox{db: d, stats: newStats()}
	s.api = webapi.New(stores, tokens)
	s.api.Log = opts.Log
	s.api.Register(tokens.Routes()...)
	s.api.Register(customers.Routes()...)
	s.api.Register(dir.Routes()...)
	s.api.Register(stores.Routes()...)
	s.async = async.Start(d, stores, customers, opts.Now)
	s.api.Register(s.async.Routes()...)

	// The middleware chain around the protocol layer, innermost first:
	// each wraps the handler built so far. The pool of workers is
	// outermost, so that the latency the faults add is spent inside a
	// worker.
	var h http.Handler = s.api
	h = newFaults(opts, s.stats, h)
	h = newPool(opts.Workers, opts.Queue, h)
	if p, ok := h.(*pool); ok {
		s.stats.pool = p.stats
	}
	s.handler = h
	return s, nil
}

// ServeHTTP answers one request: GET /__sandbox/stats reports the counters;
// every other request is counted by route and passes the middleware chain
// on its way to the API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__sandbox/stats" && r.Method == http.MethodGet {
		s.stats.serveHTTP(w, r)
		return
	}
	s.stats.countRequest(s.api.RoutePattern(r))
	s.handler.ServeHTTP(w, r)
}

// WaitIdle waits until the consumer of asynchronous operations has nothing
// left to do: every operation queued before the call has run, so a bulk's
// status shows none open. It returns ctx's error if ctx ends first, and an
// error once the Sandbox is closed. Tests use it instead of polling a
// bulk's status.
func (s *Sandbox) WaitIdle(ctx context.Context) error {
	return s.async.WaitIdle(ctx)
}

// Close stops the consumer of asynchronous operations, waiting for the
// operation in progress, and closes the database. It is safe to call more
// than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		s.async.Close()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

func displayDB(path string) string {
	if path == "" {
		return ":memory:"
	}
	return path
}
