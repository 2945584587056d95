package sandbox_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mageseed/mageseed/sandbox"
)

var signInFailed = errorBody{Message: "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}

func selfRefused() errorBody {
	return errorBody{Message: "The consumer isn't authorized to access %resources.", Parameters: map[string]any{"resources": "self"}}
}

func credentials(user, pass string) map[string]string {
	return map[string]string{"username": user, "password": pass}
}

// TestTokenThrottle checks the lock after 6 failed token requests per
// username: 5 failures and the right password get a token (and reset the
// count); 6 failures lock even the right password for 30 minutes.
func TestTokenThrottle(t *testing.T) {
	for _, tt := range []struct {
		name, path, user, pass string
	}{
		{"customer", "/rest/V1/integration/customer/token", "lock@example.com", "Password1"},
		{"admin", "/rest/V1/integration/admin/token", "admin", "admin123"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, sandbox.Options{})
			s.create(customerBody("lock@example.com"))
			fail := func(n int) {
				t.Helper()
				for i := 0; i < n; i++ {
					wantError(t, s.do("POST", tt.path, "", credentials(tt.user, "wrong")), 401, signInFailed)
				}
			}
			fail(5)
			s.token(tt.path, tt.user, tt.pass)
			fail(5) // the success reset the count: 5 more are allowed
			s.token(tt.path, tt.user, tt.pass)
			fail(6)
			wantError(t, s.do("POST", tt.path, "", credentials(tt.user, tt.pass)), 401, signInFailed)
			s.clock.Add(29 * time.Minute)
			wantError(t, s.do("POST", tt.path, "", credentials(tt.user, tt.pass)), 401, signInFailed)
			s.clock.Add(2 * time.Minute)
			s.token(tt.path, tt.user, tt.pass)
		})
	}
}

// TestCustomerLock checks the customer-entity lock: 10 failures within 10
// minutes lock the account for 10 minutes, whatever the username's case
// (the throttle counts each spelling apart, the lock counts the customer).
func TestCustomerLock(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	s.create(customerBody("entity@example.com"))
	path := "/rest/V1/integration/customer/token"
	for _, user := range []string{"entity@example.com", "ENTITY@example.com"} {
		for i := 0; i < 5; i++ {
			wantError(t, s.do("POST", path, "", credentials(user, "wrong")), 401, signInFailed)
		}
	}
	wantError(t, s.do("POST", path, "", credentials("Entity@example.com", "Password1")), 401, signInFailed)
	s.clock.Add(11 * time.Minute)
	s.token(path, "Entity@example.com", "Password1")
}

// TestTokenLifetimes checks that tokens expire with the clock: admin after
// 4 hours, customer after 1 hour by default, and as Options say.
func TestTokenLifetimes(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		s := newStore(t, sandbox.Options{})
		s.create(customerBody("life@example.com"))
		cust := s.token("/rest/V1/integration/customer/token", "life@example.com", "Password1")
		s.clock.Add(59 * time.Minute)
		s.ok("GET", "/rest/V1/customers/me", cust, nil, nil)
		s.clock.Add(time.Minute)
		wantError(t, s.do("GET", "/rest/V1/customers/me", cust, nil), 401, selfRefused())
		s.ok("GET", "/rest/V1/store/websites", s.admin, nil, nil)
		s.clock.Add(3 * time.Hour)
		wantError(t, s.do("GET", "/rest/V1/store/websites", s.admin, nil), 401, errorBody{
			Message: "The consumer isn't authorized to access %resources.", Parameters: map[string]any{"resources": "Magento_Backend::store"}})
	})
	t.Run("options", func(t *testing.T) {
		s := newStore(t, sandbox.Options{CustomerTokenLifetime: 5 * time.Minute, AdminUser: "root", AdminPassword: "S3cret!pass"})
		s.create(customerBody("short@example.com"))
		cust := s.token("/rest/V1/integration/customer/token", "short@example.com", "Password1")
		s.clock.Add(5 * time.Minute)
		wantError(t, s.do("GET", "/rest/V1/customers/me", cust, nil), 401, selfRefused())
		s.token("/rest/V1/integration/admin/token", "root", "S3cret!pass")
	})
}

