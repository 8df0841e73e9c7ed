package atlastest_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startDemo serves the demo from a fixed start and returns a client of it.
func startDemo(t *testing.T) (*atlastest.Demo, *atlas.Client, time.Time) {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: "demo", PrivateKey: "k"})
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d := atlastest.NewDemo(sim, start)
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	c, err := atlas.New(atlas.Options{BaseURL: running.URL, Credential: atlas.APIKey{PublicKey: "demo", PrivateKey: func() (string, error) { return "k", nil }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return d, c, start
}

func TestDemoLifecycle(t *testing.T) {
	t.Parallel()
	d, c, start := startDemo(t)

	type state struct{ job, delivery string }
	read := func(at time.Duration) map[string]state {
		t.Helper()
		d.Advance(start.Add(at))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		jobs, err := c.ListRestoreJobs(ctx, atlastest.DemoGroupID, atlas.ClusterRef{Name: atlastest.DemoClusterName})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]state{}
		for _, j := range jobs {
			out[j.ID] = state{j.StatusName, j.Delivery.StatusName}
		}
		return out
	}
	const example = "6b77893b80eef5354c77ee15"
	id := func(cycle, k string) string {
		n, _ := strconv.Atoi(k)
		c, _ := strconv.Atoi(cycle)
		return d.JobID(int64(c), n-1)
	}
	steps := []struct {
		at   time.Duration
		want map[string]state
	}{
		{0, map[string]state{example: {"FINISHED", "EXPIRED"}, id("0", "1"): {"IN_PROGRESS", "IN_PROGRESS"},
			id("0", "2"): {"IN_PROGRESS", "NOT_STARTED"}, id("0", "3"): {"FINISHED", "READY"}}},
		{10 * time.Second, map[string]state{id("0", "1"): {"IN_PROGRESS", "IN_PROGRESS"}, id("0", "2"): {"IN_PROGRESS", "NOT_STARTED"}}},
		{25 * time.Second, map[string]state{id("0", "1"): {"IN_PROGRESS", "IN_PROGRESS"}, id("0", "2"): {"BROKEN", "FAILED"}}},
		{40 * time.Second, map[string]state{id("0", "1"): {"FINISHED", "READY"}, id("0", "2"): {"BROKEN", "FAILED"}}},
		{4 * time.Minute, map[string]state{id("0", "1"): {"FINISHED", "EXPIRED"}, id("0", "2"): {"BROKEN", "FAILED"}}},
		{atlastest.DemoCycle + time.Second, map[string]state{example: {"FINISHED", "EXPIRED"}, id("1", "1"): {"IN_PROGRESS", "IN_PROGRESS"}}},
	}
	for _, s := range steps {
		got := read(s.at)
		for jid, want := range s.want {
			if got[jid] != want {
				t.Errorf("at %v: job %s = %v, want %v", s.at, jid, got[jid], want)
			}
		}
		if s.at >= atlastest.DemoCycle {
			if _, ok := got[id("0", "2")]; ok {
				t.Errorf("at %v: the previous cycle's BROKEN job is still listed", s.at)
			}
			if len(got) != 4 {
				t.Errorf("at %v: %d jobs listed, want 4", s.at, len(got))
			}
		}
	}
}

// The demo's Cloud Backup cluster moves too: an automated restore finishes, a download becomes
// ready and expires, a restore fails.
func TestDemoCloudBackupLifecycle(t *testing.T) {
	t.Parallel()
	d, c, start := startDemo(t)
	read := func(at time.Duration) map[string]atlas.CloudBackupRestoreJob {
		t.Helper()
		d.Advance(start.Add(at))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		jobs, err := c.ListCloudBackupRestoreJobs(ctx, atlastest.DemoGroupID, atlastest.DemoCloudCluster)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]atlas.CloudBackupRestoreJob{}
		for _, j := range jobs {
			out[j.ID] = j
		}
		return out
	}
	automated, download, failed := d.JobID(0, 3), d.JobID(0, 4), d.JobID(0, 5)
	early := read(10 * time.Second)
	if early[automated].FinishedAt != nil || early[download].ExpiresAt != nil || early[failed].Failed {
		t.Errorf("at 10s: %+v", early)
	}
	mid := read(time.Minute)
	if mid[automated].FinishedAt == nil || mid[download].ExpiresAt == nil || mid[download].Expired || !mid[failed].Failed {
		t.Errorf("at 1m: %+v", mid)
	}
	if late := read(4 * time.Minute); !late[download].Expired {
		t.Errorf("at 4m the download has not expired: %+v", late[download])
	}
}
