package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	groupID      = "5a66666887d9d61443b41645"
	cluster      = "Cluster0"
	exampleJobID = "6b77893b80eef5354c77ee15"
	publicKey    = "abcdefgh"
	privateKey   = "main-test-private-key"
)

// exporter is run() serving on a loopback port, as the binary would.
type exporter struct {
	base   string
	stdout *testkit.Buffer
	stderr *testkit.Buffer
	stop   func() int
}

func freePort(t *testing.T) string { return testkit.FreeAddr(t) }

func startExporter(t *testing.T, args ...string) *exporter {
	t.Helper()
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := &exporter{base: "http://" + addr, stdout: &testkit.Buffer{}, stderr: &testkit.Buffer{}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append(args, "--web.listen-address="+addr), e.stdout, e.stderr) }()
	var once sync.Once
	code := 0
	e.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("exporter did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { e.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case code := <-done:
			t.Fatalf("exporter exited with %d:\n%s", code, e.stderr)
		default:
		}
		if resp, err := http.Get(e.base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter not ready:\n%s", e.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *exporter) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return e.do(t, http.MethodGet, path)
}

func (e *exporter) do(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, body := testkit.Do(t, req)
	return status, string(body)
}

// simulator starts a simulated Atlas holding the documentation's example job.
func simulator(t *testing.T, jobs ...atlastest.Job) (*atlastest.Server, string) {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.AddCluster(groupID, cluster)
	if len(jobs) == 0 {
		jobs = []atlastest.Job{atlastest.LoadJob(atlastest.FixtureDocsExample)}
	}
	for _, j := range jobs {
		sim.PutJob(groupID, cluster, j)
	}
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	return sim, running.URL
}

// writeConfig writes a config and its key file into dir and returns the config's path.
func writeConfig(t *testing.T, dir, baseURL, key, extra string) string {
	t.Helper()
	keyFile := filepath.Join(dir, "private-key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yml")
	// max_age 0 keeps the documentation's example job, which is from 2018.
	body := fmt.Sprintf("jobs: {max_age: 0s}\natlas:\n  base_url: %s\n  public_key: %s\n  private_key_file: private-key\n%s"+
		"targets:\n  - group_id: %s\n    cluster_name: %s\n", baseURL, publicKey, extra, groupID, cluster)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"--help"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 0 {
			t.Errorf("%v exited %d: %s", args, code, errOut.String())
		}
		if !strings.Contains(out.String()+errOut.String(), exporterName) {
			t.Errorf("%v printed %q", args, out.String()+errOut.String())
		}
	}
}

// --help gives this exporter's port in its examples and names the environment variables that
// carry credentials.
func TestHelpNamesThePortAndTheEnvironment(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errOut); code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	help := out.String()
	for _, want := range []string{"`:10216`", "MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY", "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %s", want)
		}
	}
	if strings.Contains(help, "9100") {
		t.Error("--help still gives node_exporter's port 9100 as an example")
	}
}

