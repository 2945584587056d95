package magento_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
)

// signInBound is the promise: at most 3 sign-in attempts per account and
// run, whatever is lost.
const signInBound = 3

const refusedSignIn = "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."

// lostAnswers are ways a store checks a password and then loses the
// answer, or answers without a token. Each is given the number of the
// request on the token route.
var lostAnswers = map[string]func(h *hostile, n int, w http.ResponseWriter, r *http.Request){
	"every answer dropped": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) { drop(w, r) },
	"dropped, 502, 504 in turn": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		switch n % 3 {
		case 1:
			drop(w, r)
		case 2:
			webPage(w, http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusGatewayTimeout)
		}
	},
	"maintenance page (503) every time": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		webPage(w, http.StatusServiceUnavailable)
	},
	"429 every time": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		magentoError(w, http.StatusTooManyRequests, "Too Many Requests")
	},
	"a web page with 200": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		webPage(w, http.StatusOK)
	},
	"a token cut off": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		cut(w, r, http.StatusOK, `"0123456789abcdef"`, 5)
	},
	"stalls until the attempt times out, then drops": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			h.stall(w, r)
			return
		}
		drop(w, r)
	},
	"dropped, then refused": func(h *hostile, n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			drop(w, r)
			return
		}
		magentoError(w, http.StatusUnauthorized, refusedSignIn)
	},
}

// TestWrongPasswordLostAnswersEndToEnd: a customer whose password is wrong
// (the manifest drifted) asks for a token, and the store loses the answers.
// Through every layer (the client's retries, apply's retries of a token
// request that got no answer, a second call in the same run), at most
// MaxSignIns requests with the password reach the store: half of Magento's
// lockout.
func TestWrongPasswordLostAnswersEndToEnd(t *testing.T) {
	for name, lose := range lostAnswers {
		t.Run(name, func(t *testing.T) {
			h := newHostile(t)
			h.on("GET", "/V1/customers/search", func(n int, w http.ResponseWriter, r *http.Request) {
				jsonAnswer(w, 200, searchAnswer(1, wireCustomer(7, "jdoe@example.com", 1)))
			})
			h.on("POST", "/V1/integration/customer/token", func(n int, w http.ResponseWriter, r *http.Request) {
				lose(h, n, w, r)
			})
			c := h.client(t, func(cfg *magento.Config) {
				cfg.MaxRetries = 8 // more retries than the budget allows
				cfg.Timeout = 200 * time.Millisecond
			})
			ctx := ctxTest(t)
			desired := []mageseed.Customer{{Key: "jane", Email: "jdoe@example.com", WebsiteID: 1, Firstname: "Jane", Lastname: "Doe", GroupID: new(int), Password: "drifted-Passw0rd", Token: true}}
			remote, err := apply.Read(ctx, c, desired)
			if err != nil {
				t.Fatal(err)
			}
			plan := apply.Diff(desired, remote)
			res, _ := apply.Apply(ctx, c, plan, apply.Options{RetryDelay: time.Millisecond, Attempts: 8, KeepGoing: true})
			if res.Tokens != 0 {
				t.Fatalf("a token was minted with a wrong password")
			}
			// The same run asks again, as a caller that ignores the error
			// would.
			for range 5 {
				if _, err := c.CustomerToken(ctx, 0, "JDoe@example.com", "drifted-Passw0rd"); err == nil {
					t.Fatal("CustomerToken succeeded")
				}
			}
			got := h.count("POST", "/V1/integration/customer/token")
			if got > signInBound || got < 1 {
				t.Errorf("token requests that reached the store = %d, want 1 to %d", got, signInBound)
			}
			if strings.HasPrefix(name, "every answer dropped") && got != signInBound {
				t.Errorf("token requests = %d, want %d: the budget is spent before giving up", got, signInBound)
			}
			if name == "dropped, then refused" && got != 2 {
				t.Errorf("token requests = %d, want 2: a refusal ends the sign-ins of the run", got)
			}
		})
	}
}

// TestSignInLimitError: the request that the budget stops is not sent, and
// its error says why, carries mageseed.ErrSignInLimit and a hint.
func TestSignInLimitError(t *testing.T) {
	h := newHostile(t)
	h.on("POST", "/V1/integration/customer/token", func(n int, w http.ResponseWriter, r *http.Request) { drop(w, r) })
	c := h.client(t, nil)
	ctx := ctxTest(t)
	_, err := c.CustomerToken(ctx, 0, "jdoe@example.com", "pw-123456")
	if mageseed.ErrorCode(err) != mageseed.EUNAVAILABLE || !strings.Contains(err.Error(), "no answer from the store") {
		t.Fatalf("first call: %v, want no answer", err)
	}
	_, err = c.CustomerToken(ctx, 0, "jdoe@example.com", "pw-123456")
	if !errors.Is(err, mageseed.ErrSignInLimit) {
		t.Fatalf("second call: %v, want ErrSignInLimit", err)
	}
	if !strings.Contains(err.Error(), "not sent") || strings.Contains(err.Error(), "pw-123456") {
		t.Errorf("error %q", err)
	}
	if !strings.Contains(magento.Hint(err), "locks") {
		t.Errorf("hint %q", magento.Hint(err))
	}
	if got := h.count("POST", "/V1/integration/customer/token"); got != signInBound || magento.MaxSignIns != signInBound {
		t.Errorf("token requests = %d, MaxSignIns %d, want %d", got, magento.MaxSignIns, signInBound)
	}
	// Another account has a budget of its own.
	if _, err := c.CustomerToken(ctx, 0, "other@example.com", "pw-123456"); errors.Is(err, mageseed.ErrSignInLimit) {
		t.Errorf("another account: %v", err)
	}
}

