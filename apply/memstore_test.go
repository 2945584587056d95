package apply

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/directory"
)

// memStore is an in-memory store that implements Remote the way Magento
// behaves for the customer API: unique (email, website), ids assigned on
// create, store defaults filled (group 1, the website's store), an update
// that deletes the addresses it leaves out, tokens checked against the
// password. Tests inject faults through the fault hook and count calls and
// concurrency.
type memStore struct {
	// latency is slept in every call, outside the lock: the store's service
	// time, so that calls overlap (the parallelism and cancel tests) and
	// benchmarks see a realistic store. No test asserts on how long
	// anything takes; tests that count overlaps run in a synctest bubble,
	// where the sleep passes on the fake clock.
	latency time.Duration

	// fault, if set, is consulted at the start of every call with the
	// operation ("websites", "regions", "find", "create", "update",
	// "delete", "token") and the customer's email ("" when none). A non-nil
	// err fails the call before it does anything; drop does the work and
	// then answers EUNAVAILABLE, as a connection dropped before the answer.
	fault func(op, email string) (err error, drop bool)

	// jwt makes tokens JWTs whose exp is one hour after issue (issued at
	// tokenTime).
	jwt       bool
	tokenTime time.Time

	mu          sync.Mutex
	nextID      int
	nextAddrID  int
	customers   map[int]*mageseed.Customer
	byIdentity  map[identity]int
	passwords   map[int]string
	websites    []mageseed.Website
	regions     map[string][]directory.Region
	calls       map[string]int
	inflight    int
	maxInflight int
}

var _ Remote = (*memStore)(nil)

func newMemStore() *memStore {
	us, _ := directory.Lookup("US")
	return &memStore{
		customers:  make(map[int]*mageseed.Customer),
		byIdentity: make(map[identity]int),
		passwords:  make(map[int]string),
		websites: []mageseed.Website{
			{ID: 0, Code: "admin", Name: "Admin"},
			{ID: 1, Code: "base", Name: "Main Website", DefaultGroupID: 1},
			{ID: 2, Code: "b2b", Name: "B2B", DefaultGroupID: 2},
		},
		regions: map[string][]directory.Region{"US": us.Regions},
		calls:   make(map[string]int),
	}
}

// enter counts the call and its concurrency, sleeps the latency and
// consults the fault hook. The caller must call leave.
func (m *memStore) enter(ctx context.Context, op, email string) (drop bool, err error) {
	m.mu.Lock()
	m.calls[op]++
	m.inflight++
	m.maxInflight = max(m.maxInflight, m.inflight)
	fault := m.fault
	m.mu.Unlock()
	if m.latency > 0 {
		time.Sleep(m.latency)
	}
	if err := ctx.Err(); err != nil {
		return false, mageseed.Errorf(mageseed.EUNAVAILABLE, "%s: %v", op, err)
	}
	if fault != nil {
		ferr, drop := fault(op, email)
		if ferr != nil {
			return false, ferr
		}
		return drop, nil
	}
	return false, nil
}

func (m *memStore) leave() {
	m.mu.Lock()
	m.inflight--
	m.mu.Unlock()
}

func dropped(op string) error {
	return mageseed.Errorf(mageseed.EUNAVAILABLE, "%s: connection closed before the answer", op)
}

func (m *memStore) count(op string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[op]
}

func (m *memStore) writes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls["create"] + m.calls["update"] + m.calls["delete"]
}

func (m *memStore) Websites(ctx context.Context) ([]mageseed.Website, error) {
	drop, err := m.enter(ctx, "websites", "")
	defer m.leave()
	if err != nil {
		return nil, err
	}
	if drop {
		return nil, dropped("websites")
	}
	return slices.Clone(m.websites), nil
}

func (m *memStore) Regions(ctx context.Context, countryID string) ([]directory.Region, error) {
	drop, err := m.enter(ctx, "regions", "")
	defer m.leave()
	if err != nil {
		return nil, err
	}
	if drop {
		return nil, dropped("regions")
	}
	if _, ok := directory.Lookup(countryID); !ok {
		return nil, mageseed.Errorf(mageseed.ENOTFOUND, "Requested country is not available.")
	}
	return slices.Clone(m.regions[countryID]), nil
}

func (m *memStore) FindCustomers(ctx context.Context, websiteID int, emails []string) ([]mageseed.Customer, error) {
	drop, err := m.enter(ctx, "find", strings.Join(emails, ","))
	defer m.leave()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	var out []mageseed.Customer
	for _, e := range emails {
		if id, ok := m.byIdentity[identity{strings.ToLower(e), websiteID}]; ok {
			out = append(out, cloneCustomer(m.customers[id]))
		}
	}
	m.mu.Unlock()
	if drop {
		return nil, dropped("find")
	}
	return out, nil
}

