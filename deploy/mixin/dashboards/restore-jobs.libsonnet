// The dashboard: backup coverage and recovery points, restore jobs and their deliveries, drills,
// and the exporter's own health. Plain JSON in the classic model, which every Grafana release
// imports, with no library to vendor.
local utils = import '../lib/utils.libsonnet';

{
  local c = $._config,
  local d = c.dashboard,
  local datasource = { type: 'prometheus', uid: '${datasource}' },

  // Every series the dashboard reads carries the mixin's selector; the main ones also the
  // project and cluster variables.
  local s(name, matcher='') = utils.series(name, [c.seriesSelector, matcher]),
  local v(name, matcher='') = utils.series(name, [c.seriesSelector, matcher, 'group_id=~"$group_id",cluster_name=~"$cluster_name"']),
  local onJob = 'on (group_id, cluster_name, restore_job_id)',
  local onCluster = 'on (group_id, cluster_name)',

  local query(expr, legend) = { datasource: datasource, expr: expr, legendFormat: legend, range: true, instant: false },
  local table(expr) = { datasource: datasource, expr: expr, format: 'table', instant: true, range: false },

  local panel(type, title, w, h, targets, description) = {
    type: type,
    title: title,
    datasource: datasource,
    targets: targets,
    size:: { w: w, h: h },
  } + (if description == null then {} else { description: description }),

  local row(title) = { type: 'row', title: title, collapsed: false, panels: [], size:: { w: 24, h: 1 } },

  local stat(title, expr, legend, description=null) = panel('stat', title, 6, 4, [query(expr, legend)], description) {
    options: {
      colorMode: 'value',
      graphMode: 'area',
      justifyMode: 'auto',
      textMode: 'auto',
      wideLayout: true,
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
  },

  local timeseries(title, w, targets, unit=null, description=null) = panel('timeseries', title, w, 8, targets, description) {
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'none' },
    },
    fieldConfig: { defaults: (if unit == null then {} else { unit: unit }), overrides: [] },
  },

  // hidden are the columns a table of series does not need to show.
  local tablePanel(title, w, expr, hidden, unit=null, description=null) = panel('table', title, w, 8, [table(expr)], description) {
    transformations: [{ id: 'organize', options: { excludeByName: { [h]: true for h in hidden } } }],
    options: { showHeader: true, cellHeight: 'sm' },
    fieldConfig: { defaults: (if unit == null then {} else { unit: unit }), overrides: [] },
  },

  // layout places the panels left to right in rows of 24 columns, as they are listed, and numbers
  // them: a row panel, or one that does not fit, starts a new line below the tallest before it.
  local layout(panels) =
    local place(state, p) =
      local newLine = state.x + p.size.w > 24 || (p.type == 'row' && state.x > 0);
      local x = if newLine then 0 else state.x;
      local y = if newLine then state.y + state.lineHeight else state.y;
      local lineHeight = if newLine then p.size.h else std.max(state.lineHeight, p.size.h);
      {
        x: x + p.size.w,
        y: y,
        lineHeight: lineHeight,
        out: state.out + [p { id: std.length(state.out) + 1, gridPos: { x: x, y: y, w: p.size.w, h: p.size.h } }],
      };
    std.foldl(place, panels, { x: 0, y: 0, lineHeight: 0, out: [] }).out,

  local variable(name, label, q) = {
    type: 'query',
    name: name,
    label: label,
    datasource: datasource,
    query: q,
    refresh: 2,  // on time range change: clusters come and go
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
  },

  grafanaDashboards+:: {
    'mongodbatlas-restore-jobs.json': {
      uid: d.uid,
      title: d.title,
      tags: d.tags,
      description: "Recoverability read by mongodbatlas_restore_exporter: backup coverage and recovery points, broken restore jobs, deliveries about to expire, and the exporter's own health.",
      editable: true,
      graphTooltip: 0,
      refresh: d.refresh,
      time: { from: d.timeFrom, to: 'now' },
      timezone: d.timezone,
      schemaVersion: 39,
      annotations: { list: [] },
      templating: {
        list: [
          { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus' },
          // cluster_info lists every watched cluster, those without backup (and so without
          // restore-job reads) included.
          variable('group_id', 'Project', 'label_values(%s, group_id)' % s('mongodbatlas_cluster_info')),
          variable('cluster_name', 'Cluster', 'label_values(%s, cluster_name)' % s('mongodbatlas_cluster_info', 'group_id=~"$group_id"')),
        ],
      },
      panels: layout([
        row('Backup coverage and recovery point'),
        stat(
          'Clusters without backup',
          'count(count by (group_id, cluster_name) (%s == 0 unless %s %s unless %s %s)) or vector(0)'
          % [v('mongodbatlas_backup_enabled'), onCluster, s('mongodbatlas_cluster_info', 'state="DELETING"'), onCluster, s('mongodbatlas_cluster_info', 'provider="TENANT"')],
          'without backup',
          'Watched clusters whose backups are off, clusters being deleted and free M0 clusters aside (MongoDBAtlasBackupDisabled); each counted once, however many exporters watch it.',
        ),
        stat(
          'Snapshots older than the rpo',
          'count(count by (group_id, cluster_name) (time() - %s > %s)) or vector(0)'
          % [v('mongodbatlas_backup_last_snapshot_timestamp_seconds'), s('mongodbatlas_backup_rpo_seconds')],
          'too old',
          'Clusters whose newest completed snapshot is older than their rpo (MongoDBAtlasBackupSnapshotTooOld).',
        ),
        stat(
          'Continuous backup on',
          'count(count by (group_id, cluster_name) (%s == 1)) or vector(0)' % v('mongodbatlas_backup_pit_enabled'),
          'continuous',
          'Clusters with continuous (point-in-time) backup, of those whose description says.',
        ),
        stat(
          'Snapshot reads failing',
          'count(count by (group_id, cluster_name) (%s == 0)) or vector(0)' % v('mongodbatlas_backup_snapshot_read_success'),
          'failing',
          'Clusters whose snapshot list the exporter could not read last time (MongoDBAtlasExporterSnapshotReadFailing).',
        ),
        tablePanel(
          'Clusters without backup',
          8,
          '%s and %s %s == 0' % [v('mongodbatlas_cluster_info'), onCluster, s('mongodbatlas_backup_enabled')],
          ['Time', 'Value', '__name__'],
          description='Every watched cluster whose description says its backups are off, with its state.',
        ),
        timeseries(
          'Time since the newest snapshot, against the rpo',
          16,
          [
            query('time() - %s' % v('mongodbatlas_backup_last_snapshot_timestamp_seconds'), '{{cluster_name}} snapshot age'),
            query(v('mongodbatlas_backup_rpo_seconds'), '{{cluster_name}} rpo'),
          ],
          unit='s',
          description='For each cluster with backup: how old its newest completed snapshot is, and its rpo where one is set.',
        ),

        row('Restore jobs'),
        stat(
          'Broken jobs',
          'count(%s == 1) or vector(0)' % v('mongodbatlas_restore_job_status', 'status="BROKEN"'),
          'broken',
          'Restore jobs whose status is BROKEN.',
        ),
        stat(
          'Deliveries expired unused',
          'count(%s == 1 unless %s %s == 1) or vector(0)'
          % [v('mongodbatlas_restore_job_delivery_status', 'status="EXPIRED"'), onJob, s('mongodbatlas_restore_job_delivery_downloaded')],
          'expired unused',
          'Download deliveries that expired without ever being fetched.',
        ),
        stat(
          'Jobs in progress',
          'count(%s == 1) or vector(0)' % v('mongodbatlas_restore_job_status', 'status="IN_PROGRESS"'),
          'in progress',
        ),
        stat(
          'Targets failing',
          'count(%s == 0) or vector(0)' % v('mongodbatlas_scrape_success'),
          'failing',
          'Clusters the exporter could not read in its last scrape.',
        ),
        timeseries(
          'Jobs by status',
          24,
          [query('sum by (status) (%s)' % v('mongodbatlas:restore_jobs:count_by_status'), '{{status}}')],
          description='Restore jobs per status, from the mongodbatlas:restore_jobs:count_by_status recording rule.',
        ),
        tablePanel(
          'Broken jobs',
          12,
          '%s == 1' % v('mongodbatlas_restore_job_status', 'status="BROKEN"'),
          ['Time', 'Value', '__name__', 'status'],
        ),
        tablePanel(
          'Expired or expiring deliveries',
          12,
          '1000 * %s and %s (%s == 1)'
          % [v('mongodbatlas_restore_job_delivery_expiry_timestamp_seconds'), onJob, v('mongodbatlas_restore_job_delivery_status', 'status=~"READY|EXPIRED"')],
          ['Time', '__name__'],
          unit='dateTimeAsIso',
          description='READY and EXPIRED deliveries with their expiry time.',
        ),
        timeseries(
          'Time left on ready deliveries',
          24,
          [query(v('mongodbatlas:restore_delivery:time_left_seconds'), '{{cluster_name}} {{restore_job_id}}')],
          unit='s',
          description='Seconds until each READY download expires, from mongodbatlas:restore_delivery:time_left_seconds.',
        ),
        timeseries(
          'Restore drills: time since the last good restore',
          24,
          [
            query('time() - %s and %s %s' % [v('mongodbatlas_restore_last_success_timestamp_seconds'), onCluster, s('mongodbatlas_restore_drill_interval_seconds')], '{{cluster_name}} since last success'),
            query(v('mongodbatlas_restore_drill_interval_seconds'), '{{cluster_name}} drill interval'),
          ],
          unit='s',
          description='For each cluster with a drill_interval: how long ago its newest successful restore finished, against the interval it must not exceed (MongoDBAtlasRestoreDrillOverdue).',
        ),

        row('Exporter'),
        timeseries('Scrape success per target', 12, [query(v('mongodbatlas_scrape_success'), '{{group_id}} {{cluster_name}}')])
        + { fieldConfig+: { defaults+: { min: 0, max: 1 } } },
        timeseries(
          'Discovery success per scope',
          12,
          [query(s('mongodbatlas_discovery_success'), '{{instance}} {{scope}}')],
          description='1 when the last discovery pass of a project, organisation or all-projects target read every list (MongoDBAtlasExporterDiscoveryFailing).',
        ) + { fieldConfig+: { defaults+: { min: 0, max: 1 } } },
        timeseries('Scrape duration', 12, [query(s('mongodbatlas_scrape_duration_seconds'), '{{instance}}')], unit='s'),
        timeseries(
          'Atlas API requests by status',
          12,
          [query('sum by (code) (rate(%s[$__rate_interval]))' % s('mongodbatlas_api_requests_total'), '{{code}}')],
          unit='reqps',
        ),
        timeseries(
          'Rate-limited API requests (429)',
          12,
          [query('sum(rate(%s[$__rate_interval])) or vector(0)' % s('mongodbatlas_api_requests_total', 'code="429"'), '429')],
          unit='reqps',
          description="Requests Atlas refused with 429; any sustained rate means the scrape interval or targets exceed the API's budget.",
        ),
      ]),
    },
  },
}
