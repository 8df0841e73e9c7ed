package server

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// Probe serves /probe?target=<group_id>[&cluster_name=<name>]: one project's restore-job
// metrics, so several exporter replicas can split a large organisation between them. Only
// configured or discovered projects are accepted, and the URL can name nothing else: no base URL,
// no credential.
func (h *Scrapes) Probe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		// IDs are lower-case hex in the config (normalised at validation) and on Atlas.
		groupID, cluster := strings.ToLower(q.Get("target")), q.Get("cluster_name")
		switch {
		case !config.IsObjectID(groupID):
			http.Error(w, "target must be a 24-digit hex project (group) ID", http.StatusBadRequest)
			return
		case cluster != "" && !config.IsClusterName(cluster): // a form sends an empty one
			http.Error(w, "cluster_name is not a valid cluster name", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(renderFor(r), scrapeTimeout(r.Header, h.opts.DefaultTimeout, h.opts.TimeoutOffset))
		defer cancel()
		sel := func(t config.Target) bool {
			return t.GroupID == groupID && (cluster == "" || t.ClusterName == cluster)
		}
		known, pending := h.scraper.Known()
		if !slices.ContainsFunc(known, sel) {
			if pending {
				// Discovery has not yet read every scope: the project may still appear.
				http.Error(w, "target is not known yet: discovery has not succeeded since start (see the exporter's log)", http.StatusServiceUnavailable)
				return
			}
			http.Error(w, "target is not a configured or discovered project (and cluster)", http.StatusForbidden)
			return
		}
		_ = h.serveText(w, r, h.scraper.Scrape(ctx, "probe:"+groupID+"/"+cluster, sel), nil)
	})
}
