package scrape

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// Namespace prefixes every metric the exporter exposes: the scraper's own (API requests, budget)
// and the collector's, which takes it from here.
const Namespace = "mongodbatlas"

// Options tune how the exporter talks to Atlas.
type Options struct {
	// Concurrency bounds the API requests in flight in one scrape (default 4).
	Concurrency int
	// RequestTimeout caps one HTTP attempt; zero derives it from the deadline (see atlas.Options).
	RequestTimeout time.Duration
	// UserAgent names the exporter and its version to Atlas.
	UserAgent string
	// MaxStaleness is how long a target's last good values are served while its reads fail
	// (default DefaultMaxStaleness); after that its series go away and only its failure shows.
	MaxStaleness time.Duration
	// DiscoveryReadTimeout bounds each read of discovery (a project list, a project's clusters, a
	// description), not the pass, which lasts as long as its work (default DefaultDiscoveryReadTimeout).
	DiscoveryReadTimeout time.Duration
	// Client lets tests and benchmarks tune the API client; BaseURL and credentials come from config.
	Client atlas.Options
	// Render, if set, is given each target read completely as soon as its reads end, on a
	// goroutine of the round's own, so that the answer's work overlaps the reads still in flight
	// (collector.Metrics.Render). It may set the result's Rendered and must change nothing else;
	// it must return soon after ctx (the round's) ends, which the round waits for.
	Render func(ctx context.Context, t *TargetResult)
}

// DefaultDiscoveryReadTimeout is a minute: one project list of a large organisation is many pages.
const DefaultDiscoveryReadTimeout = time.Minute

// DefaultMaxStaleness bounds how old served values can be: an hour of failed reads is long enough
// to ride out an outage, and short enough that a key revoked for good does not freeze the series.
const DefaultMaxStaleness = time.Hour

// Scraper owns what outlives a scrape: the live targets and client, the API self-metrics, the
// memory between scrapes, and the shared rounds.
type Scraper struct {
	opts   Options
	logger *slog.Logger

	live atomic.Pointer[liveConfig]
	// applyMu orders Apply and Close; wg counts every goroutine the Scraper starts (discovery and
	// snapshot loops, shared rounds), which Close waits for.
	applyMu sync.Mutex
	wg      sync.WaitGroup
	// life ends with Close, and every round with it; closed refuses an Apply after Close.
	life   context.Context
	end    context.CancelFunc
	closed bool
	// discoveredOnce is set once any config's first discovery pass has ended.
	discoveredOnce atomic.Bool
	rounds         sharedRounds
	memory         *memory
	odd            *oddFields
	limiter        *atlas.Limiter
	// tokens meters token requests across every client the scraper builds, reloads included.
	tokens *rate.Limiter

	apiRequests    *prometheus.CounterVec
	rateLimited    *prometheus.CounterVec
	budgetRefused  *prometheus.CounterVec
	deferred       *prometheus.CounterVec
	limitRemaining *prometheus.GaugeVec

	// limits is what limiter was built with; a reload that keeps them keeps the budget.
	limits atlas.Limits
}

// liveConfig is swapped whole on reload, so a scrape sees either the old or the new config, never a mix.
type liveConfig struct {
	targets []config.Target
	client  *atlas.Client
	// byID is set for Cloud and Ops Manager, whose legacy paths take cluster IDs.
	byID bool
	ids  *clusterIDs
	caps Caps
	// v2 is set for an Atlas v2 base URL, which alone serves Flex and collection restores.
	v2        bool
	discovery *discovery
	// snapshots reads each cluster's recovery point in the background.
	snapshots *snapshots
	// collections reads Cloud Backup clusters' collection restore jobs too.
	collections bool
	// stop ends this config's snapshot loop when a reload replaces it; the discovery loop is the
	// discovery's own, kept through a reload that changes neither it nor the client.
	stop context.CancelFunc
	// identity is what the client was built from (config.ClientIdentity).
	identity [32]byte
	// redact hides the config's credentials in a recovered panic's value and stack.
	redact func(string) string
	// staleness bounds how long a description that can no longer be read still vouches for a
	// cluster's coverage: the scraper's MaxStaleness.
	staleness time.Duration
}