func (m *memStore) CreateCustomer(ctx context.Context, c mageseed.Customer) (mageseed.Customer, error) {
	drop, err := m.enter(ctx, "create", c.Email)
	defer m.leave()
	if err != nil {
		return mageseed.Customer{}, err
	}
	m.mu.Lock()
	got, err := m.create(c)
	m.mu.Unlock()
	if err != nil {
		return mageseed.Customer{}, err
	}
	if drop {
		return mageseed.Customer{}, dropped("create")
	}
	return got, nil
}

// create stores c; m.mu is held.
func (m *memStore) create(c mageseed.Customer) (mageseed.Customer, error) {
	if c.Email == "" || c.Firstname == "" || c.Lastname == "" {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "email, firstname and lastname are required")
	}
	if c.ID != 0 {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "create with an id")
	}
	if c.WebsiteID == 0 {
		c.WebsiteID = 1
	}
	id := identity{strings.ToLower(c.Email), c.WebsiteID}
	if _, ok := m.byIdentity[id]; ok {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.ECONFLICT, "A customer with the same email address already exists in an associated website.")
	}
	if err := m.checkAddresses(c.Addresses); err != nil {
		return mageseed.Customer{}, err
	}
	m.nextID++
	s := cloneCustomer(&c)
	s.ID = m.nextID
	s.Key = ""
	s.Password = ""
	s.Token = false
	if s.GroupID == nil {
		s.GroupID = mageseed.Int(1)
	}
	if s.StoreID == nil {
		s.StoreID = mageseed.Int(s.WebsiteID)
	}
	s.DefaultBilling, s.DefaultShipping = 0, 0
	for i := range s.Addresses {
		s.Addresses[i].ID = 0 // Magento ignores address ids on create
	}
	m.saveAddresses(&s, nil)
	m.customers[s.ID] = &s
	m.byIdentity[id] = s.ID
	m.passwords[s.ID] = c.Password
	return cloneCustomer(&s), nil
}

// checkAddresses rejects addresses as Magento would: required fields, and a
// US address needs a region id from the directory.
func (m *memStore) checkAddresses(as []mageseed.Address) error {
	for _, a := range as {
		if a.Firstname == "" || a.Lastname == "" || len(a.Street) == 0 || a.City == "" || a.CountryID == "" {
			return mageseed.Errorf(mageseed.EINVALID, "One or more input exceptions have occurred.")
		}
		if a.CountryID == "US" {
			if _, ok := (directory.Country{Regions: m.regions["US"]}).RegionByID(a.Region.ID); !ok {
				return mageseed.Errorf(mageseed.EINVALID, "Invalid value of \"%d\" provided for the regionId field.", a.Region.ID)
			}
		}
	}
	return nil
}

// saveAddresses assigns ids to new addresses of s (keeping those whose id
// is in old) and sets the customer's defaults from the address flags;
// m.mu is held.
func (m *memStore) saveAddresses(s *mageseed.Customer, old map[int]bool) {
	for i := range s.Addresses {
		a := &s.Addresses[i]
		a.Key = ""
		if a.ID == 0 || !old[a.ID] {
			m.nextAddrID++
			a.ID = m.nextAddrID
		}
		if a.Region.ID != 0 {
			if r, ok := (directory.Country{Regions: m.regions[a.CountryID]}).RegionByID(a.Region.ID); ok {
				a.Region = mageseed.Region(r)
			}
		}
		if a.DefaultBilling {
			s.DefaultBilling = a.ID
		}
		if a.DefaultShipping {
			s.DefaultShipping = a.ID
		}
	}
	// The store keeps defaults as customer ids; addresses carry flags that
	// agree with them.
	for i := range s.Addresses {
		a := &s.Addresses[i]
		a.DefaultBilling = a.ID == s.DefaultBilling
		a.DefaultShipping = a.ID == s.DefaultShipping
	}
	ids := make(map[int]bool, len(s.Addresses))
	for _, a := range s.Addresses {
		ids[a.ID] = true
	}
	if !ids[s.DefaultBilling] {
		s.DefaultBilling = 0
	}
	if !ids[s.DefaultShipping] {
		s.DefaultShipping = 0
	}
}

func (m *memStore) UpdateCustomer(ctx context.Context, c mageseed.Customer) (mageseed.Customer, error) {
	drop, err := m.enter(ctx, "update", c.Email)
	defer m.leave()
	if err != nil {
		return mageseed.Customer{}, err
	}
	m.mu.Lock()
	got, err := m.update(c)
	m.mu.Unlock()
	if err != nil {
		return mageseed.Customer{}, err
	}
	if drop {
		return mageseed.Customer{}, dropped("update")
	}
	return got, nil
}

