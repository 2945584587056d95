// Package sandbox is a Magento-compatible store for the customer API: an
// http.Handler that answers the customer, address, token, directory, store,
// customer-group and async-bulk endpoints of Magento 2.4's REST API, with
// Magento's status codes, error envelopes and validation messages, over a
// SQLite database whose tables mirror Magento's.
//
// Rules the package keeps:
//
//   - Answers follow Magento 2.4 (see magento/REST-NOTES.md in the project's
//     shared notes): 200 for creates, 401 (never 403) for ACL refusals with
//     the route's resources, 404 "Request does not match any route." for
//     unknown routes, 400 aggregate errors for two or more input errors.
//   - A missing, malformed, expired or revoked token makes the request a
//     guest's; nothing fails until a route's ACL refuses the guest.
//   - Every write goes through one database connection, serialized in Go
//     and group-committed (concurrent writes share a transaction, each in
//     its own savepoint); reads use a pool. A customer and its addresses
//     are written together or not at all.
//   - Time comes from Options.Now, so tests move the clock for token expiry
//     and lockouts.
//   - Request bodies larger than 10 MiB (64 MiB on the async bulk route) are
//     refused with 413 and a Magento-style error envelope (Magento itself
//     leaves the limit to the web server).
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
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"github.com/mageseed/mageseed/magento"
	"net/http"
	"strings"
	"sync"
	"time"
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
	// 2.4.4); a signed request that verifies runs as that integration.
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

	// Now is the store's clock; nil means time.Now.
	Now func() time.Time
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
	opts   Options
	db     *store
	now    func() time.Time
	stats  *stats
	faulty http.Handler
	api    http.Handler

	auth *authenticator
	dir  *catalog // websites, store views, groups (static after New)

	async *consumer

	closeOnce sync.Once
	closeErr  error
}

// Default limits and lifetimes.
const (
	defaultAdminUser             = "admin"
	defaultAdminPassword         = "admin123"
	defaultAdminTokenLifetime    = 4 * time.Hour
	defaultCustomerTokenLifetime = time.Hour
	maxBodyBytes                 = 10 << 20
	maxBulkBodyBytes             = 64 << 20
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
	sites, err := normalizeWebsites(opts.ExtraWebsites)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	opts.ExtraWebsites = sites

	db, err := openStore(opts.DB)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open database %q: %w", displayDB(opts.DB), err)
	}
	s := &Sandbox{opts: opts, db: db, now: opts.Now}
	ctx := context.Background()
	if err := db.prepare(ctx, insertCustomerSQL, insertAddressSQL, updateAddressSQL); err != nil {
		db.close()
		return nil, fmt.Errorf("sandbox: open database %q: %w", displayDB(opts.DB), err)
	}
	if s.dir, err = db.seed(ctx, sites); err != nil {
		db.close()
		return nil, fmt.Errorf("sandbox: seed database %q: %w", displayDB(opts.DB), err)
	}
	if s.auth, err = newAuthenticator(ctx, db, opts); err != nil {
		db.close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s.api = http.HandlerFunc(s.serveAPI)
	s.stats = newStats()
	s.faulty = newPool(opts.Workers, opts.Queue, newFaults(opts, s.stats, s.api))
	if p, ok := s.faulty.(*pool); ok {
		s.stats.pool = p.stats
	}
	s.async = startConsumer(s)
	return s, nil
}

// ServeHTTP answers one request: GET /__sandbox/stats reports the counters;
// every other request is counted by route and passes the fault injector on
// its way to the API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__sandbox/stats" && r.Method == http.MethodGet {
		s.stats.serveHTTP(w, r)
		return
	}
	s.stats.countRequest(s.routePattern(r))
	s.faulty.ServeHTTP(w, r)
}

// Close stops the consumer of asynchronous operations, waiting for the
// operation in progress, and closes the database. It is safe to call more
// than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		s.async.stop()
		s.closeErr = s.db.close()
	})
	return s.closeErr
}

func displayDB(path string) string {
	if path == "" {
		return ":memory:"
	}
	return path
}

// normalizeWebsites fills the defaults of the extra websites and checks
// that their codes are usable and distinct.
func normalizeWebsites(in []Website) ([]Website, error) {
	seenSite := map[string]bool{"admin": true, "base": true}
	seenStore := map[string]bool{"admin": true, "default": true, "all": true}
	out := make([]Website, 0, len(in))
	for _, w := range in {
		if w.StoreCode == "" {
			w.StoreCode = w.Code
		}
		if w.Name == "" {
			w.Name = titleCase(w.Code) + " Website"
		}
		if w.StoreName == "" {
			w.StoreName = titleCase(w.StoreCode) + " Store View"
		}
		if !validCode(w.Code) {
			return nil, fmt.Errorf("extra website %q: code must be lower-case letters, digits and _ and start with a letter", w.Code)
		}
		if !validCode(w.StoreCode) {
			return nil, fmt.Errorf("extra website %q: store code %q must be lower-case letters, digits and _ and start with a letter", w.Code, w.StoreCode)
		}
		if seenSite[w.Code] {
			return nil, fmt.Errorf("extra website %q: website code is taken", w.Code)
		}
		if seenStore[w.StoreCode] {
			return nil, fmt.Errorf("extra website %q: store code %q is taken", w.Code, w.StoreCode)
		}
		seenSite[w.Code], seenStore[w.StoreCode] = true, true
		out = append(out, w)
	}
	return out, nil
}

// validCode reports whether code is a valid Magento website or store code.
func validCode(code string) bool {
	if code == "" || code[0] < 'a' || code[0] > 'z' {
		return false
	}
	for _, c := range code {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func titleCase(code string) string {
	words := strings.FieldsFunc(code, func(r rune) bool { return r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// errClosed is returned by operations on a closed store.
var errClosed = errors.New("sandbox is closed")
