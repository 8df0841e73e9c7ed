package scrape_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// benchLatency is the simulated round trip to Atlas, per request.
const benchLatency = 50 * time.Millisecond

// benchConcurrency is the exporter's default --atlas.concurrency.
const benchConcurrency = 4

// benchWorld is a simulator holding jobs spread over clusters in projects of ten clusters each,
// 90% of them terminal, and the config that reads them all.
type benchWorld struct {
	sim      *atlastest.Server
	cfg      *config.Config
	projects int
}

func newBenchWorld(b *testing.B, jobs, clusters int, pinned bool) *benchWorld {
	b.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	running, err := atlastest.Start(sim)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(running.Close)
	var targets []config.Target
	projects := map[string]bool{}
	for c := range clusters {
		group := fmt.Sprintf("5a%022x", c/10)
		projects[group] = true
		name := fmt.Sprintf("Cluster%d", c)
		// The family is named; the description is still read, for coverage, by discovery's first
		// pass, which ends before the first scrape.
		tg := config.Target{GroupID: group, ClusterName: name, API: config.APILegacy}
		for j := range jobs / clusters {
			id := fmt.Sprintf("6b%08x%014x", c, j)
			job := atlastest.LoadJob(atlastest.FixtureDocsExample).Set("id", id).Set("created", time.Now().UTC().Format(time.RFC3339))
			if (c*(jobs/clusters)+j)%10 == 0 { // 10% in progress, 90% terminal, across the whole world
				job.Set("statusName", "IN_PROGRESS").Set("delivery.statusName", "IN_PROGRESS")
			}
			sim.PutJob(group, name, job)
			if pinned {
				tg.RestoreJobIDs = append(tg.RestoreJobIDs, id)
			}
		}
		targets = append(targets, tg)
	}
	keepAll, unlimited, off := model.Duration(0), 0, model.Duration(0)
	cfg := &config.Config{
		Atlas:   config.Atlas{BaseURL: running.URL, PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey},
		Targets: targets,
		Jobs:    config.Jobs{MaxAge: &keepAll, MaxPerCluster: &unlimited},
		// Scrapes are measured alone; BenchmarkSnapshotReads measures the background reads.
		Snapshots: config.Snapshots{RefreshInterval: &off},
	}
	if err := cfg.Validate(nil); err != nil {
		b.Fatal(err)
	}
	sim.SetLatency(benchLatency)
	return &benchWorld{sim: sim, cfg: cfg, projects: len(projects)}
}

// roundTrips counts every HTTP request the simulator answered, Digest challenges included.
func (w *benchWorld) roundTrips() int { return w.sim.TotalRequests() + w.sim.Stats().Challenges }

func (w *benchWorld) exporter(b *testing.B) *httptest.Server {
	b.Helper()
	return harness.ServeConfig(b, w.cfg, scrape.Options{Concurrency: benchConcurrency},
		server.Options{DefaultTimeout: time.Minute}, harness.DiscardLogger())
}

// scrapeOnce asks for the exposition gzipped, as Prometheus does, and returns when the response
// headers arrived (the text sink writes nothing before the round's API reads are done, so that is
// the end of the API phase) and when its last byte did: the exporter's answer is then complete.
// Only then does it gunzip the answer, line by line without holding the text, to check the scrape
// succeeded: a 100,000-job answer is 290 MB of text, and Prometheus's own gunzipping, on the
// same two cores, is not the exporter's time.
func scrapeOnce(b *testing.B, srv *httptest.Server) (headers, received time.Time) {
	b.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}} // the answer stays as it came
	defer raw.CloseIdleConnections()
	resp, err := raw.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	headers = time.Now()
	defer resp.Body.Close()
	var zipped bytes.Buffer
	if _, err := zipped.ReadFrom(resp.Body); err != nil {
		b.Fatal(err)
	}
	received = time.Now()
	zr, err := gzip.NewReader(&zipped)
	if err != nil {
		b.Fatalf("answer is not gzipped (Content-Encoding %q): %v", resp.Header.Get("Content-Encoding"), err)
	}
	r := bufio.NewReaderSize(zr, 64<<10)
	up := false
	for {
		line, err := r.ReadSlice('\n')
		up = up || bytes.Equal(line, []byte("mongodbatlas_up 1\n"))
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			b.Fatal(err)
		}
	}
	if !up {
		b.Fatal("scrape failed: no mongodbatlas_up 1")
	}
	return headers, received
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var benchSizes = []struct{ jobs, clusters int }{
	{100, 10}, {1000, 10}, {10000, 10}, {100, 100}, {1000, 100}, {10000, 100},
}

