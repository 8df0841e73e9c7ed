// Package collector turns a scrape's round into the Prometheus text that /metrics and /probe
// serve: the descriptors, built once, the state sets of the status enums, bounded label values,
// and a streaming text writer.
package collector
