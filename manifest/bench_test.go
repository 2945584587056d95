package manifest_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mageseed/mageseed/manifest"
)

// writeExplicit writes a manifest that declares n customers with one
// address each, the way a person or an export would write them.
func writeExplicit(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "customers.yaml")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "version: 1\ndefaults:\n  password: Password1\ncustomers:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, `  c%06d:
    email: customer-%06d@example.test
    firstname: Jane
    lastname: Doe
    addresses:
      home:
        defaultBilling: true
        defaultShipping: true
        street: ["%d 1st St."]
        city: Mineola
        region: {regionCode: NY}
        postcode: "11501"
        countryId: US
        telephone: 516-555-1111
`, i, i, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// writeGenerated writes a manifest that generates n customers.
func writeGenerated(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "generated.yaml")
	data := fmt.Sprintf("version: 1\ngenerate:\n  - key: demo\n    count: %d\n    seed: 42\n    password: Password1\n    addresses: 1\n    countries: [US, CA]\n", n)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkValidate100k loads 100,000-customer manifests, declared and
// generated, and reports the peak heap seen by a sampler besides time.
//
//	go test -run '^$' -bench Validate100k -benchtime 1x ./manifest
func BenchmarkValidate100k(b *testing.B) {
	const n = 100_000
	for _, bc := range []struct {
		name  string
		write func(testing.TB, int) string
	}{
		{"explicit", writeExplicit},
		{"generate", writeGenerated},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := bc.write(b, n)
			b.ResetTimer()
			for range b.N {
				runtime.GC()
				stop := sampleHeap()
				m, err := manifest.Load([]string{path}, manifest.Options{Getenv: noEnv})
				peak := stop()
				if err != nil {
					b.Fatal(err)
				}
				if len(m.Customers) != n {
					b.Fatalf("got %d customers, want %d", len(m.Customers), n)
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			}
		})
	}
}

// sampleHeap samples the heap size until the returned function is called,
// which returns the largest size seen.
func sampleHeap() func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				runtime.ReadMemStats(&ms)
				result <- max(peak, ms.HeapAlloc)
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

func noEnv(string) (string, bool) { return "", false }
