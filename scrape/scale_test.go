package scrape_test

import (
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// An organisation of 300 clusters in 30 projects, named only by its ID, against a simulator that
// meters restore-job reads per project with Atlas's default bucket: every scrape reads each
// cluster once, discovery runs once, Atlas never answers 429, and /probe serves one project for
// that project's reads alone. At 15 s that is 40 requests per project per minute, where Atlas
// refills 500.
func TestAnOrganisationOfHundredsOfClusters(t *testing.T) {
	t.Parallel()
	const projects, perProject = 30, 10
	sim := atlastest.New(atlastest.Options{
		PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey,
		RateLimit: atlastest.RateLimit{Capacity: 1200, Refill: 500, Period: time.Minute},
	})
	sim.AddProject(harness.GroupID, "main", orgID) // the harness's own cluster lives here
	var someProject string
	for p := range projects - 1 {
		id := fmt.Sprintf("5d%022x", p)
		someProject = id
		sim.AddProject(id, fmt.Sprintf("team-%d", p), orgID)
		for c := range perProject {
			sim.PutJob(id, fmt.Sprintf("db-%d", c), atlastest.LoadJob(atlastest.FixtureQuery))
		}
	}
	for c := range perProject - 1 {
		sim.PutJob(harness.GroupID, fmt.Sprintf("db-%d", c), atlastest.LoadJob(atlastest.FixtureQuery))
	}
	h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{{OrgID: orgID}}, Discovery: model.Duration(time.Hour)})

	const scrapes = 3
	for range scrapes {
		got := successTargets(t, h)
		if len(got) != projects*perProject {
			t.Fatalf("%d targets discovered, want %d", len(got), projects*perProject)
		}
		for k, v := range got {
			if v != 1 {
				t.Fatalf("%s: scrape_success %v\n%s", k, v, h.Logs)
			}
		}
	}
	st := h.Sim.Stats()
	if got, want := st.Requests[atlastest.RouteRestoreJobs], scrapes*projects*perProject; got != want {
		t.Errorf("%d restore-job reads in %d scrapes, want one per cluster per scrape (%d)", got, scrapes, want)
	}
	if st.Requests[atlastest.RouteOrgProjects] != 1 || st.Requests[atlastest.RouteClusters] != projects {
		t.Errorf("discovery repeated within its interval: %v", st.Requests)
	}
	if st.RateLimited != 0 {
		t.Errorf("Atlas answered 429 %d times", st.RateLimited)
	}

	before := h.Sim.Requests(atlastest.RouteRestoreJobs)
	code, body := h.Probe(t, "target="+someProject)
	if code != 200 || strings.Count(body, "mongodbatlas_scrape_success{") != perProject || strings.Contains(body, harness.GroupID) {
		t.Errorf("probe of one project answered %d with %d targets:\n%.2000s", code, strings.Count(body, "mongodbatlas_scrape_success{"), body)
	}
	if got := h.Sim.Requests(atlastest.RouteRestoreJobs) - before; got != perProject {
		t.Errorf("the probe made %d restore-job reads, want %d (its project's clusters only)", got, perProject)
	}
}
