package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSandboxServerCutsOffSlowClients checks the servers of the embedded
// --sandbox and of 'mageseed sandbox' (both built by newSandboxServer): a
// client that stops half way through its headers, or through its body,
// has its connection closed by the read timeouts instead of holding it
// open. The timeouts are shortened for the test; the test waits for the
// close, it does not sleep.
func TestSandboxServerCutsOffSlowClients(t *testing.T) {
	srv := newSandboxServer(nil)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("server timeouts: header %s, read %s, idle %s; want all set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
	}
	defer func(h, r time.Duration) { sandboxReadHeaderTimeout, sandboxReadTimeout = h, r }(sandboxReadHeaderTimeout, sandboxReadTimeout)
	sandboxReadHeaderTimeout, sandboxReadTimeout = 200*time.Millisecond, 200*time.Millisecond

	t.Run("embedded", func(t *testing.T) {
		base, _, stop, err := startSandbox(filepath.Join(t.TempDir(), "sandbox.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		u, _ := url.Parse(base)
		checkCutsOff(t, u.Host)
	})
	t.Run("mageseed sandbox", func(t *testing.T) {
		var f sandboxFlags
		f.addr, f.adminUser, f.adminPassword = "127.0.0.1:0", sandboxDefaultAdminUser, sandboxDefaultAdminPassword
		f.adminTokenLifetime, f.customerTokenLifetime = time.Hour, time.Hour
		cfg, err := f.config(func() int64 { return 1 })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- serveSandbox(ctx, cfg, pw); pw.Close() }()
		banner, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, pr)
		host, _, _ := strings.Cut(strings.TrimPrefix(banner, "sandbox: serving http://"), " ")
		checkCutsOff(t, host)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveSandbox: %v", err)
		}
	})
}

// checkCutsOff sends a request that stalls in its headers, then one that
// stalls in its body, and waits for the server to close each connection.
func checkCutsOff(t *testing.T, host string) {
	t.Helper()
	for _, send := range []string{
		"POST /rest/V1/integration/customer/token HTTP/1.1\r\nHost: x\r\n",
		"POST /rest/V1/integration/customer/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":",
	} {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(c, send); err != nil {
			t.Fatal(err)
		}
		// A safety net only: the server's timeout is far shorter.
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		rest, err := io.ReadAll(bufio.NewReader(c))
		c.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the sandbox kept the connection of a stalled client open (%q): %v", send[:20], err)
		}
		if strings.Contains(string(rest), "200 OK") {
			t.Errorf("a stalled request was answered 200:\n%s", rest)
		}
	}
}
