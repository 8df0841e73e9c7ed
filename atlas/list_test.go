package atlas_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

func putJobs(e *env, n int) {
	for i := range n {
		e.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", fmt.Sprintf("6e%022x", i)))
	}
}

func TestListRestoreJobsFollowsPagesToTheEnd(t *testing.T) {
	cases := []struct {
		name      string
		extra     int // jobs besides the seed
		pageSize  int
		wantPages int
	}{
		{"one partial page", 2, 0, 1},
		{"exactly one full page", 499, 0, 1},
		{"three pages of 500", 1100, 0, 3},
		{"small pages", 9, 3, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *atlas.Options) { o.PageSize = c.pageSize })
			putJobs(e, c.extra)
			jobs, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 10*time.Second), groupID, cluster0)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != c.extra+1 {
				t.Errorf("got %d jobs, want %d", len(jobs), c.extra+1)
			}
			if jobs[0].ID != seedJobID {
				t.Errorf("first job %s, want the seed's, in API order", jobs[0].ID)
			}
			if got := e.sim.Requests(atlastest.RouteRestoreJobs); got != c.wantPages {
				t.Errorf("made %d list requests, want %d", got, c.wantPages)
			}
		})
	}
}

func TestListRestoreJobsEmptyCluster(t *testing.T) {
	e := newEnv(t)
	e.sim.AddCluster(groupID, "Empty")
	jobs, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, atlas.ClusterRef{Name: "Empty"})
	if err != nil || len(jobs) != 0 {
		t.Fatalf("got %d jobs, err %v; want none and no error", len(jobs), err)
	}
}

func TestListRestoreJobsDropsDuplicatesFromShiftingPages(t *testing.T) {
	e := newEnv(t, func(o *atlas.Options) { o.PageSize = 2 })
	putJobs(e, 3) // seed + 3 = 4 jobs, 2 pages
	// A job created between page reads shifts the list by one, so page 2 repeats page 1's last job.
	e.sim.BeforeList(func(page int) {
		if page == 2 {
			e.sim.PrependJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6f0000000000000000000000"))
		}
	})
	jobs, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, cluster0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.ID] {
			t.Fatalf("job %s returned twice", j.ID)
		}
		seen[j.ID] = true
	}
	// Page 1: seed, 6e..0; page 2 after the shift: 6e..0 (again), 6e..1; page 3: 6e..2.
	if len(jobs) != 4 || e.sim.Requests(atlastest.RouteRestoreJobs) != 3 {
		t.Errorf("got %d jobs in %d pages, want the 4 original jobs in 3 pages", len(jobs), e.sim.Requests(atlastest.RouteRestoreJobs))
	}
}
