package atlastest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// request is a parsed API path: which root, which route, and the path's parameters in order.
type request struct {
	root   string
	route  string
	params []string
}

// match maps a path under any served root to its route template.
func match(path string) request {
	for _, root := range []string{RootAtlasV1, RootAtlasV2, RootManager} {
		rest, ok := strings.CutPrefix(path, root+"/")
		if !ok {
			continue
		}
		req := request{root: root}
		p := strings.Split(rest, "/")
		switch {
		case len(p) == 1 && p[0] == "groups":
			req.route = RouteProjects
			return req
		case len(p) == 3 && p[0] == "orgs" && p[2] == "groups":
			req.route, req.params = RouteOrgProjects, []string{p[1]}
			return req
		}
		if len(p) >= 3 && p[0] == "groups" && p[2] == "flexClusters" && root == RootAtlasV2 {
			switch {
			case len(p) == 3:
				req.route, req.params = RouteFlexClusters, []string{p[1]}
			case len(p) == 4:
				req.route, req.params = RouteFlexCluster, []string{p[1], p[3]}
			case len(p) == 6 && p[4] == "backup" && p[5] == "restoreJobs":
				req.route, req.params = RouteFlexRestoreJobs, []string{p[1], p[3]}
			case len(p) == 6 && p[4] == "backup" && p[5] == "snapshots":
				req.route, req.params = RouteFlexSnapshots, []string{p[1], p[3]}
			case len(p) == 7 && p[4] == "backup" && p[5] == "restoreJobs":
				req.route, req.params = RouteFlexRestoreJob, []string{p[1], p[3], p[6]}
			}
			return req
		}
		if len(p) == 3 && p[0] == "groups" && p[2] == "backupConfigs" && root == RootManager {
			req.route, req.params = RouteBackupConfigs, []string{p[1]}
			return req
		}
		if len(p) < 3 || p[0] != "groups" || p[2] != "clusters" {
			return req
		}
		byID := root == RootManager
		switch {
		case len(p) == 3:
			req.route, req.params = RouteClusters, []string{p[1]}
		case len(p) == 4 && root != RootManager:
			req.route, req.params = RouteCluster, []string{p[1], p[3]}
		case len(p) == 5 && p[4] == "collectionRestoreJobs" && root == RootAtlasV2:
			req.route, req.params = RouteCollectionRestoreJobs, []string{p[1], p[3]}
		case len(p) == 5 && p[4] == "restoreJobs":
			req.route, req.params = pick(byID, RouteRestoreJobsByID, RouteRestoreJobs), []string{p[1], p[3]}
		case len(p) == 5 && p[4] == "snapshots":
			req.route, req.params = pick(byID, RouteLegacySnapshotsByID, RouteLegacySnapshots), []string{p[1], p[3]}
		case len(p) == 6 && p[4] == "backup" && p[5] == "snapshots" && root != RootManager:
			req.route, req.params = RouteCloudBackupSnapshots, []string{p[1], p[3]}
		case len(p) == 7 && p[4] == "backup" && p[5] == "snapshots" && p[6] == "shardedClusters" && root != RootManager:
			req.route, req.params = RouteShardedSnapshots, []string{p[1], p[3]}
		case len(p) == 6 && p[4] == "restoreJobs":
			req.route, req.params = pick(byID, RouteRestoreJobByID, RouteRestoreJob), []string{p[1], p[3], p[5]}
		case len(p) == 6 && p[4] == "backup" && p[5] == "restoreJobs" && root != RootManager:
			req.route, req.params = RouteCloudBackupRestoreJobs, []string{p[1], p[3]}
		case len(p) == 7 && p[4] == "backup" && p[5] == "restoreJobs" && root != RootManager:
			req.route, req.params = RouteCloudBackupRestoreJob, []string{p[1], p[3], p[6]}
		}
		return req
	}
	return request{}
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// The versioned media types Atlas v2 requires: Flex resources have their own version, and the
// cluster list has several, of which the 2023 ones are sunset on 2027-07-01.
const (
	MediaTypeV2       = "application/vnd.atlas.2023-01-01+json"
	MediaTypeFlex     = "application/vnd.atlas.2024-11-13+json"
	MediaTypeClusters = "application/vnd.atlas.2024-08-05+json"
	// MediaTypeCollectionRestores is the collection restore jobs' version.
	MediaTypeCollectionRestores = "application/vnd.atlas.2025-03-12+json"
	// mediaTypeClusters2023b is the other cluster-list version that Atlas sunsets.
	mediaTypeClusters2023b = "application/vnd.atlas.2023-02-01+json"
)

// acceptedVersions are the media types a v2 route answers, newest first.
func (s *Server) acceptedVersions(route string) (accepted, sunset []string) {
	switch {
	case isFlexRoute(route):
		return []string{MediaTypeFlex}, nil
	case route == RouteCollectionRestoreJobs:
		return []string{MediaTypeCollectionRestores}, nil
	case route == RouteClusters || route == RouteCluster:
		old := []string{mediaTypeClusters2023b, MediaTypeV2}
		if s.opts.SunsetClusterVersions {
			return []string{MediaTypeClusters}, old
		}
		return append([]string{MediaTypeClusters}, old...), nil
	}
	return []string{MediaTypeV2}, nil
}

// isFlexRoute reports the Flex routes, which have their own media type and clusters.
func isFlexRoute(route string) bool {
	return route == RouteFlexClusters || route == RouteFlexCluster || route == RouteFlexRestoreJobs ||
		route == RouteFlexRestoreJob || route == RouteFlexSnapshots
}

// bucketSet is the rate-limit set Atlas meters a metered route in: Flex restore jobs and Flex
// snapshots have sets of their own; every other backup route shares Cloud Backups.
func bucketSet(route string) string {
	switch route {
	case RouteFlexRestoreJobs, RouteFlexRestoreJob:
		return "flex_restore_jobs"
	case RouteFlexSnapshots:
		return "flex_snapshots"
	case RouteLegacySnapshots, RouteLegacySnapshotsByID:
		return "legacy_backup"
	}
	return "cloud_backups"
}

// ServeHTTP authenticates, applies latency and the interceptor, then answers like Atlas.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	lat := s.latency
	s.stats.UserAgents[r.UserAgent()]++
	s.inFlight++
	s.maxFlight = max(s.maxFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if r.URL.Path == RouteToken {
		s.serveToken(w, r)
		return
	}
	if !s.authorized(r) {
		s.Challenge(w)
		return
	}
	req := match(r.URL.Path)
	s.mu.Lock()
	s.stats.Requests[req.route]++
	s.mu.Unlock()
	if s.intercepted(req.route, w, r) {
		return
	}
	if r.Method != http.MethodGet {
		WriteError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			fmt.Sprintf("Method %s is not allowed on this resource.", r.Method), "Method Not Allowed", true)
		return
	}
	contentType := "application/json"
	if req.route == "" {
		WriteError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND",
			"Cannot find resource "+r.URL.Path+".", "Not Found", true)
		return
	}
	if req.root == RootAtlasV2 {
		// A v2 resource answers only the versions it has: 406 without one, 410 past its sunset.
		accepted, sunset := s.acceptedVersions(req.route)
		asked := r.Header.Get("Accept")
		contentType = ""
		for _, v := range accepted {
			if strings.Contains(asked, v) {
				contentType = v
				break
			}
		}
		for _, v := range sunset {
			if contentType == "" && strings.Contains(asked, v) {
				WriteError(w, http.StatusGone, "VERSION_GONE",
					"The requested API version "+v+" has been sunset; use "+accepted[0]+".", "Gone", true, v)
				return
			}
		}
		if contentType == "" {
			WriteError(w, http.StatusNotAcceptable, "INVALID_VERSION",
				"A valid API version must be requested in the Accept header, e.g. "+accepted[0]+".", "Not Acceptable", true)
			return
		}
	}
	if req.route == RouteProjects || req.route == RouteOrgProjects {
		s.listProjects(w, r, req, contentType)
		return
	}
	if !isClusterRoute(req.route) && !s.spend(w, bucketSet(req.route)+":"+req.params[0]) {
		return
	}
	switch req.route {
	case RouteRestoreJobs, RouteRestoreJobsByID:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return &c.legacy })
	case RouteRestoreJob, RouteRestoreJobByID:
		s.getJob(w, req, contentType, func(c *cluster) *jobList { return &c.legacy })
	case RouteCloudBackupRestoreJobs:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return &c.backup })
	case RouteCloudBackupRestoreJob:
		s.getJob(w, req, contentType, func(c *cluster) *jobList { return &c.backup })
	case RouteFlexRestoreJobs:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return &c.flexJobs })
	case RouteCollectionRestoreJobs:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return &c.collections })
	case RouteFlexRestoreJob:
		s.getJob(w, req, contentType, func(c *cluster) *jobList { return &c.flexJobs })
	case RouteFlexSnapshots, RouteLegacySnapshots, RouteLegacySnapshotsByID:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return &c.snapshots })
	case RouteCloudBackupSnapshots:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList {
			return c.snapshotsWhere(func(sharded bool) bool { return !sharded || c.settings == nil || !c.settings.ShardedApart })
		})
	case RouteShardedSnapshots:
		s.listJobs(w, r, req, contentType, func(c *cluster) *jobList { return c.snapshotsWhere(func(sharded bool) bool { return sharded }) })
	case RouteClusters, RouteFlexClusters:
		s.listClusters(w, r, req, contentType)
	case RouteBackupConfigs:
		s.listBackupConfigs(w, r, req, contentType)
	case RouteCluster, RouteFlexCluster:
		s.getCluster(w, req, contentType)
	}
}

