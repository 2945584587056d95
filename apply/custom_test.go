package apply

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// customMem is a memStore with customer groups and, when confirm is set,
// Magento's email confirmation: a new account gets a confirmation key, a
// sign-in is refused until the account is activated with it
// (Magento\Customer\Model\AccountManagement::activate).
type customMem struct {
	*memStore
	groups    []mageseed.Group
	confirm   bool
	activated int
}

var (
	_ GroupRemote    = (*customMem)(nil)
	_ ActivateRemote = (*customMem)(nil)
)

func newCustomMem() *customMem {
	return &customMem{memStore: newMemStore(), groups: []mageseed.Group{
		{ID: 0, Code: "NOT LOGGED IN", TaxClassID: 3}, {ID: 1, Code: "General", TaxClassID: 3},
	}}
}

func (m *customMem) Groups(ctx context.Context) ([]mageseed.Group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["groups"]++
	return append([]mageseed.Group(nil), m.groups...), nil
}

func (m *customMem) CreateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["createGroup"]++
	for _, o := range m.groups {
		if strings.EqualFold(o.Code, g.Code) {
			return mageseed.Group{}, mageseed.Errorf(mageseed.ECONFLICT, "Customer Group already exists.")
		}
	}
	if g.TaxClassID == 0 {
		g.TaxClassID = 3
	}
	g.ID = len(m.groups) + 3
	m.groups = append(m.groups, mageseed.Group{ID: g.ID, Code: g.Code, TaxClassID: g.TaxClassID})
	return g, nil
}

func (m *customMem) UpdateGroup(ctx context.Context, g mageseed.Group) (mageseed.Group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["updateGroup"]++
	for i := range m.groups {
		if m.groups[i].ID == g.ID {
			m.groups[i].Code, m.groups[i].TaxClassID = g.Code, g.TaxClassID
			return g, nil
		}
	}
	return mageseed.Group{}, mageseed.Errorf(mageseed.ENOTFOUND, "No such entity with id = %d", g.ID)
}

func (m *customMem) CreateCustomer(ctx context.Context, c mageseed.Customer) (mageseed.Customer, error) {
	got, err := m.memStore.CreateCustomer(ctx, c)
	if err != nil || !m.confirm {
		return got, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := fmt.Sprintf("%032x", got.ID)
	m.customers[got.ID].Confirmation = key
	got.Confirmation = key
	return got, nil
}

func (m *customMem) CustomerToken(ctx context.Context, websiteID int, email, password string) (string, error) {
	m.mu.Lock()
	for _, c := range m.customers {
		if strings.EqualFold(c.Email, email) && c.Confirmation != "" {
			m.calls["token"]++
			m.mu.Unlock()
			return "", mageseed.Errorf(mageseed.EUNAUTHORIZED, "This account isn't confirmed. Verify and try again.")
		}
	}
	m.mu.Unlock()
	return m.memStore.CustomerToken(ctx, websiteID, email, password)
}

func (m *customMem) ActivateCustomer(ctx context.Context, cu mageseed.Customer, key string) (mageseed.Customer, error) {
	email := cu.Email
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.customers {
		if strings.EqualFold(c.Email, email) {
			switch {
			case c.Confirmation == "":
				return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "The account is already active.")
			case c.Confirmation != key:
				return mageseed.Customer{}, mageseed.Errorf(mageseed.EINVALID, "The confirmation token is invalid. Verify the token and try again.")
			}
			c.Confirmation = ""
			m.activated++
			return cloneCustomer(c), nil
		}
	}
	return mageseed.Customer{}, mageseed.Errorf(mageseed.ENOTFOUND, "No such entity with email = %s", email)
}

// planFor plans desired against m as mageseed plan does: groups named,
// group changes first.
func planFor(t *testing.T, m *customMem, declared []mageseed.Group, desired []mageseed.Customer) *Plan {
	t.Helper()
	ctx := context.Background()
	res, err := Resolve(ctx, m, desired, "")
	if err != nil {
		t.Fatal(err)
	}
	remote, err := Read(ctx, m, res)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := m.Groups(ctx)
	NameGroups(remote, groups)
	p := Diff(res, remote)
	p.Groups = DiffGroups(declared, groups)
	p.StoreGroups = groups
	return p
}

