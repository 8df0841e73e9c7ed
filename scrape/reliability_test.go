package scrape_test

import (
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// reliabilityScale reads how hard the load and soak tests push: small in every `go test`,
// large under `make reliability`, which sets RELIABILITY_SCALE.
func reliabilityScale() int {
	if n, err := strconv.Atoi(os.Getenv("RELIABILITY_SCALE")); err == nil && n > 0 {
		return n
	}
	return 1
}

// report prints a figure in a form `make reliability` collects into RELIABILITY.md.
func report(t *testing.T, key string, format string, args ...any) {
	t.Helper()
	t.Logf("RELIABILITY %s=%s", key, fmt.Sprintf(format, args...))
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// A hundred scrapes and probes at once share API rounds: the simulator sees one round for
// /metrics and one for the probed project, not a hundred.
func TestLoadConcurrentScrapesAndProbes(t *testing.T) {
	// Not parallel: it counts the process's goroutines and heap.
	targets := []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName}, {GroupID: harness.GroupID, ClusterName: "Cluster1"}}
	h := harness.New(t, harness.Options{Targets: targets})
	h.Sim.PutJob(harness.GroupID, "Cluster1", atlastest.LoadJob(atlastest.FixtureQuery))
	h.Scrape(t, 0) // warm the Digest challenge
	h.Sim.SetLatency(200 * time.Millisecond)
	before, goroutinesBefore := h.Sim.TotalRequests(), runtime.NumGoroutine()

	const clients = 100
	latencies := make([]time.Duration, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			start := time.Now()
			if i%2 == 0 {
				h.Scrape(t, 0)
			} else {
				h.ProbeTarget(t, 0)
			}
			latencies[i] = time.Since(start)
		})
	}
	wg.Wait()
	requests := h.Sim.TotalRequests() - before
	slices.Sort(latencies)
	p50, p99 := latencies[clients/2], latencies[clients*99/100]
	// Each round reads 2 clusters; /metrics and /probe rounds are separate, and a slow machine may
	// start a second round of each while the first ends: at most 8 requests, never 200.
	if requests > 8 {
		t.Errorf("%d concurrent scrapes and probes made %d API requests; they should share rounds", clients, requests)
	}
	if p99 > 5*time.Second {
		t.Errorf("p99 latency %v", p99)
	}
	// What stays are idle keep-alive connections, three goroutines each, as many as the pools
	// allow (the test's client to the exporter, the exporter to the API); with them closed, the
	// count must be back to where it was.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	h.Scraper.Close()
	waitGoroutines(t, goroutinesBefore)
	report(t, "load_clients", "%d (half /metrics, half /probe)", clients)
	report(t, "load_api_requests", "%d", requests)
	report(t, "load_latency_p50", "%v", p50.Round(time.Millisecond))
	report(t, "load_latency_p99", "%v", p99.Round(time.Millisecond))
	report(t, "load_goroutines", "%d before, %d after", goroutinesBefore, runtime.NumGoroutine())
}

// waitGoroutines polls until the goroutine count falls to at most limit, failing after a while.
func waitGoroutines(t *testing.T, limit int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > limit {
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines, want at most %d", runtime.NumGoroutine(), limit)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Thousands of scrapes against an API that fails at random: goroutines and heap end where they
// started, and no scrape fails without a fault behind it.
func TestSoakWithRandomFaults(t *testing.T) {
	// Not parallel: it counts the process's goroutines and heap.
	scrapes := 400 * reliabilityScale()
	// Two configured clusters, and a project whose clusters are discovered every 100ms, so
	// discovery passes meet the faults too.
	const discovered = "6c0000000000000000000d15"
	targets := []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName},
		{GroupID: harness.GroupID, ClusterName: "Cluster1"}, {GroupID: discovered}}
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutJob(discovered, "Found", atlastest.LoadJob(atlastest.FixtureQuery))
	// A 64 KiB body cap keeps the oversized fault cheap enough to inject thousands of times, and an
	// unbounded budget keeps the soak about faults, not about the (tested) rate limiting.
	h := harness.NewWith(t, sim, harness.Options{Targets: targets, MaxBody: 64 << 10, Quiet: true,
		Discovery: model.Duration(100 * time.Millisecond),
		RateLimit: config.RateLimit{Capacity: 1e9, Refill: 1e9, Period: model.Duration(time.Second)}})
	h.Sim.PutJob(harness.GroupID, "Cluster1", atlastest.LoadJob(atlastest.FixtureInProgress))
	armable := []faults.Fault{
		{Kind: faults.Status, Status: 500}, {Kind: faults.Status, Status: 404, ErrorCode: "CLUSTER_NOT_FOUND"},
		{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST"},
		{Kind: faults.Truncated}, {Kind: faults.Malformed}, {Kind: faults.WrongContentType},
		{Kind: faults.Oversized, Size: 128 << 10}, {Kind: faults.Status, Status: 401},
		{Kind: faults.Echo}, {Kind: faults.Status, Status: 500, Route: atlastest.RouteClusters},
		// A body cut mid-stream meets the decoder as it reads; a page served again as page 1.
		{Kind: faults.ResetMidBody}, {Kind: faults.SamePage},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	h.Scrape(t, 0)
	goroutinesStart, heapStart := runtime.NumGoroutine(), heapAfterGC()
	injected, failed := 0, 0
	for i := range scrapes {
		if rng.IntN(5) == 0 {
			f := armable[rng.IntN(len(armable))]
			f.Times = 1
			faults.Inject(h.Sim, f)
			injected++
		}
		fams := h.Scrape(t, 5*time.Second)
		if harness.MustValue(t, fams, "mongodbatlas_up", nil) == 0 {
			failed++
		}
		faults.Clear(h.Sim)
		if i == scrapes/10 {
			// Measure from here, once pools and caches have reached their working size.
			goroutinesStart, heapStart = runtime.NumGoroutine(), heapAfterGC()
		}
	}
	waitGoroutines(t, goroutinesStart+5)
	heapEnd := heapAfterGC()
	if failed > injected {
		t.Errorf("%d failed scrapes but only %d faults injected", failed, injected)
	}
	if heapEnd > heapStart*2+4<<20 {
		t.Errorf("heap grew from %d to %d bytes over the soak", heapStart, heapEnd)
	}
	report(t, "soak_scrapes", "%d", scrapes)
	report(t, "soak_faults_injected", "%d", injected)
	report(t, "soak_failed_scrapes", "%d", failed)
	report(t, "soak_goroutines", "%d at 10%%, %d at the end", goroutinesStart, runtime.NumGoroutine())
	report(t, "soak_heap_inuse", "%.1f MB at 10%%, %.1f MB at the end", float64(heapStart)/1e6, float64(heapEnd)/1e6)
}
