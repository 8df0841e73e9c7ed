package config_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestGoodConfigs(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{config.EnvPublicKey: "env-public", config.EnvPrivateKey: "env-private"})
	cases := []struct {
		file        string
		wantBaseURL string
		wantPublic  string
		wantKey     string
		wantTargets int
	}{
		{"full.yml", "https://cloud.mongodb.com/api/atlas/v1.0", "abcdefgh", "k3y-from-file", 2},
		{"minimal_env_keys.yml", config.DefaultBaseURL, "env-public", "env-private", 1},
		{"inline_key_http.yml", "http://127.0.0.1:8080/api/atlas/v1.0", "abcdefgh", "inline-secret", 1},
		{"ops_manager.yml", "https://opsmanager.example.com:8443/api/public/v1.0", "abcdefgh", "k3y-from-file", 2},
		{"caps_and_budget.yml", config.DefaultBaseURL, "abcdefgh", "x", 1},
		{"discovery.yml", config.DefaultBaseURL, "abcdefgh", "x", 3},
		{"legacy_on_v2.yml", "https://cloud.mongodb.com/api/atlas/v2", "abcdefgh", "x", 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			cfg, err := config.Load(filepath.Join("testdata", "good", c.file), env)
			if err != nil {
				t.Fatal(err)
			}
			key, err := cfg.PrivateKey()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Atlas.BaseURL != c.wantBaseURL || cfg.Atlas.PublicKey != c.wantPublic || key != c.wantKey || len(cfg.Targets) != c.wantTargets {
				t.Errorf("got base %q public %q key %q targets %d", cfg.Atlas.BaseURL, cfg.Atlas.PublicKey, key, len(cfg.Targets))
			}
		})
	}
}

// drill_interval takes Prometheus's duration syntax, days included.
func TestDrillInterval(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(filepath.Join("testdata", "good", "discovery.yml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(cfg.Targets[0].DrillInterval); got != 30*24*time.Hour {
		t.Errorf("drill_interval 30d read as %v", got)
	}
	if got := cfg.Targets[1].DrillInterval; got != 0 {
		t.Errorf("a target without drill_interval has %v", got)
	}
}

func TestBadConfigsNameTheProblem(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"unknown_key.yml":                    "line 4: atlas.privte_key_file: unknown key; did you mean private_key_file?",
		"missing_group.yml":                  "targets[0].group_id: required",
		"bad_url.yml":                        "atlas.base_url: scheme must be https",
		"url_with_credentials.yml":           "must not carry credentials",
		"unreadable_key_file.yml":            "atlas.private_key_file: private key file: stat /nonexistent/private-key: no such file",
		"both_keys.yml":                      "set private_key or private_key_file, not both",
		"no_targets.yml":                     "at least one target is required",
		"duplicate_target.yml":               "targets[1]: same group_id and cluster_name as targets[0]",
		"no_public_key.yml":                  "atlas.public_key: not set",
		"secret_as_list.yml":                 "must be a string",
		"empty.yml":                          "the file is empty",
		"not_yaml.yml":                       "decode:",
		"bad_ids.yml":                        "is not a 24-digit hex project ID",
		"discovery_conflicts.yml":            "targets[0]: set one of group_id, org_id and all_projects",
		"bad_regex.yml":                      "targets[0].cluster_exclude: error parsing regexp",
		"org_with_cluster.yml":               "targets[0].cluster_name: only with group_id",
		"bad_caps.yml":                       "jobs.max_per_cluster: must not be negative",
		"bad_rate_limit.yml":                 "rate_limit: capacity (at least 1), refill and period must all be positive",
		"both_credentials.yml":               "configure an API key (public_key, private_key_file) or a service account (client_id, client_secret_file), not both",
		"cloud_backup_on_ops_manager.yml":    "Cloud Manager and Ops Manager have no Cloud Backup",
		"bad_api.yml":                        `targets[0].api: "continuous" is not auto, legacy, cloud_backup or flex`,
		"bad_tls_version.yml":                `atlas.min_tls_version: "TLS10" is not TLS12 or TLS13`,
		"unreadable_ca_file.yml":             "atlas.ca_file: open /nonexistent/ca.pem",
		"bad_cluster_id.yml":                 "targets[0].cluster_id:",
		"service_account_without_secret.yml": "atlas: no client_secret: set client_secret_file, client_secret or MONGODB_ATLAS_CLIENT_SECRET",
		"bad_drill_interval.yml":             `line 4: targets[0].drill_interval: "monthly" is not a duration`,
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(cases) {
		t.Errorf("%d files in testdata/bad but %d cases: every bad file needs an expectation", len(entries), len(cases))
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := config.Load(filepath.Join("testdata", "bad", file), noEnv)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file", err)
			}
			for _, secret := range []string{"hunter2", "leaked-canary-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q echoes a secret", err)
				}
			}
		})
	}
}

func TestBadIDsAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := config.Load(filepath.Join("testdata", "bad", "bad_ids.yml"), noEnv)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"targets[0].group_id:", "is not a 24-digit hex project ID",
		"targets[0].cluster_name:", "targets[0].restore_job_ids[0]:",
		"targets[0].restore_job_ids[2]: 6B77893B80EEF5354C77EE15 is listed twice",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "config.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// As shipped, relative to its own folder, with the placeholder key beside the examples.
	cfg, err := config.Parse(data, "..", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Targets) != 3 || len(cfg.Targets[1].RestoreJobIDs) != 1 || !cfg.Targets[2].IsCloudBackup() {
		t.Errorf("targets = %+v", cfg.Targets)
	}
	if key, _ := cfg.PrivateKey(); key != "placeholder-replace-with-your-private-key" {
		t.Errorf("key not trimmed: %q", key)
	}
}

func TestEnvFillsOnlyWhatTheFileLeavesOut(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{config.EnvPublicKey: "env-public", config.EnvPrivateKey: "env-private"})
	cfg, err := config.Load(filepath.Join("testdata", "good", "full.yml"), env)
	if err != nil {
		t.Fatal(err)
	}
	if key, _ := cfg.PrivateKey(); cfg.Atlas.PublicKey != "abcdefgh" || key != "k3y-from-file" {
		t.Errorf("environment overrode the file: %q %q", cfg.Atlas.PublicKey, key)
	}
}

func TestKeyFileIsReReadWhenItChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(keyFile, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("first-key\n")
	yml := fmt.Sprintf("atlas: {public_key: p, private_key_file: %s}\ntargets: [{group_id: 5a66666887d9d61443b41645, cluster_name: c}]\n", keyFile)
	cfg, err := config.Parse([]byte(yml), dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := cfg.PrivateKey(); k != "first-key" {
		t.Fatalf("key %q", k)
	}
	write("second-key-longer\n") // a different size, so the change is seen whatever the mtime granularity
	if k, _ := cfg.PrivateKey(); k != "second-key-longer" {
		t.Errorf("rotated key not picked up: %q", k)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.PrivateKey(); err == nil || !strings.Contains(err.Error(), "private key file") {
		t.Errorf("missing key file: err = %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	const canary = "canary-7f3e9b"
	s := config.Secret(canary)
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).Debug("x", "key", s)
	y, _ := yaml.Marshal(config.Atlas{PrivateKey: s})
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(config.Atlas{PrivateKey: s})
	//lint:ignore S1025 the %s verb itself is what is under test
	viaS := fmt.Sprintf("%s", s)
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": viaS, "%#v": fmt.Sprintf("%#v", s),
		"%+v struct": fmt.Sprintf("%+v", config.Atlas{PrivateKey: s}),
		"slog":       logs.String(), "yaml": string(y), "json": j.String(),
	} {
		if strings.Contains(out, canary) {
			t.Errorf("%s printed the secret: %s", name, out)
		}
		if !strings.Contains(out, "<secret>") {
			t.Errorf("%s lost the placeholder: %s", name, out)
		}
	}
}

func TestServiceAccountConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(filepath.Join("testdata", "good", "service_account.yml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := cfg.ClientSecret()
	if err != nil || secret != "sa-secret-from-file" || !cfg.UsesServiceAccount() {
		t.Errorf("secret %q, err %v, service account %v", secret, err, cfg.UsesServiceAccount())
	}
	if _, err := cfg.PrivateKey(); err == nil {
		t.Error("a service-account config also has a private key")
	}
	if cfg.TLSConfig().MinVersion != tls.VersionTLS13 || !cfg.Targets[0].IsCloudBackup() {
		t.Errorf("min TLS %x, cloud backup %v", cfg.TLSConfig().MinVersion, cfg.Targets[0].IsCloudBackup())
	}
}

func TestServiceAccountFromEnvironment(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{config.EnvClientID: "env-id", config.EnvClientSecret: "env-secret"})
	cfg, err := config.Load(filepath.Join("testdata", "good", "minimal_env_keys.yml"), env)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := cfg.ClientSecret(); cfg.Atlas.ClientID != "env-id" || s != "env-secret" {
		t.Errorf("id %q secret %q", cfg.Atlas.ClientID, s)
	}
	both := envOf(map[string]string{
		config.EnvClientID: "env-id", config.EnvClientSecret: "env-secret",
		config.EnvPublicKey: "p", config.EnvPrivateKey: "k",
	})
	if _, err := config.Load(filepath.Join("testdata", "good", "minimal_env_keys.yml"), both); err == nil ||
		!strings.Contains(err.Error(), "unset one") {
		t.Errorf("both credentials in the environment: %v", err)
	}
	// The file's API key wins over a service account in the environment.
	cfg, err = config.Load(filepath.Join("testdata", "good", "full.yml"), both)
	if err != nil || cfg.UsesServiceAccount() {
		t.Errorf("file's API key with SA env: %v, service account %v", err, cfg != nil && cfg.UsesServiceAccount())
	}
}

func TestCAFileIsTrusted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	yml := fmt.Sprintf("atlas: {public_key: p, private_key: k, ca_file: %s}\ntargets: [{group_id: 5a66666887d9d61443b41645, cluster_name: c}]\n", bad)
	if _, err := config.Parse([]byte(yml), dir, noEnv); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a CA file without certificates: %v", err)
	}
}

func TestCapsAndBudgetDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(filepath.Join("testdata", "good", "full.yml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.Jobs.MaxAge != config.DefaultMaxJobAge || *cfg.Jobs.MaxPerCluster != config.DefaultMaxJobsPerCluster {
		t.Errorf("caps %v %v", *cfg.Jobs.MaxAge, *cfg.Jobs.MaxPerCluster)
	}
	if cfg.RateLimit.Capacity != 1200 || cfg.RateLimit.Refill != 500 || time.Duration(cfg.RateLimit.Period) != time.Minute {
		t.Errorf("rate limit %+v, want Atlas's Cloud Backups bucket", cfg.RateLimit)
	}
	cfg, err = config.Load(filepath.Join("testdata", "good", "caps_and_budget.yml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(*cfg.Jobs.MaxAge) != 30*24*time.Hour || *cfg.Jobs.MaxPerCluster != 20 || cfg.RateLimit.Capacity != 600 {
		t.Errorf("given caps and budget not kept: %+v %+v", cfg.Jobs, cfg.RateLimit)
	}
}

func TestRedactHidesEveryCredentialSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("key-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := "targets: [{group_id: 5a66666887d9d61443b41645, cluster_name: c}]\n"
	for name, c := range map[string]struct {
		yml, secret string
		env         map[string]string
	}{
		"inline key":       {yml: "atlas: {public_key: p, private_key: inline-key}\n", secret: "inline-key"},
		"key file":         {yml: "atlas: {public_key: p, private_key_file: " + keyFile + "}\n", secret: "key-from-file"},
		"key from env":     {yml: "atlas: {public_key: p}\n", secret: "env-key", env: map[string]string{config.EnvPrivateKey: "env-key"}},
		"client secret":    {yml: "atlas: {client_id: id, client_secret: inline-secret}\n", secret: "inline-secret"},
		"secret from file": {yml: "atlas: {client_id: id, client_secret_file: " + keyFile + "}\n", secret: "key-from-file"},
	} {
		cfg, err := config.Parse([]byte(c.yml+target), dir, envOf(c.env))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := cfg.Redact("panic: transport for " + c.secret + " failed")
		if got != "panic: transport for <secret> failed" {
			t.Errorf("%s: Redact = %q", name, got)
		}
	}
	var none *config.Config
	if got := none.Redact("nothing loaded"); got != "nothing loaded" {
		t.Errorf("nil config: Redact = %q", got)
	}
}

// Every unknown key is named by its config path and line, all at once, with the nearest valid
// key when it looks like a typo; durations name their field.
func TestConfigErrorsNameThePathAndSuggest(t *testing.T) {
	t.Parallel()
	yml := `atlas:
  baseurl: https://cloud.mongodb.com/api/atlas/v1.0
  public_key: abcdefgh
  private_key: x
jobs:
  max_ages: 30d
discovery:
  refresh-interval: 5m
targets:
  - group_id: 5a66666887d9d61443b41645
    cluster_name: Cluster0
  - group_id: 5a66666887d9d61443b41645
    clustername: Cluster1
    drill_interval: 3 months
    zzzzzzzz: 1
`
	_, err := config.Parse([]byte(yml), ".", noEnv)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"line 2: atlas.baseurl: unknown key; did you mean base_url?",
		"line 6: jobs.max_ages: unknown key; did you mean max_age?",
		"line 8: discovery.refresh-interval: unknown key; did you mean refresh_interval?",
		"line 13: targets[1].clustername: unknown key; did you mean cluster_name?",
		`line 14: targets[1].drill_interval: "3 months" is not a duration`,
		"line 15: targets[1].zzzzzzzz: unknown key\n",
	} {
		if !strings.Contains(err.Error()+"\n", want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}

// One --config.check finds every problem, each with its line and, where it can, the fix.
func TestEveryProblemWithItsLine(t *testing.T) {
	t.Parallel()
	doc := `atlas:
  public_key: p
  private_key_file: /nonexistent/private-key
targets:
  - group_id: 5a66666887d9d61443b4164
    cluster_name: C
    api: cloudbackup
    clustername: x
`
	_, err := config.Parse([]byte(doc), ".", nil)
	if err == nil {
		t.Fatal("a config with four mistakes was accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"line 3: atlas.private_key_file",
		"line 5: targets[0].group_id",
		`line 7: targets[0].api: "cloudbackup" is not auto, legacy, cloud_backup or flex; did you mean cloud_backup?`,
		"line 8: targets[0].clustername: unknown key; did you mean cluster_name?",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "\n") + 1; n != 4 {
		t.Errorf("%d messages, want 4:\n%s", n, msg)
	}
}

// YAML syntax errors point at the right line with a hint: a tab, a mis-indented key, an atlas
// key that is not under atlas:.
func TestSyntaxErrorsSayWhereAndWhy(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, doc, want string }{
		{"a tab", "atlas:\n  public_key: p\n  private_key: k\ntargets:\n  - group_id: 5a66666887d9d61443b41645\n\tcluster_name: C\n",
			"line 6: a tab in the indentation"},
		{"atlas keys not indented", "atlas:\npublic_key: p\nprivate_key: k\ntargets: [{group_id: 5a66666887d9d61443b41645, cluster_name: C}]\n",
			"line 2: public_key: unknown key; it belongs under atlas:"},
		{"a target key outside a target", "atlas: {public_key: p, private_key: k}\ncluster_name: C\ntargets: [{group_id: 5a66666887d9d61443b41645, cluster_name: C}]\n",
			"line 2: cluster_name: unknown key; it belongs in a target"},
		{"a mis-indented key", "atlas:\n  public_key: p\n  private_key: k\ntargets:\n  - group_id: 5a66666887d9d61443b41645\n   cluster_name: C\n",
			"check the indentation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse([]byte(c.doc), ".", nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}
