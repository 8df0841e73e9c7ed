// Alerts on restore jobs and their deliveries, and on how long restores take.
//
// Restore jobs stay in the API for ever, so a job alert must not follow the job's state for as
// long as the job is listed. The rules use the history Prometheus already keeps, which survives an
// exporter restart:
// - A terminal state (BROKEN, KILLED, a failed or expired-unused delivery) fires at the first
//   evaluation that sees it and stops terminalStateFiresFor later: `... offset 6h` finds the state
//   that long back, in a seriesGapTolerance window, so a gap of up to that in the series does not
//   make it new again. It stops earlier when a later restore of the same cluster succeeds: the
//   newest success (mongodbatlas_restore_last_success_timestamp_seconds) is later than the first
//   sample of the state (the subquery, at firstSeenResolution).
// - "Stuck" compares the job with itself stuckAfter earlier, so it works the same for jobs with a
//   creation time (legacy) and without (Cloud Backup).
// - keep_firing_for bridges an exporter restart or missed scrapes, during which the series vanish,
//   so a firing alert does not resolve and page again; it also means an alert resolves that long
//   after its condition ends.
local utils = import '../lib/utils.libsonnet';
local common = import 'common.libsonnet';

{
  local c = $._config,
  local s(name, matcher='') = utils.series(name, [c.seriesSelector, matcher]),
  local onJob = 'on (group_id, cluster_name, restore_job_id)',

  // terminal is the expression of a terminal-state alert on the series `state`; `also` is a
  // further condition on the state, two lines each ending in a newline, set between the state and
  // the look back.
  local terminal(state, also='') = |||
    (
      %(state)s == 1
    %(also)s    unless %(onJob)s
      max_over_time(%(state)s[%(gap)s] offset %(window)s) == 1
    )
      unless %(onJob)s
    (
      min_over_time(timestamp(%(state)s == 1)[%(window)s:%(resolution)s])
        < on (group_id, cluster_name) group_left
      %(lastSuccess)s
    )
  ||| % {
    state: state,
    also: also,
    onJob: onJob,
    gap: c.seriesGapTolerance,
    window: c.terminalStateFiresFor,
    resolution: c.firstSeenResolution,
    lastSuccess: s('mongodbatlas_restore_last_success_timestamp_seconds'),
  },

  local jobDescription(what) =
    'Restore job {{ $labels.restore_job_id }} of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} ' + what,
  local deliveryDescription(what) =
    'The %s of restore job {{ $labels.restore_job_id }} of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} ' % what,

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'mongodbatlas-restore-jobs',
        rules: [
          common.alert(c, 'MongoDBAtlasRestoreJobBroken') + {
            expr: terminal(s('mongodbatlas_restore_job_status', 'status="BROKEN"')),
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore job is broken.',
              description: jobDescription('is BROKEN; the restore did not complete.'),
            },
          },
          common.alert(c, 'MongoDBAtlasRestoreJobKilled') + {
            expr: terminal(s('mongodbatlas_restore_job_status', 'status="KILLED"')),
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore job was killed.',
              description: jobDescription('was KILLED before it finished.'),
            },
          },
          // A broken job's failed delivery raises only the broken alert.
          common.alert(c, 'MongoDBAtlasRestoreDeliveryFailed') + {
            expr: terminal(
              s('mongodbatlas_restore_job_delivery_status', 'status=~"FAILED|INTERRUPTED"'),
              also='    unless %s\n  %s == 1\n' % [onJob, s('mongodbatlas_restore_job_status', 'status="BROKEN"')],
            ),
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore delivery failed.',
              description: deliveryDescription('delivery') + 'is {{ $labels.status }}.',
            },
          },
          // Only legacy deliveries say whether they were fetched: Cloud Backup never raises it.
          common.alert(c, 'MongoDBAtlasRestoreDeliveryExpiredUnused') + {
            expr: terminal(
              s('mongodbatlas_restore_job_delivery_status', 'status="EXPIRED"'),
              also='    and %s\n  %s == 0\n' % [onJob, s('mongodbatlas_restore_job_delivery_downloaded')],
            ),
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore download expired without being downloaded.',
              description: deliveryDescription('download') + 'expired and was never fetched.',
            },
          },
          // Less than a share of the link's lifetime left, or a fixed time where the API gives no
          // lifetime; never where the API cannot tell whether it was fetched.
          common.alert(c, 'MongoDBAtlasRestoreDeliveryExpiringSoon') + {
            expr: |||
              (
                (%(expiry)s - time() > 0)
                  < %(onJob)s
                (%(validity)s / %(divisor)s)
                or
                (%(expiry)s - time() > 0 < %(fallbackHours)s * 3600)
                  unless %(onJob)s
                %(validity)s
              )
                and %(onJob)s
              %(ready)s == 1
                and %(onJob)s
              %(downloaded)s == 0
            ||| % {
              expiry: s('mongodbatlas_restore_job_delivery_expiry_timestamp_seconds'),
              validity: s('mongodbatlas_restore_job_delivery_validity_seconds'),
              ready: s('mongodbatlas_restore_job_delivery_status', 'status="READY"'),
              downloaded: s('mongodbatlas_restore_job_delivery_downloaded'),
              onJob: onJob,
              divisor: c.expiringSoonLifetimeDivisor,
              fallbackHours: c.expiringSoonFallbackHours,
            },
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore download expires soon and has not been fetched.',
              description: deliveryDescription('download') + 'expires in {{ $value | humanizeDuration }} and has not been downloaded.',
            },
          },
          common.alert(c, 'MongoDBAtlasRestoreJobStuck') + {
            expr: |||
              %(inProgress)s == 1
                and %(onJob)s
              max_over_time(%(inProgress)s[%(gap)s] offset %(after)s) == 1
            ||| % {
              inProgress: s('mongodbatlas_restore_job_status', 'status="IN_PROGRESS"'),
              onJob: onJob,
              gap: c.seriesGapTolerance,
              after: c.stuckAfter,
            },
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'A MongoDB Atlas restore job has been in progress for too long.',
              description: jobDescription('has been IN_PROGRESS for more than %s.' % utils.humanize(c.stuckAfter)),
            },
          },
          // Overdue, or no success on record while the target is read (a never-read target that
          // fails says so through MongoDBAtlasExporterScrapeFailing).
          common.alert(c, 'MongoDBAtlasRestoreDrillOverdue') + {
            expr: |||
              (
                time() - %(lastSuccess)s
                  > on (group_id, cluster_name)
                %(interval)s
              )
              or
              (
                %(interval)s
                  unless on (group_id, cluster_name)
                %(lastSuccess)s
              )
                and on (group_id, cluster_name)
              %(scrapeSuccess)s == 1
            ||| % {
              lastSuccess: s('mongodbatlas_restore_last_success_timestamp_seconds'),
              interval: s('mongodbatlas_restore_drill_interval_seconds'),
              scrapeSuccess: s('mongodbatlas_scrape_success'),
            },
            'for': c.drillOverdueFor,
            annotations+: {
              summary: 'A MongoDB Atlas cluster is overdue for a restore drill.',
              description: 'Cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} has had no successful restore for longer than its drill interval; its backups are not proven to restore.',
            },
          },
        ],
      },
      // Fast enough? The newest successful restore of known duration took longer than the
      // cluster's rto. It stays until a later restore succeeds within it: a newer success whose API
      // gives no duration (a legacy job, a Cloud Backup download) proves nothing about time, so the
      // last known duration is kept, for restoreDurationMemory at most.
      {
        name: 'mongodbatlas-restore-time',
        rules: [
          common.alert(c, 'MongoDBAtlasRestoreSlowerThanRTO') + {
            expr: |||
              last_over_time(%(duration)s[%(memory)s])
                >
              %(rto)s
            ||| % {
              duration: s('mongodbatlas_restore_last_success_duration_seconds'),
              memory: c.restoreDurationMemory,
              rto: s('mongodbatlas_restore_rto_seconds'),
            },
            keep_firing_for: c.keepFiringFor,
            annotations+: {
              summary: 'The newest restore of a MongoDB Atlas cluster took longer than its recovery time objective.',
              description: 'The newest successful restore of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} took {{ $value | humanizeDuration }}, more than its rto allows.',
            },
          },
        ],
      },
    ],
  },
}