// BenchmarkColdScrape is a first scrape by a fresh exporter: no Digest challenge cached, nothing
// remembered. It reports the HTTP round trips made and the lower bound on wall time they imply
// (round trips ÷ concurrency × latency), and the ratio to that bound of the whole scrape and of
// its API phase alone (until the answer's headers, which wait for the last read).
func BenchmarkColdScrape(b *testing.B) {
	for _, sz := range append(benchSizes, struct{ jobs, clusters int }{100000, 100}) {
		b.Run(fmt.Sprintf("jobs=%d/clusters=%d", sz.jobs, sz.clusters), func(b *testing.B) {
			w := newBenchWorld(b, sz.jobs, sz.clusters, false)
			var trips int
			var wall, api, cpu time.Duration
			for range b.N {
				srv := w.exporter(b)
				before, start, cpu0 := w.roundTrips(), time.Now(), cpuTime()
				headers, received := scrapeOnce(b, srv)
				wall += received.Sub(start)
				api += headers.Sub(start)
				cpu += cpuTime() - cpu0
				trips += w.roundTrips() - before
				srv.Close()
			}
			n := float64(b.N)
			bound := float64(trips) / n / benchConcurrency * float64(benchLatency)
			b.ReportMetric(float64(trips)/n, "requests/op")
			b.ReportMetric(bound/1e6, "bound-ms/op")
			b.ReportMetric(float64(wall)/n/bound, "x-bound")
			b.ReportMetric(float64(api)/n/1e6, "api-ms/op")
			b.ReportMetric(float64(api)/n/bound, "api-x-bound")
			b.ReportMetric(float64(cpu)/n/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkWarmScrape is every later scrape, with terminal jobs kept: listed clusters, and
// pinned jobs. It reports API requests per scrape and per hour at a 15 s interval, against a
// naive exporter that GETs every job on every scrape, and per project per minute, which is what
// Atlas's Cloud Backups bucket meters.
func BenchmarkWarmScrape(b *testing.B) {
	for _, mode := range []string{"list", "pinned"} {
		for _, sz := range benchSizes {
			b.Run(fmt.Sprintf("%s/jobs=%d/clusters=%d", mode, sz.jobs, sz.clusters), func(b *testing.B) {
				w := newBenchWorld(b, sz.jobs, sz.clusters, mode == "pinned")
				srv := w.exporter(b)
				scrapeOnce(b, srv) // the cold scrape, outside the measurement
				before, cpu0 := w.roundTrips(), cpuTime()
				b.ResetTimer()
				for range b.N {
					scrapeOnce(b, srv)
				}
				b.StopTimer()
				perScrape := float64(w.roundTrips()-before) / float64(b.N)
				const scrapesPerHour = 3600 / 15
				b.ReportMetric(perScrape, "requests/op")
				b.ReportMetric(perScrape*scrapesPerHour, "requests/hour")
				b.ReportMetric(float64(sz.jobs*scrapesPerHour), "naive-requests/hour")
				b.ReportMetric(100*(1-perScrape/float64(sz.jobs)), "pct-fewer-than-naive")
				// Atlas meters restore jobs per project: this is what each project's bucket pays.
				b.ReportMetric(perScrape/float64(w.projects)*60/15, "project-requests/minute")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
	}
}

// BenchmarkSnapshotReads is one background pass over the snapshot lists of 100 Cloud Backup
// clusters in 10 projects, each holding the 52 snapshots of Atlas's default policy kept for a
// week (every 6 hours for 7 days, daily for 7, weekly for 4, monthly for 12, yearly for 1). It
// reports the requests of a pass, what they add per hour at the default snapshots.refresh_interval
// (10m), per project per hour against the Cloud Backups bucket's refill (30,000 an hour), and the
// pass's wall time with the simulator answering after 50 ms.
func BenchmarkSnapshotReads(b *testing.B) {
	const clusters, perProject, snapshots = 100, 10, 52
	interval := time.Duration(config.DefaultSnapshotInterval)
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey, Root: atlastest.RootAtlasV2})
	running, err := atlastest.Start(sim)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(running.Close)
	now := time.Now().UTC()
	var targets []config.Target
	for c := range clusters {
		group, name := fmt.Sprintf("5a%022x", c/perProject), fmt.Sprintf("Cluster%d", c)
		sim.SetBackup(group, name, atlastest.Backup{Enabled: true, PIT: true})
		for n := range snapshots {
			sim.PutSnapshot(group, name, atlastest.LoadJob(atlastest.FixtureSnapshotCompleted).
				Set("id", fmt.Sprintf("6a%08x%014x", c, n)).Set("createdAt", now.Add(-time.Duration(n)*6*time.Hour).Format(time.RFC3339)))
		}
		targets = append(targets, config.Target{GroupID: group, ClusterName: name, API: config.APICloudBackup})
	}
	sim.SetLatency(benchLatency)
	keepAll, every := model.Duration(0), model.Duration(interval)
	cfg := &config.Config{
		Atlas:     config.Atlas{BaseURL: running.URL, PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey},
		Targets:   targets,
		Jobs:      config.Jobs{MaxAge: &keepAll},
		Snapshots: config.Snapshots{RefreshInterval: &every},
	}
	if err := cfg.Validate(nil); err != nil {
		b.Fatal(err)
	}
	var requests int
	var wall time.Duration
	for range b.N {
		before, start := sim.Requests(atlastest.RouteCloudBackupSnapshots), time.Now()
		exp := scrape.New(scrape.Options{Concurrency: benchConcurrency}, prometheus.NewRegistry(), harness.DiscardLogger())
		if err := exp.Apply(cfg); err != nil {
			b.Fatal(err)
		}
		for read := 0; read < clusters; {
			if time.Since(start) > time.Minute {
				b.Fatalf("%d of %d clusters' snapshots read after a minute", read, clusters)
			}
			time.Sleep(10 * time.Millisecond)
			read = 0
			for _, c := range exp.Clusters() {
				if c.Snapshot.Read && c.Snapshot.OK && !c.Snapshot.Last.IsZero() {
					read++
				}
			}
		}
		wall += time.Since(start)
		requests += sim.Requests(atlastest.RouteCloudBackupSnapshots) - before
		exp.Close()
	}
	n := float64(b.N)
	perPass := float64(requests) / n
	passesPerHour := float64(time.Hour / interval)
	b.ReportMetric(perPass, "requests/pass")
	b.ReportMetric(perPass*passesPerHour, "requests/hour")
	b.ReportMetric(perPass*passesPerHour/clusters*perProject, "project-requests/hour")
	b.ReportMetric(float64(wall)/n/1e6, "pass-ms")
}

// BenchmarkPeakRSS runs the real exporter binary as its own process against the simulator, scrapes
// 10,000 and 100,000 jobs over 100 clusters, uncapped, and reports that process's peak resident
// set (VmHWM).
func BenchmarkPeakRSS(b *testing.B) {
	for _, jobs := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) { peakRSS(b, jobs) })
	}
}

func peakRSS(b *testing.B, jobs int) {
	w := newBenchWorld(b, jobs, 100, false)
	w.sim.SetLatency(0)
	addr, cmd := w.startExporter(b)
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "http://" + addr + "/metrics"
	b.ResetTimer()
	for range b.N + 2 {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "mongodbatlas_up 1") || strings.Count(string(body), "mongodbatlas_restore_job_info{") != jobs {
			b.Fatalf("scrape did not export the %d jobs:\n%.1000s", jobs, body)
		}
	}
	b.StopTimer()
	b.ReportMetric(peakRSSMB(b, cmd.Process.Pid), "peak-RSS-MB")
}

// BenchmarkProcessCPU runs the real exporter binary as its own process against the simulator and
// reports the CPU that process spends on its first scrape (from ready, discovery's first pass and
// its Digest challenge behind it, to the answer's last byte: every list, decoding, the exposition
// and its gzip) and on each warm scrape after it, per scrape and per 1,000 jobs. The simulator and
// the scraping client are this process, so none of their work is counted, unlike the CPU of
// BenchmarkColdScrape.
func BenchmarkProcessCPU(b *testing.B) {
	for _, sz := range []struct{ jobs, clusters int }{{1000, 10}, {10000, 10}, {1000, 100}, {10000, 100}} {
		b.Run(fmt.Sprintf("jobs=%d/clusters=%d", sz.jobs, sz.clusters), func(b *testing.B) {
			w := newBenchWorld(b, sz.jobs, sz.clusters, false)
			w.sim.SetLatency(0)
			addr, cmd := w.startExporter(b)
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			url := "http://" + addr + "/metrics"
			scrape := func() {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Accept-Encoding", "gzip") // as Prometheus asks
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body) // gzipped; its checks are BenchmarkPeakRSS's
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || n == 0 {
					b.Fatalf("scrape answered %d with %d bytes", resp.StatusCode, n)
				}
			}
			before := processCPU(b, cmd.Process.Pid)
			scrape()
			cold := processCPU(b, cmd.Process.Pid) - before
			b.ResetTimer()
			before = processCPU(b, cmd.Process.Pid)
			for range b.N {
				scrape()
			}
			warm := (processCPU(b, cmd.Process.Pid) - before) / time.Duration(b.N)
			b.StopTimer()
			per := float64(sz.jobs) / 1000
			b.ReportMetric(float64(cold)/1e6, "cold-cpu-ms")
			b.ReportMetric(float64(cold)/1e6/per, "cold-cpu-ms/1k-jobs")
			b.ReportMetric(float64(warm)/1e6, "warm-cpu-ms")
			b.ReportMetric(float64(warm)/1e6/per, "warm-cpu-ms/1k-jobs")
		})
	}
}

// startExporter writes the world's config for the binary and starts it, ready.
func (w *benchWorld) startExporter(b *testing.B) (string, *exec.Cmd) {
	b.Helper()
	dir := b.TempDir()
	var cfg strings.Builder
	// Snapshot reads are off, as in newBenchWorld: their first pass would run beside the first scrape.
	fmt.Fprintf(&cfg, "jobs: {max_age: 0s, max_per_cluster: 0}\nsnapshots: {refresh_interval: 0s}\natlas: {base_url: %q, public_key: %s, private_key: %s}\ntargets:\n",
		w.cfg.Atlas.BaseURL, harness.PublicKey, harness.PrivateKey)
	for _, t := range w.cfg.Targets {
		fmt.Fprintf(&cfg, "  - {group_id: %s, cluster_name: %s}\n", t.GroupID, t.ClusterName)
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	addr, cmd, _ := startBinary(b, buildBinary(b, dir), cfgPath, 30*time.Second)
	return addr, cmd
}

// processCPU is the CPU time every thread of process pid has had, in nanoseconds: the first
// field of each thread's schedstat, finer than the clock ticks of /proc/pid/stat. A thread that
// ended between two readings takes its time with it; the Go runtime seldom ends one.
func processCPU(b *testing.B, pid int) time.Duration {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		b.Fatalf("list the exporter's threads: %v", err)
	}
	var total time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended between the listing and the read
		}
		ns, err := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
		if err != nil {
			b.Fatalf("read schedstat %q: %v", data, err)
		}
		total += time.Duration(ns)
	}
	return total
}