// TestGroupsByCode shows a declared group created before the customer that
// names it, the customer created in it, and a second plan without changes.
func TestGroupsByCode(t *testing.T) {
	m := newCustomMem()
	declared := []mageseed.Group{{Key: "vip", Code: "VIP", TaxClassID: 3}}
	desired := []mageseed.Customer{{Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", Group: "vip"}}
	p := planFor(t, m, declared, desired)
	if len(p.Groups) != 1 || p.Groups[0].Action != Create {
		t.Fatalf("group changes %+v, want one create", p.Groups)
	}
	res, err := Apply(context.Background(), m, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 1 || res.Groups[0].ID == 0 || res.Groups[0].Key != "vip" {
		t.Fatalf("result groups %+v, want vip with its id", res.Groups)
	}
	got := m.all()[0]
	if got.GroupID == nil || *got.GroupID != res.Groups[0].ID {
		t.Errorf("customer in group %v, want %d", got.GroupID, res.Groups[0].ID)
	}
	if p2 := planFor(t, m, declared, desired); p2.HasChanges() {
		t.Errorf("second plan has changes: %+v %+v", p2.Groups, p2.Changes)
	}
	declared[0].TaxClassID = 5
	p3 := planFor(t, m, declared, desired)
	if p3.Groups[0].Action != Update || p3.Changes[0].Action != NoOp {
		t.Errorf("a changed tax class: group %v, customer %v; want update, no-op", p3.Groups[0].Action, p3.Changes[0].Action)
	}
}

// TestCustomAttributesOwnership shows that only the declared attribute
// codes are compared, and that an update sends the customer's full stored
// set merged with the declared values: a store resets what an update leaves
// out, and the undeclared value survives.
func TestCustomAttributesOwnership(t *testing.T) {
	m := newCustomMem()
	m.put(mageseed.Customer{Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe", WebsiteID: 1,
		CustomAttributes: map[string]mageseed.AttributeValue{"loyalty_number": {Value: "L-1"}, "preferred_channel": {Value: "4"}}})
	desired := []mageseed.Customer{{Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe",
		CustomAttributes: map[string]mageseed.AttributeValue{"preferred_channel": {Value: "5"}}}}
	p := planFor(t, m, nil, desired)
	want := []FieldChange{{Path: "customAttributes.preferred_channel", Old: "4", New: "5", Action: Update}}
	if diff := cmp.Diff(want, p.Changes[0].Fields); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if _, err := Apply(context.Background(), m, p, Options{}); err != nil {
		t.Fatal(err)
	}
	got := m.all()[0].CustomAttributes
	if diff := cmp.Diff(map[string]mageseed.AttributeValue{"loyalty_number": {Value: "L-1"}, "preferred_channel": {Value: "5"}}, got); diff != "" {
		t.Errorf("stored attributes (-want +got):\n%s", diff)
	}
	if p2 := planFor(t, m, nil, desired); p2.HasChanges() {
		t.Errorf("second plan: %+v", p2.Changes[0].Fields)
	}
}

// TestConfirmation shows a store that requires email confirmation: with
// confirm the account is activated and then gets its token; without it the
// report says so and no sign-in is spent.
func TestConfirmation(t *testing.T) {
	for _, confirm := range []bool{true, false} {
		t.Run(fmt.Sprint("confirm=", confirm), func(t *testing.T) {
			m := newCustomMem()
			m.confirm = true
			desired := []mageseed.Customer{{Key: "jane", Email: "jdoe@example.com", Firstname: "Jane", Lastname: "Doe",
				Password: "Password1", Token: true, Confirm: confirm}}
			res, err := Apply(context.Background(), m, planFor(t, m, nil, desired), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if confirm {
				if res.Tokens != 1 || res.Activated != 1 || m.activated != 1 || len(res.Warnings) != 0 {
					t.Errorf("tokens %d, activated %d/%d, warnings %q; want 1, 1/1, none", res.Tokens, res.Activated, m.activated, res.Warnings)
				}
				if p := planFor(t, m, nil, desired); p.HasChanges() {
					t.Errorf("plan after activation: %+v", p.Changes[0].Fields)
				}
				return
			}
			want := []string{"jane: the store requires email confirmation; token not minted (set confirm: true)"}
			if diff := cmp.Diff(want, res.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if n := m.count("token"); n != 0 || res.Tokens != 0 {
				t.Errorf("%d sign-ins, %d tokens; want none", n, res.Tokens)
			}
			desired[0].Confirm = true
			p := planFor(t, m, nil, desired)
			want2 := []FieldChange{{Path: "confirmation", Old: "awaiting email confirmation", New: "activated", Action: Update}}
			if diff := cmp.Diff(want2, p.Changes[0].Fields); diff != "" {
				t.Errorf("plan with confirm for a pending account (-want +got):\n%s", diff)
			}
		})
	}
}
