package collector

import (
	"sort"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/prometheus/client_golang/prometheus"
)

// jobLabels is the contract's label set L: never job, instance or cluster, which Prometheus and
// common external labels already own.
var jobLabels = []string{"group_id", "cluster_name", "restore_job_id"}

// family is one metric family's name, help and labels.
type family struct {
	name, help string
	labels     []string
	// order lists label indexes sorted by name, as the text exposition writes them.
	order []int
	index int
	// perJob marks a family with a series (or a state set) per restore job, the bulk of an
	// answer, which Render can compress while the round's other reads are in flight.
	perJob bool
}

// descs are built once and shared by every scrape's emission.
type descs struct {
	info, status, deliveryStatus               *family
	expiry, validity, maxDownloads, downloaded *family
	encryption, created, snapshot              *family
	finished, components                       *family
	scrapeSuccess, up, scrapeDuration          *family
	lastSuccess                                *family
	restoreSuccess, drillInterval              *family
	discoverySuccess, discoveryLastSuccess     *family
	collStatus, collRestored, collTotal        *family
	collCreated, collFinished                  *family
	clusterInfo, backupEnabled, backupPIT      *family
	lastSnapshot, snapshotRead, rpo            *family
	duration, collDuration                     *family
	restoreSuccessDuration, rto                *family
	collSuccess                                *family
	// all is every family, in the order the text exposition writes them.
	all []*family
	// jobs are the per-job families, labelled by L: emitJob writes them.
	jobs []*family
}

func withLabels(extra ...string) []string {
	return append(append([]string{}, jobLabels...), extra...)
}

