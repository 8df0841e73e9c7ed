package scrape_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// A reload costs what changed: thirty reloads of an unchanged config keep the client and its
// token (one token request in all), and every scrape between them reads fine.
func TestReloadOfAnUnchangedConfigKeepsTheToken(t *testing.T) {
	h := harness.New(t, harness.Options{ServiceAccount: true})
	h.Scrape(t, 0)
	before := h.Sim.Stats().TokenRequests
	for range 30 {
		cfg := *h.Cfg
		if err := h.Scraper.Apply(&cfg); err != nil {
			t.Fatal(err)
		}
		if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil); v != 1 {
			t.Fatalf("up %v after a reload", v)
		}
	}
	if n := h.Sim.Stats().TokenRequests - before; n != 0 {
		t.Errorf("30 reloads of an unchanged config made %d token requests, want none", n)
	}
}

// However often the credential changes, the exporter never asks the token endpoint more than
// Atlas's 10 times a minute: the limit is the scraper's, not each client's.
func TestReloadStormKeepsTheTokenLimit(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{ClientID: harness.ClientID, ClientSecret: harness.ClientSecret})
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	s := scrape.New(scrape.Options{}, prometheus.NewRegistry(), harness.DiscardLogger()) // Atlas's 10 a minute
	defer s.Close()
	hosts := []string{running.Host, strings.Replace(running.Host, "127.0.0.1", "localhost", 1)}
	for i := range 30 {
		// Two spellings of the token endpoint: a different credential setting on every reload.
		cfg := &config.Config{Atlas: config.Atlas{BaseURL: running.URL, ClientID: harness.ClientID, ClientSecret: harness.ClientSecret,
			TokenURL: hosts[i%2] + atlastest.RouteToken},
			Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APILegacy}}}
		if err := cfg.Validate(nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Apply(cfg); err != nil {
			t.Fatal(err)
		}
		// Past the tenth token a scrape waits for one until its deadline: a short one keeps the
		// storm short, and a token request it made would still be counted.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		s.Scrape(ctx, "all", nil)
		cancel()
	}
	if n := sim.Stats().TokenRequests; n > 10 {
		t.Errorf("%d token requests in a reload storm, more than Atlas's 10 a minute", n)
	}
}

// A reload that changes neither the client nor discovery keeps the pass in flight: reloading
// every 20 ms while a pass needs several times that still discovers the project's clusters.
func TestReloadStormKeepsTheDiscoveryPass(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	for i := range 8 {
		sim.PutJob(harness.GroupID, fmt.Sprintf("C%d", i), atlastest.LoadJob(atlastest.FixtureQuery))
	}
	s, cfg := unwaited(t, sim, config.Target{GroupID: harness.GroupID})
	sim.SetLatency(60 * time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for !s.Discovered() {
		if time.Now().After(deadline) {
			t.Fatal("no discovery pass ended while the config was reloaded every 20 ms")
		}
		c := *cfg
		if err := s.Apply(&c); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if known, _ := s.Known(); len(known) != 8 {
		t.Errorf("%d clusters known, want the project's 8", len(known))
	}
}

// unwaited serves sim on loopback and returns a scraper with no config yet and a config of the
// simulator's API key for targets: for the tests of what happens before discovery's first pass
// ends, which the harness waits for.
func unwaited(t *testing.T, sim *atlastest.Server, targets ...config.Target) (*scrape.Scraper, *config.Config) {
	t.Helper()
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	cfg := &config.Config{Atlas: config.Atlas{BaseURL: running.URL, PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey},
		Targets: targets}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	s := scrape.New(scrape.Options{}, prometheus.NewRegistry(), harness.DiscardLogger())
	t.Cleanup(s.Close)
	return s, cfg
}

// Close is final: it ends a round in flight (here one waiting on an API that answers after a
// minute) at once and waits for it, and a reload racing the shutdown starts nothing.
func TestCloseEndsRoundsInFlight(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	s, cfg := unwaited(t, sim, config.Target{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APILegacy})
	if err := s.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	sim.SetLatency(time.Minute)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s.Scrape(ctx, "all", nil)
	}()
	for deadline := time.Now().Add(5 * time.Second); sim.MaxInFlight() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the scrape never reached the API")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %v: it waited out the round instead of ending it", took)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the scrape did not end with Close")
	}
	if err := s.Apply(cfg); err == nil {
		t.Error("Apply after Close was accepted")
	}
	r := s.Scrape(context.Background(), "all", nil)
	if len(r.Targets) == 1 && r.Targets[0].OK() {
		t.Error("a scrape after Close read the API")
	}
}
