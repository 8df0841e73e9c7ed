// Package server holds the exporter's HTTP endpoints: /metrics, /probe, the landing page and
// the lifecycle endpoints, each answering within its scrape's deadline.
package server
