package collector

import (
	"context"
	"net/http"
	"regexp"
	"slices"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

var (
	groupIDParam     = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	clusterNameParam = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// ProbeHandler serves /probe?target=<group_id>[&cluster_name=<name>]: one project's restore-job
// metrics, so several exporter replicas can split a large organisation between them. Only
// configured or discovered projects are accepted, and the URL can name nothing else: no base URL,
// no credential.
func (e *Exporter) ProbeHandler(o HandlerOptions) http.Handler {
	o = o.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		groupID, cluster := q.Get("target"), q.Get("cluster_name")
		switch {
		case !groupIDParam.MatchString(groupID):
			http.Error(w, "target must be a 24-digit hex project (group) ID", http.StatusBadRequest)
			return
		case q.Has("cluster_name") && !clusterNameParam.MatchString(cluster):
			http.Error(w, "cluster_name is not a valid cluster name", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout(r.Header, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		sel := func(t config.Target) bool {
			return t.GroupID == groupID && (cluster == "" || t.ClusterName == cluster)
		}
		if !slices.ContainsFunc(e.knownTargets(ctx), sel) {
			http.Error(w, "target is not a configured or discovered project (and cluster)", http.StatusForbidden)
			return
		}
		e.serveText(w, r, e.scrape(ctx, "probe:"+groupID+"/"+cluster, sel), nil)
	})
}

// knownTargets are the cluster targets a probe may ask for: configured ones, and those discovery
// found (discovering first if it never has).
func (e *Exporter) knownTargets(ctx context.Context) []config.Target {
	live := e.live.Load()
	if live == nil {
		return nil
	}
	return e.expand(ctx, live)
}