// buildBinary builds the exporter into dir, as a release would be built.
func buildBinary(b *testing.B, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "exporter")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts the exporter binary on a free loopback port with the config at cfgPath, and
// returns once it is ready (at most within limit), with how long that took.
func startBinary(b *testing.B, bin, cfgPath string, limit time.Duration) (addr string, cmd *exec.Cmd, ready time.Duration) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	cmd = exec.Command(bin, "--config.file="+cfgPath, "--web.listen-address="+addr, "--log.level=warn")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	for {
		if resp, err := http.Get("http://" + addr + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, cmd, time.Since(start)
			}
		}
		if time.Since(start) > limit {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			b.Fatalf("the exporter was not ready within %v", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func peakRSSMB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("read the exporter's /proc status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}

// BenchmarkOrganisation runs the real exporter binary against an organisation of 3,000 projects
// and 20,000 clusters (one restore job each) on a simulator that answers at once, and reports how
// long the first discovery pass took (until /-/ready), how long the first full scrape took under a
// 60 s deadline, and the process's peak resident set. Snapshot reads are off: their cost has a
// benchmark of its own.
func BenchmarkOrganisation(b *testing.B) {
	const projects, clusters = 3000, 20000
	const org = "5b77777887d9d61443b41699"
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	running, err := atlastest.Start(sim)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(running.Close)
	job := atlastest.LoadJob(atlastest.FixtureQuery).Set("created", time.Now().UTC().Format(time.RFC3339))
	for p := range projects {
		sim.AddProject(fmt.Sprintf("5c%022x", p), fmt.Sprintf("project-%d", p), org)
	}
	for c := range clusters {
		sim.PutJob(fmt.Sprintf("5c%022x", c%projects), fmt.Sprintf("Cluster%d", c), job.Clone().Set("id", fmt.Sprintf("6b%022x", c)))
	}
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	cfg := fmt.Sprintf("atlas: {base_url: %q, public_key: %s, private_key: %s}\nsnapshots: {refresh_interval: 0s}\ntargets:\n  - {org_id: %s}\n",
		running.URL, harness.PublicKey, harness.PrivateKey, org)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	var discover, scrapeTime time.Duration
	var rss float64
	for range b.N {
		addr, cmd, ready := startBinary(b, bin, cfgPath, 5*time.Minute)
		discover += ready
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "60")
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		scrapeTime += time.Since(t0)
		if !strings.Contains(string(body), "\nmongodbatlas_up 1\n") || strings.Count(string(body), "mongodbatlas_restore_job_info{") != clusters {
			b.Fatalf("the scrape did not read all %d clusters:\n%.2000s", clusters, body)
		}
		rss = max(rss, peakRSSMB(b, cmd.Process.Pid))
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	n := float64(b.N)
	b.ReportMetric(discover.Seconds()/n, "discovery-s")
	b.ReportMetric(scrapeTime.Seconds()/n, "scrape-s")
	b.ReportMetric(rss, "peak-RSS-MB")
}
