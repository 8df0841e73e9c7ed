package atlas_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
)

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		group        string
		cluster      string
		job          string
		key          string
		fault        *faults.Fault
		wantStatus   int
		wantCode     string
		wantRequests int // authenticated requests: no retry on these
	}{
		{name: "unknown group", group: "000000000000000000000000", cluster: clusterName, job: exampleJobID,
			wantStatus: 404, wantCode: "GROUP_NOT_FOUND", wantRequests: 1},
		{name: "unknown cluster", group: groupID, cluster: "Nope", job: exampleJobID,
			wantStatus: 404, wantCode: "CLUSTER_NOT_FOUND", wantRequests: 1},
		{name: "unknown job", group: groupID, cluster: clusterName, job: "000000000000000000000001",
			wantStatus: 404, wantCode: "RESOURCE_NOT_FOUND", wantRequests: 1},
		{name: "wrong key", group: groupID, cluster: clusterName, job: exampleJobID, key: "wrong",
			wantStatus: 401, wantCode: "UNEXPECTED_ERROR", wantRequests: 0},
		{name: "not on access list", group: groupID, cluster: clusterName, job: exampleJobID,
			fault:      &faults.Fault{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST"},
			wantStatus: 403, wantCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST", wantRequests: 1},
		{name: "server error is not retried", group: groupID, cluster: clusterName, job: exampleJobID,
			fault:      &faults.Fault{Kind: faults.Status, Status: 500},
			wantStatus: 500, wantCode: "UNEXPECTED_ERROR", wantRequests: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *atlas.Options) {
				if c.key != "" {
					o.Credential = atlas.APIKey{PublicKey: publicKey, PrivateKey: func() (string, error) { return c.key, nil }}
				}
			})
			if c.fault != nil {
				faults.Inject(e.sim, *c.fault)
			}
			_, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), c.group, atlas.ClusterRef{Name: c.cluster}, c.job)
			var apiErr *atlas.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *atlas.APIError", err)
			}
			if apiErr.StatusCode != c.wantStatus || apiErr.ErrorCode != c.wantCode {
				t.Errorf("got %d %s, want %d %s", apiErr.StatusCode, apiErr.ErrorCode, c.wantStatus, c.wantCode)
			}
			if apiErr.Endpoint != atlas.RouteRestoreJob {
				t.Errorf("endpoint %q, want the route template", apiErr.Endpoint)
			}
			if got := e.sim.TotalRequests(); got != c.wantRequests {
				t.Errorf("%d authenticated requests, want %d", got, c.wantRequests)
			}
			if atlas.ErrorCode(err) != c.wantCode || atlas.StatusCode(err) != c.wantStatus {
				t.Errorf("helpers disagree: %q %d", atlas.ErrorCode(err), atlas.StatusCode(err))
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		fault        faults.Fault
		timeout      time.Duration
		wantErr      bool
		wantRequests int
	}{
		{"503 once then success", faults.Fault{Kind: faults.Status, Status: 503, Times: 1}, 5 * time.Second, false, 2},
		{"502 and 504 retried", faults.Fault{Kind: faults.Status, Status: 502, Times: 2}, 5 * time.Second, false, 3},
		{"reset connection retried", faults.Fault{Kind: faults.Reset, Times: 2}, 5 * time.Second, false, 3},
		{"reset mid-body retried", faults.Fault{Kind: faults.ResetMidBody, Times: 1}, 5 * time.Second, false, 2},
		{"429 waits Retry-After within the deadline", faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "1", Times: 1}, 5 * time.Second, false, 2},
		{"429 whose Retry-After passes the deadline fails at once", faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "60"}, 3 * time.Second, true, 1},
		{"429 without Retry-After backs off", faults.Fault{Kind: faults.Status, Status: 429, Times: 1}, 5 * time.Second, false, 2},
		{"persistent 503 gives up after max attempts", faults.Fault{Kind: faults.Status, Status: 503}, 5 * time.Second, true, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			faults.Inject(e.sim, c.fault)
			start := time.Now()
			_, err := e.client.GetRestoreJob(ctxWithTimeout(t, c.timeout), groupID, cluster0, exampleJobID)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if got := e.sim.TotalRequests(); got != c.wantRequests {
				t.Errorf("%d requests, want %d", got, c.wantRequests)
			}
			if c.wantErr && time.Since(start) > c.timeout {
				t.Errorf("took %v, past the %v deadline", time.Since(start), c.timeout)
			}
		})
	}
}

