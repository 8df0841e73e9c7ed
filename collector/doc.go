// Package collector turns Atlas restore jobs into Prometheus metrics, reading the API once per scrape under the scrape's deadline.
package collector
