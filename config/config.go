package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultBaseURL is the Atlas v1.0 API root, where the legacy restore-job endpoints live.
const DefaultBaseURL = "https://cloud.mongodb.com/api/atlas/v1.0"

// Environment variables that fill in what the file leaves out, named as the Atlas CLI names them.
const (
	EnvPublicKey  = "MONGODB_ATLAS_PUBLIC_API_KEY"
	EnvPrivateKey = "MONGODB_ATLAS_PRIVATE_API_KEY"
)

// Config is the whole file; a *Config from Load or Validate is complete and checked.
type Config struct {
	Atlas   Atlas    `yaml:"atlas"`
	Targets []Target `yaml:"targets"`

	key *keySource
}

// Atlas says where the API is and how to authenticate.
type Atlas struct {
	BaseURL        string `yaml:"base_url"`
	PublicKey      string `yaml:"public_key"`
	PrivateKey     Secret `yaml:"private_key"`
	PrivateKeyFile string `yaml:"private_key_file"`
}

// Target is one cluster whose restore jobs are exported.
type Target struct {
	GroupID     string `yaml:"group_id"`
	ClusterName string `yaml:"cluster_name"`
	// RestoreJobIDs pins the jobs to read; empty means every job of the cluster.
	RestoreJobIDs []string `yaml:"restore_job_ids"`
}

// Patterns for identifiers that end up in request paths; checked so config can never steer a request.
var (
	objectIDPattern    = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	clusterNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// fieldError is a problem found while decoding, located by line.
type fieldError struct {
	line int
	msg  string
}

func (e *fieldError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// Load reads, decodes and validates the file at path; getenv supplies credentials the file leaves out.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
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
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	if f := cfg.Atlas.PrivateKeyFile; f != "" && !filepath.IsAbs(f) {
		cfg.Atlas.PrivateKeyFile = filepath.Join(dir, f)
	}
	if err := cfg.Validate(getenv); err != nil {
		return nil, err
	}
	return &cfg, nil
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
	if err := checkBaseURL(c.Atlas.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if c.Atlas.PublicKey == "" {
		c.Atlas.PublicKey = getenv(EnvPublicKey)
	}
	if c.Atlas.PublicKey == "" {
		errs = append(errs, fmt.Errorf("atlas.public_key: not set, and %s is empty", EnvPublicKey))
	}
	key, err := c.keySource(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.key = key
	if len(c.Targets) == 0 {
		errs = append(errs, errors.New("targets: at least one target is required"))
	}
	seen := map[string]int{}
	for i, t := range c.Targets {
		errs = append(errs, t.check(i, seen)...)
	}
	return errors.Join(errs...)
}

func (c *Config) keySource(getenv func(string) string) (*keySource, error) {
	a := c.Atlas
	switch {
	case a.PrivateKeyFile != "" && a.PrivateKey != "":
		return nil, errors.New("atlas: set private_key or private_key_file, not both")
	case a.PrivateKeyFile != "":
		k := &keySource{path: a.PrivateKeyFile}
		if _, err := k.PrivateKey(); err != nil {
			return nil, fmt.Errorf("atlas.private_key_file: %w", err)
		}
		return k, nil
	case a.PrivateKey != "":
		return &keySource{inline: a.PrivateKey}, nil
	case getenv(EnvPrivateKey) != "":
		return &keySource{inline: Secret(getenv(EnvPrivateKey))}, nil
	}
	return nil, fmt.Errorf("atlas: no private key: set private_key_file, private_key or %s", EnvPrivateKey)
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse errors quote the input, which may hold credentials in its userinfo.
		return errors.New("atlas.base_url: not a valid URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("atlas.base_url: scheme must be https (or http for a local proxy), got %q", u.Scheme)
	case u.Host == "":
		return errors.New("atlas.base_url: no host")
	case u.User != nil:
		return errors.New("atlas.base_url: must not carry credentials; use public_key and private_key_file")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("atlas.base_url: must not have a query or fragment")
	}
	return nil
}

func (t Target) check(i int, seen map[string]int) []error {
	var errs []error
	where := fmt.Sprintf("targets[%d]", i)
	if t.GroupID == "" {
		errs = append(errs, fmt.Errorf("%s.group_id: required", where))
	} else if !objectIDPattern.MatchString(t.GroupID) {
		errs = append(errs, fmt.Errorf("%s.group_id: %q is not a 24-digit hex project ID", where, clip(t.GroupID)))
	}
	if t.ClusterName == "" {
		errs = append(errs, fmt.Errorf("%s.cluster_name: required", where))
	} else if !clusterNamePattern.MatchString(t.ClusterName) {
		errs = append(errs, fmt.Errorf("%s.cluster_name: %q is not a valid cluster name (letters, digits, '.', '_', '-'; at most 64)", where, clip(t.ClusterName)))
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
	key := strings.ToLower(t.GroupID) + "/" + t.ClusterName
	if prev, dup := seen[key]; dup && t.GroupID != "" {
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
		return "", errors.New("config was not validated")
	}
	return c.key.PrivateKey()
}