func TestRateLimitErrorSaysWhy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	faults.Inject(e.sim, faults.Fault{Kind: faults.Status, Status: 429, ErrorCode: "RATE_LIMITED_TOKEN_BUCKET", RetryAfter: "120"})
	_, err := e.client.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID)
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 120*time.Second || apiErr.ErrorCode != "RATE_LIMITED_TOKEN_BUCKET" {
		t.Fatalf("err = %v; want a 429 APIError carrying Retry-After 120s", err)
	}
	if !strings.Contains(err.Error(), "would pass the deadline") {
		t.Errorf("error %q does not say why it did not wait", err)
	}
}

func TestBadBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fault   faults.Fault
		wantErr string
	}{
		{"truncated JSON", faults.Fault{Kind: faults.Truncated}, "decode response"},
		{"malformed JSON", faults.Fault{Kind: faults.Malformed}, "decode response"},
		{"oversized body", faults.Fault{Kind: faults.Oversized, Size: 4096}, "exceeds the size limit"},
		{"wrong content type", faults.Fault{Kind: faults.WrongContentType}, "unexpected content type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *atlas.Options) { o.MaxBodyBytes = 2048 })
			faults.Inject(e.sim, c.fault)
			_, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, cluster0)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
			}
			if errors.Is(err, atlas.ErrBodyTooLarge) != (c.fault.Kind == faults.Oversized) {
				t.Errorf("errors.Is(ErrBodyTooLarge) wrong for %v", err)
			}
			if got := e.sim.TotalRequests(); got != 1 {
				t.Errorf("%d requests; a bad body must not be retried", got)
			}
		})
	}
}

func TestSlowAPIStopsAtTheDeadline(t *testing.T) {
	t.Parallel()
	for _, f := range []faults.Fault{
		{Kind: faults.Hang},
		{Kind: faults.SlowBody, Delay: time.Second},
	} {
		e := newEnv(t)
		faults.Inject(e.sim, f)
		start := time.Now()
		_, err := e.client.ListRestoreJobs(ctxWithTimeout(t, 300*time.Millisecond), groupID, cluster0)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("fault %d: err = %v, want a deadline error", f.Kind, err)
		}
		// Generous bound: the point is that it does not wait for the server.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("fault %d: returned after %v", f.Kind, d)
		}
	}
}

func TestPerAttemptTimeoutRetriesAHungRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *atlas.Options) { o.RequestTimeout = 200 * time.Millisecond })
	faults.Inject(e.sim, faults.Fault{Kind: faults.Hang, Times: 1})
	_, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
	// An attempt that timed out is a transport failure: retried while the caller's deadline allows.
	if err != nil {
		t.Fatalf("err = %v; the second attempt should have succeeded", err)
	}
}

func TestStaleNonceIsAnsweredAgain(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, NonceTTL: time.Minute, Now: clock})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	c, err := atlas.New(keyOpts(running.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxWithTimeout(t, 5*time.Second)
	for i := range 3 {
		if _, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if got := sim.Stats().Challenges; got != 1 {
		t.Errorf("%d challenges for three requests on one nonce, want 1 (the challenge is reused)", got)
	}
	now = now.Add(2 * time.Minute) // the nonce goes stale
	if _, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
		t.Fatalf("after the nonce expired: %v", err)
	}
	if got := sim.Stats().Challenges; got != 2 {
		t.Errorf("%d challenges, want a second one for the stale nonce", got)
	}
}

func TestRotatedKeyIsUsedWithoutRebuildingTheClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(privateKey), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *atlas.Options) {
		o.Credential = atlas.APIKey{PublicKey: publicKey, PrivateKey: func() (string, error) {
			b, err := os.ReadFile(keyFile)
			return string(b), err
		}}
	})
	ctx := ctxWithTimeout(t, 5*time.Second)
	if _, err := e.client.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
		t.Fatal(err)
	}
	e.sim.SetKeys(publicKey, "rotated-key")
	if _, err := e.client.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); atlas.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("old key after rotation: err = %v, want 401", err)
	}
	if err := os.WriteFile(keyFile, []byte("rotated-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
		t.Fatalf("new key: %v", err)
	}
}

