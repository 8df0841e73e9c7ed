// Can each cluster be recovered, to a recent enough point? A cluster without backup, or whose
// newest completed snapshot is older than its rpo, cannot. Atlas clears backupEnabled when a
// cluster's deletion starts: a cluster being deleted raises nothing, nor does a shared-tier M0
// (provider TENANT), which cannot be backed up. Atlas takes no snapshot of a paused cluster, which
// takes no writes either: its snapshots' age raises nothing while it sleeps.
local utils = import '../lib/utils.libsonnet';
local common = import 'common.libsonnet';

{
  local c = $._config,
  local s(name, matcher='') = utils.series(name, [c.seriesSelector, matcher]),
  local onCluster = 'on (group_id, cluster_name)',

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'mongodbatlas-backup',
        rules: [
          common.alert(c, 'MongoDBAtlasBackupDisabled') + {
            expr: |||
              %(enabled)s == 0
                unless %(on)s
              %(deleting)s
                unless %(on)s
              %(tenant)s
            ||| % {
              enabled: s('mongodbatlas_backup_enabled'),
              deleting: s('mongodbatlas_cluster_info', 'state="DELETING"'),
              tenant: s('mongodbatlas_cluster_info', 'provider="TENANT"'),
              on: onCluster,
            },
            'for': c.backupDisabledFor,
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A watched MongoDB Atlas cluster has no backup.',
              description: 'Cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} has its backups turned off; it cannot be restored from a snapshot.',
            },
          },
          // The newest completed snapshot is older than the cluster's rpo; with backups off the
          // alert above says so.
          common.alert(c, 'MongoDBAtlasBackupSnapshotTooOld') + {
            expr: |||
              (
                time() - %(lastSnapshot)s
                  >
                %(rpo)s
              )
                unless %(on)s
              %(enabled)s == 0
                unless %(on)s
              %(paused)s
            ||| % {
              lastSnapshot: s('mongodbatlas_backup_last_snapshot_timestamp_seconds'),
              rpo: s('mongodbatlas_backup_rpo_seconds'),
              enabled: s('mongodbatlas_backup_enabled'),
              paused: s('mongodbatlas_cluster_info', 'paused="true"'),
              on: onCluster,
            },
            'for': c.snapshotTooOldFor,
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'The newest snapshot of a MongoDB Atlas cluster is older than its recovery point objective.',
              description: 'The newest completed snapshot of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} was taken {{ $value | humanizeDuration }} ago, more than its rpo allows.',
            },
          },
          // No completed snapshot at all, although backups are on and the list reads fine.
          common.alert(c, 'MongoDBAtlasBackupNoSnapshot') + {
            expr: |||
              %(rpo)s
                unless %(on)s
              %(lastSnapshot)s
                and %(on)s
              %(readSuccess)s == 1
                and %(on)s
              %(enabled)s == 1
                unless %(on)s
              %(paused)s
            ||| % {
              rpo: s('mongodbatlas_backup_rpo_seconds'),
              lastSnapshot: s('mongodbatlas_backup_last_snapshot_timestamp_seconds'),
              readSuccess: s('mongodbatlas_backup_snapshot_read_success'),
              enabled: s('mongodbatlas_backup_enabled'),
              paused: s('mongodbatlas_cluster_info', 'paused="true"'),
              on: onCluster,
            },
            'for': c.noSnapshotFor,
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas cluster with backup has no completed snapshot.',
              description: 'Cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} has backups on, but its snapshot list has held no completed snapshot for %s.' % utils.humanize(c.noSnapshotFor),
            },
          },
        ],
      },
    ],
  },
}
