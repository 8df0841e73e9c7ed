package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// A canary token is planted in every secret the API sends and in the private key; it must appear
// in no page, metric, log line (at debug) or error, whatever path the exporter takes.
func TestSecretsNeverLeaveTheProcess(t *testing.T) {
	t.Parallel()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	canary := "CANARY" + hex.EncodeToString(b)

	planted := func(id string) atlastest.Job {
		return atlastest.LoadJob(atlastest.FixtureInProgress).
			Set("id", id).
			Set("delivery.url", "https://api-backup.mongodb.com/pull/"+canary+"/x.tar.gz").
			Set("delivery.urlV2", "https://restore.mongodb.com/v3/"+canary).
			Set("delivery.authHeader", "X-"+canary).
			Set("delivery.authValue", canary).
			Set("masterKeyUUID", canary)
	}
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: canary})
	sim.AddCluster(groupID, cluster)
	sim.PutJob(groupID, cluster, planted("6c0000000000000000000001"))
	sim.PutJob(groupID, cluster, atlastest.LoadJob(atlastest.FixtureDocsExample).
		Set("delivery.url", "https://api-backup.mongodb.com/pull/"+canary))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()

	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, running.URL, canary, "")
	e := startExporter(t, "--config.file="+cfgPath, "--log.level=debug")

	var seen []string
	collect := func(method, path string) {
		t.Helper()
		_, body := e.do(t, method, path)
		seen = append(seen, method+" "+path+": "+body)
	}
	collect(http.MethodGet, "/metrics")
	if !strings.Contains(seen[0], "mongodbatlas_up 1") {
		t.Fatalf("the canary run did not scrape successfully:\n%s\n%s", seen[0], e.stderr)
	}
	for _, p := range []string{"/", "/-/healthy", "/-/ready", "/probe?target=" + groupID} {
		collect(http.MethodGet, p)
	}
	if !strings.Contains(seen[len(seen)-1], "mongodbatlas_restore_job_info{") {
		t.Fatalf("the canary probe did not export the jobs:\n%s", seen[len(seen)-1])
	}

	// Failing paths: a decode error on a body full of secrets, then auth failures.
	sim.PutRawJob(groupID, cluster, "6c0000000000000000000003",
		[]byte(`{"id":"6c0000000000000000000003","delivery":{"url":"`+canary+`","statusName":5}}`))
	collect(http.MethodGet, "/metrics")
	sim.PutRawJob(groupID, cluster, "6c0000000000000000000003", []byte(`{"id":"x","delivery":{"url":"`+canary))
	collect(http.MethodGet, "/metrics")
	sim.DeleteJob(groupID, cluster, "6c0000000000000000000003")
	sim.SetKeys(publicKey, "rotated")
	collect(http.MethodGet, "/metrics")
	if !strings.Contains(seen[len(seen)-1], "mongodbatlas_up 0") {
		t.Errorf("the wrong-key scrape did not fail")
	}

	// A refused reload quoting a config that carries the key inline and in a URL.
	bad := fmt.Sprintf("atlas:\n  base_url: https://u:%s@cloud.mongodb.com/api/atlas/v1.0\n  public_key: p\n  private_key: %s\n  private_key_file: x\ntargets: []\n", canary, canary)
	if err := os.WriteFile(cfgPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	collect(http.MethodPost, "/-/reload")
	if !strings.Contains(seen[len(seen)-1], "failed to reload config") {
		t.Errorf("bad reload was not refused: %s", seen[len(seen)-1])
	}
	e.stop()

	logs := e.stderr.String() + e.stdout.String()
	for _, want := range []string{"level=DEBUG", "Scraping target failed", "decode response", "status=401"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q, so the failing paths were not exercised:\n%s", want, logs)
		}
	}
	seen = append(seen, "logs: "+logs)
	for _, s := range seen {
		if strings.Contains(s, canary) {
			i := strings.Index(s, canary)
			t.Errorf("canary leaked in %s", s[:min(len(s), max(0, i-200)+300)])
		}
	}
}