func newDescs() *descs {
	var all []*family
	d := func(name, help string, labels []string) *family {
		fq := prometheus.BuildFQName(scrape.Namespace, "", name)
		f := &family{name: fq, help: help, labels: labels}
		f.order = make([]int, len(labels))
		for i := range f.order {
			f.order[i] = i
		}
		sort.Slice(f.order, func(a, b int) bool { return labels[f.order[a]] < labels[f.order[b]] })
		all = append(all, f)
		return f
	}
	ds := &descs{
		info: d("restore_job_info",
			"Static facts about a restore job; always 1.",
			withLabels("cluster_id", "snapshot_id", "batch_id", "delivery_method", "point_in_time",
				"target_group_id", "target_cluster_name")),
		status: d("restore_job_status",
			"Restore job status: 1 for the current statusName, 0 for each other documented value.",
			withLabels("status")),
		deliveryStatus: d("restore_job_delivery_status",
			"Restore delivery status: 1 for the current delivery.statusName, 0 for each other documented value.",
			withLabels("status")),
		expiry: d("restore_job_delivery_expiry_timestamp_seconds",
			"When the delivery's download URL stops working (delivery.expires), as Unix seconds.",
			jobLabels),
		validity: d("restore_job_delivery_validity_seconds",
			"How long the download URL stays valid once the job completes (delivery.expirationHours).",
			jobLabels),
		maxDownloads: d("restore_job_delivery_max_downloads",
			"How many times the download URL may be used (delivery.maxDownloads).",
			jobLabels),
		downloaded: d("restore_job_delivery_downloaded",
			"1 when the restore file has been downloaded at least once (hashes present), else 0.",
			jobLabels),
		encryption: d("restore_job_encryption_enabled",
			"1 when the restored snapshot data is encrypted, else 0.",
			jobLabels),
		created: d("restore_job_created_timestamp_seconds",
			"When the restore job was requested, as Unix seconds.",
			jobLabels),
		snapshot: d("restore_job_snapshot_timestamp_seconds",
			"The oplog time the restored snapshot reaches (timestamp.date), as Unix seconds.",
			jobLabels),
		finished: d("restore_job_finished_timestamp_seconds",
			"When the restore job finished (Cloud Backup finishedAt), as Unix seconds.",
			jobLabels),
		components: d("restore_job_components",
			"How many shards a sharded Cloud Backup restore job has (components).",
			jobLabels),
		scrapeSuccess: d("scrape_success",
			"1 when every restore job of the target was read in this scrape, else 0; when 0, the target's restore-job series are its last good read, from mongodbatlas_last_success_timestamp_seconds.",
			[]string{"group_id", "cluster_name"}),
		lastSuccess: d("last_success_timestamp_seconds",
			"When the target was last read completely; its restore-job series are that old when mongodbatlas_scrape_success is 0.",
			[]string{"group_id", "cluster_name"}),
		restoreSuccess: d("restore_last_success_timestamp_seconds",
			"When the newest successful restore of the cluster's backups finished (else was created), over every job the API lists, before any cap.",
			[]string{"group_id", "cluster_name"}),
		duration: d("restore_job_duration_seconds",
			"How long the restore job took, from its start (Cloud Backup: the creation second in its ID; Flex: restoreScheduledDate) to its finish; absent until finished, and for legacy jobs, which give no finish time.",
			jobLabels),
		collDuration: d("collection_restore_job_duration_seconds",
			"How long the collection restore job took (finishedAt less createdAt); absent until finished.",
			jobLabels),
		restoreSuccessDuration: d("restore_last_success_duration_seconds",
			"How long the restore behind mongodbatlas_restore_last_success_timestamp_seconds took; absent when its API does not say.",
			[]string{"group_id", "cluster_name"}),
		rto: d("restore_rto_seconds",
			"The target's rto: a restore of the cluster should finish within this.",
			[]string{"group_id", "cluster_name"}),
		drillInterval: d("restore_drill_interval_seconds",
			"The target's drill_interval: how often the cluster's backups must be restored successfully.",
			[]string{"group_id", "cluster_name"}),
		collStatus: d("collection_restore_job_status",
			"Collection restore job state: 1 for the current state, 0 for each other documented value.",
			withLabels("status")),
		collSuccess: d("collection_restore_scrape_success",
			"With jobs.collection_restores: 1 when the cluster's collection restore jobs were read in this scrape, else 0; when 0 they are the last good read's. Their failure never touches the cluster's restore jobs or mongodbatlas_scrape_success.",
			[]string{"group_id", "cluster_name"}),
		collRestored: d("collection_restore_job_documents_restored",
			"Documents a collection restore job has restored (restoredDocuments).",
			jobLabels),
		collTotal: d("collection_restore_job_documents_total",
			"Documents a collection restore job restores in all (totalDocuments).",
			jobLabels),
		collCreated: d("collection_restore_job_created_timestamp_seconds",
			"When the collection restore job was created (createdAt), as Unix seconds.",
			jobLabels),
		collFinished: d("collection_restore_job_finished_timestamp_seconds",
			"When the collection restore job finished (finishedAt), as Unix seconds.",
			jobLabels),
		clusterInfo: d("cluster_info",
			"Every cluster the exporter watches, with or without backup; always 1. family is the restore-job family read (empty when none is: its backups are off), state Atlas's stateName, paused whether it is paused (no snapshots are taken then), provider its cloud provider (TENANT: a shared-tier M0, which cannot be backed up).",
			[]string{"group_id", "cluster_name", "family", "cluster_type", "state", "paused", "provider"}),
		backupEnabled: d("backup_enabled",
			"1 when the cluster's description says its backups are on, else 0; absent where the API does not say.",
			[]string{"group_id", "cluster_name"}),
		backupPIT: d("backup_pit_enabled",
			"1 when continuous (point-in-time) backup is on, else 0; absent where the API does not say.",
			[]string{"group_id", "cluster_name"}),
		lastSnapshot: d("backup_last_snapshot_timestamp_seconds",
			"When the newest completed snapshot of the cluster was taken (its recovery point), as Unix seconds; absent when none is listed.",
			[]string{"group_id", "cluster_name"}),
		snapshotRead: d("backup_snapshot_read_success",
			"1 when the last background read of the cluster's snapshot list succeeded, else 0; absent until one has ended or where snapshot reads are off.",
			[]string{"group_id", "cluster_name"}),
		rpo: d("backup_rpo_seconds",
			"The target's rpo: the newest completed snapshot should be younger than this.",
			[]string{"group_id", "cluster_name"}),
		discoverySuccess: d("discovery_success",
			"1 when the last discovery pass of a discovering target (scope project/<id>, org/<id> or all_projects) read every project and cluster list, else 0; its last good clusters are kept.",
			[]string{"scope"}),
		discoveryLastSuccess: d("discovery_last_success_timestamp_seconds",
			"When a discovery pass of the scope last read every list; absent while none has, and then mongodbatlas_up is 0.",
			[]string{"scope"}),
		up: d("up",
			"1 when every target was read completely in this scrape and every discovering target has been discovered at least once, else 0.",
			nil),
		scrapeDuration: d("scrape_duration_seconds",
			"Wall time of this scrape's Atlas API work.",
			nil),
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].name < all[b].name })
	for i, f := range all {
		f.index = i
	}
	ds.all = all
	ds.jobs = []*family{ds.info, ds.status, ds.deliveryStatus, ds.expiry, ds.validity, ds.maxDownloads,
		ds.downloaded, ds.encryption, ds.created, ds.snapshot, ds.finished, ds.components, ds.duration}
	for _, f := range ds.jobs {
		f.perJob = true
	}
	return ds
}
