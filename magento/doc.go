// Package magento is mageseed's client for the REST API of Magento 2 and
// Adobe Commerce: customers, their addresses, customer tokens, the store's
// websites and region directory, and the asynchronous bulk API.
//
// A [Client] is built from a [Config] with [New]. It satisfies apply.Remote
// without importing package apply, returns the root package's domain types
// (mageseed.Customer and friends) and reports failures as *mageseed.Error
// values whose Code callers branch on; the request, the HTTP status and
// Magento's own message are in a *[RequestError] in the chain. [Hint] turns
// an error into advice for people (two-factor authentication, plain http).
//
// # URLs and authentication
//
// Config.BaseURL is the store's root (https://shop.example.com); the client
// adds /rest/<store code>/V1. Admin requests carry an admin or integration
// bearer token: Config.AdminToken as given, or one exchanged for
// Config.AdminUsername and Config.AdminPassword at
// POST /V1/integration/admin/token. An exchanged token that the store later
// refuses with 401 (it expired) is exchanged again once, and the refused
// request sent once more; a second 401 is final. A store that answers the
// token request with Magento's two-factor message gives an error that says so;
// [Hint] then suggests an integration's credentials, which bypass 2FA.
//
// Credentials, bearer tokens and passwords are never sent over plain http to
// a host that is not loopback (127.0.0.0/8, ::1, localhost) unless
// Config.AllowInsecureHTTP is set, and redirects are never followed (a
// redirect is reported, with its target, as an error). TLS certificates are
// verified unless Config.InsecureSkipTLSVerify is set.
//
// # Retry policy
//
// Every request goes through go-retryablehttp with this package's own retry
// check and backoff (its defaults would retry every POST and log to stderr).
// Which failures are retried depends on what the request does:
//
//   - Reads and idempotent writes (GET, PUT, DELETE) are retried on
//     transport errors (connection refused or reset, timeouts, no answer),
//     429 and 502, 503 and 504, up to Config.MaxRetries times. Certificate
//     errors, redirects and 500 are not retried: Magento answers 500 for
//     failures that a retry does not fix.
//
//   - A POST that creates (a customer, an async bulk) is not idempotent in
//     Magento: a retry after an unanswered create may make a duplicate, or
//     fail with "already exists". It is therefore retried only when the store
//     provably did not run it: the connection could not be opened (the
//     request was never written), or the store answered 429, which Magento
//     and the proxies in front of it send before any work is done. Every other
//     failure, 5xx or no answer included, ends the call at once with
//     EUNAVAILABLE: the outcome is unknown and the caller looks the email up
//     before it tries again.
//
//   - Token requests (admin and customer) are never retried after 401 or
//     400: each refused attempt counts towards Magento's lockout (six
//     failures lock the account for 30 minutes), so a wrong password that
//     the store answers costs exactly one. A token request creates nothing
//     that matters twice, and a right password resets Magento's failure
//     count, so other failures are retried: refused connections, 429 and 503
//     (maintenance mode and overloaded proxies answer it without running the
//     password check) up to Config.MaxRetries times, and failures after
//     which the store may have checked the password (no answer, 502, 504)
//     at most twice. A wrong password whose answers get lost thus costs at
//     most three failures in one run, half of the lockout.
//
// Waits between attempts are capped exponential backoff with full jitter: a
// uniform random wait in [0, min(MaxBackoff, MinBackoff·2^attempt)). A
// Retry-After header on a 429 or 503 (seconds or an HTTP date) replaces
// that wait, and no request of this client goes to the store before it
// expires: the whole client pauses, not only the refused request. A
// Retry-After longer than five minutes is not waited for; the call fails with
// ERATELIMIT instead. Cancelling the context stops waits and requests at
// once. Config.Timeout bounds each attempt from the moment the limiter lets
// it go: time spent waiting for a slot or for a Retry-After never times a
// request out (a create that timed out in a queue would be reported as an
// unknown outcome although it was never sent).
//
// # Adaptive concurrency
//
// Every attempt passes an AIMD limiter before it is sent. Its limit starts at
// Config.MaxInFlight; a 429 or 503 halves it (at most once a second, so that
// one burst of refusals counts once), and every ten successful answers
// raise it by one, back up to Config.MaxInFlight. The current, smallest and
// largest limits are in [Client.Stats], with the number of requests per
// method, retries, 429s and 503s.
//
// # Errors
//
// Magento's error body is turned into a message with its parameters
// substituted (%fieldName from an object, %1 from a list), and the entries of
// an aggregate error listed, for example
//
//	POST /V1/customers: 400: A customer with the same email address already exists in an associated website
//
// Request bodies, passwords and tokens never appear in an error's text
// (should a store quote one back in its message, it is replaced by ***), and
// the debug log (Config.Logger) sees only methods, paths, statuses and
// timings.
//
// # Reading customers
//
// [Client.FindCustomers] looks emails up in batches of at most 100 per
// search request (condition type in), and reads every page until it has
// total_count customers; it never trusts Magento to return an empty page
// past the end (it returns the last page again).
package magento