func TestBadFlagsExit2(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--no-such-flag"}, &out, &errOut); code != 2 {
		t.Errorf("exit %d", code)
	}
	if code := run(context.Background(), []string{"--atlas.concurrency=0"}, &out, &errOut); code != 2 {
		t.Errorf("--atlas.concurrency=0: exit %d", code)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeConfig(t, dir, "https://cloud.mongodb.com/api/atlas/v1.0", privateKey, "")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--config.check", "--config.file=" + good}, &out, &errOut); code != 0 {
		t.Fatalf("good config: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Config OK") {
		t.Errorf("stdout %q", out.String())
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("atlas: {public_key: p, private_key: k, colour: blue}\ntargets: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"--config.check", "--config.file=" + bad}, &out, &errOut); code != 1 {
		t.Fatalf("bad config: exit %d", code)
	}
	if !strings.Contains(errOut.String(), "atlas.colour: unknown key") {
		t.Errorf("stderr %q does not name the unknown key", errOut.String())
	}

	// Doubtful but not wrong: warned about, not refused.
	warn := filepath.Join(dir, "warn.yml")
	if err := os.WriteFile(warn, []byte("atlas: {base_url: 'http://atlas.example.com/api', public_key: p, private_key: k}\ntargets: [{group_id: 5a66666887d9d61443b41645, cluster_name: C}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"--config.check", "--config.file=" + warn}, &out, &errOut); code != 0 {
		t.Fatalf("a config with warnings: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"warning: atlas.base_url: plain http:// to atlas.example.com", "warning: atlas.base_url: \"http://atlas.example.com/api\" names no API version"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr %q lacks %q", errOut.String(), want)
		}
	}
}

func TestRefusesBadConfigAtStart(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--config.file=/nonexistent/config.yml", "--web.listen-address=" + freePort(t)}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "no such file") || !strings.Contains(errOut.String(), "--demo") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestServesReloadsAndShutsDown(t *testing.T) {
	t.Parallel()
	_, url := simulator(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, url, privateKey, "")
	e := startExporter(t, "--config.file="+cfgPath)

	code, body := e.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics %d", code)
	}
	for _, want := range []string{
		`mongodbatlas_restore_job_status{cluster_name="Cluster0",group_id="5a66666887d9d61443b41645",restore_job_id="6b77893b80eef5354c77ee15",status="FINISHED"} 1`,
		`mongodbatlas_up 1`,
		`mongodbatlas_restore_exporter_build_info{`,
		`mongodbatlas_restore_exporter_config_last_reload_successful 1`,
		`mongodbatlas_api_requests_total{code="200",endpoint="/groups/{group_id}/clusters/{cluster_name}/restoreJobs"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := e.get(t, "/"); code != 200 || !strings.Contains(body, "/metrics") {
		t.Errorf("landing page %d", code)
	}
	if code, _ := e.get(t, "/-/healthy"); code != 200 {
		t.Errorf("/-/healthy %d", code)
	}
	if code, _ := e.get(t, "/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload %d, want 405", code)
	}

	// A broken config is refused; the old one keeps serving.
	if err := os.WriteFile(cfgPath, []byte("atlas: {public_key: p}\ntargets:\n  - group_id: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, body = e.do(t, http.MethodPost, "/-/reload")
	if code != 500 || !strings.Contains(body, "targets[0].group_id") {
		t.Errorf("bad reload answered %d %q", code, body)
	}
	_, body = e.get(t, "/metrics")
	for _, want := range []string{"mongodbatlas_up 1", "mongodbatlas_restore_exporter_config_last_reload_successful 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("after a bad reload /metrics lacks %q", want)
		}
	}

	// A good config with a second target is taken.
	writeConfig(t, dir, url, privateKey, "")
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "  - group_id: %s\n    cluster_name: Missing\n", groupID)
	f.Close()
	if code, body := e.do(t, http.MethodPost, "/-/reload"); code != 200 {
		t.Fatalf("good reload answered %d %q", code, body)
	}
	_, body = e.get(t, "/metrics")
	for _, want := range []string{
		`mongodbatlas_scrape_success{cluster_name="Missing",group_id="5a66666887d9d61443b41645"} 0`,
		`mongodbatlas_scrape_success{cluster_name="Cluster0",group_id="5a66666887d9d61443b41645"} 1`,
		"mongodbatlas_up 0",
		"mongodbatlas_restore_exporter_config_last_reload_successful 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("after a good reload /metrics lacks %q", want)
		}
	}
	if code := e.stop(); code != 0 {
		t.Errorf("exit code %d after shutdown", code)
	}
}

// The quick start: --demo shows the documentation's example job with no account and no config file.
func TestDemoShowsTheExampleJob(t *testing.T) {
	t.Parallel()
	e := startExporter(t, "--demo", "--config.file=/nonexistent/config.yml")
	_, body := e.get(t, "/metrics")
	for _, want := range []string{
		`mongodbatlas_restore_job_delivery_status{cluster_name="Cluster0",group_id="5a66666887d9d61443b41645",restore_job_id="6b77893b80eef5354c77ee15",status="EXPIRED"} 1`,
		`mongodbatlas_restore_job_delivery_max_downloads{cluster_name="Cluster0",group_id="5a66666887d9d61443b41645",restore_job_id="6b77893b80eef5354c77ee15"} 2.147483647e+09`,
		`mongodbatlas_restore_job_delivery_expiry_timestamp_seconds{cluster_name="Cluster0",group_id="5a66666887d9d61443b41645",restore_job_id="6b77893b80eef5354c77ee15"} 1.516664978e+09`,
		"mongodbatlas_up 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("demo /metrics lacks %s", want)
		}
	}
	if n := strings.Count(body, "mongodbatlas_restore_job_info{"); n != 9 {
		t.Errorf("demo exports %d jobs, want the example job, three lively legacy ones, three Cloud Backup ones and two Flex ones", n)
	}
	if !strings.Contains(body, `cluster_name="FlexCluster0",delivery_method="RESTORE"`) {
		t.Error("the demo shows no Flex job")
	}
	if !strings.Contains(body, `mongodbatlas_restore_job_info{batch_id="",cluster_id="",cluster_name="Cluster1",delivery_method="automated"`) {
		t.Error("the demo shows no Cloud Backup job")
	}
}

func TestSIGHUPReloads(t *testing.T) {
	_, url := simulator(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, url, privateKey, "")
	e := startExporter(t, "--config.file="+cfgPath)
	if err := os.WriteFile(cfgPath, []byte("not: [valid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// run() has registered for SIGHUP before /-/ready answers, so the signal cannot kill the test.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := e.get(t, "/metrics")
		if strings.Contains(body, "mongodbatlas_restore_exporter_config_last_reload_successful 0") {
			if !strings.Contains(body, "mongodbatlas_up 1") {
				t.Error("the old config stopped serving after a failed SIGHUP reload")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not trigger a reload:\n%s", e.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(e.stderr.String(), "Error reloading config") {
		t.Errorf("failed SIGHUP reload not logged:\n%s", e.stderr)
	}
}

// config.example.yml shows every key the config has (set or in a comment), and it and every
// situational example in examples/ pass --config.check once their files exist, without warnings.
func TestExamplesPassConfigCheck(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	var keys func(reflect.Type, string)
	keys = func(rt reflect.Type, path string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.PkgPath() != reflect.TypeOf(config.Config{}).PkgPath() {
			return
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || !f.IsExported() {
				continue
			}
			if !regexp.MustCompile(`(?m)^[\s#-]*` + regexp.QuoteMeta(name) + `:`).Match(example) {
				t.Errorf("config.example.yml does not show %s%s", path, name)
			}
			keys(f.Type, path+name+".")
		}
	}
	keys(reflect.TypeOf(config.Config{}), "")

	examples, _ := filepath.Glob(filepath.Join("examples", "*.yml"))
	if len(examples) < 4 {
		t.Fatalf("examples/ holds %d files, want one per situation", len(examples))
	}
	// As shipped: the key files they name are the placeholders beside them.
	for _, p := range append([]string{"config.example.yml"}, examples...) {
		t.Run(p, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"--config.check", "--config.file=" + p}, &out, &errOut); code != 0 || errOut.Len() > 0 {
				t.Errorf("--config.check: exit %d, stderr %q", code, errOut.String())
			}
		})
	}
}

