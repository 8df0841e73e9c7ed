package server

import (
	"net/http"
	"time"
)

// Timeouts of the exporter's own HTTP server. Headers must arrive promptly; a keep-alive
// connection that stays idle is closed, so idle clients cannot hold file descriptors for ever.
// Prometheus scrapes at least every few minutes and reconnects at no cost when it must.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 2 * time.Minute
)

// NewHTTPServer is the exporter's http.Server around h, with the timeouts above.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, IdleTimeout: IdleTimeout}
}
