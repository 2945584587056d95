package magento_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
	"go.uber.org/goleak"
)

// startSandbox serves a fresh in-memory sandbox and returns its URL.
func startSandbox(tb testing.TB, opts sandbox.Options) string {
	tb.Helper()
	_, url := serveSandbox(tb, opts)
	return url
}

// serveSandbox is startSandbox that also returns the sandbox, for tests
// that wait on it (WaitIdle).
func serveSandbox(tb testing.TB, opts sandbox.Options) (*sandbox.Sandbox, string) {
	tb.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		tb.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	tb.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			tb.Errorf("sandbox Close: %v", err)
		}
	})
	return sb, srv.URL
}

// sandboxClient returns a client for the sandbox at url that logs in with
// the sandbox's default admin account.
func sandboxClient(tb testing.TB, url string, edit func(*magento.Config)) *magento.Client {
	tb.Helper()
	cfg := magento.Config{
		BaseURL:       url,
		AdminUsername: "admin",
		AdminPassword: "admin123",
		MinBackoff:    time.Millisecond,
		MaxBackoff:    20 * time.Millisecond,
		UserAgent:     "mageseed/test",
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := magento.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// tutorialJane is the customer of Magento's REST tutorial (step 6).
func tutorialJane() mageseed.Customer {
	return mageseed.Customer{
		Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1,
		Password: "Password1",
		Addresses: []mageseed.Address{{
			Key: "home", Firstname: "Jane", Lastname: "Doe", Street: []string{"160 1st St."}, City: "Mineola",
			Region: mageseed.Region{ID: 43, Code: "NY", Name: "New York"}, Postcode: "11501", CountryID: "US",
			Telephone: "516-555-1111", DefaultBilling: true, DefaultShipping: true,
		}},
	}
}

func TestSandboxTutorial(t *testing.T) {
	url := startSandbox(t, sandbox.Options{})
	c := sandboxClient(t, url, nil)
	ctx := context.Background()

	ws, err := c.Websites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) < 2 || ws[1].Code != "base" || ws[1].ID != 1 {
		t.Errorf("websites = %+v, want admin and base", ws)
	}
	regions, err := c.Regions(ctx, "US")
	if err != nil {
		t.Fatal(err)
	}
	var ny directory.Region
	for _, r := range regions {
		if r.Code == "NY" {
			ny = r
		}
	}
	if ny.ID != 43 {
		t.Errorf("NY region = %+v, want id 43", ny)
	}

	// Create, with the address in the same request.
	created, err := c.CreateCustomer(ctx, tutorialJane())
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ID == 0 || len(created.Addresses) != 1 || created.Addresses[0].ID == 0 || created.Addresses[0].Key != "home" {
		t.Fatalf("created = %+v, want ids and the address key", created)
	}
	home := created.Addresses[0]
	if !home.DefaultBilling || !home.DefaultShipping || created.DefaultBilling != home.ID {
		t.Errorf("created defaults: customer %d/%d, address %+v; want the address as both defaults", created.DefaultBilling, created.DefaultShipping, home)
	}

	// A second create is a conflict, never a duplicate.
	if _, err := c.CreateCustomer(ctx, tutorialJane()); mageseed.ErrorCode(err) != mageseed.ECONFLICT {
		t.Errorf("second create = %v, want ECONFLICT", err)
	}

	// Find it by email, case aside.
	found, err := c.FindCustomers(ctx, 1, []string{"JDOE@example.com", "nobody@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("found %d customers, want 1", len(found))
	}
	ignoreKeys := cmpopts.IgnoreFields(mageseed.Customer{}, "Key", "Website", "Password", "Token")
	ignoreAddressKeys := cmpopts.IgnoreFields(mageseed.Address{}, "Key")
	if diff := cmp.Diff(found[0], created, ignoreKeys, ignoreAddressKeys); diff != "" {
		t.Errorf("found differs from created (-found +created):\n%s", diff)
	}

	// Update: a new lastname and a second address; the first is kept by
	// sending it back with its id.
	upd := found[0]
	upd.Lastname = "Roe"
	upd.Addresses = append(upd.Addresses, mageseed.Address{
		Key: "work", Firstname: "Jane", Lastname: "Roe", Street: []string{"1 Main St"}, City: "Boston",
		Region: mageseed.Region{ID: 32, Code: "MA"}, Postcode: "02108", CountryID: "US", Telephone: "617-555-0100",
	})
	updated, err := c.UpdateCustomer(ctx, upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Lastname != "Roe" || len(updated.Addresses) != 2 {
		t.Fatalf("updated = %+v, want lastname Roe and 2 addresses", updated)
	}
	if updated.Addresses[0].ID != home.ID || !updated.Addresses[0].DefaultBilling {
		t.Errorf("first address after update = %+v, want id %d still the default", updated.Addresses[0], home.ID)
	}
	if updated.Addresses[1].Key != "work" || updated.Addresses[1].ID == 0 {
		t.Errorf("new address = %+v, want key work and an id", updated.Addresses[1])
	}

	// An update without addresses keeps them.
	bare := updated
	bare.Addresses = nil
	bare.Firstname = "Janet"
	kept, err := c.UpdateCustomer(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept.Addresses) != 2 {
		t.Errorf("update without addresses left %d addresses, want 2", len(kept.Addresses))
	}

	// A customer token for the password set on create.
	token, err := c.CustomerToken(ctx, 0, "jdoe@example.com", "Password1")
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	me := getMe(t, url, token)
	if me.Email != "jdoe@example.com" {
		t.Errorf("GET /V1/customers/me with the token = %+v, want Jane", me)
	}
	if _, err := c.CustomerToken(ctx, 0, "jdoe@example.com", "wrong-Password1"); mageseed.ErrorCode(err) != mageseed.EUNAUTHORIZED {
		t.Errorf("token with a wrong password = %v, want EUNAUTHORIZED", err)
	}

	// Delete, then it is gone.
	if err := c.DeleteCustomer(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.GetCustomer(ctx, created.ID); mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("get after delete = %v, want ENOTFOUND", err)
	}
	if err := c.DeleteCustomer(ctx, created.ID); mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("second delete = %v, want ENOTFOUND", err)
	}
}

// getMe reads GET /V1/customers/me with a customer token, as the next step
// of the tutorial does.
func getMe(tb testing.TB, url, token string) magento.CustomerData {
	tb.Helper()
	req, _ := http.NewRequest("GET", url+"/rest/default/V1/customers/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var d magento.CustomerData
	if resp.StatusCode != 200 {
		tb.Fatalf("GET /V1/customers/me: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestSandboxErrors(t *testing.T) {
	url := startSandbox(t, sandbox.Options{})
	c := sandboxClient(t, url, nil)
	ctx := context.Background()
	weak := tutorialJane()
	weak.Password = "short"
	_, err := c.CreateCustomer(ctx, weak)
	if mageseed.ErrorCode(err) != mageseed.EINVALID || !strings.Contains(err.Error(), "POST /V1/customers: 400: ") || strings.Contains(err.Error(), "%") {
		t.Errorf("weak password = %v, want EINVALID with Magento's message substituted", err)
	}
	if strings.Contains(err.Error(), "short") && !strings.Contains(err.Error(), "characters") {
		t.Errorf("error %q quotes the password", err)
	}
	badRegion := tutorialJane()
	badRegion.Addresses[0].Region = mageseed.Region{ID: 12} // California, not New York... but still US
	badRegion.Addresses[0].CountryID = "FR"
	_, err = c.CreateCustomer(ctx, badRegion)
	if mageseed.ErrorCode(err) != mageseed.EINVALID {
		t.Errorf("region of another country = %v, want EINVALID", err)
	}
	t.Logf("region error: %v", err)

	bad := sandboxClient(t, url, func(cfg *magento.Config) { cfg.AdminPassword = "not-the-password" })
	_, err = bad.FindCustomers(ctx, 1, []string{"a@example.com"})
	if mageseed.ErrorCode(err) != mageseed.EUNAUTHORIZED || magento.Hint(err) == "" {
		t.Errorf("wrong admin password = %v (hint %q), want EUNAUTHORIZED with a hint", err, magento.Hint(err))
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("error %q contains the password", err)
	}
	if st := bad.Stats(); st.Total() != 1 {
		t.Errorf("%d requests for a refused admin password, want 1", st.Total())
	}
}

func TestSandboxIntegrationToken(t *testing.T) {
	url := startSandbox(t, sandbox.Options{IntegrationToken: "integration-token-0123456789"})
	c := sandboxClient(t, url, func(cfg *magento.Config) {
		cfg.AdminUsername, cfg.AdminPassword = "", ""
		cfg.AdminToken = "integration-token-0123456789"
	})
	if _, err := c.CreateCustomer(context.Background(), tutorialJane()); err != nil {
		t.Fatal(err)
	}
	wrong := sandboxClient(t, url, func(cfg *magento.Config) {
		cfg.AdminUsername, cfg.AdminPassword = "", ""
		cfg.AdminToken = "not-a-token"
	})
	_, err := wrong.FindCustomers(context.Background(), 1, []string{"jdoe@example.com"})
	if mageseed.ErrorCode(err) != mageseed.EUNAUTHORIZED {
		t.Errorf("unknown admin token = %v, want EUNAUTHORIZED", err)
	}
}

// generated returns n customers with one address each.
func generated(n int, prefix string) []mageseed.Customer {
	out := make([]mageseed.Customer, n)
	for i := range out {
		c := tutorialJane()
		c.Key = fmt.Sprintf("%s-%04d", prefix, i)
		c.Email = fmt.Sprintf("%s-%04d@example.test", prefix, i)
		out[i] = c
	}
	return out
}

// TestSandboxFaults runs creates and reads against a store that fails 20%
// of requests with 503 and drops 10% of the answers after doing the work.
// Reads must succeed through retries; a create either succeeds, or fails
// with EUNAVAILABLE and is then found by email, and is never made twice.
func TestSandboxFaults(t *testing.T) {
	url := startSandbox(t, sandbox.Options{ErrorRate: 0.2, DropRate: 0.1, FaultSeed: 7})
	c := sandboxClient(t, url, func(cfg *magento.Config) { cfg.MaxRetries = 8; cfg.MaxInFlight = 4 })
	ctx := context.Background()
	customers := generated(40, "fault")
	var (
		mu      sync.Mutex
		unknown []string
	)
	var wg sync.WaitGroup
	for _, cust := range customers {
		wg.Go(func() {
			_, err := c.CreateCustomer(ctx, cust)
			switch mageseed.ErrorCode(err) {
			case "":
			case mageseed.EUNAVAILABLE:
				mu.Lock()
				unknown = append(unknown, cust.Email)
				mu.Unlock()
			default:
				t.Errorf("create %s: %v", cust.Email, err)
			}
		})
	}
	wg.Wait()
	if len(unknown) == 0 {
		t.Fatalf("no create had an unknown outcome; the faults did not bite")
	}
	// Resolve the unknown outcomes as apply does: look up, then create
	// what is missing (no faults on a second store client would be
	// cheating; the same faulty store answers).
	found, err := c.FindCustomers(ctx, 1, unknown)
	if err != nil {
		t.Fatalf("find after faults: %v", err)
	}
	have := map[string]bool{}
	for _, f := range found {
		have[strings.ToLower(f.Email)] = true
	}
	for _, cust := range customers {
		if !contains(unknown, cust.Email) || have[cust.Email] {
			continue
		}
		for attempt := 0; ; attempt++ {
			_, err := c.CreateCustomer(ctx, cust)
			if err == nil || mageseed.ErrorCode(err) == mageseed.ECONFLICT {
				break
			}
			if mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE || attempt == 20 {
				t.Fatalf("recreate %s: %v", cust.Email, err)
			}
		}
	}
	var emails []string
	for _, cust := range customers {
		emails = append(emails, cust.Email)
	}
	// Reads go through the same faults, and succeed by retrying.
	for range 10 {
		all, err := c.FindCustomers(ctx, 1, emails)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(customers) {
			t.Fatalf("the store holds %d of the %d customers", len(all), len(customers))
		}
	}
	st := c.Stats()
	if st.Unavailable == 0 || st.Retries == 0 || st.MinLimit >= st.MaxLimit {
		t.Errorf("stats %+v: want 503s, retries and a lowered limit", st)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestSandboxRateLimit creates customers against a store that answers 429
// past 20 requests a second: every create succeeds, by waiting out
// Retry-After.
func TestSandboxRateLimit(t *testing.T) {
	url := startSandbox(t, sandbox.Options{RateLimit: 20})
	c := sandboxClient(t, url, func(cfg *magento.Config) { cfg.MaxInFlight = 8; cfg.MaxRetries = 10 })
	ctx := context.Background()
	customers := generated(45, "rate")
	var wg sync.WaitGroup
	for _, cust := range customers {
		wg.Go(func() {
			if _, err := c.CreateCustomer(ctx, cust); err != nil {
				t.Errorf("create %s: %v", cust.Email, err)
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	if st.TooManyRequests == 0 {
		t.Errorf("no 429 seen; the rate limit did not bite")
	}
	if st.MinLimit >= st.MaxLimit {
		t.Errorf("limit never lowered: %+v", st)
	}
	t.Logf("stats: %+v", st)
}

func TestSandboxBulk(t *testing.T) {
	sb, url := serveSandbox(t, sandbox.Options{})
	c := sandboxClient(t, url, nil)
	ctx := context.Background()
	customers := generated(5, "bulk")
	customers[3].Password = "weak" // fails in the queue, not at once
	uuid, items, err := c.CreateCustomersBulk(ctx, customers)
	if err != nil {
		t.Fatal(err)
	}
	if uuid == "" || len(items) != 5 {
		t.Fatalf("bulk %q with %d items, want a uuid and 5 items", uuid, len(items))
	}
	if err := sb.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := c.BulkStatus(ctx, uuid)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.Pending(); n != 0 {
		t.Fatalf("%d operations pending with the sandbox's consumer idle", n)
	}
	ops := st.Results()
	for i, op := range ops {
		switch {
		case i == 3 && (op.Done || op.Err == nil):
			t.Errorf("operation 3 = %+v, want a failure for the weak password", op)
		case i != 3 && !op.Done:
			t.Errorf("operation %d = %+v, want done", i, op)
		}
	}
	if len(ops) == 5 {
		t.Logf("failed operation: %v", ops[3].Err)
		if ops[0].CustomerID == 0 {
			t.Errorf("operation 0 done without the created customer's id")
		}
	}
	var emails []string
	for _, cust := range customers {
		emails = append(emails, cust.Email)
	}
	found, err := c.FindCustomers(ctx, 1, emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 4 {
		t.Errorf("found %d bulk customers, want 4", len(found))
	}
	if _, err := c.BulkStatus(ctx, "00000000-0000-0000-0000-000000000000"); mageseed.ErrorCode(err) != mageseed.ENOTFOUND {
		t.Errorf("unknown bulk = %v, want ENOTFOUND", err)
	}
}

// BenchmarkFindCustomers reads 1,000 existing customers by email, as a plan
// does: 10 search requests of 100 emails.
func BenchmarkFindCustomers(b *testing.B) {
	url := startSandbox(b, sandbox.Options{})
	c := sandboxClient(b, url, func(cfg *magento.Config) { cfg.MaxInFlight = 8 })
	ctx := context.Background()
	customers := generated(1000, "bench")
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, cust := range customers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := c.CreateCustomer(ctx, cust); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	emails := make([]string, len(customers))
	for i, cust := range customers {
		emails[i] = cust.Email
	}
	before := c.Stats().Total()
	b.ResetTimer()
	for b.Loop() {
		found, err := c.FindCustomers(ctx, 1, emails)
		if err != nil {
			b.Fatal(err)
		}
		if len(found) != len(customers) {
			b.Fatalf("found %d, want %d", len(found), len(customers))
		}
	}
	b.ReportMetric(float64(c.Stats().Total()-before)/float64(b.N), "requests/op")
}

// TestNoGoroutineLeak runs a concurrent lookup and creates with retries,
// then checks that the client leaves no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sb, err := sandbox.New(sandbox.Options{ErrorRate: 0.3, FaultSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	c := sandboxClient(t, srv.URL, func(cfg *magento.Config) { cfg.MaxRetries = 10 })
	ctx := context.Background()
	customers := generated(20, "leak")
	var wg sync.WaitGroup
	for _, cust := range customers {
		wg.Go(func() { _, _ = c.CreateCustomer(ctx, cust) })
	}
	wg.Wait()
	emails := make([]string, 0, 250)
	for i := range 250 {
		emails = append(emails, fmt.Sprintf("leak-%04d@example.test", i))
	}
	if _, err := c.FindCustomers(ctx, 1, emails); err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	srv.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
}
