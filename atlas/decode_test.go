package atlas_test

import (
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// The expected values are written out by hand from the Atlas documentation's example, not taken from any struct,
// so a wrong JSON tag in package atlas fails here.
func TestGetRestoreJobDecodesTheDocsExample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	job, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", job.ID, exampleJobID},
		{"groupId", job.GroupID, groupID},
		{"clusterId", job.ClusterID, "5a66689487d9d61443b46149"},
		{"clusterName", job.ClusterName, "Cluster0"},
		{"snapshotId", job.SnapshotID, "5a6669d9fcc178211a0d86b9"},
		{"batchId", job.BatchID, "5a66783b80eef5354c77ee13"},
		{"created", job.Created.Time, time.Date(2018, 1, 22, 23, 48, 11, 0, time.UTC)},
		{"statusName", job.StatusName, "FINISHED"},
		{"encryptionEnabled", *job.EncryptionEnabled, false},
		{"pointInTime", *job.PointInTime, false},
		{"hashes", len(job.Hashes), 1},
		{"hashes.typeName", job.Hashes[0].TypeName, "SHA1"},
		{"timestamp.date", job.Timestamp.Date.Time, time.Date(2018, 1, 22, 22, 44, 54, 0, time.UTC)},
		{"timestamp.increment", job.Timestamp.Increment, int64(1)},
		{"delivery.methodName", job.Delivery.MethodName, "HTTP"},
		{"delivery.statusName", job.Delivery.StatusName, "EXPIRED"},
		{"delivery.expires", job.Delivery.Expires.Time, time.Date(2018, 1, 22, 23, 49, 38, 0, time.UTC)},
		{"delivery.expirationHours", *job.Delivery.ExpirationHours, int64(48)},
		{"delivery.maxDownloads", *job.Delivery.MaxDownloads, int64(2147483647)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestGetRestoreJobKeepsFractionalSecondsAndOptionalFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	e.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	ctx := ctxWithTimeout(t, 5*time.Second)

	running, err := e.client.GetRestoreJob(ctx, groupID, cluster0, "6c0000000000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := running.Created, time.Date(2026, 11, 20, 9, 0, 0, 123e6, time.UTC); !got.Equal(want) {
		t.Errorf("created = %v, want %v", got, want)
	}
	if got, want := running.Timestamp.Date, time.Date(2026, 11, 20, 8, 30, 0, 250e6, time.UTC); !got.Equal(want) {
		t.Errorf("timestamp.date = %v, want %v", got, want)
	}
	if !*running.EncryptionEnabled || !*running.PointInTime || len(running.Hashes) != 0 {
		t.Errorf("encryption %v, pointInTime %v, hashes %d", *running.EncryptionEnabled, *running.PointInTime, len(running.Hashes))
	}

	query, err := e.client.GetRestoreJob(ctx, groupID, cluster0, "6c0000000000000000000002")
	if err != nil {
		t.Fatal(err)
	}
	d := query.Delivery
	if d.MethodName != "QUERY" || !d.Expires.IsZero() || d.ExpirationHours != nil || d.MaxDownloads != nil {
		t.Errorf("QUERY delivery decoded with HTTP-only fields: %+v", d)
	}
	if query.PointInTime != nil || query.BatchID != "" {
		t.Errorf("absent pointInTime/batchId decoded as %v/%q", query.PointInTime, query.BatchID)
	}
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := atlastest.LoadJob(atlastest.FixtureDocsExample).
		Set("someFieldAtlasAddsLater", map[string]any{"nested": []any{1, 2}}).
		Set("delivery.newThing", true)
	e.sim.PutJob(groupID, clusterName, j)
	job, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
	if err != nil {
		t.Fatalf("lenient decoding refused an unknown field: %v", err)
	}
	if job.StatusName != "FINISHED" {
		t.Errorf("statusName = %q", job.StatusName)
	}
}
