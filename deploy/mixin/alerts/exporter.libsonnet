// Alerts on the exporter itself: what it cannot read, and whether Prometheus can read it.
local utils = import '../lib/utils.libsonnet';
local common = import 'common.libsonnet';

{
  local c = $._config,
  local s(name, matcher='') = utils.series(name, [c.seriesSelector, matcher]),

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'mongodbatlas-restore-exporter',
        rules: [
          common.alert(c, 'MongoDBAtlasExporterScrapeFailing') + {
            expr: '%s == 0' % s('mongodbatlas_scrape_success'),
            'for': c.scrapeFailingFor,
            annotations+: {
              summary: 'The exporter cannot read restore jobs from the Atlas API.',
              description: 'The exporter {{ $labels.instance }} has failed to read project {{ $labels.group_id }}, cluster {{ $labels.cluster_name }} for %s; its restore jobs are not being watched.' % utils.humanize(c.scrapeFailingFor),
            },
          },
          common.alert(c, 'MongoDBAtlasExporterCollectionReadFailing') + {
            expr: '%s == 0' % s('mongodbatlas_collection_restore_scrape_success'),
            'for': c.collectionReadFailingFor,
            annotations+: {
              summary: "The exporter cannot read a cluster's collection restore jobs.",
              description: 'The exporter {{ $labels.instance }} has failed to read the collection restore jobs of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} for %s; its restore jobs are still read.' % utils.humanize(c.collectionReadFailingFor),
            },
          },
          common.alert(c, 'MongoDBAtlasExporterSnapshotReadFailing') + {
            expr: '%s == 0' % s('mongodbatlas_backup_snapshot_read_success'),
            'for': c.snapshotReadFailingFor,
            annotations+: {
              summary: "The exporter cannot read a cluster's snapshot list.",
              description: 'The exporter {{ $labels.instance }} has failed to read the snapshots of cluster {{ $labels.cluster_name }} in project {{ $labels.group_id }} for %s; its recovery point is not being watched.' % utils.humanize(c.snapshotReadFailingFor),
            },
          },
          common.alert(c, 'MongoDBAtlasExporterDiscoveryFailing') + {
            expr: '%s == 0' % s('mongodbatlas_discovery_success'),
            'for': c.discoveryFailingFor,
            annotations+: {
              summary: 'The exporter cannot discover the clusters of a project, organisation or all projects.',
              description: 'Discovery of {{ $labels.scope }} by {{ $labels.instance }} has failed for %s; new clusters are not watched, and if it never succeeded no cluster of it is.' % utils.humanize(c.discoveryFailingFor),
            },
          },
          common.alert(c, 'MongoDBAtlasExporterRateLimited') + {
            expr: 'sum without (endpoint) (increase(%s[%s])) > 0' % [s('mongodbatlas_api_rate_limited_total'), c.apiThrottleWindow],
            'for': c.rateLimitedFor,
            annotations+: {
              summary: 'Atlas keeps answering the exporter with 429 Too Many Requests.',
              description: "The exporter {{ $labels.instance }} has been rate limited by the Atlas API for %s; another client shares the projects' budget, or the scrape interval is too short for the number of clusters." % utils.humanize(c.rateLimitedFor),
            },
          },
          common.alert(c, 'MongoDBAtlasExporterBudgetExhausted') + {
            expr: 'sum without (endpoint) (increase(%s[%s])) > 0' % [s('mongodbatlas_api_budget_exhausted_total'), c.apiThrottleWindow],
            'for': c.budgetExhaustedFor,
            annotations+: {
              summary: 'The exporter holds back API reads its rate-limit budget cannot pay for.',
              description: 'The exporter {{ $labels.instance }} has been refusing to send API reads for %s because its per-project budget is spent; some targets serve stale values.' % utils.humanize(c.budgetExhaustedFor),
            },
          },
          // `up` always carries the job's selector, whatever seriesSelector says: absent() needs it
          // to know which job is missing.
          common.alert(c, 'MongoDBAtlasExporterDown') + {
            expr: '%(up)s == 0 or absent(%(up)s)' % { up: utils.series('up', [c.selector]) },
            'for': c.exporterDownFor,
            annotations+: {
              summary: 'The MongoDB Atlas restore-job exporter is down.',
              description: 'Prometheus has not scraped the restore-job exporter {{ $labels.instance }} for %s; no restore job is being watched.' % utils.humanize(c.exporterDownFor),
            },
          },
        ],
      },
    ],
  },
}
