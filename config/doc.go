// Package config loads, validates and safely reloads the exporter's YAML configuration.
package config
