package atlastest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Route names, the same templates the client reports, used to aim interceptions and read counts.
const (
	RouteRestoreJobs            = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs"
	RouteRestoreJob             = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs/{job_id}"
	RouteRestoreJobsByID        = "/groups/{group_id}/clusters/{cluster_id}/restoreJobs"
	RouteRestoreJobByID         = "/groups/{group_id}/clusters/{cluster_id}/restoreJobs/{job_id}"
	RouteCloudBackupRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/backup/restoreJobs"
	RouteCloudBackupRestoreJob  = "/groups/{group_id}/clusters/{cluster_name}/backup/restoreJobs/{job_id}"
	RouteClusters               = "/groups/{group_id}/clusters"
	RouteFlexClusters           = "/groups/{group_id}/flexClusters"
	RouteCluster                = "/groups/{group_id}/clusters/{cluster_name}"
	RouteCollectionRestoreJobs  = "/groups/{group_id}/clusters/{cluster_name}/collectionRestoreJobs"
	RouteFlexCluster            = "/groups/{group_id}/flexClusters/{cluster_name}"
	RouteFlexRestoreJobs        = "/groups/{group_id}/flexClusters/{cluster_name}/backup/restoreJobs"
	RouteFlexRestoreJob         = "/groups/{group_id}/flexClusters/{cluster_name}/backup/restoreJobs/{job_id}"
	RouteCloudBackupSnapshots   = "/groups/{group_id}/clusters/{cluster_name}/backup/snapshots"
	RouteFlexSnapshots          = "/groups/{group_id}/flexClusters/{cluster_name}/backup/snapshots"
	RouteShardedSnapshots       = "/groups/{group_id}/clusters/{cluster_name}/backup/snapshots/shardedClusters"
	RouteLegacySnapshots        = "/groups/{group_id}/clusters/{cluster_name}/snapshots"
	RouteLegacySnapshotsByID    = "/groups/{group_id}/clusters/{cluster_id}/snapshots"
	RouteBackupConfigs          = "/groups/{group_id}/backupConfigs"
	RouteProjects               = "/groups"
	RouteOrgProjects            = "/orgs/{org_id}/groups"
	RouteToken                  = "/api/oauth/token"
)

// API roots the simulator serves; Cloud and Ops Manager's root addresses clusters by ID.
const (
	RootAtlasV1 = "/api/atlas/v1.0"
	RootAtlasV2 = "/api/atlas/v2"
	RootManager = "/api/public/v1.0"
)

// Options shape a simulator; zero values take the documented defaults.
type Options struct {
	// PublicKey and PrivateKey are the accepted API key (HTTP Digest).
	PublicKey  string
	PrivateKey string
	// ClientID and ClientSecret are the accepted service account (OAuth 2.0 client credentials).
	ClientID     string
	ClientSecret string
	// TokenTTL is the lifetime of issued access tokens (default 1h, as Atlas's).
	TokenTTL time.Duration
	// Root is the API root that Running.URL names (default RootAtlasV1); every root is served.
	Root string
	// RateLimit meters restore-job requests per project like Atlas; zero means unlimited.
	RateLimit RateLimit
	// NonceTTL is how long a Digest nonce stays valid (default 5m); shorter forces fresh challenges.
	NonceTTL time.Duration
	// Now is the simulator's clock (default time.Now).
	Now func() time.Time
	// SunsetClusterVersions answers the v2 cluster list's 2023 versions with 410 VERSION_GONE, as
	// Atlas will from their sunset on 2027-07-01.
	SunsetClusterVersions bool
}

// Stats counts what the simulator has served.
type Stats struct {
	// Requests counts authenticated requests by route; unknown paths count under "".
	Requests map[string]int
	// Challenges counts 401 Digest challenges sent.
	Challenges int
	// TokenRequests counts requests to the OAuth token endpoint, refused ones included.
	TokenRequests int
	// RateLimited counts requests refused with 429 by the simulated token bucket.
	RateLimited int
	// UserAgents counts the User-Agent headers seen.
	UserAgents map[string]int
}

// Server is the simulated API; it is an http.Handler and safe for concurrent use.
type Server struct {
	opts Options

	mu         sync.Mutex
	publicKey  string
	privateKey string
	nonces     map[string]time.Time
	tokens     map[string]time.Time
	buckets    map[string]*simBucket
	groups     map[string]*group
	intercept  Interceptor
	latency    time.Duration
	beforeList func(pageNum int)
	totalCount func(actual int) (reported int, send bool)
	inFlight   int
	maxFlight  int
	stats      Stats
}

type group struct {
	name     string
	orgID    string
	clusters map[string]*cluster
}

type cluster struct {
	id   string
	name string
	// legacy and backup hold the two families' restore jobs; a flex cluster holds only flex.
	legacy, backup, flexJobs, collections jobList
	flex                                  bool
	// snapshots are the cluster's snapshot documents, in the order its list serves them.
	snapshots jobList
	// settings, when set, is what the cluster's description says of its backups; without it the
	// description says backup is on for the family whose jobs the cluster holds.
	settings *Backup
}

