package server_test

import (
	"encoding/pem"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// An API behind a private CA is reachable with ca_file, and refused without it.
func TestCAFileTrustsAPrivateCA(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, withCA := range []bool{true, false} {
		yml := "atlas:\n  base_url: " + srv.URL + atlastest.RootAtlasV1 + "\n  public_key: " + harness.PublicKey +
			"\n  private_key: " + harness.PrivateKey + "\n"
		if withCA {
			yml += "  ca_file: " + caFile + "\n"
		}
		yml += "targets: [{group_id: " + harness.GroupID + ", cluster_name: " + harness.ClusterName + "}]\n"
		cfg, err := config.Parse([]byte(yml), ".", nil)
		if err != nil {
			t.Fatal(err)
		}
		logs := &testkit.Buffer{}
		web := harness.ServeConfig(t, cfg, scrape.Options{}, server.Options{DefaultTimeout: 5 * time.Second},
			slog.New(slog.NewTextHandler(logs, nil)))
		h := &harness.Harness{Sim: sim, Srv: web, Logs: logs}
		up := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil)
		if withCA && up != 1 {
			t.Errorf("with ca_file: up = %v:\n%s", up, logs)
		}
		if !withCA && (up != 0 || !strings.Contains(h.WaitLogs(t, "certificate", 1), "certificate")) {
			t.Errorf("without ca_file: up = %v, and the log should name the certificate problem:\n%s", up, logs)
		}
	}
}
