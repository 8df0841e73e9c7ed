package atlas_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
)

func putJobs(e *env, n int) {
	for i := range n {
		e.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", fmt.Sprintf("6e%022x", i)))
	}
}

func TestListRestoreJobsFollowsPagesToTheEnd(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		extra     int // jobs besides the example job
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
			if jobs[0].ID != exampleJobID {
				t.Errorf("first job %s, want the example job, in API order", jobs[0].ID)
			}
			if got := e.sim.Requests(atlastest.RouteRestoreJobs); got != c.wantPages {
				t.Errorf("made %d list requests, want %d", got, c.wantPages)
			}
		})
	}
}

func TestListRestoreJobsEmptyCluster(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.AddCluster(groupID, "Empty")
	jobs, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, atlas.ClusterRef{Name: "Empty"})
	if err != nil || len(jobs) != 0 {
		t.Fatalf("got %d jobs, err %v; want none and no error", len(jobs), err)
	}
}

func TestListRestoreJobsDropsDuplicatesFromShiftingPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *atlas.Options) { o.PageSize = 2 })
	putJobs(e, 3) // example + 3 = 4 jobs, 2 pages
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
	// Page 1: example, 6e..0; page 2 after the shift: 6e..0 (again), 6e..1; page 3: 6e..2.
	if len(jobs) != 4 || e.sim.Requests(atlastest.RouteRestoreJobs) != 3 {
		t.Errorf("got %d jobs in %d pages, want the 4 original jobs in 3 pages", len(jobs), e.sim.Requests(atlastest.RouteRestoreJobs))
	}
}

// Ten pages of ten: the pages after the first are read concurrently when the first page gives a
// count, within the client's bound, in order, and an estimate too high costs at most the bound
// less one extra request.
func TestLongListsReadTheirPagesConcurrently(t *testing.T) {
	t.Parallel()
	const bound, pages = 3, 10
	cases := []struct {
		name        string
		count       func(int) (int, bool)
		noBound     bool
		maxRequests int
		concurrent  bool
	}{
		{name: "true count", maxRequests: pages, concurrent: true},
		{name: "count too high", count: func(n int) (int, bool) { return n + 1000, true }, maxRequests: pages + bound - 1, concurrent: true},
		{name: "count too low", count: func(n int) (int, bool) { return n / 2, true }, maxRequests: pages, concurrent: true},
		{name: "no count", count: func(int) (int, bool) { return 0, false }, maxRequests: pages},
		{name: "no bound", noBound: true, maxRequests: pages},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *atlas.Options) { o.PageSize = 10 })
			putJobs(e, pages*10-1)
			e.sim.SetTotalCount(c.count)
			e.sim.SetLatency(20 * time.Millisecond)
			client := e.client
			if !c.noBound {
				client = client.Within(atlas.NewBound(bound))
			}
			jobs, err := client.ListRestoreJobs(ctxWithTimeout(t, 10*time.Second), groupID, cluster0)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != pages*10 {
				t.Fatalf("got %d jobs, want %d", len(jobs), pages*10)
			}
			for i, j := range jobs[1:] {
				if want := fmt.Sprintf("6e%022x", i); j.ID != want {
					t.Fatalf("job %d is %s, want %s: pages out of order", i+1, j.ID, want)
				}
			}
			if got := e.sim.Requests(atlastest.RouteRestoreJobs); got < pages || got > c.maxRequests {
				t.Errorf("%d list requests, want %d to %d", got, pages, c.maxRequests)
			}
			got := e.sim.MaxInFlight()
			if got > bound {
				t.Errorf("%d requests in flight at once, over the bound of %d", got, bound)
			}
			if c.concurrent && got < 2 {
				t.Errorf("pages were read one at a time")
			}
			if !c.concurrent && got != 1 {
				t.Errorf("%d requests in flight at once, want the pages read one by one", got)
			}
		})
	}
}

func TestAFailedPageFailsTheWholeList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *atlas.Options) { o.PageSize = 10 })
	putJobs(e, 99)
	e.sim.BeforeList(func(page int) {
		if page == 1 { // the fault lands on one of the concurrent pages
			faults.Inject(e.sim, faults.Fault{Kind: faults.Status, Status: 404, ErrorCode: "CLUSTER_NOT_FOUND", Times: 1})
		}
	})
	jobs, err := e.client.Within(atlas.NewBound(4)).ListRestoreJobs(ctxWithTimeout(t, 10*time.Second), groupID, cluster0)
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "CLUSTER_NOT_FOUND" || !strings.Contains(err.Error(), "page ") {
		t.Fatalf("err = %v, want the failed page's 404", err)
	}
	if jobs != nil {
		t.Errorf("%d jobs returned from a list with a failed page", len(jobs))
	}
}

// A list whose every page is page 1 with a next link, or whose next links outrun its totalCount,
// ends with a clear error after about totalCount / page size requests, not at the page cap.
func TestListsThatNeverEnd(t *testing.T) {
	t.Parallel()
	t.Run("every page is page 1", func(t *testing.T) {
		e := newEnv(t, func(o *atlas.Options) { o.PageSize = 10 })
		putJobs(e, 29)
		faults.Inject(e.sim, faults.Fault{Kind: faults.SamePage})
		_, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 10*time.Second), groupID, cluster0)
		if err == nil || !strings.Contains(err.Error(), "does not end") {
			t.Errorf("err = %v, want a list that does not end", err)
		}
		// The three pages totalCount implies, and one that proves the repetition.
		if n := e.sim.Requests(atlastest.RouteRestoreJobs); n > 4 {
			t.Errorf("%d requests for a list that repeats its first page, want at most 4", n)
		}
	})
	t.Run("next links past the count", func(t *testing.T) {
		e := newEnv(t, func(o *atlas.Options) { o.PageSize = 10 })
		putJobs(e, 199)
		e.sim.SetTotalCount(func(int) (int, bool) { return 20, true })
		_, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 10*time.Second), groupID, cluster0)
		if err == nil || !strings.Contains(err.Error(), "does not end") {
			t.Errorf("err = %v, want a list that does not end", err)
		}
		if n := e.sim.Requests(atlastest.RouteRestoreJobs); n > 6 {
			t.Errorf("%d requests for a list that claims 20 items in pages of 10, want at most 6", n)
		}
	})
}

// A cold client's first request carries the Digest challenge: two round trips. It gets all the
// time left, not half: with 1.2 s a round trip and 4.6 s to go, half the time (2.3 s) is short of
// the 2.4 s the challenge and the request take, and every retry would be shorter still.
func TestColdClientGetsTheTimeForItsChallenge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.SetLatency(1200 * time.Millisecond)
	if _, err := e.client.GetRestoreJob(ctxWithTimeout(t, 4600*time.Millisecond), groupID, cluster0, exampleJobID); err != nil {
		t.Fatalf("the cold client's first read failed: %v", err)
	}
}
