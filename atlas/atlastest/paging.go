package atlastest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// maxItemsPerPage is Atlas's cap on itemsPerPage.
const maxItemsPerPage = 500

// pageRequest is the paging a list request asked for.
type pageRequest struct {
	num, perPage int
	includeCount bool
}

// parsePaging answers 400 for paging Atlas refuses and reports whether the request may go on.
func parsePaging(w http.ResponseWriter, r *http.Request) (pageRequest, bool) {
	q := r.URL.Query()
	num, err1 := intParam(q, "pageNum", 1)
	perPage, err2 := intParam(q, "itemsPerPage", 100)
	if err1 != nil || err2 != nil || num < 1 || perPage < 1 || perPage > maxItemsPerPage {
		WriteError(w, http.StatusBadRequest, "INVALID_QUERY_PARAMETER",
			"Invalid pageNum or itemsPerPage.", "Bad Request", true)
		return pageRequest{}, false
	}
	return pageRequest{num: num, perPage: perPage, includeCount: q.Get("includeCount") != "false"}, true
}

// listJobs serves one page of a family's jobs in Atlas's list shape.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, req request, contentType string, family func(*cluster) *jobList) {
	p, ok := parsePaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	hook := s.beforeList
	s.mu.Unlock()
	if hook != nil {
		hook(p.num)
	}
	s.mu.Lock()
	c := s.findCluster(w, req)
	if c == nil {
		s.mu.Unlock()
		return
	}
	l := family(c)
	total := len(l.order)
	start := min((p.num-1)*p.perPage, total)
	end := min(start+p.perPage, total)
	items := make([][]byte, 0, end-start)
	for _, id := range l.order[start:end] {
		items = append(items, l.jobs[id])
	}
	s.mu.Unlock()
	s.writePage(w, r, p, contentType, items, total)
}

// listClusters serves a project's clusters; Cloud and Ops Manager call the name clusterName.
func (s *Server) listClusters(w http.ResponseWriter, r *http.Request, req request, contentType string) {
	p, ok := parsePaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.findCluster(w, req) == nil {
		s.mu.Unlock()
		return
	}
	var all []*cluster
	for _, c := range s.groups[req.params[0]].clusters {
		// /clusters lists dedicated clusters, /flexClusters the Flex ones, as on Atlas.
		if c.flex == (req.route == RouteFlexClusters) {
			all = append(all, c)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b *cluster) int { return cmpString(a.name, b.name) })
	nameField := "name"
	if req.root == RootManager {
		nameField = "clusterName"
	}
	start := min((p.num-1)*p.perPage, len(all))
	end := min(start+p.perPage, len(all))
	items := make([][]byte, 0, end-start)
	for _, c := range all[start:end] {
		doc := clusterDoc(c, req.params[0], nameField, contentType)
		items = append(items, doc)
	}
	s.writePage(w, r, p, contentType, items, len(all))
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writePage writes links, results and, unless asked not to, totalCount: the true count, or what
// SetTotalCount makes of it.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, p pageRequest, contentType string, items [][]byte, total int) {
	s.mu.Lock()
	estimate := s.totalCount
	s.mu.Unlock()
	reported, send := total, p.includeCount
	if estimate != nil && send {
		reported, send = estimate(total)
	}
	self := "http://" + r.Host + r.URL.Path
	end := (p.num-1)*p.perPage + len(items)
	var b bytes.Buffer
	b.WriteString(`{"links":[`)
	fmt.Fprintf(&b, `{"href":%q,"rel":"self"}`, pageURL(self, p.num, p.perPage))
	if end < total {
		fmt.Fprintf(&b, `,{"href":%q,"rel":"next"}`, pageURL(self, p.num+1, p.perPage))
	}
	if p.num > 1 {
		fmt.Fprintf(&b, `,{"href":%q,"rel":"previous"}`, pageURL(self, p.num-1, p.perPage))
	}
	b.WriteString(`],"results":[`)
	b.Write(bytes.Join(items, []byte{','}))
	b.WriteByte(']')
	if send {
		fmt.Fprintf(&b, `,"totalCount":%d`, reported)
	}
	b.WriteByte('}')
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b.Bytes())
}

