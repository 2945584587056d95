package async

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// heldAccounts is an Accounts whose queued creates each report that they
// started and then wait to be released.
type heldAccounts struct {
	started chan struct{}
	release chan struct{}
}

func (heldAccounts) PrepareCreate(webapi.Identity, any) (bool, string, *webapi.Error, error) {
	return false, "", nil, nil
}

func (a heldAccounts) CreateQueued(ctx context.Context, _ webapi.Store, _ []byte, _ string, _ *webapi.Error) (any, error) {
	a.started <- struct{}{}
	select {
	case <-a.release:
		return map[string]any{"id": 1}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type oneStore struct{}

func (oneStore) Store(id int) (webapi.Store, bool)       { return webapi.Store{ID: id}, true }
func (oneStore) StoreByCode(string) (webapi.Store, bool) { return webapi.Store{ID: 1}, true }

// queue stores a bulk of n open operations, as schedule does.
func queue(t *testing.T, d *db.DB, uuid string, n int) {
	t.Helper()
	err := d.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO magento_bulk (uuid, operation_count, start_time) VALUES (?, ?, ?)`, uuid, n, "2026-03-14 09:26:53"); err != nil {
			return err
		}
		for i := range n {
			if _, err := tx.Exec(`INSERT INTO magento_operation (operation_key, bulk_uuid, topic_name, status, store_id, payload)
				VALUES (?, ?, ?, ?, 1, '{"customer":{}}')`, i, uuid, topicCreateAccount, magento.OperationOpen); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func openCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.R.QueryRow(`SELECT count(*) FROM magento_operation WHERE status = ?`, magento.OperationOpen).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWaitIdleWaitsForTheConsumer holds the consumer inside each operation
// and checks that it is not idle then, nor once a bulk is queued, and that
// WaitIdle returns once every operation has run.
func TestWaitIdleWaitsForTheConsumer(t *testing.T) {
	d, err := db.Open("", Schema)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acc := heldAccounts{started: make(chan struct{}), release: make(chan struct{})}
	queue(t, d, "left-open", 1) // left open by an earlier run
	s := Start(d, oneStore{}, acc, func() time.Time { return time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC) })
	defer s.Close()
	idle := func() bool {
		s.consumer.mu.Lock()
		defer s.consumer.mu.Unlock()
		select {
		case <-s.consumer.idle:
			return true
		default:
			return false
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	<-acc.started
	if idle() {
		t.Fatal("idle while running an operation left open by an earlier run")
	}
	acc.release <- struct{}{}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := openCount(t, d); n != 0 || !idle() {
		t.Fatalf("after WaitIdle: %d operations open, idle %v; want 0, true", n, idle())
	}

	queue(t, d, "queued", 2)
	s.consumer.wake() // as schedule does once the bulk is stored
	if idle() {
		t.Fatal("idle with a bulk just queued")
	}
	<-acc.started
	waited := make(chan error, 1)
	go func() { waited <- s.WaitIdle(ctx) }()
	acc.release <- struct{}{}
	<-acc.started
	if idle() {
		t.Fatal("idle with the bulk's second operation running")
	}
	acc.release <- struct{}{}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if n := openCount(t, d); n != 0 {
		t.Errorf("WaitIdle returned with %d operations open", n)
	}
}
