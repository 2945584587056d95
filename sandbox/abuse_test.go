package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/sandbox"
)

// TestGuestBodiesAreCapped posts 50 bodies of 9 MB at once without a
// token, to a route open to guests: each is refused with 413 after at most
// 64 KiB, so the sandbox does not allocate the 450 MB it was sent. A token
// request, which needs a few hundred bytes, still passes.
func TestGuestBodiesAreCapped(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	s.create(customerBody("cap@example.com"))
	big := bytes.Repeat([]byte("x"), 9<<20)
	copy(big, `{"username":"`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(s.srv.URL+"/rest/V1/integration/customer/token", "application/json", bytes.NewReader(big))
			if err != nil {
				return // the sandbox may close the connection mid-body
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	for i, st := range statuses {
		if st != 0 && st != http.StatusRequestEntityTooLarge {
			t.Errorf("post %d: status %d, want 413 or a closed connection", i, st)
		}
	}
	// The client side allocates little (one shared body); the server would
	// allocate 9 MB a post without the cap.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 100<<20 {
		t.Errorf("50 anonymous 9 MB posts allocated %d MB; want the bodies refused unread", grew>>20)
	}
	s.token("/rest/V1/integration/customer/token", "cap@example.com", "Password1")
}

// TestTooManyFilterGroups sends 2,000 filter groups: Magento\Framework\
// Webapi\Validator\EntityArrayValidator::validateComplexArrayType refuses a
// list of more than 20 data objects (400, `Maximum items of type "%type"
// is %max`), before any query runs.
func TestTooManyFilterGroups(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	var q []string
	for i := range 2000 {
		q = append(q, fmt.Sprintf("searchCriteria[filterGroups][%d][filters][0][field]=email&searchCriteria[filterGroups][%d][filters][0][value]=x%d", i, i, i))
	}
	wantError(t, s.do("GET", "/rest/V1/customers/search?"+strings.Join(q, "&"), s.admin, nil), 400,
		errorBody{Message: `Maximum items of type "%type" is %max`, Parameters: map[string]any{"type": `\Magento\Framework\Api\Search\FilterGroup`, "max": float64(20)}})
	var ok magento.CustomerSearchResults
	s.ok("GET", "/rest/V1/customers/search?"+strings.Join(q[:20], "&"), s.admin, nil, &ok)
}

// TestHead answers HEAD wherever GET answers, with GET's status and
// headers and no body, and refuses it where GET is refused.
func TestHead(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	for _, tt := range []struct {
		path, token string
		status      int
	}{
		{"/rest/V1/directory/countries", "", 200},
		{"/rest/V1/store/websites", s.admin, 200},
		{"/rest/V1/store/websites", "", 401},
		{"/rest/V1/integration/customer/token", "", 404},
	} {
		req, _ := http.NewRequest("HEAD", s.srv.URL+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		get := s.do("GET", tt.path, tt.token, nil)
		if resp.StatusCode != tt.status || get.status != tt.status || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes, GET %d; want %d and no body", tt.path, resp.StatusCode, len(body), get.status, tt.status)
		}
		if tt.status == 200 && resp.ContentLength != int64(len(get.body)) {
			t.Errorf("HEAD %s: Content-Length %d, GET's body %d", tt.path, resp.ContentLength, len(get.body))
		}
	}
}

// TestConcurrentPutsDoNotInterleave sends twenty PUTs at once, each
// keeping the customer's first address and adding one: a PUT reads and
// writes in one transaction, so each sees the one before it and deletes
// its added address, and the customer ends with exactly two.
func TestConcurrentPutsDoNotInterleave(t *testing.T) {
	s := newStore(t, sandbox.Options{})
	c := s.create(customerBody("race@example.com"))
	keep := usAddress(true)
	keep["id"] = c.Addresses[0].ID
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			added := usAddress(false)
			added["city"] = fmt.Sprintf("City %d", i)
			r := s.do("PUT", "/rest/V1/customers/"+itoa(c.ID), s.admin, map[string]any{"customer": map[string]any{
				"addresses": []any{keep, added}}})
			if r.status != 200 {
				t.Errorf("PUT %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	var got magento.CustomerData
	s.ok("GET", "/rest/V1/customers/"+itoa(c.ID), s.admin, nil, &got)
	if len(got.Addresses) != 2 {
		t.Errorf("addresses after 20 concurrent PUTs = %d, want 2", len(got.Addresses))
	}
}
