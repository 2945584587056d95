package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"net/http"
	"strings"
	"sync"
	"time"
)

// User types, as Magento's UserContextInterface numbers them.
const (
	userGuest        = 0
	userIntegration  = 1
	userAdmin        = 2
	userCustomer     = 3
	userGuestMagento = 4 // what Magento reports for a guest in bulk records
)

// adminUserID is the id of the sandbox's one admin user.
const adminUserID = 1

// identity is who a request runs as. A missing, malformed, unknown,
// expired or revoked token makes a guest.
type identity struct {
	typ int
	uid int64
}

// allowed reports whether the identity may use a route with the given ACL
// resource.
func (id identity) allowed(acl string) bool {
	switch acl {
	case aclAnonymous:
		return true
	case aclSelf:
		return id.typ == userCustomer
	}
	return id.isAdmin()
}

func (id identity) isAdmin() bool { return id.typ == userAdmin || id.typ == userIntegration }

// Throttle and lock settings, Magento's defaults.
const (
	maxTokenFailures      = 6                // oauth/authentication_lock/max_failures_count
	tokenLockTimeout      = 30 * time.Minute // oauth/authentication_lock/timeout
	customerLockFailures  = 10               // customer/password/lockout_failures
	customerLockThreshold = 10 * time.Minute // customer/password/lockout_threshold
)

// authenticator issues and reads tokens. Tokens are JWTs signed with HS256
// and a key the sandbox keeps in its database, so they survive a restart
// on the same database.
type authenticator struct {
	db   *db.DB
	opts Options
	key  []byte

	mu      sync.RWMutex
	revoked map[[2]int64]int64 // (user type, user id) -> revoke_before (unix seconds)
}

func newAuthenticator(ctx context.Context, d *db.DB, opts Options) (*authenticator, error) {
	a := &authenticator{db: d, opts: opts, revoked: map[[2]int64]int64{}}
	err := d.Write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM sandbox_meta WHERE name = 'jwt_key'`).Scan(&a.key)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		a.key = make([]byte, 32)
		rand.Read(a.key)
		_, err = tx.ExecContext(ctx, `INSERT INTO sandbox_meta (name, value) VALUES ('jwt_key', ?)`, a.key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	rows, err := d.R.QueryContext(ctx, `SELECT user_type_id, user_id, revoke_before FROM jwt_auth_revoked`)
	if err != nil {
		return nil, fmt.Errorf("load token revocations: %w", err)
	}
	for rows.Next() {
		var t, u, before int64
		if err := rows.Scan(&t, &u, &before); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load token revocations: %w", err)
		}
		a.revoked[[2]int64{t, u}] = before
	}
	if err := db.CloseRows(rows); err != nil {
		return nil, fmt.Errorf("load token revocations: %w", err)
	}
	return a, nil
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"1","alg":"HS256"}`))

type claims struct {
	UID    int64 `json:"uid"`
	UTypID int   `json:"utypid"`
	IAT    int64 `json:"iat"`
	EXP    int64 `json:"exp"`
}

// issue returns a signed token for the user.
func (a *authenticator) issue(typ int, uid int64) string {
	now := a.opts.Now()
	life := a.opts.CustomerTokenLifetime
	if typ == userAdmin {
		life = a.opts.AdminTokenLifetime
	}
	payload, _ := json.Marshal(claims{UID: uid, UTypID: typ, IAT: now.Unix(), EXP: now.Add(life).Unix()})
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + a.sign(signing)
}

func (a *authenticator) sign(s string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// identify reads the request's bearer token. It never fails: anything but
// a valid token is a guest.
func (a *authenticator) identify(r *http.Request) identity {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return identity{}
	}
	tok = strings.TrimSpace(tok)
	if a.opts.IntegrationToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.opts.IntegrationToken)) == 1 {
		return identity{typ: userIntegration, uid: 1}
	}
	c, ok := a.verify(tok)
	if !ok {
		return identity{}
	}
	return identity{typ: c.UTypID, uid: c.UID}
}

// verify checks a token's signature, expiry and revocation.
func (a *authenticator) verify(tok string) (claims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return claims{}, false
	}
	want := a.sign(parts[0] + "." + parts[1])
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[2])) != 1 {
		return claims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}, false
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return claims{}, false
	}
	if c.UTypID != userAdmin && c.UTypID != userCustomer {
		return claims{}, false
	}
	if c.UTypID == userAdmin && c.UID != adminUserID {
		return claims{}, false
	}
	if a.opts.Now().Unix() >= c.EXP {
		return claims{}, false
	}
	a.mu.RLock()
	before, revoked := a.revoked[[2]int64{int64(c.UTypID), c.UID}]
	a.mu.RUnlock()
	if revoked && c.IAT <= before {
		return claims{}, false
	}
	return c, true
}

