package server_test

import (
	"compress/gzip"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Prometheus asks for gzip; both paths serve the same exposition, and nothing else asks for it.
func TestMetricsAndProbeAreGzippedWhenAsked(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)
	get := func(path, encoding string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, h.Srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("%s: a gzip answer that is not gzip: %v", path, err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp, string(b)
	}
	for _, path := range []string{"/metrics", "/probe?target=" + harness.GroupID} {
		plainResp, plain := get(path, "")
		gzResp, unzipped := get(path, "gzip")
		if got := plainResp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", path, got)
		}
		if got := gzResp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Errorf("%s with Accept-Encoding gzip: Content-Encoding %q", path, got)
		}
		if got := gzResp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", path, got)
		}
		want := `mongodbatlas_restore_job_info{batch_id="5a66783b80eef5354c77ee13"`
		for name, body := range map[string]string{"plain": plain, "gzip": unzipped} {
			if !strings.Contains(body, want) || !strings.Contains(body, "mongodbatlas_up 1") {
				t.Errorf("%s %s answer lacks the example job:\n%.1500s", path, name, body)
			}
		}
	}
}
