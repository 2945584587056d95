package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mageseed/mageseed/sandbox"
)

// The benchmarks below are the performance harness. Each runs
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
// in the same run.
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
// memory of each step.
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

// capacityRun is one apply of BenchmarkCapacity.
type capacityRun struct {
	wall       time.Duration
	requests   int64 // requests the store received
	overloaded int64 // of which answered 503 because its queue was full
	reached    int   // the parallelism the summary reports as reached
	failed     bool  // apply exited with an error
}

// runCapacity applies n new customers with the given --parallelism against
// a fresh sandbox with a pool of workers and a service time of latency.
func runCapacity(b *testing.B, n, workers, queue int, latency time.Duration, par string) capacityRun {
	b.Helper()
	st := newTestStore(b, sandbox.Options{Latency: latency, Workers: workers, Queue: queue})
	dir := b.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(b, m, n)
	cmd, out := childB(b, dir, "apply", "--quiet", "--keep-going", "--parallelism", par, m)
	start := time.Now()
	err := cmd.Wait()
	r := capacityRun{wall: time.Since(start), failed: err != nil}
	if err != nil {
		failed := strings.Count(out.String(), "Failed: ")
		b.Logf("--parallelism %s with %d workers and a queue of %d: mageseed apply: %v: %d customers failed", par, workers, queue, err, failed)
	}
	if m := regexp.MustCompile(`Parallelism: (?:auto, reached )?(\d+).*`).FindStringSubmatch(out.String()); m != nil {
		r.reached, _ = strconv.Atoi(m[1])
		if par == "auto" {
			b.Logf("workers %d, queue %d: %s", workers, queue, m[0])
		}
	}
	resp, err := http.Get(st.url + "/__sandbox/stats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Total int64 `json:"total"`
		Pool  struct {
			Overloaded int64 `json:"overloaded"`
		} `json:"pool"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		b.Fatal(err)
	}
	r.requests, r.overloaded = stats.Total, stats.Pool.Overloaded
	return r
}

// BenchmarkCapacity applies N new customers (1,000 by default) against a
// sandbox whose requests take 50 ms of a worker, with a pool of 8 workers
// and a queue of 16, of 32 and 64, and without a limit; in each, at every
// fixed parallelism of 4, 8, 16, 32 and 64 and with --parallelism auto, in
// the same run, each three times (MAGESEED_BENCH_REPS) in interleaved
// rounds, and takes each one's median run. It reports, per pool:
//
//	best-fixed-s      the fastest of the fixed parallelisms, and which
//	                  (best-fixed-parallelism)
//	fixed-N-s         each fixed parallelism's wall time
//	auto-s            --parallelism auto's wall time
//	auto/best         auto's time over the best fixed time (target ≤ 1.15)
//	auto/64-tput      auto's throughput over that of --parallelism 64
//	                  (target ≥ 0.8 without a limit)
//	auto-503-%        auto's overload 503s, per cent of its requests, in
//	                  its worst run (target < 1)
//	auto-parallelism  the parallelism auto reached
//
// Run it with:
//
//	go test -run '^$' -bench Capacity -benchtime 1x -timeout 30m ./cmd/mageseed
func BenchmarkCapacity(b *testing.B) {
	n := benchCustomers(1000)
	reps := 3
	if v := os.Getenv("MAGESEED_BENCH_REPS"); v != "" {
		if r, err := strconv.Atoi(v); err == nil && r > 0 {
			reps = r
		}
	}
	const latency = 50 * time.Millisecond
	pars := []string{"4", "8", "16", "32", "64", "auto"}
	for _, pool := range []struct{ workers, queue int }{{8, 16}, {32, 64}, {0, 0}} {
		b.Run(fmt.Sprintf("workers=%d,queue=%d", pool.workers, pool.queue), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				// Every parallelism runs reps times, the rounds
				// interleaved, so that a burst of load on a shared
				// machine falls on all of them alike; each is its median
				// run.
				runs := map[string][]capacityRun{}
				for range reps {
					for _, par := range pars {
						runs[par] = append(runs[par], runCapacity(b, n, pool.workers, pool.queue, latency, par))
					}
				}
				med := map[string]capacityRun{}
				for _, par := range pars {
					rs := runs[par]
					slices.SortFunc(rs, func(x, y capacityRun) int { return cmp.Compare(x.wall, y.wall) })
					med[par] = rs[len(rs)/2]
				}
				var best time.Duration
				bestPar := 0
				for _, par := range pars[:len(pars)-1] {
					r := med[par]
					b.ReportMetric(r.wall.Seconds(), "fixed-"+par+"-s")
					b.ReportMetric(100*float64(r.overloaded)/float64(max(r.requests, 1)), "fixed-"+par+"-503-%")
					if !r.failed && (best == 0 || r.wall < best) {
						best = r.wall
						bestPar, _ = strconv.Atoi(par)
					}
				}
				auto := med["auto"]
				worst503 := 0.0
				for _, r := range runs["auto"] {
					if r.failed {
						b.Errorf("apply with --parallelism auto failed")
					}
					worst503 = max(worst503, 100*float64(r.overloaded)/float64(max(r.requests, 1)))
				}
				b.ReportMetric(best.Seconds(), "best-fixed-s")
				b.ReportMetric(float64(bestPar), "best-fixed-parallelism")
				b.ReportMetric(auto.wall.Seconds(), "auto-s")
				b.ReportMetric(auto.wall.Seconds()/best.Seconds(), "auto/best")
				b.ReportMetric(med["64"].wall.Seconds()/auto.wall.Seconds(), "auto/64-tput")
				b.ReportMetric(worst503, "auto-503-%")
				b.ReportMetric(float64(auto.reached), "auto-parallelism")
			}
		})
	}
}
