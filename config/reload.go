package config

import (
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
)

// Reloader holds the live config and swaps in a new one only when it loads, validates and applies cleanly.
type Reloader struct {
	load   func() (*Config, error)
	apply  func(*Config) error
	logger *slog.Logger

	// reloadMu makes reloads from SIGHUP and /-/reload take turns.
	reloadMu sync.Mutex
	mu       sync.RWMutex
	current  *Config

	success   prometheus.Gauge
	successTS prometheus.Gauge
}

// NewReloader wires load (read and validate) to apply (hand the config to its users); reg receives
// the reload gauges as blackbox_exporter exposes them.
func NewReloader(load func() (*Config, error), apply func(*Config) error, reg prometheus.Registerer, logger *slog.Logger) *Reloader {
	r := &Reloader{
		load:   load,
		apply:  apply,
		logger: logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mongodbatlas_restore_exporter_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful.",
		}),
		successTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mongodbatlas_restore_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
	}
	reg.MustRegister(r.success, r.successTS)
	return r
}

// Reload loads and applies the config; on any error the previous config keeps serving.
func (r *Reloader) Reload() error {
	r.reloadMu.Lock()
	defer r.reloadMu.Unlock()
	// A panic here (a bug meeting an odd config) must not end the process from the SIGHUP goroutine.
	// It may quote the config being loaded as well as the live one, so it is redacted with both
	// configs' credentials: the new one's as soon as it has been read.
	var cfg *Config
	var err error
	redact := func(s string) string {
		return redact.Text(s, append(cfg.secretValues(), r.Current().secretValues()...)...)
	}
	if perr := recovery.Do(redact, func() {
		if cfg, err = r.load(); err == nil {
			err = r.apply(cfg)
		}
	}); perr != nil {
		recovery.Log(r.logger, "Recovered from a panic while loading the configuration", perr)
		err = perr
	}
	if err != nil {
		r.success.Set(0)
		return err
	}
	r.mu.Lock()
	r.current = cfg
	r.mu.Unlock()
	r.success.Set(1)
	r.successTS.SetToCurrentTime()
	r.logger.Info("Loaded configuration", "targets", len(cfg.Targets))
	for _, w := range cfg.Warnings() {
		r.logger.Warn("Configuration warning", "warning", w)
	}
	return nil
}

// Current returns the live config, or nil before the first successful load.
func (r *Reloader) Current() *Config {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}
