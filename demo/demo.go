// Package demo runs the exporter against a simulated Atlas on loopback, for --demo.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// Sim is the running simulator; Close stops it and its lifecycle.
type Sim struct {
	running *atlastest.Running
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Close stops the lifecycle and the listener.
func (s *Sim) Close() {
	s.cancel()
	s.wg.Wait()
	s.running.Close()
}

// tick is how often demo jobs move; a second keeps the lifecycle smooth at any scrape interval.
const tick = time.Second

// Start serves a simulated Atlas with lively jobs and returns a validated config pointing at it,
// with a random key that exists only in this process.
func Start(ctx context.Context, logger *slog.Logger) (*Sim, *config.Config, error) {
	return startAt(ctx, logger, time.Now())
}

// startAt is Start with the demo's lifecycle counted from start, so a test can open the demo
// minutes into its first cycle.
func startAt(ctx context.Context, logger *slog.Logger, start time.Time) (*Sim, *config.Config, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, nil, fmt.Errorf("generate demo key: %w", err)
	}
	publicKey, privateKey := "demo", hex.EncodeToString(b)
	// Atlas v2 serves all three families: legacy, Cloud Backup and Flex.
	srv := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootAtlasV2})
	d := atlastest.NewDemo(srv, start)
	d.Advance(time.Now()) // where the lifecycle is now, before the first tick
	running, err := atlastest.Start(srv)
	if err != nil {
		return nil, nil, fmt.Errorf("start simulator: %w", err)
	}
	keepAll := model.Duration(0) // the documentation's example job is from 2018
	// A monthly restore drill, which each cycle's finished download satisfies, a daily recovery
	// point, which the Cloud Backup cluster's stopped snapshots miss, and an hour to restore.
	drill, rpo, rto := model.Duration(30*24*time.Hour), model.Duration(24*time.Hour), model.Duration(time.Hour)
	cfg := &config.Config{
		Jobs:  config.Jobs{MaxAge: &keepAll},
		Atlas: config.Atlas{BaseURL: running.URL, PublicKey: publicKey, PrivateKey: config.Secret(privateKey)},
		Targets: []config.Target{
			// The project's clusters are discovered, as most users configure it. The legacy cluster
			// is named with its family: under v2 a discovered cluster with backup reads as Cloud Backup.
			{GroupID: atlastest.DemoGroupID, ClusterName: atlastest.DemoClusterName, API: config.APILegacy, DrillInterval: drill, RPO: rpo, RTO: rto},
			{GroupID: atlastest.DemoGroupID, DrillInterval: drill, RPO: rpo, RTO: rto},
		},
	}
	if err := cfg.Validate(nil); err != nil {
		running.Close()
		return nil, nil, fmt.Errorf("demo config: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	s := &Sim{running: running, cancel: cancel}
	s.wg.Go(func() { d.Run(runCtx, tick) })
	logger.Info("Demo mode: serving a simulated Atlas API on loopback; no real account is used",
		"base_url", running.URL, "group_id", atlastest.DemoGroupID,
		"clusters", []string{atlastest.DemoClusterName, atlastest.DemoCloudCluster, atlastest.DemoFlexCluster, atlastest.DemoUnprotectedCluster})
	return s, cfg, nil
}
