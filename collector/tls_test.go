package collector_test

import (
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// An API behind a private CA is reachable with ca_file, and refused without it.
func TestCAFileTrustsAPrivateCA(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureSeed))
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
		yml := "atlas:\n  base_url: " + srv.URL + atlastest.RootAtlasV1 + "\n  public_key: " + publicKey +
			"\n  private_key: " + privateKey + "\n"
		if withCA {
			yml += "  ca_file: " + caFile + "\n"
		}
		yml += "targets: [{group_id: " + groupID + ", cluster_name: " + clusterName + "}]\n"
		cfg, err := config.Parse([]byte(yml), ".", nil)
		if err != nil {
			t.Fatal(err)
		}
		logs := &testkit.Buffer{}
		exp := collector.New(collector.Options{}, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(logs, nil)))
		if err := exp.Apply(cfg); err != nil {
			t.Fatal(err)
		}
		web := httptest.NewServer(exp.Handler(prometheus.NewRegistry(), collector.HandlerOptions{DefaultTimeout: 5 * time.Second}))
		h := &harness{sim: sim, exp: exp, srv: web, logs: logs}
		up := mustValue(t, h.scrape(t, 0), "mongodbatlas_up", nil)
		web.Close()
		exp.Close()
		if withCA && up != 1 {
			t.Errorf("with ca_file: up = %v:\n%s", up, logs)
		}
		if !withCA && (up != 0 || !strings.Contains(h.waitLogs(t, "certificate", 1), "certificate")) {
			t.Errorf("without ca_file: up = %v, and the log should name the certificate problem:\n%s", up, logs)
		}
	}
}
