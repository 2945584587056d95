package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mageseed/mageseed/sandbox"
)

// The benchmarks below are the performance harness of issue 6. Each runs
// mageseed as a child process (so that its peak memory is its own, not the
// sandbox's) against a sandbox on loopback with a fixed latency, and
// reports:
//
//	customers/s     what the run achieved
//	req/customer    requests the store received per customer
//	wall/ideal      wall time over requests x latency / parallelism
//	peak-rss-MB     mageseed's peak resident memory
//
// Run them with, for example:
//
//	go test -run '^$' -bench 'ApplyLatency' -benchtime 1x ./cmd/mageseed
//	MAGESEED_BENCH_CUSTOMERS=100000 go test -run '^$' -bench 'Scale' -benchtime 1x -timeout 1h ./cmd/mageseed

func benchCustomers(def int) int {
	if v := os.Getenv("MAGESEED_BENCH_CUSTOMERS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

// runChild runs one mageseed command line as a child process and returns
// its wall time and peak RSS in bytes, as the child measured it.
func runChild(b *testing.B, dir string, args ...string) (time.Duration, int64) {
	b.Helper()
	return runChildPeak(b, dir, args...)
}

// BenchmarkApplyLatency applies N new customers with one address each to a
// store that takes 20 ms a request, at parallelism 16 and at parallelism 1,
// in the same run (issue 6, point 2).
func BenchmarkApplyLatency(b *testing.B) {
	n := benchCustomers(1000)
	const latency = 20 * time.Millisecond
	for _, par := range []int{16, 1} {
		b.Run(fmt.Sprintf("parallelism=%d", par), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				st := newTestStore(b, sandbox.Options{Latency: latency})
				dir := b.TempDir()
				m := filepath.Join(dir, "m.yaml")
				writeGenerated(b, m, n)
				before := total(st.requests(b))
				wall, rss := runChild(b, dir, "apply", "--quiet", "--parallelism", strconv.Itoa(par), m)
				reqs := total(st.requests(b)) - before
				ideal := time.Duration(reqs) * latency / time.Duration(par)
				b.ReportMetric(float64(n)/wall.Seconds(), "customers/s")
				b.ReportMetric(float64(reqs)/float64(n), "req/customer")
				b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
				b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
			}
		})
	}
}

// BenchmarkScale runs validate, plan and apply of N generated customers
// against the sandbox (no latency) and reports time per customer and peak
// memory of each step (issue 6, point 5).
func BenchmarkScale(b *testing.B) {
	n := benchCustomers(10000)
	for i := 0; i < b.N; i++ {
		newTestStore(b, sandbox.Options{DB: filepath.Join(b.TempDir(), "store.db")})
		dir := b.TempDir()
		m := filepath.Join(dir, "m.yaml")
		writeGenerated(b, m, n)
		for _, step := range []struct{ name, cmd string }{
			{"validate", "validate"}, {"plan-new", "plan"}, {"apply", "apply"}, {"plan-unchanged", "plan"},
		} {
			args := []string{step.cmd, m}
			if step.cmd != "validate" {
				args = []string{step.cmd, "--quiet", "--parallelism", "16", m}
			}
			wall, rss := runChild(b, dir, args...)
			b.ReportMetric(float64(wall.Microseconds())/float64(n), step.name+"-µs/customer")
			b.ReportMetric(float64(rss)/(1<<20), step.name+"-peak-rss-MB")
		}
	}
}
