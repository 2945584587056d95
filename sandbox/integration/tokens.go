// Package integration follows Magento_Integration (with the JWT user
// tokens of Magento_JwtUserToken): the admin and customer token routes,
// tokens as HS256 JWTs signed with a key kept in the database (so they
// survive a restart on the same database), their revocation, the lockout
// of token requests (oauth_token_request_log), integration access tokens
// and OAuth 1.0a signed requests. Tokens implements webapi.Authenticator.
package integration

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox/internal/db"
	"github.com/mageseed/mageseed/sandbox/webapi"
)

// adminUserID is the id of the sandbox's one admin user.
const adminUserID = 1

// Throttle settings of token requests, Magento's defaults.
const (
	maxTokenFailures = 6                // oauth/authentication_lock/max_failures_count
	tokenLockTimeout = 30 * time.Minute // oauth/authentication_lock/timeout
)

// Schema is the module's tables; sandbox_meta keeps the signing key.
const Schema = `
CREATE TABLE IF NOT EXISTS sandbox_meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_token_request_log (
	user_name       TEXT NOT NULL,
	user_type       INTEGER NOT NULL,
	failures_count  INTEGER NOT NULL,
	lock_expires_at TEXT NOT NULL,
	PRIMARY KEY (user_name, user_type)
);
CREATE TABLE IF NOT EXISTS jwt_auth_revoked (
	user_type_id  INTEGER NOT NULL,
	user_id       INTEGER NOT NULL,
	revoke_before INTEGER NOT NULL,
	PRIMARY KEY (user_type_id, user_id)
);
`

// Config is what the module needs of the sandbox's options.
type Config struct {
	// AdminUser and AdminPassword are the admin account's credentials.
	AdminUser, AdminPassword string
	// IntegrationToken, when non-empty, is accepted as an admin bearer
	// token (an integration's access token).
	IntegrationToken string
	// OAuth, when set, is an integration whose requests are signed with
	// OAuth 1.0a.
	OAuth *magento.OAuthCredentials
	// AdminTokenLifetime and CustomerTokenLifetime are the lifetimes of
	// the tokens issued.
	AdminTokenLifetime, CustomerTokenLifetime time.Duration
	// Now is the clock.
	Now func() time.Time
}

// Customers checks a customer's credentials (Magento_Customer's
// AccountManagement::authenticate, with its lockout).
type Customers interface {
	// Authenticate checks email and password in a website (0 scans every
	// website); ok is false when they do not sign in. A *webapi.Error is
	// a refusal of credentials that check out (an account not confirmed):
	// it counts as a failure and is the answer.
	Authenticate(ctx context.Context, email, pass string, websiteID int) (id int64, ok bool, err error)
}

// Tokens issues and reads tokens and answers the token routes. Tokens are JWTs signed with HS256
// and a key the sandbox keeps in its database, so they survive a restart
// on the same database.
type Tokens struct {
	db        *db.DB
	opts      Config
	customers Customers
	key       []byte

	mu      sync.RWMutex
	revoked map[[2]int64]int64 // (user type, user id) -> revoke_before (unix seconds)

	nonces nonces // the OAuth consumer's nonces
}

