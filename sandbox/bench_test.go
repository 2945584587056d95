package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mageseed/mageseed/sandbox"
)

// BenchmarkCreateCustomers measures customer creates per second: 16
// concurrent clients, each op one POST /V1/customers with one address,
// against a file database. Run it with
//
//	go test -run '^$' -bench CreateCustomers -benchtime 5000x ./sandbox
func BenchmarkCreateCustomers(b *testing.B) {
	const clients = 16
	s := edgeServe(b, sandbox.Options{DB: filepath.Join(b.TempDir(), "sandbox.db")})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	// Bodies are encoded before the clock starts; the emails differ only
	// in their number.
	bodies := make([][]byte, b.N)
	for i := range bodies {
		data, err := json.Marshal(edgeCustomer(fmt.Sprintf("bench-%07d@example.com", i)))
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = data
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				if err := benchCreate(hc, s.URL, bodies[i]); err != nil {
					b.Errorf("create %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// benchCreate sends one create and reads its answer.
func benchCreate(hc *http.Client, base string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, base+"/rest/V1/customers", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, data)
	}
	return nil
}
