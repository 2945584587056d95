package apply

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// BenchmarkDiff diffs 100,000 desired customers against a store holding
// them all, a tenth with a changed lastname and a tenth with an extra
// address.
func BenchmarkDiff(b *testing.B) {
	const n = 100_000
	desired := customers(n)
	remote := make([]mageseed.Customer, n)
	for i := range desired {
		r := desired[i]
		r.Key, r.Password, r.Token = "", "", false
		r.ID = i + 1
		r.GroupID, r.StoreID = mageseed.Int(1), mageseed.Int(1)
		r.Addresses = []mageseed.Address{desired[i].Addresses[0]}
		r.Addresses[0].Key, r.Addresses[0].ID = "", i+1
		switch i % 10 {
		case 0:
			r.Lastname = "Changed"
		case 1:
			r.Addresses = append(r.Addresses, mageseed.Address{ID: n + i, City: "Elsewhere"})
		}
		remote[i] = r
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Diff(desired, remote)
		if _, u, _, _ := p.Counts(); u != n/10 {
			b.Fatalf("%d updates, want %d", u, n/10)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/customer")
}

// BenchmarkApply applies 1,000 new customers (one address each, a third
// with a token) against the in-memory store with 5 ms latency per request,
// at several parallelisms. It reports customers per second and the wall
// time against the ideal (requests × latency / parallelism).
func BenchmarkApply(b *testing.B) {
	const n = 1000
	const latency = 5 * time.Millisecond
	for _, par := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("parallelism=%d", par), func(b *testing.B) {
			if par == 1 && testing.Short() {
				b.Skip("slow")
			}
			desired := customers(n)
			b.ReportAllocs()
			var requests int
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				m := newMemStore()
				m.latency = latency
				p := Diff(desired, nil)
				w, err := outputs.NewWriter(filepath.Join(b.TempDir(), "out.json"), outputs.FormatJSON, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				res, err := Apply(context.Background(), m, p, Options{Parallelism: par, Outputs: w})
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				if res.Created != n {
					b.Fatalf("created %d, want %d", res.Created, n)
				}
				m.mu.Lock()
				for _, c := range m.calls {
					requests += c
				}
				m.mu.Unlock()
			}
			ideal := time.Duration(requests) * latency / time.Duration(par)
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "customers/s")
			b.ReportMetric(float64(requests)/float64(n*b.N), "requests/customer")
			b.ReportMetric(elapsed.Seconds()/ideal.Seconds(), "x-ideal")
		})
	}
}

// BenchmarkApplyScale applies N new customers against the in-memory store
// without latency, to show that the time per customer does not grow with N
// and to report the heap in use afterwards.
func BenchmarkApplyScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			desired := customers(n)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				m := newMemStore()
				w, err := outputs.NewWriter(filepath.Join(b.TempDir(), "out.json"), outputs.FormatJSON, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				p := Diff(desired, nil)
				res, err := Apply(context.Background(), m, p, Options{Parallelism: 16, Outputs: w})
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				if res.Created != n {
					b.Fatalf("created %d, want %d", res.Created, n)
				}
				b.StopTimer()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
			b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
		})
	}
}
