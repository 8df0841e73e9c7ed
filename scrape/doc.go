// Package scrape plans and runs the API reads behind each scrape: targets, discovery, the memory
// between scrapes, cardinality caps and the rate budget's use, under the scrape's deadline.
package scrape
