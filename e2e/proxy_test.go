package e2e

import (
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// connectProxy is an HTTPS proxy as corporate networks run them: it answers CONNECT and pipes the
// tunnel, here always to the simulator, whatever host was asked for, so nothing leaves loopback.
type connectProxy struct {
	upstream string
	wg       sync.WaitGroup
	mu       sync.Mutex
	asked    []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.asked = append(p.asked, r.Host)
	p.mu.Unlock()
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	p.wg.Go(func() {
		_, _ = io.Copy(up, buf)
		up.Close()
	})
	_, _ = io.Copy(conn, up)
	conn.Close()
}

func (p *connectProxy) hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

// The exporter reaches Atlas through HTTPS_PROXY, as Go's ProxyFromEnvironment does for every
// host but loopback: which is why this runs the binary in its own environment against a named
// host, example.com, that only the proxy knows how to reach. TLS is verified end to end through
// the tunnel with ca_file, and the service account's token request takes the same path.
func TestThroughAnHTTPSProxy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := exporterBin

	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID, ClientSecret: clientSecret})
	sim.PutJob(e2eGroup, e2eCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", brokenJob).Set("groupId", e2eGroup))
	sim.PutCloudBackupJob(e2eGroup, cloudCluster, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", cloudJob))
	api := httptest.NewTLSServer(sim) // its certificate names example.com
	t.Cleanup(api.Close)
	proxy := &connectProxy{upstream: api.Listener.Addr().String()}
	proxySrv := httptest.NewServer(proxy)
	t.Cleanup(func() { proxySrv.Close(); proxy.wg.Wait() })

	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	for name, body := range map[string]string{"ca.pem": string(ca), "private-key": privateKey, "client-secret": clientSecret} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HTTPS_PROXY=" + proxySrv.URL, "PATH=" + os.Getenv("PATH")}
	for _, c := range []struct{ name, atlas, target, want string }{
		{"api-key", "public_key: " + publicKey + ", private_key_file: private-key",
			"{group_id: " + e2eGroup + ", cluster_name: " + e2eCluster + "}", `restore_job_id="` + brokenJob + `"`},
		{"service-account", "client_id: " + clientID + ", client_secret_file: client-secret",
			"{group_id: " + e2eGroup + ", cluster_name: " + cloudCluster + ", api: cloud_backup}", `restore_job_id="` + cloudJob + `"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := filepath.Join(dir, c.name+".yml")
			yml := fmt.Sprintf("atlas: {base_url: \"https://example.com%s\", ca_file: ca.pem, %s}\ntargets: [%s]\n",
				atlastest.RootAtlasV1, c.atlas, c.target)
			if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			startWithEnv(t, dir, "exporter-"+c.name, bin, env, "--config.file="+cfg, "--web.listen-address="+addr)
			var body string
			waitFor(t, "a scrape through the proxy", 20*time.Second, func() (bool, string) {
				resp, err := http.Get("http://" + addr + "/metrics")
				if err != nil {
					return false, err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				body = string(b)
				return strings.Contains(body, "mongodbatlas_up 1") && strings.Contains(body, c.want), tail(body, 300)
			})
		})
	}
	hosts := proxy.hosts()
	if len(hosts) == 0 || slices.ContainsFunc(hosts, func(h string) bool { return h != "example.com:443" }) {
		t.Errorf("the proxy was asked for %v, want only example.com:443", hosts)
	}
	if got := sim.Stats().TokenRequests; got == 0 {
		t.Error("the service account's token was not fetched through the proxy")
	}
}
