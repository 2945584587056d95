package apply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed"
)

// confirmStore is a memStore that answers GET /V1/customers/:id/confirm
// from status, by customer id, and counts the questions by id.
type confirmStore struct {
	*memStore
	status map[int]string
	asked  map[int]int
	err    error
}

func (s *confirmStore) ConfirmationStatus(ctx context.Context, id int) (string, error) {
	s.asked[id]++
	if s.err != nil {
		return "", s.err
	}
	return s.status[id], nil
}

// TestReadConfirmationStatus checks that Read asks the store about the
// customers whose search answer holds a confirmation key, and only them,
// and keeps the key only when the store says the account awaits
// confirmation (Magento\Customer\Model\AccountManagement::getConfirmationStatus:
// a store that stopped requiring confirmation answers
// "account_confirmation_not_required" whatever the key).
func TestReadConfirmationStatus(t *testing.T) {
	ctx := context.Background()
	m := newMemStore()
	var ids []int
	for _, email := range []string{"plain@example.test", "pending@example.test", "stale@example.test"} {
		c, err := m.CreateCustomer(ctx, mageseed.Customer{Email: email, Firstname: "A", Lastname: "B", WebsiteID: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	m.customers[ids[1]].Confirmation = "key1"
	m.customers[ids[2]].Confirmation = "key2"
	s := &confirmStore{memStore: m, asked: map[int]int{}, status: map[int]string{
		ids[1]: "account_confirmation_required",
		ids[2]: "account_confirmation_not_required",
	}}
	desired := []mageseed.Customer{
		{Key: "plain", Email: "plain@example.test", WebsiteID: 1},
		{Key: "pending", Email: "pending@example.test", WebsiteID: 1},
		{Key: "stale", Email: "stale@example.test", WebsiteID: 1},
	}
	got, err := Read(ctx, s, desired)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, c := range got {
		keys[c.Email] = c.Confirmation
	}
	want := map[string]string{"plain@example.test": "", "pending@example.test": "key1", "stale@example.test": ""}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("confirmation keys after Read (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{ids[1]: 1, ids[2]: 1}, s.asked); diff != "" {
		t.Errorf("confirmation status questions by id (-want +got):\n%s", diff)
	}

	// A store that cannot answer fails the read, naming the customer.
	s.err = mageseed.Errorf(mageseed.EUNAVAILABLE, "boom")
	_, err = Read(ctx, s, desired)
	if err == nil || mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE || !errors.Is(err, s.err) {
		t.Fatalf("Read with a failing status = %v, want the EUNAVAILABLE error", err)
	}
	if want := "read the confirmation status of customer pending@example.test"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}

	// A store without confirmation keys costs no question.
	plain := &confirmStore{memStore: newMemStore(), asked: map[int]int{}}
	if _, err := plain.CreateCustomer(ctx, mageseed.Customer{Email: "plain@example.test", Firstname: "A", Lastname: "B", WebsiteID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(ctx, plain, desired[:1]); err != nil {
		t.Fatal(err)
	}
	if len(plain.asked) != 0 {
		t.Errorf("asked about %v on a store without confirmation keys", plain.asked)
	}
}
