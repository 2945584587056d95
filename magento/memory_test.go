package magento_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mageseed/mageseed/magento"
)

// hugeSearch answers every search with about mb megabytes, streamed: the
// customers asked for (with an address each) among padding customers
// that were not asked for, and a total_count that matches what it sent.
// It holds one block of padding, never the answer.
func hugeSearch(mb int) func(n int, w http.ResponseWriter, r *http.Request) {
	var block strings.Builder
	const perBlock = 1000
	for i := range perBlock {
		d := wireCustomer(5_000_000+i, fmt.Sprintf("padding-%07d@elsewhere.example", i), 1)
		d.Addresses = []magento.AddressData{{ID: 9_000_000 + i, City: "Nowhere", Street: []string{strings.Repeat("x", 200)}, CountryID: "US"}}
		b, _ := json.Marshal(d)
		block.Write(b)
		block.WriteByte(',')
	}
	pad := block.String()
	return func(n int, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var emails []string
		for k, v := range q {
			if strings.HasSuffix(k, "[field]") && v[0] == "email" {
				emails = strings.Split(q.Get(strings.TrimSuffix(k, "[field]")+"[value]"), ",")
			}
		}
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString(`{"items":[`)
		count := 0
		for written := 0; written < mb<<20; written += len(pad) {
			bw.WriteString(pad)
			count += perBlock
		}
		for i, e := range emails {
			d := wireCustomer(1+i+1000*n, e, 1)
			d.Addresses = []magento.AddressData{{ID: 1 + i + 1000*n, City: "Mineola", Street: []string{"1 Main St"}, CountryID: "US"}}
			b, _ := json.Marshal(d)
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.Write(b)
			count++
		}
		fmt.Fprintf(bw, `],"search_criteria":{"filter_groups":[]},"total_count":%d}`, count)
		bw.Flush()
	}
}

// TestMemoryBoundedUnderHugeSearches: 1,000 customers looked up in a store
// that answers every search with a huge page (20 MB; the drill sets
// MAGESEED_SEARCH_MB=200), in a child process whose peak RSS is measured: it stays under
// 300 MB, and the customers asked for are all found.
func TestMemoryBoundedUnderHugeSearches(t *testing.T) {
	if url := os.Getenv("MAGESEED_HUGE_SEARCH_URL"); url != "" {
		hugeSearchChild(t, url)
		return
	}
	if testing.Short() {
		t.Skip("streams 200 MB through a child process")
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read from Linux's /proc/self/status")
	}
	mb := 20
	if v := os.Getenv("MAGESEED_SEARCH_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	h := newHostile(t)
	h.on("GET", "/V1/customers/search", hugeSearch(mb))
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryBoundedUnderHugeSearches$", "-test.v")
	cmd.Env = append(os.Environ(), "MAGESEED_HUGE_SEARCH_URL="+h.srv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "found 1000 of 1000") {
		t.Fatalf("child did not find every customer:\n%s", out)
	}
	// The child reads its own high-water mark: the rusage of a child
	// started with vfork also counts the parent's memory at the exec.
	var peak int64
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "peak RSS: "); ok {
			peak, _ = strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
			peak <<= 10
		}
	}
	if peak == 0 {
		t.Fatalf("child did not report its peak RSS:\n%s", out)
	}
	searches := h.count("GET", "/V1/customers/search")
	t.Logf("%d searches of %d MB each: peak RSS %d MB", searches, mb, peak>>20)
	if searches != 10 {
		t.Errorf("%d searches, want 10", searches)
	}
	if peak >= 300<<20 {
		t.Errorf("peak RSS %d MB, want under 300 MB", peak>>20)
	}
}

func hugeSearchChild(t *testing.T, url string) {
	c, err := magento.New(magento.Config{BaseURL: url, AdminToken: "admin-secret-token"})
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, 1000)
	for i := range emails {
		emails[i] = fmt.Sprintf("c%04d@example.com", i)
	}
	found, err := c.FindCustomers(context.Background(), 1, emails)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if len(f.Addresses) != 1 {
			t.Fatalf("customer %s has %d addresses", f.Email, len(f.Addresses))
		}
	}
	fmt.Printf("found %d of %d\n", len(found), len(emails))
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("peak RSS: %s\n", strings.TrimSpace(v))
		}
	}
}
