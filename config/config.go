package config

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/facts"
)

// DefaultBaseURL is the Atlas v1.0 API root, where the legacy restore-job endpoints live.
const DefaultBaseURL = "https://cloud.mongodb.com/api/atlas/v1.0"

// Environment variables that fill in what the file leaves out, named as the Atlas CLI names them.
const (
	EnvPublicKey    = "MONGODB_ATLAS_PUBLIC_API_KEY"
	EnvPrivateKey   = "MONGODB_ATLAS_PRIVATE_API_KEY"
	EnvClientID     = "MONGODB_ATLAS_CLIENT_ID"
	EnvClientSecret = "MONGODB_ATLAS_CLIENT_SECRET"
)

// The restore-job API families a target can read.
const (
	// APILegacy is the legacy backup API of the documentation's example, also Cloud Manager's and Ops Manager's.
	APILegacy = "legacy"
	// APICloudBackup is Atlas Cloud Backup (/backup/restoreJobs), on v1.0 or v2.
	APICloudBackup = "cloud_backup"
	// APIFlex is Atlas Flex clusters (what M2, M5 and Serverless became), on v2 only.
	APIFlex = "flex"
	// APIAuto finds the family from the cluster's own description, once per discovery refresh;
	// on Cloud and Ops Manager, which have only the legacy family, it is legacy.
	APIAuto = "auto"
)

// Config is the whole file; a *Config from Load or Validate is complete and checked.
type Config struct {
	Atlas     Atlas     `yaml:"atlas"`
	Targets   []Target  `yaml:"targets"`
	Jobs      Jobs      `yaml:"jobs"`
	RateLimit RateLimit `yaml:"rate_limit"`
	Discovery Discovery `yaml:"discovery"`
	Snapshots Snapshots `yaml:"snapshots"`

	key       *keySource
	secret    *keySource
	tlsConfig *tls.Config
	// caSum is the CA bundle's digest, part of the client's identity.
	caSum [32]byte
	// warnings are what Validate found doubtful but not wrong.
	warnings []string
}

// Warnings are the config's doubtful settings (plain http:// to a remote host, a root without
// an API version): printed by --config.check and logged at load, never a reason to refuse it.
func (c *Config) Warnings() []string { return c.warnings }

