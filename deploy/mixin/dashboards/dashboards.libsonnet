// The mixin's dashboards, by file name.
(import 'restore-jobs.libsonnet')
