// Command mongodbatlas_restore_exporter exposes the state of MongoDB Atlas, Cloud Manager and Ops
// Manager backup restore jobs as Prometheus metrics.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/demo"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/memlimit"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

const exporterName = "mongodbatlas_restore_exporter"

// defaultPort sits outside 9100-9999, which the Prometheus port allocation list has filled; see the README.
const defaultPort = ":10216"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without os.Exit, so deferred cleanups run and tests can drive the whole binary.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := kingpin.New(exporterName, "Prometheus exporter for the recoverability of MongoDB Atlas, Cloud Manager and Ops Manager "+
		"clusters: backup coverage, recovery points and restore jobs. Credentials come from the config file or, where it "+
		"leaves them out, from the environment: "+config.EnvPublicKey+", "+config.EnvPrivateKey+" (an API key) or "+
		config.EnvClientID+", "+config.EnvClientSecret+" (a service account); never from a flag.")
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	var (
		configFile     = app.Flag("config.file", "Exporter configuration file.").Default("config.yml").String()
		configCheck    = app.Flag("config.check", "Validate the configuration file, print any problem, and exit.").Bool()
		metricsPath    = app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		demoMode       = app.Flag("demo", "Serve a built-in simulated Atlas with lively sample jobs; needs no account and no config file.").Bool()
		defaultTimeout = app.Flag("scrape.default-timeout", "Scrape deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds header.").Default("10s").Duration()
		timeoutOffset  = app.Flag("scrape.timeout-offset", "Time kept back from Prometheus's scrape timeout to answer before it gives up.").Default("500ms").Duration()
		maxStaleness   = app.Flag("scrape.max-staleness", "How long a target's last good values are served while its reads fail; after that its series go away.").Default("1h").Duration()
		concurrency    = app.Flag("atlas.concurrency", "Most Atlas API requests in flight during one scrape.").Default("4").Int()
		requestTimeout = app.Flag("atlas.request-timeout", "Timeout of one Atlas API request attempt; 0 derives it from the scrape deadline (half the time left, so a hung attempt leaves room to retry). The scrape deadline bounds the total.").Default("0s").Duration()
		webConfig      = kingpinflag.AddFlags(app, defaultPort)
	)
	// The toolkit's help names port 9100, node_exporter's; this exporter listens on 10216.
	app.GetFlag("web.listen-address").Help("Addresses on which to expose metrics and web interface. Repeatable for multiple addresses. " +
		"Examples: `:10216` or `[::1]:10216` for http, `vsock://:10216` for vsock.")
	logConfig := &promslog.Config{Writer: stderr}
	flag.AddFlags(app, logConfig)
	if version.Version == "" {
		version.Version = "devel" // a plain `go build`; `make build` stamps the release
	}
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	// --help and --version end the program through Terminate; catch that instead of os.Exit.
	exitCode := -1
	app.Terminate(func(code int) { exitCode = code })
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", exporterName, err)
		return 2
	}
	if exitCode >= 0 {
		return exitCode
	}
	logger := promslog.New(logConfig)

	if *concurrency < 1 {
		logger.Error("--atlas.concurrency must be at least 1")
		return 2
	}

	load := func() (*config.Config, error) { return config.Load(*configFile, os.Getenv) }
	if *demoMode {
		sim, cfg, err := demo.Start(ctx, logger)
		if err != nil {
			logger.Error("Starting the demo failed", "err", err)
			return 1
		}
		defer sim.Close()
		load = func() (*config.Config, error) { return cfg, nil }
	}

	if *configCheck {
		cfg, err := load()
		if err != nil {
			fmt.Fprintf(stderr, "%s\n", err)
			return 1
		}
		for _, w := range cfg.Warnings() {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		fmt.Fprintln(stdout, "Config OK")
		return 0
	}

	logger.Info("Starting "+exporterName, "version", version.Info())
	logger.Info("Build context", "build_context", version.BuildContext())
	if limit, err := memlimit.Set(os.Getenv); err != nil {
		logger.Warn("Reading the container's memory limit failed; GOMEMLIMIT is not set", "err", err)
	} else if limit > 0 {
		logger.Info("Go memory limit set from the container's", "bytes", limit, "share", memlimit.Share)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	metrics := collector.New(logger)
	scraper := scrape.New(scrape.Options{
		Concurrency:    *concurrency,
		RequestTimeout: *requestTimeout,
		MaxStaleness:   *maxStaleness,
		UserAgent:      exporterName + "/" + version.Version,
		Render:         metrics.Render,
	}, reg, logger)
	defer scraper.Close()

	reloader := config.NewReloader(load, scraper.Apply, reg, logger)
	if err := reloader.Reload(); err != nil {
		logger.Error("Loading the configuration failed", "err", err)
		return 1
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() { signal.Stop(hup); close(hup) }()
	go func() {
		for range hup {
			if err := reloader.Reload(); err != nil {
				logger.Error("Error reloading config", "err", err)
			}
		}
	}()

	mux := http.NewServeMux()
	scrapes := server.NewScrapes(scraper, metrics,
		server.Options{DefaultTimeout: *defaultTimeout, TimeoutOffset: *timeoutOffset}, logger)
	mux.Handle(*metricsPath, scrapes.Metrics(reg))
	mux.Handle("/probe", scrapes.Probe())
	for _, path := range []string{"/recovery", "/recovery.json", "/recovery.csv"} {
		mux.Handle(path, scrapes.Recovery())
	}
	mux.Handle("/-/reload", server.Reload(reloader, logger))
	mux.Handle("/-/ready", server.Ready(reloader, scraper.Discovered))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "Healthy\n") })
	if *metricsPath != "/" {
		mux.Handle("/", scrapes.Landing(server.LandingOptions{MetricsPath: *metricsPath, Demo: *demoMode}))
	}

	srv := server.NewHTTPServer(recovery.Handler(mux, logger, scraper.Redact))
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, webConfig, logger) }()
	select {
	case err := <-errc:
		logger.Error("Serving failed", "err", err)
		return 1
	case <-ctx.Done():
		logger.Info("Shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-errc
		return 0
	}
}
