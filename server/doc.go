// Package server holds the exporter's HTTP endpoints: /metrics and /probe, streamed within the
// scrape's deadline and gzipped when asked, /recovery (page, JSON and CSV), the landing page, and
// /-/reload and /-/ready.
package server