// Atlas says where the API is and how to authenticate: an API key or a service account.
type Atlas struct {
	BaseURL        string `yaml:"base_url"`
	PublicKey      string `yaml:"public_key"`
	PrivateKey     Secret `yaml:"private_key"`
	PrivateKeyFile string `yaml:"private_key_file"`

	ClientID         string `yaml:"client_id"`
	ClientSecret     Secret `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// TokenURL defaults to the base URL's host at /api/oauth/token.
	TokenURL string `yaml:"token_url"`

	// CAFile adds a PEM bundle of trusted roots, e.g. for Ops Manager behind a private CA.
	CAFile string `yaml:"ca_file"`
	// MinTLSVersion is TLS12 (default) or TLS13.
	MinTLSVersion string `yaml:"min_tls_version"`
}

// Jobs bounds cardinality: restore-job history only grows.
type Jobs struct {
	// MaxAge drops finished jobs older than this (default 90d; 0 keeps all); jobs in progress stay.
	MaxAge *model.Duration `yaml:"max_age"`
	// MaxPerCluster keeps at most this many jobs of a listed cluster, newest first (default 100; 0 keeps all).
	MaxPerCluster *int `yaml:"max_per_cluster"`
	// CollectionRestores also reads each Cloud Backup cluster's collection-level restore jobs
	// (Atlas v2): one more request per cluster per scrape, so off by default.
	CollectionRestores bool `yaml:"collection_restores"`
}

// Defaults for Jobs.
const (
	DefaultMaxJobAge         = model.Duration(90 * 24 * time.Hour)
	DefaultMaxJobsPerCluster = 100
)

// RateLimit is the client-side budget per project for restore-job requests, shaped like Atlas's
// Cloud Backups bucket; its defaults are that bucket's, facts.CloudBackupLimits.
type RateLimit struct {
	Capacity float64        `yaml:"capacity"`
	Refill   float64        `yaml:"refill"`
	Period   model.Duration `yaml:"period"`
}

// Discovery says how often targets that name no cluster are expanded into clusters.
type Discovery struct {
	// RefreshInterval is how long a discovery result is used (default 10m); clusters change rarely.
	RefreshInterval model.Duration `yaml:"refresh_interval"`
}

// Snapshots says how often each cluster's snapshot list is read, in the background, for its
// recovery point.
type Snapshots struct {
	// RefreshInterval is the time between two reads of a cluster's snapshots (default 10m); 0s
	// turns snapshot reads off.
	RefreshInterval *model.Duration `yaml:"refresh_interval"`
}

// DefaultSnapshotInterval reads each cluster's snapshots six times an hour: Atlas's most frequent
// scheduled snapshot is hourly, so the recovery point is never more than ten minutes behind.
const DefaultSnapshotInterval = model.Duration(10 * time.Minute)

// DefaultDiscoveryInterval is how long discovered clusters are kept before the lists are read again.
const DefaultDiscoveryInterval = model.Duration(10 * time.Minute)

// Target is one cluster whose restore jobs are exported, or, without cluster_name, a project, an
// organisation or every visible project whose clusters are discovered.
type Target struct {
	GroupID     string `yaml:"group_id"`
	ClusterName string `yaml:"cluster_name"`
	// OrgID discovers every project of an organisation.
	OrgID string `yaml:"org_id"`
	// AllProjects discovers every project the credential can see.
	AllProjects bool `yaml:"all_projects"`
	// Fully anchored regular expressions on project and cluster names, for discovered targets.
	ProjectInclude string `yaml:"project_include"`
	ProjectExclude string `yaml:"project_exclude"`
	ClusterInclude string `yaml:"cluster_include"`
	ClusterExclude string `yaml:"cluster_exclude"`
	// ClusterID addresses the cluster on Cloud and Ops Manager; resolved from the name when empty.
	ClusterID string `yaml:"cluster_id"`
	// API is the restore-job family: auto (the default for a cluster target), legacy,
	// cloud_backup or flex. A discovering target without it reads each cluster in its own family.
	API string `yaml:"api"`
	// RestoreJobIDs pins the jobs to read; empty means every job of the cluster.
	RestoreJobIDs []string `yaml:"restore_job_ids"`
	// DrillInterval is how often the cluster's backups must be restored successfully, for the
	// restore-drill alert; discovered clusters inherit it. Zero: no drill.
	DrillInterval model.Duration `yaml:"drill_interval"`
	// RPO is the recovery point objective: the newest completed snapshot should be younger than
	// this. Discovered clusters inherit it. Zero: no objective.
	RPO model.Duration `yaml:"rpo"`
	// RTO is the recovery time objective: a restore of the cluster should finish within this.
	// Discovered clusters inherit it. Zero: no objective.
	RTO model.Duration `yaml:"rto"`

	filters *filters
}

// Discovers reports a target that names no cluster, to be expanded by discovery.
func (t Target) Discovers() bool { return t.ClusterName == "" }

// Admits reports whether discovery filters keep a project and cluster; an empty name passes the
// project filters (a target naming only group_id has no project name to match).
func (t Target) Admits(projectName, clusterName string) bool {
	f := t.filters
	if f == nil {
		f = compileFilters(t) // a target that did not come through Validate
	}
	match := func(re *regexp.Regexp, s string, empty bool) bool {
		if re == nil || s == "" {
			return empty
		}
		return re.MatchString(s)
	}
	return match(f.projectInclude, projectName, true) && !match(f.projectExclude, projectName, false) &&
		match(f.clusterInclude, clusterName, true) && !match(f.clusterExclude, clusterName, false)
}

// normalize writes IDs in lower-case hex, as Atlas does, so a pinned job ID pasted in capitals
// matches the list and names one series, and settles the family's default; done once, at
// validation.
func (t *Target) normalize(baseURL string) {
	t.GroupID, t.OrgID, t.ClusterID = strings.ToLower(t.GroupID), strings.ToLower(t.OrgID), strings.ToLower(t.ClusterID)
	// A cluster target's family defaults to auto; Cloud and Ops Manager have only legacy.
	switch {
	case t.Discovers() && t.API == APIAuto:
		t.API = "" // a discovering target reads each cluster in its own family anyway
	case t.Discovers():
	case isManager(baseURL) && (t.API == "" || t.API == APIAuto):
		t.API = APILegacy
	case t.API == "":
		t.API = APIAuto
	}
	for j, id := range t.RestoreJobIDs {
		t.RestoreJobIDs[j] = strings.ToLower(id)
	}
}

// filters are a target's discovery patterns, compiled once by Validate.
type filters struct {
	projectInclude, projectExclude, clusterInclude, clusterExclude *regexp.Regexp
}

// compileFilters compiles what Validate has checked; a pattern that does not compile matches
// nothing, which Validate has already refused.
func compileFilters(t Target) *filters {
	re := func(expr string) *regexp.Regexp {
		if expr == "" {
			return nil
		}
		r, err := anchored(expr)
		if err != nil {
			return regexp.MustCompile(`^\b\B$`) // matches nothing
		}
		return r
	}
	return &filters{re(t.ProjectInclude), re(t.ProjectExclude), re(t.ClusterInclude), re(t.ClusterExclude)}
}

// IsCloudBackup reports whether the target reads Cloud Backup restore jobs.
func (t Target) IsCloudBackup() bool { return t.API == APICloudBackup }

// Patterns for identifiers that end up in request paths; checked so config can never steer a
// request, and the one definition of each rule, which /probe applies to its parameters too.
var (
	objectIDPattern    = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	clusterNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// IsObjectID reports a 24-digit hex ID, as Atlas gives projects, organisations, clusters and jobs.
func IsObjectID(s string) bool { return objectIDPattern.MatchString(s) }

// IsClusterName reports a name Atlas could have given a cluster, safe in a request path.
func IsClusterName(s string) bool { return clusterNamePattern.MatchString(s) }

// fieldError is a problem found while decoding, located by line.
type fieldError struct {
	line int
	msg  string
}

func (e *fieldError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// Load reads, decodes and validates the file at path; getenv supplies credentials the file leaves out.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read config: %w (start from config.example.yml, or run with --demo to try the exporter against a simulated Atlas without an account)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data, filepath.Dir(path), getenv)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML strictly, so a misspelt key is an error that names it, then validates.
// Relative key file paths are resolved against dir.
func Parse(data []byte, dir string, getenv func(string) string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, syntaxError(data, err)
	}
	keyErrs, lines := checkKeys(&doc)
	// The unknown keys are reported above; the rest of the file is still decoded and validated,
	// so that one run finds every problem.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(len(keyErrs) == 0)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		if len(keyErrs) > 0 {
			return nil, errors.Join(keyErrs...) // the checked keys already say what is wrong
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	for _, f := range []*string{&cfg.Atlas.PrivateKeyFile, &cfg.Atlas.ClientSecretFile, &cfg.Atlas.CAFile} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(dir, *f)
		}
	}
	errs := keyErrs
	if err := cfg.Validate(getenv); err != nil {
		errs = append(errs, located(err, lines)...)
	}
	if len(errs) > 0 {
		// In the order of the file: errors without a line (a setting left out) come last.
		slices.SortStableFunc(errs, func(a, b error) int { return cmp.Compare(lineOf(a), lineOf(b)) })
		return nil, errors.Join(errs...)
	}
	return &cfg, nil
}

func lineOf(err error) int {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.line
	}
	return math.MaxInt
}

// syntaxError is a YAML syntax error with its line, and a hint where yaml.v3's words would
// puzzle: it reports a tab by the line before, and an indentation mistake by where the mapping
// began.
func syntaxError(data []byte, err error) error {
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") {
			return &fieldError{line: i + 1, msg: "a tab in the indentation: YAML indents with spaces only"}
		}
	}
	return fmt.Errorf("decode: %w (check the indentation there and just above: the keys of one mapping start in one column, and the items of a list with \"- \" in one column)", err)
}

// located gives each validation error the line of the value it names (its message starts with
// the config path: targets[1].api: ...), the closest enclosing one when that value is not in the
// file (a required key left out).
func located(err error, lines map[string]int) []error {
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	out := make([]error, 0, len(all))
	for _, e := range all {
		path, _, _ := strings.Cut(e.Error(), ":")
		for p := path; p != ""; p = parentPath(p) {
			if line, ok := lines[p]; ok {
				e = &fieldError{line: line, msg: e.Error()}
				break
			}
		}
		out = append(out, e)
	}
	return out
}

// parentPath is a config path one step up: targets[1].api, then targets[1], then targets.
func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}

// Validate fills defaults and credentials from the environment and reports every problem at once.
func (c *Config) Validate(getenv func(string) string) error {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var errs []error
	if c.Atlas.BaseURL == "" {
		c.Atlas.BaseURL = DefaultBaseURL
	}
	if err := checkBaseURL("atlas.base_url", c.Atlas.BaseURL); err != nil {
		errs = append(errs, err)
	} else {
		c.warnings = append(c.warnings, urlWarnings("atlas.base_url", c.Atlas.BaseURL, true)...)
	}
	if c.Atlas.TokenURL != "" {
		if err := checkBaseURL("atlas.token_url", c.Atlas.TokenURL); err != nil {
			errs = append(errs, err)
		} else {
			c.warnings = append(c.warnings, urlWarnings("atlas.token_url", c.Atlas.TokenURL, false)...)
		}
	}
	errs = append(errs, c.credentials(getenv)...)
	tlsConfig, caSum, err := c.Atlas.buildTLS()
	if err != nil {
		errs = append(errs, err)
	}
	c.tlsConfig, c.caSum = tlsConfig, caSum
	errs = append(errs, c.defaults()...)
	if len(c.Targets) == 0 {
		errs = append(errs, errors.New("targets: at least one target is required"))
	}
	seen := map[string]int{}
	for i, t := range c.Targets {
		// Errors quote IDs as the user wrote them; what is used is normalised.
		terrs := t.check(i, c.Atlas.BaseURL, seen)
		if len(terrs) == 0 {
			c.Targets[i].normalize(c.Atlas.BaseURL)
			c.Targets[i].filters = compileFilters(t)
		}
		errs = append(errs, terrs...)
	}
	return errors.Join(errs...)
}

func checkBaseURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse errors quote the input, which may hold credentials in its userinfo.
		return errors.New(field + ": not a valid URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%s: scheme must be https (or http for a local proxy), got %q", field, u.Scheme)
	case u.Host == "":
		return errors.New(field + ": no host")
	case u.User != nil:
		return errors.New(field + ": must not carry credentials; use the key and secret settings")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New(field + ": must not have a query or fragment")
	}
	return nil
}

// apiVersionSuffixes end every API root the exporter knows: Atlas v1.0 and v2, Cloud and Ops Manager.
var apiVersionSuffixes = []string{"/api/atlas/v1.0", "/api/atlas/v2", "/api/public/v1.0"}

// urlWarnings flags what checkBaseURL accepts but an operator probably did not mean.
func urlWarnings(field, raw string, root bool) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		out = append(out, field+": plain http:// to "+u.Hostname()+", which is not loopback: credentials and restore metadata would cross the network unencrypted; use https:// (http:// is for a local TLS-terminating proxy)")
	}
	if root {
		path := strings.TrimRight(u.Path, "/")
		known := false
		for _, s := range apiVersionSuffixes {
			known = known || strings.HasSuffix(path, s)
		}
		if !known {
			out = append(out, fmt.Sprintf("%s: %q names no API version; expected a root ending in %s", field, clip(raw), strings.Join(apiVersionSuffixes, ", ")))
		}
	}
	return out
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AddressesClustersByID reports a Cloud Manager or Ops Manager API root, whose paths take cluster IDs.
func (a Atlas) AddressesClustersByID() bool { return isManager(a.BaseURL) }

// IsV2 reports an Atlas v2 API root, which needs versioned media types and alone serves Flex.
func (a Atlas) IsV2() bool { return facts.IsV2(a.BaseURL) }

// isManager reports a Cloud Manager or Ops Manager API root, which has no Cloud Backup.
func isManager(baseURL string) bool { return strings.Contains(baseURL, "/api/public/") }

func (t Target) check(i int, baseURL string, seen map[string]int) []error {
	var errs []error
	where := fmt.Sprintf("targets[%d]", i)
	scopes := 0
	for _, set := range []bool{t.GroupID != "", t.OrgID != "", t.AllProjects} {
		if set {
			scopes++
		}
	}
	switch {
	case scopes == 0:
		errs = append(errs, fmt.Errorf("%s.group_id: required (or org_id, or all_projects: true to discover projects)", where))
	case scopes > 1:
		errs = append(errs, fmt.Errorf("%s: set one of group_id, org_id and all_projects", where))
	}
	if t.GroupID != "" && !objectIDPattern.MatchString(t.GroupID) {
		errs = append(errs, fmt.Errorf("%s.group_id: %q is not a 24-digit hex project ID", where, clip(t.GroupID)))
	}
	if t.OrgID != "" && !objectIDPattern.MatchString(t.OrgID) {
		errs = append(errs, fmt.Errorf("%s.org_id: %q is not a 24-digit hex organisation ID", where, clip(t.OrgID)))
	}
	for field, expr := range map[string]string{"project_include": t.ProjectInclude, "project_exclude": t.ProjectExclude,
		"cluster_include": t.ClusterInclude, "cluster_exclude": t.ClusterExclude} {
		if _, err := anchored(expr); err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", where, field, err))
		}
	}
	if t.ClusterName == "" {
		if len(t.RestoreJobIDs) > 0 || t.ClusterID != "" {
			errs = append(errs, fmt.Errorf("%s: restore_job_ids and cluster_id need cluster_name", where))
		}
	} else if t.OrgID != "" || t.AllProjects {
		errs = append(errs, fmt.Errorf("%s.cluster_name: only with group_id; org_id and all_projects discover clusters", where))
	} else if !clusterNamePattern.MatchString(t.ClusterName) {
		errs = append(errs, fmt.Errorf("%s.cluster_name: %q is not a valid cluster name (letters, digits, '.', '_', '-'; at most 64)", where, clip(t.ClusterName)))
	}
	if t.ClusterID != "" && !objectIDPattern.MatchString(t.ClusterID) {
		errs = append(errs, fmt.Errorf("%s.cluster_id: %q is not a 24-digit hex cluster ID", where, clip(t.ClusterID)))
	}
	switch t.API {
	case "", APILegacy, APIAuto:
		// Legacy is served everywhere: v1.0, Cloud and Ops Manager, and Atlas v2.
	case APICloudBackup:
		if isManager(baseURL) {
			errs = append(errs, fmt.Errorf("%s.api: Cloud Manager and Ops Manager have no Cloud Backup; use api: legacy", where))
		}
	case APIFlex:
		if !facts.IsV2(baseURL) {
			errs = append(errs, fmt.Errorf("%s.api: Flex clusters are served only under Atlas v2; use base_url https://cloud.mongodb.com/api/atlas/v2", where))
		}
	default:
		msg := fmt.Sprintf("%s.api: %q is not auto, legacy, cloud_backup or flex", where, clip(t.API))
		if s := nearestValue(t.API, APIAuto, APILegacy, APICloudBackup, APIFlex); s != "" {
			msg += "; did you mean " + s + "?"
		}
		errs = append(errs, errors.New(msg))
	}
	ids := map[string]bool{}
	for j, id := range t.RestoreJobIDs {
		if !objectIDPattern.MatchString(id) {
			errs = append(errs, fmt.Errorf("%s.restore_job_ids[%d]: %q is not a 24-digit hex job ID", where, j, clip(id)))
		}
		if ids[strings.ToLower(id)] {
			errs = append(errs, fmt.Errorf("%s.restore_job_ids[%d]: %s is listed twice", where, j, id))
		}
		ids[strings.ToLower(id)] = true
	}
	// One target per cluster, whatever its API: scrape_success is labelled by group and cluster alone.
	key := strings.ToLower(t.GroupID) + "/" + t.ClusterName + "/" + t.OrgID + "/" + strconv.FormatBool(t.AllProjects)
	if prev, dup := seen[key]; dup {
		errs = append(errs, fmt.Errorf("%s: same group_id and cluster_name as targets[%d]", where, prev))
	} else {
		seen[key] = i
	}
	return errs
}

// clip bounds a bad value quoted in an error so a pasted blob cannot flood the log.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// PrivateKey returns the current private key, re-reading its file if it changed.
func (c *Config) PrivateKey() (string, error) {
	if c.key == nil {
		return "", errors.New("no API key configured")
	}
	return c.key.Value()
}

// ClientSecret returns the service account's current secret, re-reading its file if it changed.
func (c *Config) ClientSecret() (string, error) {
	if c.secret == nil {
		return "", errors.New("no service account configured")
	}
	return c.secret.Value()
}

// UsesServiceAccount reports whether the config authenticates with a service account.
func (c *Config) UsesServiceAccount() bool { return c.secret != nil }

// TLSConfig returns the client TLS settings built from ca_file and min_tls_version.
func (c *Config) TLSConfig() *tls.Config { return c.tlsConfig.Clone() }

// defaults fills the jobs and rate_limit sections and checks what was given.
func (c *Config) defaults() []error {
	var errs []error
	if c.Jobs.MaxAge == nil {
		d := DefaultMaxJobAge
		c.Jobs.MaxAge = &d
	} else if *c.Jobs.MaxAge < 0 {
		errs = append(errs, errors.New("jobs.max_age: must not be negative"))
	}
	if c.Jobs.MaxPerCluster == nil {
		n := DefaultMaxJobsPerCluster
		c.Jobs.MaxPerCluster = &n
	} else if *c.Jobs.MaxPerCluster < 0 {
		errs = append(errs, errors.New("jobs.max_per_cluster: must not be negative"))
	}
	if c.Jobs.CollectionRestores && !facts.IsV2(c.Atlas.BaseURL) {
		errs = append(errs, errors.New("jobs.collection_restores: collection restore jobs are served only under Atlas v2; use base_url https://cloud.mongodb.com/api/atlas/v2"))
	}
	if c.Snapshots.RefreshInterval == nil {
		d := DefaultSnapshotInterval
		c.Snapshots.RefreshInterval = &d
	}
	if c.Discovery.RefreshInterval == 0 {
		c.Discovery.RefreshInterval = DefaultDiscoveryInterval
	} else if c.Discovery.RefreshInterval < 0 {
		errs = append(errs, errors.New("discovery.refresh_interval: must not be negative"))
	}
	r := &c.RateLimit
	if r.Capacity == 0 && r.Refill == 0 && r.Period == 0 {
		d := facts.CloudBackupLimits
		r.Capacity, r.Refill, r.Period = d.Capacity, d.Refill, model.Duration(d.Period)
	}
	if r.Capacity < 1 || r.Refill <= 0 || r.Period <= 0 {
		errs = append(errs, errors.New("rate_limit: capacity (at least 1), refill and period must all be positive"))
	}
	return errs
}

// anchored compiles a filter fully anchored, as Prometheus relabelling does; Validate and Admits
// both use it, so what is checked is what is matched.
func anchored(expr string) (*regexp.Regexp, error) { return regexp.Compile("^(?:" + expr + ")$") }