func TestRequestsNameTheExporter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID); err != nil {
		t.Fatal(err)
	}
	uas := e.sim.Stats().UserAgents
	if len(uas) != 1 || uas["atlas-test/1.0"] == 0 {
		t.Errorf("user agents seen: %v", uas)
	}
}

func TestObserveCountsEveryAttempt(t *testing.T) {
	t.Parallel()
	got := map[string]int{}
	e := newEnv(t, func(o *atlas.Options) {
		o.Observe = func(endpoint, code string) { got[endpoint+" "+code]++ }
	})
	faults.Inject(e.sim, faults.Fault{Kind: faults.Status, Status: 503, Times: 1})
	if _, err := e.client.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{atlas.RouteRestoreJob + " 503": 1, atlas.RouteRestoreJob + " 200": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("observed %v, want %v", got, want)
		}
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	key := func() (string, error) { return "k", nil }
	const base = "https://cloud.mongodb.com/api/atlas/v1.0"
	for name, o := range map[string]atlas.Options{
		"an ftp base URL":                      {BaseURL: "ftp://example.com", Credential: atlas.APIKey{PublicKey: "p", PrivateKey: key}},
		"a base URL that is not one":           {BaseURL: "not a url at all", Credential: atlas.APIKey{PublicKey: "p", PrivateKey: key}},
		"no credential":                        {BaseURL: base},
		"an API key without its private key":   {BaseURL: base, Credential: atlas.APIKey{PublicKey: "p"}},
		"a service account without its secret": {BaseURL: base, Credential: atlas.ServiceAccount{ClientID: "c"}},
		"a pointer to a credential, not one":   {BaseURL: base, Credential: &atlas.APIKey{PublicKey: "p", PrivateKey: key}},
	} {
		if c, err := atlas.New(o); err == nil {
			c.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := keyOpts("http://127.0.0.1:1/api/atlas/v1.0")
	o.BackoffBase, o.BackoffMax = time.Millisecond, time.Millisecond
	c, err := atlas.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
	if err == nil || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("err = %v, want a retried connection failure", err)
	}
	_ = e
}

// With no --atlas.request-timeout, an attempt gets half the time left: a first attempt that
// hangs is cut off early enough for a retry to succeed within the caller's deadline.
func TestAttemptTimeoutIsDerivedFromTheDeadline(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	faults.Inject(sim, faults.Fault{Kind: faults.Hang, Times: 1})
	o := keyOpts(running.URL)
	o.RequestTimeout = 0
	c := newClient(t, o)
	if _, err := c.GetRestoreJob(ctxWithTimeout(t, 3*time.Second), groupID, cluster0, exampleJobID); err != nil {
		t.Fatalf("a hung first attempt left no room to retry: %v", err)
	}
}

// A certificate that does not verify, or a plain HTTP server where HTTPS was asked for, is not
// retried: repeating cannot mend it, and each attempt would cost a budget token.
func TestPermanentTransportErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate is trusted by nobody here
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for name, base := range map[string]string{
		"unknown authority":      tlsSrv.URL + "/api/atlas/v1.0",
		"HTTP answer over HTTPS": strings.Replace(plain.URL, "http://", "https://", 1) + "/api/atlas/v1.0",
	} {
		t.Run(name, func(t *testing.T) {
			attempts := 0
			o := keyOpts(base)
			o.BackoffBase, o.BackoffMax, o.Observe = time.Millisecond, time.Millisecond, func(string, string) { attempts++ }
			c, err := atlas.New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
			if err == nil {
				t.Fatal("the request succeeded")
			}
			if attempts != 1 || strings.Contains(err.Error(), "gave up after") {
				t.Errorf("%d attempts (%v), want 1", attempts, err)
			}
		})
	}
}