// Backup is what a cluster's description says of its backups, as SetBackup gives it.
type Backup struct {
	// Enabled is backupEnabled (Cloud Backup under v2 2024-08-05), or for a Flex cluster
	// backupSettings.enabled.
	Enabled bool
	// PIT is pitEnabled: continuous cloud backup.
	PIT bool
	// Legacy says the backups are legacy ones: under v1.0 and v2's 2023 versions that is
	// backupEnabled, and Cloud Backup providerBackupEnabled.
	Legacy bool
	// State is stateName (default IDLE); Type is clusterType (default REPLICASET).
	State, Type string
	// Paused pauses the cluster; Provider, when set, names its cloud provider (TENANT for M0).
	Paused   bool
	Provider string
	// ShardedApart lists sharded snapshots (type shardedCluster) only on the sharded route, not
	// on the ordinary one: no recording shows which Atlas does.
	ShardedApart bool
}

// jobList keeps jobs in insertion order, stored as the bytes they are served as.
type jobList struct {
	order []string
	jobs  map[string][]byte
}

func (l *jobList) put(id string, data []byte, front bool) {
	if l.jobs == nil {
		l.jobs = map[string][]byte{}
	}
	if _, ok := l.jobs[id]; !ok {
		if front {
			l.order = append([]string{id}, l.order...)
		} else {
			l.order = append(l.order, id)
		}
	}
	l.jobs[id] = data
}

func (l *jobList) remove(id string) {
	if _, ok := l.jobs[id]; !ok {
		return
	}
	delete(l.jobs, id)
	for i, o := range l.order {
		if o == id {
			l.order = append(l.order[:i:i], l.order[i+1:]...)
			return
		}
	}
}

// ClusterID is the 24-hex ID the simulator gives a cluster: derived from its project and name,
// so tests can predict it.
func ClusterID(groupID, clusterName string) string {
	return md5hex(groupID + "/" + clusterName)[:24]
}

// New returns an empty simulator that accepts the given key pair.
func New(o Options) *Server {
	if o.Root == "" {
		o.Root = RootAtlasV1
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = time.Hour
	}
	o.Root = strings.TrimRight(o.Root, "/")
	if o.NonceTTL <= 0 {
		o.NonceTTL = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Server{
		opts:       o,
		publicKey:  o.PublicKey,
		privateKey: o.PrivateKey,
		nonces:     map[string]time.Time{},
		tokens:     map[string]time.Time{},
		buckets:    map[string]*simBucket{},
		groups:     map[string]*group{},
		stats:      Stats{Requests: map[string]int{}, UserAgents: map[string]int{}},
	}
}

func (s *Server) now() time.Time { return s.opts.Now() }

// Root returns the API root path, to be joined to the listener's URL as the client's base URL.
func (s *Server) Root() string { return s.opts.Root }

// SetKeys replaces the accepted key pair, as rotating a key in Atlas does.
func (s *Server) SetKeys(publicKey, privateKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicKey, s.privateKey = publicKey, privateKey
}

// AddProject creates or renames a project and files it under an organisation.
func (s *Server) AddProject(groupID, name, orgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if !ok {
		g = &group{clusters: map[string]*cluster{}}
		s.groups[groupID] = g
	}
	g.name, g.orgID = name, orgID
}

// AddCluster creates the project and cluster if needed, so that listing it answers 200 even when empty.
func (s *Server) AddCluster(groupID, clusterName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName)
}

// DeleteCluster removes a cluster and its jobs, as when a cluster is terminated.
func (s *Server) DeleteCluster(groupID, clusterName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[groupID]; ok {
		delete(g.clusters, clusterName)
	}
}

func (s *Server) clusterLocked(groupID, clusterName string) *cluster {
	g, ok := s.groups[groupID]
	if !ok {
		g = &group{name: "Project " + groupID[:min(6, len(groupID))], clusters: map[string]*cluster{}}
		s.groups[groupID] = g
	}
	c, ok := g.clusters[clusterName]
	if !ok {
		c = &cluster{id: ClusterID(groupID, clusterName), name: clusterName}
		g.clusters[clusterName] = c
	}
	return c
}

// snapshotsWhere is the cluster's snapshot list, kept to those whose type keep takes (sharded:
// type shardedCluster). Call with s.mu held.
func (c *cluster) snapshotsWhere(keep func(sharded bool) bool) *jobList {
	out := &jobList{}
	for _, id := range c.snapshots.order {
		data := c.snapshots.jobs[id]
		if keep(bytes.Contains(data, []byte(`"type":"shardedCluster"`))) {
			out.put(id, data, false)
		}
	}
	return out
}

