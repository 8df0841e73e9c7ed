// Package record builds the recovery record that auditors ask for: per cluster, its backup
// coverage, recovery point, objectives and every restore in a window, from a scrape's round, as
// JSON and CSV and as the verdicts the /recovery page shows.
package record
