package config_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// switchable is a config source the test can break and mend.
type switchable struct {
	cfg *config.Config
	err error
}

func (s *switchable) load() (*config.Config, error) { return s.cfg, s.err }

func newReloader(t *testing.T, src *switchable, apply func(*config.Config) error) (*config.Reloader, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return config.NewReloader(src.load, apply, reg, slog.New(slog.DiscardHandler)), reg
}

func validConfig(t *testing.T, cluster string) *config.Config {
	t.Helper()
	cfg := &config.Config{
		Atlas:   config.Atlas{PublicKey: "p", PrivateKey: "k"},
		Targets: []config.Target{{GroupID: "5a66666887d9d61443b41645", ClusterName: cluster}},
	}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestReloadKeepsTheOldConfigOnError(t *testing.T) {
	t.Parallel()
	good := validConfig(t, "Cluster0")
	src := &switchable{cfg: good}
	var applied []*config.Config
	r, reg := newReloader(t, src, func(c *config.Config) error { applied = append(applied, c); return nil })

	if r.Current() != nil {
		t.Fatal("current config before the first load")
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(gauge(t, reg, "mongodbatlas_restore_exporter_config_last_reload_successful")); got != 1 {
		t.Errorf("success gauge %v after a good load", got)
	}
	if ts := testutil.ToFloat64(gauge(t, reg, "mongodbatlas_restore_exporter_config_last_reload_success_timestamp_seconds")); ts <= 0 {
		t.Errorf("success timestamp %v", ts)
	}

	src.cfg, src.err = nil, errors.New("targets[0].group_id: required")
	if err := r.Reload(); err == nil {
		t.Fatal("bad config accepted")
	}
	if r.Current() != good || len(applied) != 1 {
		t.Errorf("bad config replaced the good one (applied %d)", len(applied))
	}
	if got := testutil.ToFloat64(gauge(t, reg, "mongodbatlas_restore_exporter_config_last_reload_successful")); got != 0 {
		t.Errorf("success gauge %v after a bad load", got)
	}
}

func TestReloadKeepsTheOldConfigWhenApplyFails(t *testing.T) {
	t.Parallel()
	good := validConfig(t, "Cluster0")
	src := &switchable{cfg: good}
	fail := false
	r, _ := newReloader(t, src, func(*config.Config) error {
		if fail {
			return errors.New("atlas client: base url")
		}
		return nil
	})
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	src.cfg, fail = validConfig(t, "Cluster1"), true
	if err := r.Reload(); err == nil || r.Current() != good {
		t.Fatalf("err %v; current changed to a config that could not be applied", err)
	}
}

// gauge finds a registered gauge by name through the registry, as a scrape would.
func gauge(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			v := mf.GetMetric()[0].GetGauge().GetValue()
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x", Help: "x"}, func() float64 { return v })
		}
	}
	t.Fatalf("%s not registered", name)
	return nil
}

// A panic while applying a config (the SIGHUP path has no HTTP server to recover it) fails the
// reload, keeps the old config and is logged with the live credentials redacted.
func TestReloadSurvivesAPanic(t *testing.T) {
	t.Parallel()
	good := keyedConfig(t, "Cluster0", "k3y-live")
	src := &switchable{cfg: good}
	boom := false
	var logs strings.Builder
	r := config.NewReloader(src.load, func(*config.Config) error {
		if boom {
			panic("apply with key k3y-live")
		}
		return nil
	}, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	src.cfg, boom = validConfig(t, "Cluster1"), true
	err := r.Reload()
	if err == nil || !strings.Contains(err.Error(), "recovered from a panic: apply with key <secret>") {
		t.Errorf("err = %v, want the redacted panic", err)
	}
	if r.Current() != good {
		t.Error("a reload that panicked replaced the config")
	}
	if out := logs.String(); strings.Contains(out, "k3y-live") || !strings.Contains(out, "Recovered from a panic while loading the configuration") {
		t.Errorf("log:\n%s", out)
	}
}

// A panic while applying a new config that quotes the new config's key is redacted with it: the
// redactor is built from the config being loaded, not only from the live one.
func TestReloadPanicRedactsTheNewConfig(t *testing.T) {
	t.Parallel()
	src := &switchable{cfg: keyedConfig(t, "Cluster0", "k3y-old")}
	var applied int
	r := config.NewReloader(src.load, func(cfg *config.Config) error {
		if applied++; applied > 1 {
			panic("apply with key k3y-new and k3y-old")
		}
		return nil
	}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	src.cfg = keyedConfig(t, "Cluster1", "k3y-new")
	err := r.Reload()
	if err == nil || !strings.Contains(err.Error(), "apply with key <secret> and <secret>") {
		t.Errorf("err = %v, want both keys redacted", err)
	}
}

// keyedConfig is validConfig with privateKey as the API key's private half, validated again.
func keyedConfig(t *testing.T, cluster, privateKey string) *config.Config {
	t.Helper()
	cfg := validConfig(t, cluster)
	cfg.Atlas.PrivateKey = config.Secret(privateKey)
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}