// TestSignInTokenResetsBudget: a token in an answer proves the password
// right (Magento resets its failure count) and the count starts again.
func TestSignInTokenResetsBudget(t *testing.T) {
	h := newHostile(t)
	h.on("POST", "/V1/integration/customer/token", func(n int, w http.ResponseWriter, r *http.Request) {
		if n%3 == 0 {
			jsonAnswer(w, 200, fmt.Sprintf("token-%d", n))
			return
		}
		drop(w, r)
	})
	c := h.client(t, nil)
	for i := range 3 {
		if _, err := c.CustomerToken(ctxTest(t), 0, "jdoe@example.com", "pw-123456"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := h.count("POST", "/V1/integration/customer/token"); got != 9 {
		t.Errorf("token requests = %d, want 9", got)
	}
}

// TestAdminWrongPasswordLostAnswersEndToEnd: the admin password is wrong
// and the store loses the answers; plan's reads (several searches at once)
// and apply's creates (each needing the admin token) all wait for the
// exchange, and at most MaxSignIns exchanges reach the store in the run.
func TestAdminWrongPasswordLostAnswersEndToEnd(t *testing.T) {
	for name, lose := range lostAnswers {
		t.Run(name, func(t *testing.T) {
			h := newHostile(t)
			h.on("POST", "/V1/integration/admin/token", func(n int, w http.ResponseWriter, r *http.Request) {
				lose(h, n, w, r)
			})
			c := h.client(t, func(cfg *magento.Config) {
				cfg.AdminToken = ""
				cfg.AdminUsername = "admin"
				cfg.AdminPassword = "wrong-admin-Passw0rd"
				cfg.MaxRetries = 8
				cfg.Timeout = 200 * time.Millisecond
			})
			ctx := ctxTest(t)
			var desired []mageseed.Customer
			for i := range 250 {
				desired = append(desired, mageseed.Customer{Key: fmt.Sprint("c", i), Email: fmt.Sprintf("c%d@example.com", i), WebsiteID: 1, Firstname: "A", Lastname: "B"})
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, err := apply.Read(ctx, c, desired); err == nil {
						t.Error("Read succeeded without an admin token")
					}
				})
			}
			wg.Wait()
			res, err := apply.Apply(ctx, c, apply.Diff(desired[:20], nil), apply.Options{RetryDelay: time.Millisecond, KeepGoing: true})
			if err == nil || res.Created != 0 {
				t.Fatalf("Apply: %v, %d created", err, res.Created)
			}
			got := h.count("POST", "/V1/integration/admin/token")
			if got > signInBound || got < 1 {
				t.Errorf("admin token requests that reached the store = %d, want 1 to %d", got, signInBound)
			}
			if name == "dropped, then refused" && got != 2 {
				t.Errorf("admin token requests = %d, want 2", got)
			}
			if n := h.count("POST", "/V1/customers"); n != 0 {
				t.Errorf("%d creates reached the store without a token", n)
			}
		})
	}
}

// TestAdminRefusedOnceUnderConcurrency: a refused admin password is sent
// once, however many requests wait for the token.
func TestAdminRefusedOnceUnderConcurrency(t *testing.T) {
	h := newHostile(t)
	h.on("POST", "/V1/integration/admin/token", func(n int, w http.ResponseWriter, r *http.Request) {
		magentoError(w, http.StatusUnauthorized, refusedSignIn)
	})
	c := h.client(t, func(cfg *magento.Config) {
		cfg.AdminToken = ""
		cfg.AdminUsername = "admin"
		cfg.AdminPassword = "wrong-admin-Passw0rd"
	})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_, err := c.GetCustomer(ctxTest(t), i+1)
			if mageseed.ErrorCode(err) != mageseed.EUNAUTHORIZED || !strings.Contains(magento.Hint(err), "MAGENTO_ADMIN_PASSWORD") {
				t.Errorf("GetCustomer: %v (hint %q)", err, magento.Hint(err))
			}
		})
	}
	wg.Wait()
	if got := h.count("POST", "/V1/integration/admin/token"); got != 1 {
		t.Errorf("admin token requests = %d, want 1", got)
	}
}
