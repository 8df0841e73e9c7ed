package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// An idle keep-alive connection is closed after the idle timeout: a thousand idle clients cannot
// hold a thousand file descriptors for ever.
func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	srv := server.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") }))
	if srv.IdleTimeout <= 0 || srv.ReadHeaderTimeout <= 0 {
		t.Fatalf("idle timeout %v, header timeout %v: want both set", srv.IdleTimeout, srv.ReadHeaderTimeout)
	}
	srv.IdleTimeout = 100 * time.Millisecond // the default is minutes; the behaviour is the same
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("the idle connection was not closed by the server: %v", err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("closed after %v, want about the idle timeout", waited)
	}
}
