package sandbox_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// msgAlreadyExists is Magento's answer to a second account with the same
// email in the same website.
const msgAlreadyExists = "A customer with the same email address already exists in an associated website."

func TestConcurrentCreatesOfOneEmail(t *testing.T) {
	tests := []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"memory", func(*testing.T) string { return "" }},
		{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sandbox.db") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := edgeServe(t, sandbox.Options{DB: tt.db(t)})
			const workers = 16
			const email = "same@example.com"
			results := make([]edgeResponse, workers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					// Each goroutine writes only its own slot.
					results[i] = edgeMust(t, s.Client(), http.MethodPost, s.URL+"/rest/V1/customers", "", edgeCustomer(email))
				}()
			}
			close(start)
			wg.Wait()

			var created, exists int
			for i, r := range results {
				switch r.status {
				case http.StatusOK:
					created++
				case http.StatusBadRequest:
					var e magento.ErrorResponse
					if err := json.Unmarshal(r.body, &e); err != nil {
						t.Fatalf("create %d: decode %q: %v", i, r.body, err)
					}
					if diff := cmp.Diff(magento.ErrorResponse{Message: msgAlreadyExists}, e); diff != "" {
						t.Errorf("create %d: error mismatch (-want +got):\n%s", i, diff)
					}
					exists++
				default:
					t.Errorf("create %d: status %d: %s", i, r.status, r.body)
				}
			}
			if created != 1 || exists != workers-1 {
				t.Errorf("got %d created and %d already exists, want 1 and %d", created, exists, workers-1)
			}
			if got := edgeCount(t, s, email); got != 1 {
				t.Errorf("customers with %s = %d, want 1", email, got)
			}
		})
	}
}

func TestRestartKeepsCustomersAndTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	const email = "restart@example.com"

	first := edgeServe(t, sandbox.Options{DB: db})
	r := edgeMust(t, first.Client(), http.MethodPost, first.URL+"/rest/V1/customers", "", edgeCustomer(email))
	if r.status != http.StatusOK {
		t.Fatalf("create: status %d: %s", r.status, r.body)
	}
	var created magento.CustomerData
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatalf("create: decode %q: %v", r.body, err)
	}
	customerToken := edgeLogin(t, first, "/rest/V1/integration/customer/token", email, "Password1")
	adminToken := edgeLogin(t, first, "/rest/V1/integration/admin/token", "admin", "admin123")
	first.stop(t)

	second := edgeServe(t, sandbox.Options{DB: db})
	tests := []struct {
		name, path, token string
	}{
		{"admin get by id", "/rest/V1/customers/" + strconv.Itoa(created.ID), adminToken},
		{"integration get by id", "/rest/V1/customers/" + strconv.Itoa(created.ID), edgeToken},
		{"customer get me", "/rest/V1/customers/me", customerToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := edgeMust(t, second.Client(), http.MethodGet, second.URL+tt.path, tt.token, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s after restart: status %d: %s", tt.path, r.status, r.body)
			}
			var got magento.CustomerData
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("decode %q: %v", r.body, err)
			}
			if diff := cmp.Diff(created, got); diff != "" {
				t.Errorf("customer after restart differs from the created one (-created +got):\n%s", diff)
			}
		})
	}
}
