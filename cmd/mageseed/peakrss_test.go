package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The peak memory of a mageseed child process, as the child measures it.
//
// The rusage of a child that os/exec started on Linux is no measure of the
// child: Go starts it with vfork, and the exec carries the parent's
// high-water mark over into the child's maxrss, so a child smaller than
// the test binary reports the test binary's peak. The child reads its own
// high-water mark (VmHWM in /proc/self/status) when it exits instead, and
// writes it to the file peakRSSEnv names.

// peakRSSEnv names the file in which the child writes its peak RSS.
const peakRSSEnv = "MAGESEED_PEAK_RSS_FILE"

// reportPeakRSS writes this process's VmHWM ("12345 kB") to the file
// peakRSSEnv names, if it is set. TestMain calls it when the test binary
// has run as mageseed.
func reportPeakRSS() {
	path := os.Getenv(peakRSSEnv)
	if path == "" {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return // not Linux: the parent finds no figure and says so
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			os.WriteFile(path, []byte(strings.TrimSpace(v)), 0o600)
		}
	}
}

// runChildPeak runs one mageseed command line as a child process in dir
// and returns its wall time and its own peak RSS in bytes.
func runChildPeak(tb testing.TB, dir string, args ...string) (time.Duration, int64) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "peak-rss")
	tb.Setenv(peakRSSEnv, path)
	cmd, out := childB(tb, dir, args...)
	start := time.Now()
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("mageseed %v: %v\n%s", args, err, out)
	}
	wall := time.Since(start)
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("mageseed %v did not report its peak RSS: %v", args, err)
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(string(raw), " kB"), 10, 64)
	if err != nil || kb <= 0 {
		tb.Fatalf("mageseed %v reported its peak RSS as %q", args, raw)
	}
	return wall, kb << 10
}

// TestChildPeakRSS: a parent that holds 256 MiB runs a small mageseed
// command; the peak RSS measured is the child's (tens of MB), not the
// parent's, which the rusage of the same child reports.
func TestChildPeakRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the child reads its peak RSS from Linux's /proc/self/status")
	}
	const held = 256 << 20
	ballast := make([]byte, held)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1 // resident, not just reserved
	}
	_, peak := runChildPeak(t, t.TempDir(), "version")
	runtime.KeepAlive(ballast)

	// The same child as the rusage saw it, for the record.
	cmd, _ := childB(t, t.TempDir(), "version")
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	var rusage int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rusage = ru.Maxrss << 10
	}
	runtime.KeepAlive(ballast)
	t.Logf("mageseed version, with the parent holding %d MiB: peak RSS %d MiB as the child measures it, %d MiB in its rusage", held>>20, peak>>20, rusage>>20)
	if peak >= held/2 {
		t.Errorf("peak RSS of mageseed version = %d MiB: that is the parent's, not the child's", peak>>20)
	}
}