// The landing page says it is the demo, lists every target with its family and last result,
// how many series a scrape makes, and every link and form on it answers.
func TestLandingPageShowsTargetsAndEveryLinkAnswers(t *testing.T) {
	t.Parallel()
	e := startExporter(t, "--demo")
	// Discovery runs in the background: poll until it has found the demo's clusters and a
	// scrape has read them.
	var code int
	var page string
	for deadline := time.Now().Add(10 * time.Second); ; {
		e.get(t, "/metrics")
		if code, page = e.get(t, "/"); code == 200 && strings.Contains(page, "<td>Cluster1</td>") && strings.Contains(page, ">ok<") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("landing page %d never listed the demo's clusters:\n%s", code, page)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		"Demo mode", "Version: ", "series for the targets below",
		"<td>Cluster0</td><td>legacy</td>", "<td>Cluster1</td><td>cloud_backup</td>", "<td>FlexCluster0</td><td>flex</td>",
		"<td>project/5a66666887d9d61443b41645</td><td>ok</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("landing page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "debug/pprof") {
		t.Error("the landing page links pprof, which is not mounted")
	}
	links := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 3 {
		t.Fatalf("only %d links on the landing page", len(links))
	}
	for _, l := range links {
		if code, body := e.get(t, l[1]); code != 200 {
			t.Errorf("link %s answered %d: %s", l[1], code, body)
		}
	}
	// The form as a browser submits it: the optional cluster left empty.
	if !strings.Contains(page, `action="/probe"`) {
		t.Fatal("no /probe form")
	}
	if code, body := e.get(t, "/probe?target=5a66666887d9d61443b41645&cluster_name="); code != 200 || !strings.Contains(body, "mongodbatlas_scrape_success") {
		t.Errorf("the probe form's submission answered %d: %.300s", code, body)
	}
	if code, _ := e.get(t, "/nothing-here"); code != 404 {
		t.Errorf("an unknown path answered %d, want 404", code)
	}
}
