package main

import (
	"bufio"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSandboxServerCutsOffSlowClients checks the server of the embedded
// --sandbox (and of 'mageseed sandbox', which builds it with the same
// newSandboxServer): a client that stops half way through its headers, or
// through its body, has its connection closed by the read timeouts instead
// of holding it open. The timeouts are shortened for the test; the test
// waits for the close, it does not sleep.
func TestSandboxServerCutsOffSlowClients(t *testing.T) {
	srv := newSandboxServer(nil)
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("server timeouts: header %s, read %s, idle %s; want all set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
	}
	defer func(h, r time.Duration) { sandboxReadHeaderTimeout, sandboxReadTimeout = h, r }(sandboxReadHeaderTimeout, sandboxReadTimeout)
	sandboxReadHeaderTimeout, sandboxReadTimeout = 200*time.Millisecond, 200*time.Millisecond

	base, _, stop, err := startSandbox(filepath.Join(t.TempDir(), "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	u, _ := url.Parse(base)

	for _, tt := range []struct{ name, send string }{
		{"headers never end", "POST /rest/V1/integration/customer/token HTTP/1.1\r\nHost: x\r\n"},
		{"body never ends", "POST /rest/V1/integration/customer/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"username\":"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			// A safety net only: the server's timeout is far shorter.
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			rest, err := io.ReadAll(bufio.NewReader(c))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the sandbox kept the connection of a stalled client open: %v", err)
			}
			if strings.Contains(string(rest), "200 OK") {
				t.Errorf("a stalled request was answered 200:\n%s", rest)
			}
		})
	}
}
