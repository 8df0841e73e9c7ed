// Package collector turns a scrape's restore jobs into Prometheus metrics: the custom Collector
// and the text writer that serves /metrics, fed by the same emission code.
package collector
