package server_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// The landing page links only what the exporter serves: no pprof, which is not mounted.
func TestLandingPageLinksNoProfiling(t *testing.T) {
	h, err := server.Landing("/metrics")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `href="metrics"`) && !strings.Contains(body, `href="/metrics"`) {
		t.Fatalf("landing page %d:\n%s", rec.Code, body)
	}
	if strings.Contains(body, "debug/pprof") {
		t.Errorf("the landing page links pprof, which answers 404:\n%s", body)
	}
}
