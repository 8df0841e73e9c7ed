package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// The canary again, for Cloud Backup's secret fields and a service account's client secret.
func TestCloudBackupSecretsNeverLeaveTheProcess(t *testing.T) {
	t.Parallel()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	canary := "CANARY" + hex.EncodeToString(b)

	const clientID = "mdb_sa_id_canary"
	sim := atlastest.New(atlastest.Options{ClientID: clientID, ClientSecret: canary})
	sim.AddCluster(groupID, cluster)
	sim.PutCloudBackupJob(groupID, cluster, atlastest.LoadJob(atlastest.FixtureCloudSharded).
		Set("deliveryUrl", []any{"https://restore.mongodb.net/" + canary}).
		Set("privateDownloadDeliveryUrls", []any{map[string]any{"deliveryUrl": "https://pl.mongodb.net/" + canary, "endpointId": "vpce-1"}}).
		Set("components", []any{
			map[string]any{"replicaSetName": "shard-0", "downloadUrl": "https://s0.mongodb.net/" + canary},
			map[string]any{"replicaSetName": "shard-1", "downloadUrl": "https://s1.mongodb.net/" + canary},
		}))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "client-secret"), []byte(canary), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.yml")
	cfg := fmt.Sprintf("atlas:\n  base_url: %s%s\n  client_id: %s\n  client_secret_file: client-secret\n"+
		"targets:\n  - {group_id: %s, cluster_name: %s, api: cloud_backup}\n", running.Host, atlastest.RootAtlasV2, clientID, groupID, cluster)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--config.file="+cfgPath, "--log.level=debug")
	_, first := e.get(t, "/metrics")
	if !strings.Contains(first, "mongodbatlas_up 1") || !strings.Contains(first, "mongodbatlas_restore_job_components{") {
		t.Fatalf("the canary run did not scrape successfully:\n%s\n%s", first, e.stderr)
	}
	seen := []string{first}
	// A revoked token, then a refused secret, to walk the failing paths too.
	sim.ExpireTokens()
	_, body := e.get(t, "/metrics")
	seen = append(seen, body)
	if err := os.WriteFile(filepath.Join(dir, "client-secret"), []byte(canary+"-rotated-wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	sim.ExpireTokens()
	_, body = e.get(t, "/metrics")
	seen = append(seen, body)
	for _, p := range []string{"/", "/-/ready", "/probe?target=" + groupID} {
		_, body := e.get(t, p)
		seen = append(seen, body)
	}
	_, body = e.do(t, http.MethodPost, "/-/reload")
	seen = append(seen, body)
	e.stop()
	logs := e.stderr.String()
	if !strings.Contains(logs, "invalid_client") {
		t.Errorf("the refused secret was not reported:\n%s", logs)
	}
	for _, s := range append(seen, logs) {
		if i := strings.Index(s, canary); i >= 0 {
			t.Errorf("canary leaked: ...%s...", s[max(0, i-200):min(len(s), i+100)])
		}
	}
}