// TestTokenShape checks the JWT header and claims.
func TestTokenShape(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	s.create(customerBody("jwt@example.com"))
	for _, tt := range []struct {
		name, token string
		utypid      float64
		life        time.Duration
	}{
		{"admin", s.admin, 2, 4 * time.Hour},
		{"customer", s.token("/rest/V1/integration/customer/token", "jwt@example.com", "Password1"), 3, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parts := strings.Split(tt.token, ".")
			if len(parts) != 3 {
				t.Fatalf("token has %d parts, want 3", len(parts))
			}
			var header, claims map[string]any
			for i, dst := range []*map[string]any{&header, &claims} {
				raw, err := base64.RawURLEncoding.DecodeString(parts[i])
				if err != nil {
					t.Fatalf("decode part %d: %v", i, err)
				}
				if err := json.Unmarshal(raw, dst); err != nil {
					t.Fatalf("decode part %d: %v", i, err)
				}
			}
			if diff := cmp.Diff(map[string]any{"kid": "1", "alg": "HS256"}, header); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			iat := float64(s.clock.Now().Unix())
			want := map[string]any{"uid": claims["uid"], "utypid": tt.utypid, "iat": iat, "exp": iat + tt.life.Seconds()}
			if diff := cmp.Diff(want, claims); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
			// A token whose signature is changed is a guest's.
			forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
			if r := s.do("GET", "/rest/V1/customers/me", forged, nil); r.status != 401 {
				t.Errorf("forged token: status %d, want 401", r.status)
			}
		})
	}
}

// TestRevokeCustomerToken checks that revoking invalidates the customer's
// earlier tokens and leaves later ones valid.
func TestRevokeCustomerToken(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	s.create(customerBody("revoke@example.com"))
	path := "/rest/V1/integration/customer/token"
	first := s.token(path, "revoke@example.com", "Password1")
	second := s.token(path, "revoke@example.com", "Password1")
	var ok bool
	s.ok("POST", "/rest/V1/integration/customer/revoke-customer-token", first, nil, &ok)
	if !ok {
		t.Errorf("revoke = false, want true")
	}
	for _, tok := range []string{first, second} {
		wantError(t, s.do("GET", "/rest/V1/customers/me", tok, nil), 401, selfRefused())
	}
	wantError(t, s.do("POST", "/rest/V1/integration/customer/revoke-customer-token", "", nil), 401, selfRefused())
	s.clock.Add(time.Second)
	third := s.token(path, "revoke@example.com", "Password1")
	s.ok("GET", "/rest/V1/customers/me", third, nil, nil)
}

// TestRestartPersistence checks that customers, addresses, tokens and the
// throttle survive a restart on the same database file.
func TestRestartPersistence(t *testing.T) {
	db := t.TempDir() + "/state dir/sandbox.db" // a directory New creates, with a space
	clk := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clk }
	sb, err := sandbox.New(sandbox.Options{DB: db, Now: now, ExtraWebsites: []sandbox.Website{{Code: "eu"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := &store{tb: t, sb: sb}
	s.srv = newServer(t, sb)
	s.admin = s.token("/rest/V1/integration/admin/token", "admin", "admin123")
	c := s.create(customerBody("persist@example.com"))
	tok := s.token("/rest/V1/integration/customer/token", "persist@example.com", "Password1")
	for i := 0; i < 6; i++ {
		s.do("POST", "/rest/V1/integration/customer/token", "", credentials("locked@example.com", "x"))
	}
	s.srv.Close()
	if err := sb.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	sb2, err := sandbox.New(sandbox.Options{DB: db, Now: now, ExtraWebsites: []sandbox.Website{{Code: "eu"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb2.Close() })
	s2 := &store{tb: t, sb: sb2, admin: s.admin}
	s2.srv = newServer(t, sb2)
	var got, me map[string]any
	s2.ok("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &got)
	s2.ok("GET", "/rest/V1/customers/me", tok, nil, &me)
	if diff := cmp.Diff(got, me); diff != "" {
		t.Errorf("customer after restart differs between admin and me (-admin +me):\n%s", diff)
	}
	if got["email"] != "persist@example.com" || len(got["addresses"].([]any)) != 1 {
		t.Errorf("customer after restart = %v", got)
	}
	wantError(t, s2.do("POST", "/rest/V1/integration/customer/token", "", credentials("locked@example.com", "x")), 401, signInFailed)
	var sites []map[string]any
	s2.ok("GET", "/rest/V1/store/websites", s.admin, nil, &sites)
	if len(sites) != 3 {
		t.Errorf("websites after restart = %d, want 3 (no duplicate extra website)", len(sites))
	}
	// Ids keep counting up after a restart.
	c2 := s2.create(customerBody("persist2@example.com"))
	if c2.ID <= c.ID {
		t.Errorf("id after restart = %d, want > %d", c2.ID, c.ID)
	}
}