// SetBackup sets what the cluster's description says of its backups, creating the cluster if needed.
func (s *Server) SetBackup(groupID, clusterName string, b Backup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).settings = &b
}

// PutSnapshot stores or replaces a snapshot document of the cluster, appended to its list in
// the order of first insertion (Flex lists are oldest first on Atlas).
func (s *Server) PutSnapshot(groupID, clusterName string, snap Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).snapshots.put(snap.ID(), snap.bytes(), false)
}

// DeleteSnapshots removes every snapshot of the cluster.
func (s *Server) DeleteSnapshots(groupID, clusterName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).snapshots = jobList{}
}

// PutJob stores or replaces a legacy restore job under a cluster, keeping the order of first insertion.
func (s *Server) PutJob(groupID, clusterName string, j Job) {
	s.PutRawJob(groupID, clusterName, j.ID(), j.bytes())
}

// PutRawJob stores a legacy job's bytes verbatim, for malformed or hostile documents.
func (s *Server) PutRawJob(groupID, clusterName, id string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).legacy.put(id, data, false)
}

// PutCloudBackupJob stores or replaces a Cloud Backup restore job under a cluster.
func (s *Server) PutCloudBackupJob(groupID, clusterName string, j Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).backup.put(j.ID(), j.bytes(), false)
}

// PutCollectionRestoreJob stores or replaces a collection-level restore job of a cluster.
func (s *Server) PutCollectionRestoreJob(groupID, clusterName string, j Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).collections.put(j.ID(), j.bytes(), false)
}

// AddFlexCluster adds a Flex cluster without restore jobs.
func (s *Server) AddFlexCluster(groupID, clusterName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).flex = true
}

// PutFlexJob stores or replaces a Flex cluster's restore job, making the cluster a Flex cluster.
func (s *Server) PutFlexJob(groupID, clusterName string, j Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusterLocked(groupID, clusterName)
	c.flex = true
	c.flexJobs.put(j.ID(), j.bytes(), false)
}

// PrependJob stores a new legacy job ahead of the others, as a newest-first list shows a job created mid-read.
func (s *Server) PrependJob(groupID, clusterName string, j Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName).legacy.put(j.ID(), j.bytes(), true)
}

// BeforeList sets a hook run before each list page is read, to change the list between pages.
func (s *Server) BeforeList(f func(pageNum int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beforeList = f
}

// SetTotalCount replaces the totalCount of every list page: Atlas documents it as an estimate on
// some endpoints, and send false leaves it out. Nil restores the true count.
func (s *Server) SetTotalCount(f func(actual int) (reported int, send bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.totalCount = f
}

// DeleteJob removes a job of either family, as Atlas eventually forgets old restores.
func (s *Server) DeleteJob(groupID, clusterName, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[groupID]; ok {
		if c, ok := g.clusters[clusterName]; ok {
			c.legacy.remove(id)
			c.backup.remove(id)
			c.flexJobs.remove(id)
		}
	}
}

// SetLatency delays every response by d, like a distant API.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{
		Requests: map[string]int{}, UserAgents: map[string]int{},
		Challenges: s.stats.Challenges, TokenRequests: s.stats.TokenRequests, RateLimited: s.stats.RateLimited,
	}
	for k, v := range s.stats.Requests {
		out.Requests[k] = v
	}
	for k, v := range s.stats.UserAgents {
		out.UserAgents[k] = v
	}
	return out
}

// MaxInFlight returns the most requests the simulator was serving at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxFlight
}

// Requests returns the number of authenticated requests served on route.
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.Requests[route]
}

// TotalRequests returns every authenticated request served.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.stats.Requests {
		n += v
	}
	return n
}

// WriteError sends Atlas's v1.0 error document; Atlas omits "parameters" on 401. Exported for
// interceptors, which answer as Atlas would.
func WriteError(w http.ResponseWriter, status int, code, detail, reason string, withParams bool, params ...string) {
	body := map[string]any{"error": status, "errorCode": code, "detail": detail, "reason": reason}
	if withParams {
		if params == nil {
			params = []string{}
		}
		body["parameters"] = params
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Error-Code", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Interceptor sees each authenticated request, and each token request, before the simulator
// answers it, and reports whether it answered itself. Tests inject failures through one (package
// faults), so the simulator the demo runs holds no fault injection.
type Interceptor interface {
	Intercept(route string, w http.ResponseWriter, r *http.Request) (answered bool)
}

// InterceptorOr returns the server's interceptor, first installing the one newFn makes if it has
// none, so that callers sharing a server share its interceptor.
func (s *Server) InterceptorOr(newFn func() Interceptor) Interceptor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.intercept == nil {
		s.intercept = newFn()
	}
	return s.intercept
}

// intercepted hands the request to the interceptor, if any; true means it has been answered.
func (s *Server) intercepted(route string, w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	i := s.intercept
	s.mu.Unlock()
	return i != nil && i.Intercept(route, w, r)
}
