// Package config loads, validates and safely reloads the exporter's YAML configuration: strict
// decoding with the line of each problem, targets and filters, credentials from the file, the
// environment or key files re-read on rotation, TLS settings, and the Reloader that swaps a new
// config in only when it loads and applies cleanly.
package config