// isClusterRoute reports the cluster routes, which draw on Atlas's clusters bucket, not the
// restore-job one the simulator meters.
func isClusterRoute(route string) bool {
	return route == RouteClusters || route == RouteFlexClusters || route == RouteCluster || route == RouteFlexCluster ||
		route == RouteBackupConfigs
}

// getCluster serves one cluster's description, as Atlas's Get One Cluster and Get One Flex
// Cluster do; findCluster answers the 400 for the wrong kind.
func (s *Server) getCluster(w http.ResponseWriter, req request, contentType string) {
	s.mu.Lock()
	c := s.findCluster(w, req)
	var doc []byte
	if c != nil {
		doc = clusterDoc(c, req.params[0], "name", contentType)
	}
	s.mu.Unlock()
	if c == nil {
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(doc)
}

// findCluster answers the 404 Atlas gives for an unknown project or cluster, or returns the
// cluster; under the Cloud and Ops Manager root the path names it by ID. Call with s.mu held.
func (s *Server) findCluster(w http.ResponseWriter, req request) *cluster {
	groupID := req.params[0]
	g, ok := s.groups[groupID]
	if !ok {
		WriteError(w, http.StatusNotFound, "GROUP_NOT_FOUND",
			fmt.Sprintf("No group with ID %s exists.", groupID), "Not Found", true, groupID)
		return nil
	}
	if req.route == RouteClusters || req.route == RouteFlexClusters {
		return &cluster{}
	}
	key := req.params[1]
	if req.root == RootManager {
		for _, c := range g.clusters {
			if c.id == key {
				return c
			}
		}
	} else if c, ok := g.clusters[key]; ok {
		// Atlas refuses a cluster asked through the other kind's API, with its own errorCode.
		switch {
		case c.flex && !isFlexRoute(req.route):
			WriteError(w, http.StatusBadRequest, "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API",
				fmt.Sprintf("Cannot use the cluster API for the Flex cluster %s; use the Flex cluster API.", key), "Bad Request", true, key)
			return nil
		case !c.flex && isFlexRoute(req.route):
			WriteError(w, http.StatusBadRequest, "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
				fmt.Sprintf("Cannot use the Flex cluster API for the non-Flex cluster %s.", key), "Bad Request", true, key)
			return nil
		}
		return c
	}
	WriteError(w, http.StatusNotFound, "CLUSTER_NOT_FOUND",
		fmt.Sprintf("No cluster named %s exists in group %s.", key, groupID), "Not Found", true, key, groupID)
	return nil
}

func (s *Server) getJob(w http.ResponseWriter, req request, contentType string, family func(*cluster) *jobList) {
	s.mu.Lock()
	c := s.findCluster(w, req)
	var data []byte
	if c != nil {
		data = family(c).jobs[req.params[2]]
	}
	s.mu.Unlock()
	if c == nil {
		return
	}
	if data == nil {
		WriteError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND",
			fmt.Sprintf("Cannot find resource restore job %s.", req.params[2]), "Not Found", true, req.params[2])
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(data)
}
