package atlastest

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed fixtures/*.json
var fixtureFS embed.FS

// Fixture names, each a restore job exactly as Atlas sends it.
const (
	// FixtureDocsExample is the example response of "Get One Restore Job" in the Atlas v1.0 docs.
	FixtureDocsExample = "legacy_restore_job_docs_example.json"
	// FixtureInProgress is an encrypted HTTP restore still running, carrying every secret-bearing field.
	FixtureInProgress = "legacy_restore_job_in_progress.json"
	// FixtureQuery is a finished QUERY restore, which has no expiry, validity or download cap.
	FixtureQuery = "legacy_restore_job_query.json"

	// FixtureCloudReady is a Cloud Backup download that is ready: URLs and expiresAt, no finishedAt.
	FixtureCloudReady = "cloud_backup_restore_job_download_ready.json"
	// FixtureCloudAutomated is a finished automated Cloud Backup restore into another cluster.
	FixtureCloudAutomated = "cloud_backup_restore_job_automated_done.json"
	// FixtureCloudSharded is a ready download of a sharded cluster, one component per shard.
	FixtureCloudSharded = "cloud_backup_restore_job_sharded_download.json"

	// FixtureCollectionSuccessful is a finished restore of one collection into a new one.
	FixtureCollectionSuccessful = "collection_restore_job_successful.json"
	// FixtureCollectionFailed failed, with the free-text errorMessage Atlas sends.
	FixtureCollectionFailed = "collection_restore_job_failed.json"

	// FixtureFlexDownload is a Flex cluster's finished download, carrying the snapshotUrl secret.
	FixtureFlexDownload = "flex_restore_job_download_done.json"
	// FixtureFlexRunning is a Flex restore into another project, still running, without its
	// finish and expiration dates.
	FixtureFlexRunning = "flex_restore_job_restore_running.json"

	// FixtureSnapshotCompleted is a completed Cloud Backup snapshot as a list returns it;
	// FixtureSnapshotInProgress the same snapshot while being taken: no createdAt yet.
	FixtureSnapshotCompleted  = "cloud_backup_snapshot_completed.json"
	FixtureSnapshotInProgress = "cloud_backup_snapshot_in_progress.json"
	// FixtureFlexSnapshotCompleted and FixtureFlexSnapshotFailed are Flex snapshots; a failed
	// one keeps its finishTime.
	FixtureFlexSnapshotCompleted = "flex_snapshot_completed.json"
	FixtureFlexSnapshotFailed    = "flex_snapshot_failed.json"
	// FixtureLegacySnapshot is a complete Cloud Manager snapshot, from its documentation.
	FixtureLegacySnapshot = "legacy_snapshot_complete.json"

	// Cluster descriptions as Atlas v2 sends them (2024-08-05, 2024-11-13 for Flex), without
	// their replication specs: a replica set with continuous backup, a sharded cluster with
	// backup and without continuous, and a Flex cluster.
	fixtureClusterReplicaSet = "cluster_replicaset_backup_pit.json"
	fixtureClusterSharded    = "cluster_sharded_backup.json"
	fixtureFlexCluster       = "flex_cluster.json"
	// fixtureBackupConfig is a Cloud or Ops Manager backup configuration, from its documentation.
	fixtureBackupConfig = "backup_config_started.json"
)

// Job is a restore job as a JSON object with Atlas's field names; tests edit it at the wire level.
type Job map[string]any

// LoadJob returns a fresh copy of a fixture; it panics on a missing fixture, which is a bug in the caller.
func LoadJob(name string) Job {
	data, err := fixtureFS.ReadFile("fixtures/" + name)
	if err != nil {
		panic(fmt.Sprintf("atlastest: fixture %s: %v", name, err))
	}
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		panic(fmt.Sprintf("atlastest: fixture %s: %v", name, err))
	}
	return j
}

// FixtureBytes returns a fixture's bytes as stored, for golden tests of the decoder.
func FixtureBytes(name string) []byte {
	data, err := fixtureFS.ReadFile("fixtures/" + name)
	if err != nil {
		panic(fmt.Sprintf("atlastest: fixture %s: %v", name, err))
	}
	return data
}

// ID returns the job's "id".
func (j Job) ID() string {
	id, _ := j["id"].(string)
	return id
}

// Set assigns a dotted path such as "delivery.statusName", creating objects on the way, and returns j for chaining.
func (j Job) Set(path string, v any) Job {
	keys := strings.Split(path, ".")
	m := map[string]any(j)
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
	return j
}

// Delete removes a dotted path if present and returns j for chaining.
func (j Job) Delete(path string) Job {
	keys := strings.Split(path, ".")
	m := map[string]any(j)
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return j
		}
		m = next
	}
	delete(m, keys[len(keys)-1])
	return j
}

// Clone deep-copies j through JSON, so edits to the copy never reach a stored job.
func (j Job) Clone() Job {
	data, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("atlastest: clone job: %v", err))
	}
	var c Job
	if err := json.Unmarshal(data, &c); err != nil {
		panic(fmt.Sprintf("atlastest: clone job: %v", err))
	}
	return c
}

// bytes is the job as served.
func (j Job) bytes() []byte {
	data, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("atlastest: marshal job: %v", err))
	}
	return data
}
