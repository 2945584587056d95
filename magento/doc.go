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
//     the store answers costs exactly one. No answer, 429, 502, 503 and
//     504 are retried within the sign-in bound below (the store may not
//     have checked the password, or may have and lost the answer); any
//     other answer ends the call.
//
// A read (GET) whose answer breaks off (the connection closes before the
// body announced is complete) is sent again like one whose connection
// dropped, up to Config.MaxRetries times; a write whose answer breaks off is
// not (its outcome is unknown).
//
// # Sign-in bound
//
// Every layer of retry together sends at most [MaxSignIns] (3) token
// requests per account and run that the store does not answer with a
// token, whatever is lost. A run is one Client (the CLI makes one per
// command); an account is an admin username or a customer email, without
// regard to case. The Client keeps the count, so it holds across its own
// retries, across callers' retries and across calls:
//
//   - the client sends an attempt only while the account has one left; a
//     connection that could not be opened gives the attempt back (the
//     password never left the machine);
//   - an answer that refuses the credentials (401, 400, any 4xx but 429)
//     is final for the run: no later call sends them again, and every
//     request waiting for the admin token gets the refusal at once;
//   - a call with no attempt left sends nothing and fails with EUNAVAILABLE
//     and mageseed.ErrSignInLimit in its chain; package apply then stops
//     asking (its Options.Attempts, default 8, bounds only retries that the
//     client still allows);
//   - an answer with a token proves the password right; Magento resets its
//     failure count then (Magento\Integration\Model\AdminTokenService::
//     createAdminAccessToken, CustomerTokenService::createCustomerAccessToken
//     call RequestThrottler::resetAuthenticationFailuresCount), and so does
//     the client.
//
// So a wrong customer password costs at most 3 failed sign-ins in one run,
// 1 when the store answers; the admin token exchange is bounded the same
// way, and an exchanged token that the store later refuses is exchanged
// again at most once per refused request, one exchange at a time.
//
// Waits between attempts are capped exponential backoff with full jitter: a
// uniform random wait in [0, min(MaxBackoff, MinBackoff·2^attempt)). A
// Retry-After header on a 429 or 503 (seconds or an HTTP date) replaces
// that wait, and no request of this client goes to the store before it
// expires: the whole client pauses, not only the refused request. A
// Retry-After longer than five minutes is not waited for; the call fails with
// ERATELIMIT instead. Cancelling the context stops waits and requests at
// once. Config.Timeout bounds each attempt from the moment the limiter lets
// it go until the answer starts, and then every pause in the answer's body
// (a large answer that keeps coming is read to its end; one that stops is
// cut off and, for a read, sent again): time spent waiting for a slot or for a Retry-After never times a
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
//   - After slow start, each round sets gradient = max(0.5, 1.5 / r) and
//     target = limit × gradient + √limit, and moves the limit halfway to
//     the target: limit + 0.5 × (target − limit).
//
//     A flat round (r = 1) raises the limit by a quarter and half its
//     square root, a round at r = 1.5 by half its square root only; past
//     that the gradient takes back more and more, and once it takes back
//     more than the √limit allowance gives, the limit falls, by at most a
//     quarter a round. The limit settles
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
// The store's text is data: control characters, bidi overrides and other
// characters a terminal would act on are escaped with
// mageseed.EscapeTerminal. Request bodies, passwords and tokens never appear
// in an error's text (should a store quote one back in its message, as it
// was sent, JSON-escaped or otherwise, it is replaced by ***), and the debug
// log (Config.Logger) sees only methods, paths, statuses and timings.
//
// A message says what happened: "no answer from the store" only when no
// HTTP answer came; an answer whose body broke off says so with its status
// and the bytes received; a web page where JSON was expected is named as
// such with its content type (a 503 page suggests maintenance mode, a 200
// page a proxy or a login page); [Hint] gives advice for each. A
// Retry-After wait longer than [NoticeWait] (2 s) is announced through
// Config.Notify, once per wait, so that it is not taken for a hang.
//
// # Reading customers
//
// [Client.FindCustomers] looks emails up in batches of at most 100 per
// search request (condition type in), and reads every page until the pages
// held total_count customers. Magento answers the last page again past the
// end, so a page that brings nothing new before the count is reached, a
// total_count that changes between pages, or pages that run past
// ceil(total_count/pageSize)+2 end the search with "the store's search did
// not converge" rather than with a guess or a loop.
//
// A customer or an address without an id (or with id 0) is refused ("the
// store returned a customer without an id"), wherever the store returns it.
// Two customers with one (email, website) in a search answer are a
// [*DuplicateCustomerError] (code ECONFLICT) that names both ids. A customer
// whose answer has "addresses": null, or no addresses at all, has an unknown
// address list, not an empty one: it is read again (GET /V1/customers/:id)
// before it is returned, so that no update built from it (a PUT replaces the
// whole list) deletes addresses the store did not list.
//
// # Memory
//
// Memory stays bounded whatever the store sends. A search page is decoded
// as it arrives, one customer at a time, and the customers that were not
// asked for are dropped at once; no single value of it may pass 4 MiB. Any
// other answer is read whole, up to 16 MiB. The bytes of the answers in
// flight share a budget of 64 MiB: a request waits for its share rather
// than hold more. 1,000 lookups against a store that answers each search
// with 200 MB keep the process under 300 MB (TestMemoryBoundedUnderHugeSearches).
package magento
