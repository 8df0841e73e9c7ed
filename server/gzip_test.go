package server

import (
	"net/http"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]bool{
		"gzip":                   true, // what Prometheus sends
		"GZIP":                   true,
		"deflate, gzip;q=0.5":    true,
		"gzip ; q=1.0":           true,
		"gzip;q=0":               false,
		"gzip;q=0.0, identity":   false,
		"identity":               false,
		"x-gzip, br":             false,
		"":                       false,
		"zstd,gzip;q=0.001,br;q": true,
	} {
		h := http.Header{}
		if header != "" {
			h.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(h); got != want {
			t.Errorf("Accept-Encoding %q: gzip = %v, want %v", header, got, want)
		}
	}
}
