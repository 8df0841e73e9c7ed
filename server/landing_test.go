package server_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// The landing page is an operator's first screen: rendered in a real browser, it lists every
// broken or killed job and every delivery that failed or expired unfetched that /metrics shows,
// and each target that cannot be read with its reason; it reads the API itself when nobody has.
func TestLandingPageShowsWhatIsWrong(t *testing.T) {
	t.Parallel()
	browser := testkit.NewBrowser(t)
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	broken := atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000051").Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED")
	killed := atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000052").Set("statusName", "KILLED")
	unfetched := atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000053").Set("statusName", "FINISHED").
		Set("delivery.statusName", "EXPIRED").Delete("hashes")
	interrupted := atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000054").Set("statusName", "FINISHED").
		Set("delivery.statusName", "INTERRUPTED")
	for _, j := range []atlastest.Job{broken, killed, unfetched, interrupted} {
		sim.PutJob(harness.GroupID, harness.ClusterName, j)
	}
	// Another project's key has its access list wrong: its cluster cannot be read.
	sim.AddCluster(otherGroup, "Refused")
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST",
		Route: atlastest.RouteRestoreJobs, GroupID: otherGroup})
	h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName}, {GroupID: otherGroup, ClusterName: "Refused"},
	}})
	srv := httptest.NewServer(h.Scrapes.Landing(server.LandingOptions{MetricsPath: "/metrics"}))
	t.Cleanup(srv.Close)
	dom := browser.DOM(t, srv.URL+"/")
	if !strings.Contains(dom, "this page read the API itself") {
		t.Error("the page does not say it read the API itself, though nobody had scraped")
	}
	fams := h.Scrape(t, 0)
	for _, m := range fams["mongodbatlas_restore_job_status"].GetMetric() {
		id, status := "", ""
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "restore_job_id":
				id = l.GetValue()
			case "status":
				status = l.GetValue()
			}
		}
		if m.GetGauge().GetValue() == 1 && (status == "BROKEN" || status == "KILLED") && !strings.Contains(dom, `<tr class="problem" data-restore="`+id+`">`) {
			t.Errorf("%s job %s is on /metrics but not on the landing page", status, id)
		}
	}
	for _, id := range []string{unfetched.ID(), interrupted.ID()} {
		if !strings.Contains(dom, `<tr class="problem" data-restore="`+id+`">`) {
			t.Errorf("the delivery of %s is not shown as a problem", id)
		}
	}
	if !strings.Contains(dom, `data-target="`+otherGroup+`/Refused"`) || !strings.Contains(dom, "IP_ADDRESS_NOT_ON_ACCESS_LIST") {
		t.Errorf("the refused target and its reason are not shown:\n%s", dom)
	}
	if !strings.Contains(dom, `href="/recovery"`) {
		t.Error("no link to /recovery")
	}
}