// New builds a scraper whose API self-metrics register on reg; it reads nothing until Apply.
func New(o Options, reg prometheus.Registerer, logger *slog.Logger) *Scraper {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxStaleness <= 0 {
		o.MaxStaleness = DefaultMaxStaleness
	}
	if o.DiscoveryReadTimeout <= 0 {
		o.DiscoveryReadTimeout = DefaultDiscoveryReadTimeout
	}
	life, end := context.WithCancel(context.Background())
	e := &Scraper{
		life:   life,
		end:    end,
		opts:   o,
		tokens: atlas.NewTokenLimiter(o.Client.TokenRequestsPerMinute),
		logger: logger,
		memory: &memory{},
		odd:    &oddFields{logger: logger},
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace,
			Name:      "api_requests_total",
			Help:      "Atlas API requests made, retries included, by route template and HTTP status (\"error\" when no response came).",
		}, []string{"endpoint", "code"}),
	}
	e.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "api_rate_limited_total",
		Help:      "Atlas API responses that were 429 Too Many Requests; each pauses its project's budget for Retry-After.",
	}, []string{"endpoint"})
	e.budgetRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "api_budget_exhausted_total",
		Help:      "API requests not sent because the exporter's own rate-limit budget could not pay for them before the scrape deadline.",
	}, []string{"endpoint"})
	e.deferred = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "api_background_deferred_total",
		Help:      "Background reads (snapshot lists) not sent because the spare half of their rate-limit bucket was spent; the other half is kept for scrapes, and the read is tried again later.",
	}, []string{"endpoint"})
	// A child appears with Atlas's first RateLimit-Remaining header for its bucket: a 0 before
	// that would read as an exhausted budget.
	e.limitRemaining = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace,
		Name:      "api_rate_limit_remaining",
		Help:      "The last RateLimit-Remaining header Atlas sent for a bucket set (cloud_backups, clusters, projects, org_projects); absent until Atlas sends one.",
	}, []string{"bucket"})
	reg.MustRegister(e.apiRequests, e.rateLimited, e.budgetRefused, e.deferred, e.limitRemaining)
	e.rounds.wg = &e.wg
	return e
}

// Apply builds a client for cfg and makes it live; the previous client's idle connections are closed.
// A reload costs what changed: an unchanged credential keeps its client (connections, Digest
// session, token), and an unchanged discovery its pass in flight and its result.
func (s *Scraper) Apply(cfg *config.Config) error {
	if cfg == nil {
		return errors.New("no config")
	}
	co := s.clientOptions(cfg)
	limits := atlas.Limits{Capacity: cfg.RateLimit.Capacity, Refill: cfg.RateLimit.Refill, Period: time.Duration(cfg.RateLimit.Period)}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.closed {
		return errors.New("the scraper is closed") // a reload that raced the shutdown
	}
	s.shareBudget(&co, limits)
	old := s.live.Load()
	identity := cfg.ClientIdentity()
	client, ids, err := reuseClient(old, identity, co)
	if err != nil {
		return err
	}
	// Whatever made Atlas answer 429 (another tool, a scrape interval) may be what the reload fixed.
	s.limiter.Unpause()
	d, keepDiscovery := discoveryFor(old, client, cfg)
	ctx, stop := context.WithCancel(context.Background())
	live := &liveConfig{
		targets: cfg.Targets, client: client, redact: client.Redact, identity: identity,
		byID: cfg.Atlas.AddressesClustersByID(), ids: ids,
		caps:        Caps{MaxAge: time.Duration(*cfg.Jobs.MaxAge), MaxPerCluster: *cfg.Jobs.MaxPerCluster},
		v2:          cfg.Atlas.IsV2(),
		discovery:   d,
		collections: cfg.Jobs.CollectionRestores,
		stop:        stop,
		staleness:   s.opts.MaxStaleness,
	}
	var prevSnaps *snapshots
	if old != nil {
		prevSnaps = old.snapshots
	}
	live.snapshots = newSnapshots(snapshotInterval(cfg), prevSnaps)
	s.live.Store(live)
	if old != nil {
		old.stop()
		if !keepDiscovery {
			old.discovery.stopLoop()
		}
		if old.client != client {
			old.client.Close()
		}
	}
	if !keepDiscovery {
		dctx, dstop := context.WithCancel(context.Background())
		d.loopStop = dstop
		s.wg.Go(func() { s.runDiscovery(dctx, live) })
	}
	s.wg.Go(func() { s.runSnapshots(ctx, live) })
	return nil
}

