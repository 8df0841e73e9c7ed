// Package e2e proves the whole path, from a simulated Atlas through the exporter, a real Prometheus and a real Alertmanager, to a webhook receiver.
package e2e