// revoke makes every token issued to the user until now invalid.
func (a *authenticator) revoke(ctx context.Context, typ int, uid int64) error {
	before := a.opts.Now().Unix()
	err := a.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO jwt_auth_revoked (user_type_id, user_id, revoke_before) VALUES (?, ?, ?)
			ON CONFLICT (user_type_id, user_id) DO UPDATE SET revoke_before = excluded.revoke_before`, typ, uid, before)
		return err
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.revoked[[2]int64{int64(typ), uid}] = before
	a.mu.Unlock()
	return nil
}

// throttled reports whether the username of the user type is locked by
// too many failed token requests.
func (a *authenticator) throttled(ctx context.Context, user string, typ int) (bool, error) {
	var count int
	var expires string
	err := a.db.R.QueryRowContext(ctx, `SELECT failures_count, lock_expires_at FROM oauth_token_request_log WHERE user_name = ? AND user_type = ?`,
		user, typ).Scan(&count, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return count >= maxTokenFailures && expires > db.FormatTime(a.opts.Now()), nil
}

// logFailure counts one failed token request. Each failure pushes the
// lock's expiry out; a record whose lock expired starts again from one.
func (a *authenticator) logFailure(ctx context.Context, user string, typ int) error {
	now := a.opts.Now()
	return a.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_token_request_log (user_name, user_type, failures_count, lock_expires_at)
			VALUES (?, ?, 1, ?)
			ON CONFLICT (user_name, user_type) DO UPDATE SET
				failures_count = CASE WHEN lock_expires_at > ? THEN failures_count + 1 ELSE 1 END,
				lock_expires_at = excluded.lock_expires_at`,
			user, typ, db.FormatTime(now.Add(tokenLockTimeout)), db.FormatTime(now))
		return err
	})
}

// resetFailures forgets the failed token requests of the username.
func (a *authenticator) resetFailures(ctx context.Context, user string, typ int) error {
	return a.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oauth_token_request_log WHERE user_name = ? AND user_type = ?`, user, typ)
		return err
	})
}

// credentials reads and checks a token request's username and password,
// with Magento's aggregate error for empty ones.
func credentials(body any) (user, pass string, err error) {
	p, err := params(body, param{name: "username"}, param{name: "password"})
	if err != nil {
		return "", "", err
	}
	user, pass = p.str("username"), p.str("password")
	var errs inputErrors
	if user == "" {
		errs.add(requiredError("username"))
	}
	if pass == "" {
		errs.add(requiredError("password"))
	}
	if e := errs.err(); e != nil {
		return "", "", e
	}
	return user, pass, nil
}

// adminToken is POST /V1/integration/admin/token.
func (s *Sandbox) adminToken(c *call) (any, error) {
	user, pass, err := credentials(c.body)
	if err != nil {
		return nil, err
	}
	ctx := c.r.Context()
	locked, err := s.auth.throttled(ctx, user, userAdmin)
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, signInError()
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.AdminUser)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.AdminPassword)) == 1
	if !okUser || !okPass {
		if err := s.auth.logFailure(ctx, user, userAdmin); err != nil {
			return nil, err
		}
		return nil, signInError()
	}
	if err := s.auth.resetFailures(ctx, user, userAdmin); err != nil {
		return nil, err
	}
	return s.auth.issue(userAdmin, adminUserID), nil
}

// customerToken is POST /V1/integration/customer/token.
func (s *Sandbox) customerToken(c *call) (any, error) {
	user, pass, err := credentials(c.body)
	if err != nil {
		return nil, err
	}
	ctx := c.r.Context()
	locked, err := s.auth.throttled(ctx, user, userCustomer)
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, signInError()
	}
	id, ok, err := s.authenticateCustomer(ctx, user, pass, c.store.WebsiteID)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.auth.logFailure(ctx, user, userCustomer); err != nil {
			return nil, err
		}
		return nil, signInError()
	}
	if err := s.auth.resetFailures(ctx, user, userCustomer); err != nil {
		return nil, err
	}
	return s.auth.issue(userCustomer, id), nil
}

// authenticateCustomer checks a customer's email and password in a website
// (0 scans every website), with the customer-entity lock: 10 failures
// within 10 minutes lock the account for 10 minutes.
func (s *Sandbox) authenticateCustomer(ctx context.Context, email, pass string, websiteID int) (int64, bool, error) {
	q := `SELECT entity_id, coalesce(password_hash, ''), failures_num, coalesce(first_failure, ''), coalesce(lock_expires, '')
		FROM customer_entity WHERE email = ? AND website_id = ?`
	args := []any{email, websiteID}
	if websiteID == 0 {
		q = `SELECT entity_id, coalesce(password_hash, ''), failures_num, coalesce(first_failure, ''), coalesce(lock_expires, '')
		FROM customer_entity WHERE email = ? ORDER BY website_id LIMIT 1`
		args = args[:1]
	}
	var (
		id                   int64
		hash, first, expires string
		failures             int
	)
	err := s.db.R.QueryRowContext(ctx, q, args...).Scan(&id, &hash, &failures, &first, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	now := s.now()
	if expires != "" && expires > db.FormatTime(now) {
		return 0, false, nil
	}
	if !checkPassword(hash, pass) {
		return 0, false, s.db.Write(ctx, func(tx *sql.Tx) error {
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
		})
	}
	if failures != 0 || first != "" || expires != "" {
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE customer_entity SET failures_num = 0, first_failure = NULL, lock_expires = NULL WHERE entity_id = ?`, id)
			return err
		})
		if err != nil {
			return 0, false, err
		}
	}
	return id, true, nil
}

// revokeCustomerToken is POST /V1/integration/customer/revoke-customer-token.
func (s *Sandbox) revokeCustomerToken(c *call) (any, error) {
	if err := s.auth.revoke(c.r.Context(), userCustomer, c.who.uid); err != nil {
		return nil, err
	}
	return true, nil
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