// New loads (or creates) the signing key and the revocations.
func New(ctx context.Context, d *db.DB, opts Config, customers Customers) (*Tokens, error) {
	a := &Tokens{db: d, opts: opts, customers: customers, revoked: map[[2]int64]int64{}}
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

// Routes returns the module's routes.
func (a *Tokens) Routes() []webapi.Route {
	return []webapi.Route{
		{Method: "POST", Pattern: "/V1/integration/admin/token", ACL: webapi.ACLAnonymous, Body: true, Handle: a.adminToken},
		{Method: "POST", Pattern: "/V1/integration/customer/token", ACL: webapi.ACLAnonymous, Body: true, Handle: a.customerToken},
		{Method: "POST", Pattern: "/V1/integration/customer/revoke-customer-token", ACL: webapi.ACLSelf, Handle: a.revokeCustomerToken},
	}
}

// Identify tells who r runs as: an OAuth 1.0a signed request is the
// configured integration or fails; otherwise the bearer token decides,
// and anything but a valid one is a guest.
func (a *Tokens) Identify(r *http.Request) (webapi.Identity, *webapi.Error) {
	who, signed, err := a.oauthCaller(r)
	if err != nil {
		return webapi.Identity{}, err
	}
	if !signed {
		who = a.identify(r)
	}
	return who, nil
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"1","alg":"HS256"}`))

type claims struct {
	UID    int64 `json:"uid"`
	UTypID int   `json:"utypid"`
	IAT    int64 `json:"iat"`
	EXP    int64 `json:"exp"`
}

// issue returns a signed token for the user.
func (a *Tokens) issue(typ int, uid int64) string {
	now := a.opts.Now()
	life := a.opts.CustomerTokenLifetime
	if typ == webapi.UserAdmin {
		life = a.opts.AdminTokenLifetime
	}
	payload, _ := json.Marshal(claims{UID: uid, UTypID: typ, IAT: now.Unix(), EXP: now.Add(life).Unix()})
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + a.sign(signing)
}

func (a *Tokens) sign(s string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// identify reads the request's bearer token. It never fails: anything but
// a valid token is a guest.
func (a *Tokens) identify(r *http.Request) webapi.Identity {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return webapi.Identity{}
	}
	tok = strings.TrimSpace(tok)
	if a.opts.IntegrationToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.opts.IntegrationToken)) == 1 {
		return webapi.Identity{Type: webapi.UserIntegration, UID: 1}
	}
	c, ok := a.verify(tok)
	if !ok {
		return webapi.Identity{}
	}
	return webapi.Identity{Type: c.UTypID, UID: c.UID}
}

// verify checks a token's signature, expiry and revocation.
func (a *Tokens) verify(tok string) (claims, bool) {
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
	if c.UTypID != webapi.UserAdmin && c.UTypID != webapi.UserCustomer {
		return claims{}, false
	}
	if c.UTypID == webapi.UserAdmin && c.UID != adminUserID {
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
func (a *Tokens) revoke(ctx context.Context, typ int, uid int64) error {
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
func (a *Tokens) throttled(ctx context.Context, user string, typ int) (bool, error) {
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
func (a *Tokens) logFailure(ctx context.Context, user string, typ int) error {
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
func (a *Tokens) resetFailures(ctx context.Context, user string, typ int) error {
	return a.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oauth_token_request_log WHERE user_name = ? AND user_type = ?`, user, typ)
		return err
	})
}

// credentials reads and checks a token request's username and password,
// with Magento's aggregate error for empty ones.
func credentials(body any) (user, pass string, err error) {
	p, err := webapi.Params(body, webapi.Param{Name: "username"}, webapi.Param{Name: "password"})
	if err != nil {
		return "", "", err
	}
	user, pass = p.Str("username"), p.Str("password")
	var errs webapi.InputErrors
	if user == "" {
		errs.Add(webapi.RequiredError("username"))
	}
	if pass == "" {
		errs.Add(webapi.RequiredError("password"))
	}
	if e := errs.Err(); e != nil {
		return "", "", e
	}
	return user, pass, nil
}

// adminToken is POST /V1/integration/admin/token.
func (s *Tokens) adminToken(c *webapi.Call) (any, error) {
	user, pass, err := credentials(c.Body)
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	locked, err := s.throttled(ctx, user, webapi.UserAdmin)
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, webapi.SignInError()
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.AdminUser)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.AdminPassword)) == 1
	if !okUser || !okPass {
		if err := s.logFailure(ctx, user, webapi.UserAdmin); err != nil {
			return nil, err
		}
		return nil, webapi.SignInError()
	}
	if err := s.resetFailures(ctx, user, webapi.UserAdmin); err != nil {
		return nil, err
	}
	return s.issue(webapi.UserAdmin, adminUserID), nil
}

// customerToken is POST /V1/integration/customer/token.
func (s *Tokens) customerToken(c *webapi.Call) (any, error) {
	user, pass, err := credentials(c.Body)
	if err != nil {
		return nil, err
	}
	ctx := c.R.Context()
	locked, err := s.throttled(ctx, user, webapi.UserCustomer)
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, webapi.SignInError()
	}
	id, ok, err := s.customers.Authenticate(ctx, user, pass, c.Store.WebsiteID)
	var refused *webapi.Error
	if errors.As(err, &refused) {
		// EmailNotConfirmedException: CustomerTokenService::
		// createCustomerAccessToken logs the failure and passes it on.
		if err := s.logFailure(ctx, user, webapi.UserCustomer); err != nil {
			return nil, err
		}
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.logFailure(ctx, user, webapi.UserCustomer); err != nil {
			return nil, err
		}
		return nil, webapi.SignInError()
	}
	if err := s.resetFailures(ctx, user, webapi.UserCustomer); err != nil {
		return nil, err
	}
	return s.issue(webapi.UserCustomer, id), nil
}

// revokeCustomerToken is POST /V1/integration/customer/revoke-customer-token.
func (s *Tokens) revokeCustomerToken(c *webapi.Call) (any, error) {
	if err := s.revoke(c.R.Context(), webapi.UserCustomer, c.Who.UID); err != nil {
		return nil, err
	}
	return true, nil
}
