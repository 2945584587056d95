package customer

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed/sandbox/internal/db"
)

// TestConcurrentWrongPasswordsLock sends ten wrong passwords at once: each
// is counted in the write transaction that reads the counter, so the tenth
// locks the account (Magento\Customer\Model\Authentication::
// processAuthenticationFailure, customer/password/lockout_failures 10) and
// the right password is then refused.
func TestConcurrentWrongPasswordsLock(t *testing.T) {
	d, err := db.Open("", Schema)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	m := &Module{db: d, now: func() time.Time { return now }}
	ctx := context.Background()
	err = d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO customer_entity (website_id, email, group_id, store_id, created_at, updated_at, password_hash)
			VALUES (1, 'lock@example.com', 1, 1, '2026-03-14 09:00:00', '2026-03-14 09:00:00', ?)`, hashPassword("Password1"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range customerLockFailures {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok, err := m.Authenticate(ctx, "lock@example.com", "wrong", 1); ok || err != nil {
				t.Errorf("wrong password: ok %v, err %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if _, ok, err := m.Authenticate(ctx, "lock@example.com", "Password1", 1); ok || err != nil {
		t.Errorf("after %d concurrent wrong passwords the right one: ok %v, err %v; want the account locked", customerLockFailures, ok, err)
	}
}
