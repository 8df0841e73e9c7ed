// The mixin's settings. Override any of them with
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="atlas"' } }
// Every duration is a Prometheus duration of one unit ('90s', '15m', '12h', '7d', '1w'): the alert
// descriptions say them in words.
{
  _config+:: {
    // The label matcher of the exporter's job in Prometheus. MongoDBAtlasExporterDown watches `up`
    // with it; the Helm chart, the kustomize manifests and the README's scrape configs all name the
    // job this way.
    selector: 'job="mongodbatlas-restore"',

    // The matcher every exporter series in the alerts, the recording rules and the dashboard
    // carries. With the default job it is empty: the shipped rules have always judged the
    // exporter's series whichever job scraped them (a /probe shard, a second exporter, a series
    // relabelled on its way), and they keep doing so. Name another job and every expression is
    // narrowed to it, which is what a Prometheus that scrapes more than this exporter needs. Set it
    // yourself to narrow to the default job too.
    seriesSelector: if self.selector == 'job="mongodbatlas-restore"' then '' else self.selector,

    // Where each alert's runbook_url points: the README's runbook of the alert, lower-cased.
    runbookURLPattern: 'https://github.com/atlasrestore/mongodbatlas_restore_exporter#%s',

    // How long a firing alert outlives its condition: it bridges an exporter restart or missed
    // scrapes, during which the series vanish, so an alert does not resolve and page again.
    keepFiringFor: '30m',

    // A terminal state (BROKEN, KILLED, a failed or expired-unused delivery) fires at the first
    // evaluation that sees it and stops this long after: restore jobs stay in the API for ever.
    terminalStateFiresFor: '6h',
    // A gap of up to this in a series (a restart, missed scrapes) does not make an old state new
    // again: the terminal and stuck alerts look back this far for the state they compare with.
    seriesGapTolerance: '1h',
    // The resolution at which a terminal state's first sample is found, to compare it with the
    // cluster's newest successful restore.
    firstSeenResolution: '5m',

    // A job IN_PROGRESS this long, as Prometheus has seen it, is stuck.
    stuckAfter: '12h',
    // A READY, unfetched download warns when less than 1/N of its lifetime is left...
    expiringSoonLifetimeDivisor: 4,
    // ...or, where the API gives no lifetime, this many hours before it expires.
    expiringSoonFallbackHours: 6,

    // How long a cluster must be overdue for its restore drill before it alerts.
    drillOverdueFor: '1h',
    // How long the newest known restore duration is judged against the rto when later successes
    // give no duration (legacy jobs, Cloud Backup downloads).
    restoreDurationMemory: '7d',

    backupDisabledFor: '30m',
    snapshotTooOldFor: '15m',
    // A new cluster's first scheduled snapshot can be six hours away, hence the long wait.
    noSnapshotFor: '12h',

    scrapeFailingFor: '15m',
    collectionReadFailingFor: '15m',
    snapshotReadFailingFor: '1h',
    discoveryFailingFor: '15m',
    // The window in which any 429 or any read the budget held back counts, and how long that must
    // last before it alerts.
    apiThrottleWindow: '15m',
    rateLimitedFor: '15m',
    budgetExhaustedFor: '15m',
    exporterDownFor: '5m',

    // Each alert's severity label, by alert name.
    severities: {
      MongoDBAtlasRestoreJobBroken: 'critical',
      MongoDBAtlasRestoreJobKilled: 'warning',
      MongoDBAtlasRestoreDeliveryFailed: 'critical',
      MongoDBAtlasRestoreDeliveryExpiredUnused: 'warning',
      MongoDBAtlasRestoreDeliveryExpiringSoon: 'warning',
      MongoDBAtlasRestoreJobStuck: 'warning',
      MongoDBAtlasRestoreDrillOverdue: 'warning',
      MongoDBAtlasRestoreSlowerThanRTO: 'warning',
      MongoDBAtlasBackupDisabled: 'warning',
      MongoDBAtlasBackupSnapshotTooOld: 'warning',
      MongoDBAtlasBackupNoSnapshot: 'warning',
      MongoDBAtlasExporterScrapeFailing: 'warning',
      MongoDBAtlasExporterCollectionReadFailing: 'warning',
      MongoDBAtlasExporterSnapshotReadFailing: 'warning',
      MongoDBAtlasExporterDiscoveryFailing: 'warning',
      MongoDBAtlasExporterRateLimited: 'warning',
      MongoDBAtlasExporterBudgetExhausted: 'warning',
      MongoDBAtlasExporterDown: 'critical',
    },

    dashboard: {
      uid: 'mongodbatlas-restore-jobs',
      title: 'MongoDB Atlas restore jobs',
      tags: ['mongodb', 'atlas', 'backup'],
      // The Grafana folder tools such as grizzly and mixtool file the dashboard under.
      folder: 'MongoDB Atlas',
      refresh: '1m',
      timeFrom: 'now-6h',
      timezone: 'browser',
    },
  },
}