// clientOptions are the scraper's client options with cfg's credentials, TLS and base URL, and
// the callbacks that count requests in the scraper's metrics.
func (s *Scraper) clientOptions(cfg *config.Config) atlas.Options {
	co := s.opts.Client
	co.BaseURL = cfg.Atlas.BaseURL
	if cfg.UsesServiceAccount() {
		co.Credential = atlas.ServiceAccount{ClientID: cfg.Atlas.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.Atlas.TokenURL}
	} else {
		co.Credential = atlas.APIKey{PublicKey: cfg.Atlas.PublicKey, PrivateKey: cfg.PrivateKey}
	}
	if co.TLSConfig == nil {
		co.TLSConfig = cfg.TLSConfig()
	}
	if co.UserAgent == "" {
		co.UserAgent = s.opts.UserAgent
	}
	if co.RequestTimeout == 0 {
		co.RequestTimeout = s.opts.RequestTimeout
	}
	if co.MaxIdleConnsPerHost == 0 {
		co.MaxIdleConnsPerHost = s.opts.Concurrency
	}
	co.Observe = func(endpoint, code string) {
		s.apiRequests.WithLabelValues(endpoint, code).Inc()
		if code == "429" {
			s.rateLimited.WithLabelValues(endpoint).Inc()
		}
	}
	co.ObserveRemaining = func(bucket string, v float64) { s.limitRemaining.WithLabelValues(bucket).Set(v) }
	co.ObserveBudget = func(endpoint string) { s.budgetRefused.WithLabelValues(endpoint).Inc() }
	co.ObserveDeferred = func(endpoint string) { s.deferred.WithLabelValues(endpoint).Inc() }
	return co
}

// shareBudget gives co the scraper's rate-limit budget, rebuilt only when the limits changed, and
// its token limiter, which every client of the scraper shares: a reload storm stays within
// Atlas's token requests a minute. Called under applyMu.
func (s *Scraper) shareBudget(co *atlas.Options, limits atlas.Limits) {
	if s.limiter == nil || limits != s.limits {
		s.limiter, s.limits = atlas.NewLimiter(limits), limits
	}
	if co.Limiter == nil {
		co.Limiter = s.limiter
	}
	if co.TokenLimiter == nil {
		co.TokenLimiter = s.tokens
	}
}

// reuseClient keeps the live client when it was built from the same identity on the same
// budget, and builds a new one otherwise.
func reuseClient(old *liveConfig, identity [32]byte, co atlas.Options) (*atlas.Client, *clusterIDs, error) {
	if old != nil && old.identity == identity && old.client.UsesLimiter(co.Limiter) {
		return old.client, old.ids, nil
	}
	client, err := atlas.New(co)
	if err != nil {
		return nil, nil, fmt.Errorf("atlas client: %w", err)
	}
	return client, &clusterIDs{}, nil
}

// discoveryFor is the discovery cfg asks for: the live one, pass in flight and result, when its
// client and scopes are unchanged (keep), else a new one that starts from the old one's results.
func discoveryFor(old *liveConfig, client *atlas.Client, cfg *config.Config) (d *discovery, keep bool) {
	interval := time.Duration(cfg.Discovery.RefreshInterval)
	d = newDiscovery(cfg.Targets, interval, nil)
	switch {
	case old != nil && old.client == client && old.discovery.same(d):
		return old.discovery, true
	case old != nil:
		return newDiscovery(cfg.Targets, interval, old.discovery), false
	}
	return d, false
}

// snapshotInterval is the config's snapshots.refresh_interval; zero turns the reads off.
func snapshotInterval(cfg *config.Config) time.Duration {
	if cfg.Snapshots.RefreshInterval == nil {
		return time.Duration(config.DefaultSnapshotInterval)
	}
	return time.Duration(*cfg.Snapshots.RefreshInterval)
}

// Redact hides every secret the live client holds, and secret-shaped text, in s; for what the
// HTTP server recovers from a panic.
func (s *Scraper) Redact(text string) string {
	if l := s.live.Load(); l != nil {
		return l.redact(text)
	}
	return text
}

// Close is final: it ends the rounds in flight, stops discovery and the snapshot reads, releases
// the live client's idle connections, and waits for every goroutine it owns.
func (s *Scraper) Close() {
	s.applyMu.Lock()
	s.closed = true
	s.end()
	s.rounds.close()
	if l := s.live.Load(); l != nil {
		l.stop()
		l.discovery.stopLoop()
		l.client.Close()
	}
	s.applyMu.Unlock()
	s.wg.Wait()
}
