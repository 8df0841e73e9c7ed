package atlas_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
)

// The client's budget mirrors Atlas's bucket, so the exporter runs out before Atlas would refuse:
// requests past the budget fail fast locally and Atlas never answers 429.
func TestBudgetStopsRequestsBeforeAtlasRefusesThem(t *testing.T) {
	t.Parallel()
	limits := atlastest.RateLimit{Capacity: 5, Refill: 1, Period: time.Minute}
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, RateLimit: limits})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	o := keyOpts(running.URL)
	o.Limiter = atlas.NewLimiter(atlas.Limits{Capacity: 5, Refill: 1, Period: time.Minute})
	c := newClient(t, o)
	ok, budget := 0, 0
	for range 8 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID)
		cancel()
		switch {
		case err == nil:
			ok++
		case errors.Is(err, atlas.ErrBudget):
			budget++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 5 || budget != 3 {
		t.Errorf("%d succeeded and %d stopped by the budget, want 5 and 3", ok, budget)
	}
	if got := sim.Stats().RateLimited; got != 0 {
		t.Errorf("Atlas answered 429 %d times; the budget should have prevented it", got)
	}
}

// A 429 pauses the project's bucket for every caller, not just the request that met it; other
// projects are untouched.
func TestRetryAfterPausesTheProjectForEveryone(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	const other = "6c6c6c6c6c6c6c6c6c6c6c6c"
	sim.PutJob(other, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "30", Times: 1})
	c := newClient(t, keyOpts(running.URL))

	ctx := ctxWithTimeout(t, 2*time.Second)
	if _, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); atlas.StatusCode(err) != 429 {
		t.Fatalf("first call: %v, want the 429", err)
	}
	before := sim.TotalRequests()
	_, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID)
	if !errors.Is(err, atlas.ErrBudget) {
		t.Errorf("second call to the paused project: %v, want a budget error", err)
	}
	if sim.TotalRequests() != before {
		t.Error("a request reached Atlas while its project was paused")
	}
	if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), other, cluster0, exampleJobID); err != nil {
		t.Errorf("another project is paused too: %v", err)
	}
}

func TestBudgetWaitsForARefillThatFitsTheDeadline(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	o := keyOpts(running.URL)
	o.Limiter = atlas.NewLimiter(atlas.Limits{Capacity: 1, Refill: 10, Period: time.Second})
	c := newClient(t, o)
	for i := range 3 {
		if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); err != nil {
			t.Fatalf("call %d: %v; a 100ms refill fits a 2s deadline", i, err)
		}
	}
}

func TestRemainingIsObserved(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey,
		RateLimit: atlastest.RateLimit{Capacity: 100, Refill: 50, Period: time.Minute}})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	var last float64 = -1
	o := keyOpts(running.URL)
	o.ObserveRemaining = func(bucket string, v float64) {
		if bucket != "cloud_backups" {
			t.Errorf("a restore-job read counted down bucket %q", bucket)
		}
		last = v
	}
	c := newClient(t, o)
	for range 3 {
		if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); err != nil {
			t.Fatal(err)
		}
	}
	if last != 97 {
		t.Errorf("last RateLimit-Remaining observed = %v, want 97", last)
	}
}

// A Retry-After of a day (or a date in 2100) pauses the project for MaxPause at most, and a
// reload's Unpause lifts the pause at once.
func TestRetryAfterIsClampedAndUnpauseLiftsIt(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []string{"86400", "Fri, 01 Jan 2100 00:00:00 GMT"} {
		t.Run(retryAfter, func(t *testing.T) {
			sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
			sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
			faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: retryAfter, Times: 1})
			o := keyOpts(running.URL)
			o.Limiter = atlas.NewLimiter(atlas.Limits{})
			c := newClient(t, o)
			if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); atlas.StatusCode(err) != 429 {
				t.Fatalf("first call: %v, want the 429", err)
			}
			_, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID)
			var budget *atlas.BudgetError
			if !errors.As(err, &budget) {
				t.Fatalf("paused call: %v, want a budget error", err)
			}
			if budget.Wait > atlas.MaxPause || budget.Wait < atlas.MaxPause-time.Minute {
				t.Errorf("paused for %v, want about MaxPause (%v)", budget.Wait, atlas.MaxPause)
			}
			o.Limiter.Unpause()
			if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); err != nil {
				t.Errorf("after Unpause: %v", err)
			}
		})
	}
}

// Background reads (snapshot lists) take only the spare half of a bucket and never wait for it:
// after they have taken all they may, a scrape still finds half the bucket, and Flex snapshots
// draw on a bucket of their own.
func TestBackgroundReadsLeaveHalfTheBucketToScrapes(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootAtlasV2})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	sim.PutSnapshot(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureSnapshotCompleted))
	sim.AddFlexCluster(groupID, "Flex")
	sim.PutSnapshot(groupID, "Flex", atlastest.LoadJob(atlastest.FixtureFlexSnapshotCompleted))
	o := keyOpts(running.URL)
	// A refill too slow to matter within the test.
	o.Limiter = atlas.NewLimiter(atlas.Limits{Capacity: 10, Refill: 1, Period: time.Hour})
	c := newClient(t, o)
	bg := c.Background()
	taken := 0
	for range 10 {
		start := time.Now()
		_, err := bg.ListCloudBackupSnapshots(ctxWithTimeout(t, 5*time.Second), groupID, clusterName)
		switch {
		case err == nil:
			taken++
		case errors.Is(err, atlas.ErrBudget):
			if waited := time.Since(start); waited > time.Second {
				t.Errorf("a background read waited %v for the budget; it must refuse at once", waited)
			}
		default:
			t.Fatalf("background read: %v", err)
		}
	}
	if taken != 5 {
		t.Errorf("background reads took %d of 10 tokens, want 5 (the spare half)", taken)
	}
	for i := range 5 {
		if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); err != nil {
			t.Fatalf("scrape read %d after the background reads: %v", i, err)
		}
	}
	if _, err := bg.ListFlexSnapshots(ctxWithTimeout(t, 2*time.Second), groupID, "Flex"); err != nil {
		t.Errorf("a Flex snapshot read was refused by the Cloud Backups budget: %v", err)
	}
}

// At a deadline's edge, with tokens in the bucket, a request is paid for at once, and a request
// past its deadline is a deadline error: never a budget refusal with a negative wait.
func TestBudgetAtTheDeadlineEdge(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	o := keyOpts(running.URL)
	refused := 0
	o.ObserveBudget = func(string) { refused++ }
	c := newClient(t, o)
	// A deadline just passed whose context has not noticed yet, as on a loaded machine whose
	// timers fire late: rate.Wait alone refuses even a full bucket.
	_, err := c.GetRestoreJob(lateContext{Context: context.Background(), deadline: time.Now().Add(-time.Millisecond)},
		groupID, cluster0, exampleJobID)
	var budget *atlas.BudgetError
	if errors.As(err, &budget) {
		t.Errorf("a full bucket refused a request at its deadline: %v", err)
	}
	if err != nil {
		t.Errorf("a full bucket did not pay at once: %v", err)
	}
	if refused != 0 {
		t.Errorf("%d budget refusals counted with the bucket full", refused)
	}
}

// lateContext has a deadline that has passed but has not been told yet.
type lateContext struct {
	context.Context
	deadline time.Time
}

func (c lateContext) Deadline() (time.Time, bool) { return c.deadline, true }
