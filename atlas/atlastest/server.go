package atlastest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Route names, the same templates the client reports, used to aim faults and read counts.
const (
	RouteRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs"
	RouteRestoreJob  = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs/{job_id}"
)

// Options shape a simulator; zero values take the documented defaults.
type Options struct {
	PublicKey  string
	PrivateKey string
	// Root is the versioned API root the routes hang under (default /api/atlas/v1.0).
	Root string
	// NonceTTL is how long a Digest nonce stays valid (default 5m); shorter forces fresh challenges.
	NonceTTL time.Duration
	// Now is the simulator's clock (default time.Now).
	Now func() time.Time
}

// Stats counts what the simulator has served.
type Stats struct {
	// Requests counts authenticated requests by route; unknown paths count under "".
	Requests map[string]int
	// Challenges counts 401 Digest challenges sent.
	Challenges int
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
	groups     map[string]*group
	faults     []*Fault
	latency    time.Duration
	beforeList func(pageNum int)
	inFlight   int
	maxFlight  int
	stats      Stats
}

type group struct {
	clusters map[string]*cluster
}

type cluster struct {
	order []string
	jobs  map[string][]byte
}

// New returns an empty simulator that accepts the given key pair.
func New(o Options) *Server {
	if o.Root == "" {
		o.Root = "/api/atlas/v1.0"
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

// AddCluster creates the project and cluster if needed, so that listing it answers 200 even when empty.
func (s *Server) AddCluster(groupID, clusterName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clusterLocked(groupID, clusterName)
}

func (s *Server) clusterLocked(groupID, clusterName string) *cluster {
	g, ok := s.groups[groupID]
	if !ok {
		g = &group{clusters: map[string]*cluster{}}
		s.groups[groupID] = g
	}
	c, ok := g.clusters[clusterName]
	if !ok {
		c = &cluster{jobs: map[string][]byte{}}
		g.clusters[clusterName] = c
	}
	return c
}

// PutJob stores or replaces a restore job under a cluster, keeping the order of first insertion.
func (s *Server) PutJob(groupID, clusterName string, j Job) {
	data, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("atlastest: marshal job: %v", err))
	}
	s.PutRawJob(groupID, clusterName, j.ID(), data)
}

// PutRawJob stores a job's bytes verbatim, for malformed or hostile documents.
func (s *Server) PutRawJob(groupID, clusterName, id string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusterLocked(groupID, clusterName)
	if _, ok := c.jobs[id]; !ok {
		c.order = append(c.order, id)
	}
	c.jobs[id] = data
}

// PrependJob stores a new job ahead of the others, as a newest-first list shows a job created mid-read.
func (s *Server) PrependJob(groupID, clusterName string, j Job) {
	data, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("atlastest: marshal job: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusterLocked(groupID, clusterName)
	if _, ok := c.jobs[j.ID()]; !ok {
		c.order = append([]string{j.ID()}, c.order...)
	}
	c.jobs[j.ID()] = data
}

// BeforeList sets a hook run before each list page is read, to change the list between pages.
func (s *Server) BeforeList(f func(pageNum int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beforeList = f
}

// DeleteJob removes a job, as Atlas eventually forgets old restores.
func (s *Server) DeleteJob(groupID, clusterName, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if !ok {
		return
	}
	c, ok := g.clusters[clusterName]
	if !ok {
		return
	}
	if _, ok := c.jobs[id]; !ok {
		return
	}
	delete(c.jobs, id)
	for i, o := range c.order {
		if o == id {
			c.order = append(c.order[:i:i], c.order[i+1:]...)
			break
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
	out := Stats{Requests: map[string]int{}, UserAgents: map[string]int{}, Challenges: s.stats.Challenges}
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

// ServeHTTP authenticates, applies latency and faults, then answers like Atlas.
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
	if !s.authorized(r) {
		s.challenge(w)
		return
	}
	route, params := s.match(r.URL.Path)
	s.mu.Lock()
	s.stats.Requests[route]++
	s.mu.Unlock()
	if f := s.takeFault(route); f != nil {
		f.apply(w, r)
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			fmt.Sprintf("Method %s is not allowed on this resource.", r.Method), "Method Not Allowed", true)
		return
	}
	switch route {
	case RouteRestoreJobs:
		s.listJobs(w, r, params)
	case RouteRestoreJob:
		s.getJob(w, params)
	default:
		writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND",
			"Cannot find resource "+r.URL.Path+".", "Not Found", true)
	}
}

// match maps a path to its route template and the path's parameters, in template order.
func (s *Server) match(path string) (string, []string) {
	rest, ok := strings.CutPrefix(path, s.opts.Root+"/")
	if !ok {
		return "", nil
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 5 || parts[0] != "groups" || parts[2] != "clusters" || parts[4] != "restoreJobs" {
		return "", nil
	}
	switch len(parts) {
	case 5:
		return RouteRestoreJobs, []string{parts[1], parts[3]}
	case 6:
		return RouteRestoreJob, []string{parts[1], parts[3], parts[5]}
	}
	return "", nil
}

// findCluster answers the 404 Atlas gives for an unknown project or cluster, or returns the cluster.
func (s *Server) findCluster(w http.ResponseWriter, groupID, clusterName string) *cluster {
	g, ok := s.groups[groupID]
	if !ok {
		writeError(w, http.StatusNotFound, "GROUP_NOT_FOUND",
			fmt.Sprintf("No group with ID %s exists.", groupID), "Not Found", true, groupID)
		return nil
	}
	c, ok := g.clusters[clusterName]
	if !ok {
		writeError(w, http.StatusNotFound, "CLUSTER_NOT_FOUND",
			fmt.Sprintf("No cluster named %s exists in group %s.", clusterName, groupID), "Not Found", true,
			clusterName, groupID)
		return nil
	}
	return c
}

func (s *Server) getJob(w http.ResponseWriter, p []string) {
	s.mu.Lock()
	c := s.findCluster(w, p[0], p[1])
	var data []byte
	if c != nil {
		data = c.jobs[p[2]]
	}
	s.mu.Unlock()
	if c == nil {
		return
	}
	if data == nil {
		writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND",
			fmt.Sprintf("Cannot find resource restore job %s.", p[2]), "Not Found", true, p[2])
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

// writeError sends Atlas's v1.0 error document; Atlas omits "parameters" on 401.
func writeError(w http.ResponseWriter, status int, code, detail, reason string, withParams bool, params ...string) {
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
