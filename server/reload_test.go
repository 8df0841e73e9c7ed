package server_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// switchable is a config source the test can break and mend.
type switchable struct {
	cfg *config.Config
	err error
}

func (s *switchable) load() (*config.Config, error) { return s.cfg, s.err }

func newReloader(src *switchable) *config.Reloader {
	return config.NewReloader(src.load, func(*config.Config) error { return nil }, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
}

func validConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := &config.Config{
		Atlas:   config.Atlas{PublicKey: "p", PrivateKey: "k"},
		Targets: []config.Target{{GroupID: "5a66666887d9d61443b41645", ClusterName: "Cluster0"}},
	}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestReloadHandler(t *testing.T) {
	t.Parallel()
	src := &switchable{cfg: validConfig(t)}
	r := newReloader(src)
	h := server.Reload(r, slog.New(slog.DiscardHandler))

	do := func(method string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/-/reload", nil))
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, string(body)
	}
	if code, _ := do(http.MethodGet); code != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d, want 405", code)
	}
	if code, _ := do(http.MethodPost); code != http.StatusOK {
		t.Errorf("good POST answered %d", code)
	}
	src.cfg, src.err = nil, errors.New("line 3: field privte_key_file not found")
	code, body := do(http.MethodPost)
	if code != http.StatusInternalServerError || !strings.Contains(body, "privte_key_file") {
		t.Errorf("bad POST answered %d %q; want 500 with the reason", code, body)
	}
}

func TestReadyHandler(t *testing.T) {
	t.Parallel()
	src := &switchable{cfg: validConfig(t)}
	r := newReloader(src)
	rec := httptest.NewRecorder()
	server.Ready(r, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/ready", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("ready before any config: %d", rec.Code)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	server.Ready(r, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/ready", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("ready after load: %d", rec.Code)
	}
}

// Readiness waits for discovery's first pass too.
func TestReadyWaitsForDiscovery(t *testing.T) {
	t.Parallel()
	src := &switchable{cfg: validConfig(t)}
	r := newReloader(src)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	done := false
	h := server.Ready(r, func() bool { return done })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/ready", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "discovery") {
		t.Errorf("ready before discovery: %d %s", rec.Code, rec.Body)
	}
	done = true
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/ready", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("ready after discovery: %d", rec.Code)
	}
}
