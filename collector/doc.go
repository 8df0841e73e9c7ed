// Package collector turns a scrape's round into the Prometheus text that /metrics and /probe
// serve: the descriptors, built once, the state sets of the status enums, bounded label values,
// a streaming text writer, and the gzip stream that splices in each target compressed as it was
// read.
package collector