func pageURL(base string, page, perPage int) string {
	return base + "?" + url.Values{"pageNum": {strconv.Itoa(page)}, "itemsPerPage": {strconv.Itoa(perPage)}}.Encode()
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// listBackupConfigs serves a Cloud or Ops Manager project's backup configurations, one per
// cluster: STARTED where backup is on (without SetBackup: where the cluster holds legacy jobs),
// INACTIVE elsewhere.
func (s *Server) listBackupConfigs(w http.ResponseWriter, r *http.Request, req request, contentType string) {
	p, ok := parsePaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.findCluster(w, request{root: req.root, route: RouteClusters, params: req.params}) == nil {
		s.mu.Unlock()
		return
	}
	var all []*cluster
	for _, c := range s.groups[req.params[0]].clusters {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b *cluster) int { return cmpString(a.name, b.name) })
	docs := make([][]byte, 0, len(all))
	for _, c := range all {
		on := len(c.legacy.order) > 0
		if c.settings != nil {
			on = c.settings.Enabled
		}
		status := "INACTIVE"
		if on {
			status = "STARTED"
		}
		docs = append(docs, LoadJob(fixtureBackupConfig).Set("clusterId", c.id).Set("groupId", req.params[0]).Set("statusName", status).bytes())
	}
	s.mu.Unlock()
	start := min((p.num-1)*p.perPage, len(docs))
	end := min(start+p.perPage, len(docs))
	s.writePage(w, r, p, contentType, docs[start:end], len(docs))
}

// listProjects serves every project, or an organisation's (404 ORG_NOT_FOUND for an unknown one).
func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, req request, contentType string) {
	p, ok := parsePaging(w, r)
	if !ok {
		return
	}
	type proj struct{ id, name, org string }
	s.mu.Lock()
	var all []proj
	for id, g := range s.groups {
		if req.route == RouteOrgProjects && g.orgID != req.params[0] {
			continue
		}
		all = append(all, proj{id, g.name, g.orgID})
	}
	s.mu.Unlock()
	if req.route == RouteOrgProjects && len(all) == 0 {
		WriteError(w, http.StatusNotFound, "ORG_NOT_FOUND",
			fmt.Sprintf("No organization with ID %s exists.", req.params[0]), "Not Found", true, req.params[0])
		return
	}
	slices.SortFunc(all, func(a, b proj) int { return cmpString(a.id, b.id) })
	start := min((p.num-1)*p.perPage, len(all))
	end := min(start+p.perPage, len(all))
	items := make([][]byte, 0, end-start)
	for _, g := range all[start:end] {
		doc, _ := json.Marshal(map[string]any{"id": g.id, "name": g.name, "orgId": g.org, "clusterCount": 0})
		items = append(items, doc)
	}
	s.writePage(w, r, p, contentType, items, len(all))
}

// clusterDoc is a cluster as the list and the single read render it, in the version asked for.
// Without SetBackup its backup is on for the family whose restore jobs it holds; with it, the
// description is a recorded one with the settings given.
func clusterDoc(c *cluster, groupID, nameField, contentType string) []byte {
	if c.settings != nil && nameField == "name" {
		return describedCluster(c, groupID, contentType)
	}
	fields := map[string]any{"id": c.id, nameField: c.name, "groupId": groupID,
		"backupEnabled": len(c.legacy.order) > 0, "providerBackupEnabled": len(c.backup.order) > 0}
	switch {
	case c.flex:
		// A Flex cluster says its backups in backupSettings, read-only and on.
		fields = map[string]any{"id": c.id, "name": c.name, "groupId": groupID, "backupSettings": map[string]any{"enabled": true}}
	case contentType == MediaTypeClusters:
		// From 2024-08-05 backupEnabled is Cloud Backup, and providerBackupEnabled is gone.
		fields = map[string]any{"id": c.id, "name": c.name, "groupId": groupID,
			"backupEnabled": len(c.backup.order) > 0 || len(c.legacy.order) > 0}
	}
	doc, _ := json.Marshal(fields)
	return doc
}

// describedCluster renders a recorded description with the cluster's SetBackup settings: under
// 2024-08-05 backupEnabled is Cloud Backup; in the older versions and v1.0 backupEnabled is
// legacy backup and providerBackupEnabled Cloud Backup.
func describedCluster(c *cluster, groupID, contentType string) []byte {
	b := *c.settings
	var d Job
	switch {
	case c.flex:
		d = LoadJob(fixtureFlexCluster).Set("backupSettings.enabled", b.Enabled)
	case b.Type == "SHARDED" || b.Type == "GEOSHARDED":
		d = LoadJob(fixtureClusterSharded).Set("clusterType", b.Type)
	default:
		d = LoadJob(fixtureClusterReplicaSet)
	}
	d.Set("id", c.id).Set("name", c.name).Set("groupId", groupID).Set("stateName", cmpOr(b.State, "IDLE"))
	if !c.flex {
		d.Set("pitEnabled", b.PIT).Set("backupEnabled", b.Enabled).Set("paused", b.Paused)
		if b.Provider != "" {
			// The recorded descriptions' replication specs are left out; this keeps their shape.
			d.Set("replicationSpecs", []any{map[string]any{"regionConfigs": []any{map[string]any{"providerName": b.Provider}}}})
		}
		if contentType != MediaTypeClusters {
			d.Set("backupEnabled", b.Enabled && b.Legacy).Set("providerBackupEnabled", b.Enabled && !b.Legacy)
		}
	}
	return d.bytes()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
