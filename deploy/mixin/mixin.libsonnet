// A monitoring mixin for mongodbatlas_restore_exporter: its alerts, its recording rules and its
// Grafana dashboard, tuned through _config (config.libsonnet). The shipped
// deploy/prometheus/alerts.yml, rules.yml and deploy/grafana/dashboard.json are this, evaluated
// with the defaults.
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet') +
{
  // Where tools that install mixins (mixtool, grizzly) file the dashboards.
  grafanaDashboardFolder: $._config.dashboard.folder,
}
