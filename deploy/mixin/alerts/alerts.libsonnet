// The mixin's alerts, one file per area, in the order of the shipped alerts.yml.
(import 'jobs.libsonnet') +
(import 'backup.libsonnet') +
(import 'exporter.libsonnet')
