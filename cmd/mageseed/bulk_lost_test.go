package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/outputs"
	"github.com/mageseed/mageseed/sandbox"
)

// bulkDropProxy stands between mageseed and a sandbox. It forwards every
// request, and the first async bulk submission too (all of its customers,
// or only the first keep of them), then loses that submission's answer by
// closing the connection: the store has queued the bulk, mageseed never
// learns its uuid. With wait, the connection is closed only once the
// store's consumer has run the bulk; without, at once. It counts the bulk
// submissions and the create operations they carry to the store.
type bulkDropProxy struct {
	t     *testing.T
	store string // the sandbox's base URL
	keep  int    // customers of the first bulk forwarded; 0 means all
	wait  bool

	mu      sync.Mutex
	submits int
	items   int
	uuids   []string // every bulk the store queued
}

const bulkPath = "/rest/default/async/bulk/V1/customers"

func (p *bulkDropProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != bulkPath {
		u, _ := url.Parse(p.store)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		p.t.Errorf("proxy: read bulk: %v", err)
		return
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		p.t.Errorf("proxy: bulk body: %v", err)
		return
	}
	p.mu.Lock()
	p.submits++
	first := p.submits == 1
	if first && p.keep > 0 {
		items = items[:p.keep]
		body, _ = json.Marshal(items)
	}
	p.items += len(items)
	p.mu.Unlock()

	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, p.store+bulkPath, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Errorf("proxy: forward bulk: %v", err)
		return
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		p.t.Errorf("proxy: read the store's answer: %v", err)
		return
	}
	var queued magento.AsyncResponse
	if err := json.Unmarshal(answer, &queued); err != nil || queued.BulkUUID == "" {
		p.t.Errorf("proxy: the store's answer to a bulk: %d %s", resp.StatusCode, answer)
		return
	}
	p.mu.Lock()
	p.uuids = append(p.uuids, queued.BulkUUID)
	p.mu.Unlock()
	if !first {
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(answer)
		return
	}
	if p.wait {
		// Until the store's consumer has run every operation of the bulk
		// (the request's context bounds it).
		for r.Context().Err() == nil {
			st := p.status(queued.BulkUUID)
			open := 0
			for _, op := range st.OperationsList {
				if op.Status == magento.OperationOpen {
					open++
				}
			}
			if st.OperationCount == len(items) && open == 0 {
				break
			}
		}
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		p.t.Errorf("proxy: hijack: %v", err)
		return
	}
	conn.Close()
}

// status reads a bulk's status from the store itself.
func (p *bulkDropProxy) status(uuid string) magento.BulkStatus {
	var st magento.BulkStatus
	getJSON(p.t, p.store+"/rest/V1/bulk/"+uuid+"/detailed-status", &st)
	return st
}

// getJSON decodes the answer of an admin GET of the store.
func getJSON(t *testing.T, u string, v any) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+scriptAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d, %v", u, resp.StatusCode, err)
	}
}

// TestApplyBulkLostAnswer loses the answer to the first bulk submission of
// apply --bulk after the store queued the bulk. Bulk creates are no more
// idempotent than single ones: before submitting again, apply looks the
// bulk's emails up and submits only those the store does not hold. Every
// customer ends in the store exactly once, the outputs hold them all, and
// the creates that reach the store are counted: as many as customers when
// the lost bulk has run by the time apply looks. When it has not (the
// consumer lags), the customers are submitted again and the store's unique
// key on (email, website) fails the second operation of each: still none
// twice.
func TestApplyBulkLostAnswer(t *testing.T) {
	const n = 10
	tests := []struct {
		name        string
		keep        int
		wait        bool
		wantSubmits int // 0: not checked
		wantItems   int // create operations queued at the store; 0: not checked
	}{
		{"bulk run before the lookup", 0, true, 1, n},
		{"part of the customers queued and run before the lookup", 4, true, 2, n},
		{"bulk maybe not yet run at the lookup", 0, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newTestStore(t, sandbox.Options{})
			proxy := &bulkDropProxy{t: t, store: st.url, keep: tt.keep, wait: tt.wait}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			t.Setenv("MAGENTO_URL", srv.URL)
			dir := t.TempDir()
			m := filepath.Join(dir, "m.yaml")
			writeCustomers(t, m, n, nil)

			code, out, errOut := runCmd(t, dir, "apply", "--bulk", m)
			if code != 0 {
				t.Fatalf("apply --bulk: exit %d\n%s\n%s", code, out, errOut)
			}

			// Every email exactly once in the store.
			var found magento.CustomerSearchResults
			getJSON(t, st.url+"/rest/V1/customers/search?searchCriteria[pageSize]=1000", &found)
			seen := map[string]int{}
			for _, c := range found.Items {
				seen[c.Email]++
			}
			for email, k := range seen {
				if k != 1 {
					t.Errorf("%s is in the store %d times", email, k)
				}
			}
			if len(seen) != n || found.TotalCount != n {
				t.Errorf("the store holds %d customers (%d emails), want %d", found.TotalCount, len(seen), n)
			}
			o, _, err := outputs.Read(filepath.Join(dir, "mageseed.outputs.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Customers) != n {
				t.Errorf("outputs hold %d customers, want %d", len(o.Customers), n)
			}

			// The creates that reached the store, and those it refused as
			// duplicates.
			proxy.mu.Lock()
			submits, items, uuids := proxy.submits, proxy.items, proxy.uuids
			proxy.mu.Unlock()
			failed := 0
			for _, u := range uuids {
				for _, op := range proxy.status(u).OperationsList {
					if op.Status != magento.OperationComplete {
						failed++
						if !strings.Contains(op.ResultMessage, "already exists") {
							t.Errorf("bulk %s: operation %d: %d %q", u, op.ID, op.Status, op.ResultMessage)
						}
					}
				}
			}
			t.Logf("%d bulk submissions carried %d creates; %d failed as duplicates", submits, items, failed)
			if got := st.requests(t)["POST /async/bulk/V1/customers"]; got != submits {
				t.Errorf("the store counts %d bulk submissions, the proxy %d", got, submits)
			}
			if items-failed != n {
				t.Errorf("%d creates reached the store and %d failed as duplicates: %d customers made, want %d", items, failed, items-failed, n)
			}
			if tt.wantSubmits != 0 && submits != tt.wantSubmits {
				t.Errorf("%d bulk submissions, want %d", submits, tt.wantSubmits)
			}
			if tt.wantItems != 0 && items != tt.wantItems {
				t.Errorf("%d creates reached the store, want %d (one per customer)", items, tt.wantItems)
			}
		})
	}
}
