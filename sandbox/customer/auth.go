package customer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// Sign-in lockout of customer accounts, Magento's defaults.
const (
	customerLockFailures  = 10               // customer/password/lockout_failures
	customerLockThreshold = 10 * time.Minute // customer/password/lockout_threshold
)

// Authenticate checks a customer's email and password in a website
// (0 scans every website, as does global account sharing), with the
// customer-entity lock: 10 failures within 10 minutes lock the account for
// 10 minutes
// (Magento\Customer\Model\Authentication::processAuthenticationFailure).
// A failure is counted in a write transaction that reads the counter it
// increments, so concurrent wrong passwords each count: ten of them lock
// the account, whatever their interleaving. A right password on an
// account without failures needs no write. An account with a pending
// confirmation, on a store that requires one, is refused after its
// password checks out with the 401 "This account isn't confirmed. Verify
// and try again." (Magento\Customer\Model\AccountManagement\Authenticate::execute),
// as err.
func (m *Module) Authenticate(ctx context.Context, email, pass string, websiteID int) (int64, bool, error) {
	websiteID = m.lookupWebsite(websiteID)
	q := `SELECT entity_id, coalesce(password_hash, ''), failures_num, coalesce(first_failure, ''), coalesce(lock_expires, ''),
		coalesce(confirmation, '') FROM customer_entity WHERE email = ? AND website_id = ?`
	args := []any{email, websiteID}
	if websiteID == 0 {
		q = `SELECT entity_id, coalesce(password_hash, ''), failures_num, coalesce(first_failure, ''), coalesce(lock_expires, ''),
		coalesce(confirmation, '') FROM customer_entity WHERE email = ? ORDER BY website_id LIMIT 1`
		args = args[:1]
	}
	var (
		id                   int64
		ok                   bool
		hash, first, expires string
		confirmation         string
		failures             int
	)
	err := m.db.R.QueryRowContext(ctx, q, args...).Scan(&id, &hash, &failures, &first, &expires, &confirmation)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if failures == 0 && first == "" && expires == "" && checkPassword(hash, pass) {
		return m.confirmed(id, confirmation)
	}
	err = m.db.Write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, q, args...).Scan(&id, &hash, &failures, &first, &expires, &confirmation)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		now := m.now()
		if expires != "" && expires > db.FormatTime(now) {
			return nil
		}
		if !checkPassword(hash, pass) {
			n := failures + 1
			firstFailure := first
			lock := any(nil)
			if n == 1 || first == "" || first < db.FormatTime(now.Add(-customerLockThreshold)) {
				n, firstFailure = 1, db.FormatTime(now)
			} else if n >= customerLockFailures {
				lock = db.FormatTime(now.Add(customerLockThreshold))
			}
			_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET failures_num = ?, first_failure = ?, lock_expires = ? WHERE entity_id = ?`,
				n, firstFailure, lock, id)
			return err
		}
		ok = true
		if failures != 0 || first != "" || expires != "" {
			_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET failures_num = 0, first_failure = NULL, lock_expires = NULL WHERE entity_id = ?`, id)
			return err
		}
		return nil
	})
	if err != nil || !ok {
		return 0, false, err
	}
	return m.confirmed(id, confirmation)
}

// confirmed passes a customer whose password checked out, unless the
// account waits for its confirmation on a store that requires one.
func (m *Module) confirmed(id int64, confirmation string) (int64, bool, error) {
	if confirmation != "" && m.confirmRequired() {
		return 0, false, webapi.NewError(http.StatusUnauthorized, msgNotConfirmed, nil)
	}
	return id, true, nil
}

// hashPassword returns Magento's legacy salted SHA-256 form
// "hash:salt:1", cheap enough not to dominate a create.
func hashPassword(pass string) string {
	saltBytes := make([]byte, 16)
	rand.Read(saltBytes)
	salt := hex.EncodeToString(saltBytes)
	sum := sha256.Sum256([]byte(salt + pass))
	return hex.EncodeToString(sum[:]) + ":" + salt + ":1"
}

// checkPassword reports whether pass matches a hash of hashPassword's form.
func checkPassword(hash, pass string) bool {
	parts := strings.Split(hash, ":")
	if len(parts) != 3 || parts[2] != "1" {
		return false
	}
	sum := sha256.Sum256([]byte(parts[1] + pass))
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(parts[0])) == 1
}
