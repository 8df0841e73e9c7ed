package atlastest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a simulator serving on a loopback port.
type Running struct {
	// URL is the API root, e.g. http://127.0.0.1:40123/api/atlas/v1.0: the client's base URL.
	URL string
	// Host is the scheme and address alone, e.g. http://127.0.0.1:40123, to join to another root.
	Host string
	srv  *http.Server
	ln   net.Listener
	// stop ends the nonce sweeper.
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// Start serves s on 127.0.0.1 at a free port until Close.
func Start(s *Server) (*Running, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &Running{
		URL:  "http://" + ln.Addr().String() + s.Root(),
		Host: "http://" + ln.Addr().String(),
		srv: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			// Injected resets abort handlers on purpose; keep net/http from logging each one.
			ErrorLog: log.New(io.Discard, "", 0),
		},
		ln:   ln,
		stop: stop,
	}
	r.wg.Go(func() {
		t := time.NewTicker(nonceSweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.expireNonces()
			}
		}
	})
	r.wg.Go(func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("atlastest: serve: %v", err))
		}
	})
	return r, nil
}

// Close stops serving and drops open connections, hung requests included.
func (r *Running) Close() {
	r.stop()
	_ = r.srv.Close()
	r.wg.Wait()
}
