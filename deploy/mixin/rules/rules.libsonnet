// Recording rules the dashboard uses.
local utils = import '../lib/utils.libsonnet';

{
  local c = $._config,
  local s(name, matcher='') = utils.series(name, [c.seriesSelector, matcher]),

  prometheusRules+:: {
    groups+: [
      {
        name: 'mongodbatlas-restore-recording',
        rules: [
          // Jobs per status, per cluster: the dashboard's "jobs by status" panel. The aggregations
          // keep the labels of a narrowing selector, so the dashboard finds them with it.
          {
            record: 'mongodbatlas:restore_jobs:count_by_status',
            expr: 'sum %s (%s)' % [utils.by(['group_id', 'cluster_name', 'status'], c.seriesSelector), s('mongodbatlas_restore_job_status')],
          },
          // Seconds left on READY deliveries.
          {
            record: 'mongodbatlas:restore_delivery:time_left_seconds',
            expr: |||
              (%(expiry)s - time())
                and on (group_id, cluster_name, restore_job_id)
              %(ready)s == 1
            ||| % {
              expiry: s('mongodbatlas_restore_job_delivery_expiry_timestamp_seconds'),
              ready: s('mongodbatlas_restore_job_delivery_status', 'status="READY"'),
            },
          },
          // Atlas API request rate, by route and status.
          {
            record: 'mongodbatlas:api_requests:rate5m',
            expr: 'sum %s (rate(%s[5m]))' % [utils.by(['endpoint', 'code'], c.seriesSelector), s('mongodbatlas_api_requests_total')],
          },
        ],
      },
    ],
  },
}
