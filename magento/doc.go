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
// # Concurrency
//
// Every attempt passes a limiter before it is sent, which bounds the
// attempts in flight. How the limit moves depends on Config.Adaptive.
//
// With a fixed limit (the CLI's --parallelism N), the limit starts at
// Config.MaxInFlight; a 429 or 503 halves it (at most once a second, so that
// one burst of refusals counts once), and every ten successful answers
// raise it by one, back up to Config.MaxInFlight (additive increase,
// multiplicative decrease).
//
// With Config.Adaptive (--parallelism auto, the CLI's default), the client
// finds the store's capacity from the latency of its answers, in the manner
// of TCP Vegas and of the gradient limiter of Netflix's concurrency-limits
// library. A store serves REST through a fixed pool of workers (PHP-FPM
// processes); while fewer requests are in flight than it has workers, an
// answer takes the store's own time, its latency floor, whatever the load;
// past the pool, requests wait in its queue and latency grows with every
// request added, without any gain in throughput; past the queue, it refuses
// them with 503. The limit is the number of requests in flight that keeps
// latency near its floor, found like this:
//
//   - The floor is the lowest latency of a successful (2xx) answer, by route
//     (method and path with ids left out): a search of 100 emails is slower
//     than a read of one customer, and each is compared with its own kind.
//     Latency runs from the moment the limiter lets the attempt go to the
//     answer's headers, so time spent waiting for a slot never counts. An
//     answer's ratio is its latency over its route's floor.
//
//   - Slow start. The limit starts at 4, small enough for any store. Every
//     successful answer with a ratio of at most 1.5 that comes while at
//     least half the limit is in use raises it by one, which doubles it
//     every round trip, as TCP's slow start does.
//
//   - Rounds. The answers are taken in rounds of as many answers as the
//     limit, at least 8, counting only requests sent since the limit last
//     changed (the others measured a limit that is gone). A round stands
//     for its lower quartile ratio r: a queue at the store delays every
//     request in it and raises the quartile, while a few answers stalled
//     by something else (a busy machine, a slow page) do not, where an
//     average would take them for a queue. With fewer than 8 answers one
//     lucky or unlucky answer would decide.
//
//   - Slow start ends with the first round whose r is above 1.25 (the
//     store's pool is full and its queue has begun), or with the first
//     refusal. It overshoots by up to one round trip of growth, so the
//     round that ends it may cut the limit but never raises it.
//
//   - After slow start, at the end of each round:
//
//     gradient = max(0.5, 1.5 / r)
//     target   = limit × gradient + √limit
//     limit    = limit + 0.5 × (target − limit)
//
//     A flat round (r = 1) raises the limit by a quarter and half its
//     square root, a round at r = 1.5 by half its square root only, and a
//     slower one lowers it, by at most a quarter a round. The limit settles
//     where limit − √limit = 1.5 × limit / r, that is where latency is 1.5
//     to 2 times the floor: a store with a pool of W workers and latency
//     r ≈ limit / W settles near 1.5 W + √(1.5 W) + 1 (16 for 8 workers,
//     56 for 32): a queue half as long as the pool and a few more, enough
//     to keep every worker busy between two answers, not so long that a
//     queue of the pool's size fills. The tolerance 1.5 and the √limit
//     allowance are those of Netflix's gradient2; it compares with a
//     long-term average latency rather than with the floor, which drifts
//     upwards under a load that lasts, as a store's queue does. The
//     smoothing halves each step, so that one round's noise moves the
//     limit by half of what it asks.
//
//   - A round that never had half the limit in flight does not raise it
//     (the client, not the store, held the pace).
//
//   - A 429 or 503 halves the limit at once, ends slow start, and begins a
//     new round; the refusals of requests sent before that cut do not cut
//     again, so a burst of them counts once.
//
//   - The limit is never below 1 nor above Config.MaxInFlight (the CLI's
//     --max-parallelism, 64 by default: a ceiling for a store the client
//     cannot see the end of, such as a cluster behind a load balancer).
//
// The floor is never forgotten during a run: a store that becomes slower
// for good (another job, a reindex) looks queued, and the client gives it
// fewer requests, which is what it should do for a store that other people
// use. A Retry-After pauses the whole client in both modes (see Retry
// policy). [Client.Stats] reports the current, smallest and largest limits,
// the latency floor of the route the client used most, and the number of
// requests per method, retries, 429s and 503s.
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