// update replaces the stored customer c.ID; m.mu is held.
func (m *memStore) update(c mageseed.Customer) (mageseed.Customer, error) {
	prev, ok := m.customers[c.ID]
	if !ok {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.ENOTFOUND, "No such entity with customerId = %d", c.ID)
	}
	if c.Password != "" {
		return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "update: a password is not part of a customer")
	}
	if err := m.checkAddresses(c.Addresses); err != nil {
		return mageseed.Customer{}, err
	}
	old := make(map[int]bool, len(prev.Addresses))
	for _, a := range prev.Addresses {
		old[a.ID] = true
	}
	for _, a := range c.Addresses {
		if a.ID != 0 && !old[a.ID] {
			return mageseed.Customer{}, mageseed.Errorf(mageseed.ENOTFOUND, "No such entity with addressId = %d", a.ID)
		}
	}
	for _, id := range []int{c.DefaultBilling, c.DefaultShipping} {
		if id != 0 && !old[id] {
			return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "The default_billing value is invalid. Set the correct value and try again.")
		}
	}
	s := cloneCustomer(&c)
	s.Key = ""
	s.Token = false
	if s.WebsiteID == 0 {
		s.WebsiteID = prev.WebsiteID
	}
	if s.GroupID == nil {
		s.GroupID = prev.GroupID
	}
	if s.StoreID == nil {
		s.StoreID = prev.StoreID
	}
	newID := identity{strings.ToLower(s.Email), s.WebsiteID}
	oldID := identity{strings.ToLower(prev.Email), prev.WebsiteID}
	if newID != oldID {
		if _, taken := m.byIdentity[newID]; taken {
			return mageseed.Customer{}, mageseed.Errorf(mageseed.ECONFLICT, "A customer with the same email address already exists in an associated website.")
		}
		delete(m.byIdentity, oldID)
		m.byIdentity[newID] = s.ID
	}
	m.saveAddresses(&s, old)
	m.customers[s.ID] = &s
	return cloneCustomer(&s), nil
}

func (m *memStore) DeleteCustomer(ctx context.Context, id int) error {
	drop, err := m.enter(ctx, "delete", "")
	defer m.leave()
	if err != nil {
		return err
	}
	m.mu.Lock()
	c, ok := m.customers[id]
	if ok {
		delete(m.customers, id)
		delete(m.byIdentity, identityOf(c))
		delete(m.passwords, id)
	}
	m.mu.Unlock()
	if !ok {
		return mageseed.Errorf(mageseed.ENOTFOUND, "No such entity with customerId = %d", id)
	}
	if drop {
		return dropped("delete")
	}
	return nil
}

func (m *memStore) CustomerToken(ctx context.Context, websiteID int, email, password string) (string, error) {
	drop, err := m.enter(ctx, "token", email)
	defer m.leave()
	if err != nil {
		return "", err
	}
	// The token endpoint looks the email up in the website it is asked
	// through (0: any website, for callers that do not say).
	m.mu.Lock()
	id, good := 0, false
	for _, w := range m.websites {
		if websiteID > 0 && w.ID != websiteID {
			continue
		}
		if cid, ok := m.byIdentity[identity{strings.ToLower(email), w.ID}]; ok && m.passwords[cid] == password {
			id, good = cid, true
			break
		}
	}
	m.mu.Unlock()
	if !good {
		return "", mageseed.Errorf(mageseed.EUNAUTHORIZED, "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.")
	}
	if drop {
		return "", dropped("token")
	}
	if m.jwt {
		enc := base64.RawURLEncoding
		hdr := enc.EncodeToString([]byte(`{"kid":"1","alg":"HS256"}`))
		body := enc.EncodeToString(fmt.Appendf(nil, `{"uid":%d,"utypid":3,"iat":%d,"exp":%d}`, id, m.tokenTime.Unix(), m.tokenTime.Add(time.Hour).Unix()))
		return hdr + "." + body + ".c2lnbmF0dXJl", nil
	}
	return fmt.Sprintf("tok%029d", id), nil
}

// put stores c directly (a customer made by other means), returning it
// with ids.
func (m *memStore) put(c mageseed.Customer) mageseed.Customer {
	m.mu.Lock()
	defer m.mu.Unlock()
	got, err := m.create(c)
	if err != nil {
		panic(err)
	}
	return got
}

// all returns every stored customer, ordered by id.
func (m *memStore) all() []mageseed.Customer {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]mageseed.Customer, 0, len(m.customers))
	for _, c := range m.customers {
		out = append(out, cloneCustomer(c))
	}
	slices.SortFunc(out, func(a, b mageseed.Customer) int { return a.ID - b.ID })
	return out
}

func cloneCustomer(c *mageseed.Customer) mageseed.Customer {
	d := *c
	d.Addresses = slices.Clone(c.Addresses)
	for i := range d.Addresses {
		d.Addresses[i].Street = slices.Clone(d.Addresses[i].Street)
	}
	return d
}
