//go:build linux

package main

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mageseed/mageseed/sandbox"
)

// openPTY opens a pseudo-terminal pair: the master, which the test reads,
// and the slave, which the child process gets as its terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("name the pseudo-terminal: %v", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("open the pseudo-terminal's slave: %v", err)
	}
	return master, slave
}

// TestProgressIsLiveOnATerminal runs apply on a pseudo-terminal and reads
// what the terminal receives as it arrives. Past 60 creates the store holds
// every further create until the test has seen a progress frame ("\r"
// then the bar, no newline): the frame must reach the terminal while the
// run is in flight, not when it ends. The secret filter is on (the
// manifest's password and the admin token are registered), so this also
// shows that it passes frames at once.
func TestProgressIsLiveOnATerminal(t *testing.T) {
	const n, gateAt = 100, 60
	release := make(chan struct{})
	var creates atomic.Int32
	st := newTestStoreWith(t, sandbox.Options{Latency: 20 * time.Millisecond}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if route(r) == "POST /V1/customers" && creates.Add(1) > gateAt {
				<-release
			}
			next.ServeHTTP(w, r)
		})
	})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open) // before the store closes: it waits for held requests
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	writeGenerated(t, m, n)

	master, slave := openPTY(t)
	defer master.Close()
	cmd := exec.Command(os.Args[0], "apply", "--parallelism", "2", m)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MAGESEED_TEST_MAIN=1", "NO_COLOR=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	term := newSyncBuffer()
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		for {
			k, err := master.Read(buf)
			term.Write(buf[:k])
			if err != nil {
				return // EIO once the child has closed the terminal
			}
		}
	}()

	st.waitFor(t, "POST /V1/customers", gateAt+1)
	term.waitFor(t, "\rapplying [")
	if got := st.receivedOf("POST /V1/customers"); got >= n {
		t.Fatalf("the frame came after all %d creates", got)
	}
	open()
	err := cmd.Wait()
	<-read
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("apply on a terminal: exit %d\n%q", code, term.String())
	}
	out := term.String()
	if !strings.Contains(out, "Apply complete: 100 created") {
		t.Errorf("the terminal did not get the summary:\n%q", out)
	}
	if strings.Contains(out, "Password1") || strings.Contains(out, scriptAdminToken) {
		t.Errorf("a secret reached the terminal")
	}
}
