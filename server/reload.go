package server

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// Reload serves /-/reload: POST only, 500 with the reason when the new config is refused, as
// blackbox_exporter does (mysqld_exporter's 200 on failure hides a bad config).
func Reload(r *config.Reloader, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
			return
		}
		if err := r.Reload(); err != nil {
			logger.Error("Error reloading config", "err", err)
			http.Error(w, fmt.Sprintf("failed to reload config: %s", err), http.StatusInternalServerError)
			return
		}
		_, _ = fmt.Fprintln(w, "OK")
	})
}

// Ready serves /-/ready: ready once a config is live and discovery's first pass has ended, so
// that clusters to discover and families to find (api: auto) are known before the first scrape.
// discovered may be nil, for a process without discovery.
func Ready(r *config.Reloader, discovered func() bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case r.Current() == nil:
			http.Error(w, "Not ready: no configuration loaded.", http.StatusServiceUnavailable)
			return
		case discovered != nil && !discovered():
			http.Error(w, "Not ready: discovery's first pass (clusters, and the family of api: auto targets) has not ended.", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintln(w, "Ready")
	})
}
