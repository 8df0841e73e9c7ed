package atlas_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
)

func startSim(t *testing.T, o atlastest.Options) (*atlastest.Server, *atlastest.Running) {
	t.Helper()
	sim := atlastest.New(o)
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	return sim, running
}

func newClient(t *testing.T, o atlas.Options) *atlas.Client {
	t.Helper()
	c, err := atlas.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func keyOpts(base string) atlas.Options {
	return atlas.Options{BaseURL: base, Credential: atlas.APIKey{PublicKey: publicKey, PrivateKey: func() (string, error) { return privateKey, nil }}}
}

// Expected values are written out from the fixtures by hand, so a wrong JSON tag fails here.
func TestCloudBackupJobsOnV1AndV2(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	for _, f := range []string{atlastest.FixtureCloudReady, atlastest.FixtureCloudAutomated, atlastest.FixtureCloudSharded} {
		sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(f))
	}
	for _, root := range []string{atlastest.RootAtlasV1, atlastest.RootAtlasV2} {
		t.Run(root, func(t *testing.T) {
			c := newClient(t, keyOpts(running.Host+root))
			ctx := ctxWithTimeout(t, 5*time.Second)
			jobs, err := c.ListCloudBackupRestoreJobs(ctx, groupID, clusterName)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != 3 {
				t.Fatalf("%d jobs", len(jobs))
			}
			ready, done, sharded := jobs[0], jobs[1], jobs[2]
			if ready.ID != "65a1b2c3d4e5f60718293a4b" || ready.DeliveryType != "download" || ready.FinishedAt != nil ||
				ready.ExpiresAt == nil || !ready.ExpiresAt.Equal(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)) ||
				ready.Expired || ready.Failed || ready.Cancelled || ready.SnapshotID != "65a1b2c3d4e5f60718290001" ||
				!ready.Timestamp.Equal(time.Date(2026, 11, 28, 6, 0, 12, 0, time.UTC)) {
				t.Errorf("ready download decoded as %+v", ready)
			}
			if done.DeliveryType != "automated" || done.FinishedAt == nil ||
				!done.FinishedAt.Equal(time.Date(2026, 11, 27, 12, 42, 7, 0, time.UTC)) ||
				done.TargetClusterName != "Cluster0-restored" || done.TargetGroupID != groupID {
				t.Errorf("automated restore decoded as %+v", done)
			}
			if len(sharded.Components) != 3 || sharded.Components[1].ReplicaSetName != "atlas-abc123-shard-1" {
				t.Errorf("sharded components decoded as %+v", sharded.Components)
			}
			one, err := c.GetCloudBackupRestoreJob(ctx, groupID, clusterName, "65a1b2c3d4e5f60718293a4c")
			if err != nil || one.DeliveryType != "automated" {
				t.Errorf("get one: %+v, %v", one, err)
			}
		})
	}
}

func TestV2WithoutTheVersionIsRefused(t *testing.T) {
	t.Parallel()
	_, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	// The legacy family is not served under v2 at all.
	c := newClient(t, keyOpts(running.Host+atlastest.RootAtlasV2))
	_, err := c.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, cluster0)
	if atlas.StatusCode(err) != 404 {
		t.Errorf("legacy list under v2: %v, want 404", err)
	}
}

func TestManagerAddressesClustersByID(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootManager})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Delete("clusterName"))
	c := newClient(t, keyOpts(running.URL))
	ctx := ctxWithTimeout(t, 5*time.Second)
	clusters, err := c.ListClusters(ctx, groupID)
	if err != nil {
		t.Fatal(err)
	}
	want := atlastest.ClusterID(groupID, clusterName)
	if len(clusters) != 1 || clusters[0].ID != want || clusters[0].DisplayName() != clusterName {
		t.Fatalf("clusters %+v", clusters)
	}
	jobs, err := c.ListRestoreJobs(ctx, groupID, atlas.ClusterRef{Name: clusterName, ID: want})
	if err != nil || len(jobs) != 1 || jobs[0].ID != exampleJobID {
		t.Fatalf("jobs by cluster ID: %v %v", jobs, err)
	}
	if got := sim.Requests(atlastest.RouteRestoreJobsByID); got != 1 {
		t.Errorf("%d requests on the by-ID route", got)
	}
	// By name, Ops Manager does not know the cluster.
	_, err = c.ListRestoreJobs(ctx, groupID, cluster0)
	if atlas.ErrorCode(err) != "CLUSTER_NOT_FOUND" {
		t.Errorf("by name on Ops Manager: %v", err)
	}
}

const (
	clientID     = "mdb_sa_id_0123456789abcdef"
	clientSecret = "mdb_sa_sk_service-account-secret"
)

func saOpts(base string, secret string) atlas.Options {
	return atlas.Options{
		BaseURL:                base,
		Credential:             atlas.ServiceAccount{ClientID: clientID, ClientSecret: func() (string, error) { return secret, nil }},
		TokenRequestsPerMinute: 100,
	}
}

func TestServiceAccountTokenIsCachedAndShared(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{ClientID: clientID, ClientSecret: clientSecret})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	var mu sync.Mutex
	observed := map[string]int{}
	o := saOpts(running.URL, clientSecret)
	o.Observe = func(endpoint, code string) { mu.Lock(); observed[endpoint+" "+code]++; mu.Unlock() }
	c := newClient(t, o)
	ctx := ctxWithTimeout(t, 5*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := sim.Stats().TokenRequests; got != 1 {
		t.Errorf("%d token requests for 8 concurrent calls, want 1", got)
	}
	if observed[atlas.RouteToken+" 200"] != 1 {
		t.Errorf("token request not counted: %v", observed)
	}

	// A token the API stops honouring is replaced once, not retried in a loop.
	sim.ExpireTokens()
	if _, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if got := sim.Stats().TokenRequests; got != 2 {
		t.Errorf("%d token requests after expiry, want 2", got)
	}
}

func TestServiceAccountWrongSecret(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{ClientID: clientID, ClientSecret: clientSecret})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	c := newClient(t, saOpts(running.URL, "wrong-secret-canary"))
	_, err := c.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID)
	var te *atlas.TokenError
	if !errors.As(err, &te) || te.StatusCode != 401 || te.Code != "invalid_client" {
		t.Fatalf("err = %v, want a 401 invalid_client TokenError", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-canary") || strings.Contains(err.Error(), clientSecret) {
		t.Errorf("error %q carries the secret", err)
	}
	if sim.TotalRequests() != 0 {
		t.Errorf("the API was called without a token")
	}
}

func TestTokenEndpointIsNotHammered(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{ClientID: clientID, ClientSecret: clientSecret})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	o := saOpts(running.URL, "wrong")
	o.TokenRequestsPerMinute = 1
	c := newClient(t, o)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.GetRestoreJob(ctx, groupID, cluster0, exampleJobID)
		cancel()
		if err == nil {
			t.Fatal("a wrong secret succeeded")
		}
	}
	if got := sim.Stats().TokenRequests; got != 1 {
		t.Errorf("%d token requests within the minimum interval, want 1", got)
	}
}

// The token endpoint's 429 is an Atlas error body, not an OAuth error: it is reported as rate
// limiting with Atlas's errorCode, counted, and pauses token requests until Retry-After.
func TestTokenEndpointRateLimitPausesTokenRequests(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{ClientID: clientID, ClientSecret: clientSecret})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Route: atlas.RouteToken, Status: 429,
		ErrorCode: "RATE_LIMITED", RetryAfter: "30", Times: 1})
	var mu sync.Mutex
	observed := map[string]int{}
	o := saOpts(running.URL, clientSecret)
	o.Observe = func(endpoint, code string) { mu.Lock(); observed[endpoint+" "+code]++; mu.Unlock() }
	c := newClient(t, o)
	_, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID)
	var te *atlas.TokenError
	if !errors.As(err, &te) || te.StatusCode != 429 || te.Code != "RATE_LIMITED" || te.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want a 429 RATE_LIMITED TokenError pausing for 30s", err)
	}
	if !strings.Contains(err.Error(), "rate limited by the token endpoint") {
		t.Errorf("error %q does not say it is rate limiting", err)
	}
	if _, err := c.GetRestoreJob(ctxWithTimeout(t, 2*time.Second), groupID, cluster0, exampleJobID); err == nil || !strings.Contains(err.Error(), "paused by a 429") {
		t.Errorf("second call during the pause: %v", err)
	}
	if got := sim.Stats().TokenRequests; got != 1 {
		t.Errorf("%d token requests, want 1: the pause must hold them back", got)
	}
	if observed[atlas.RouteToken+" 429"] != 1 {
		t.Errorf("the 429 was not counted: %v", observed)
	}
}

// Flex restore jobs under v2 with their own media type; expected values written out from the
// fixtures by hand, so a wrong JSON tag fails here.
func TestFlexRestoreJobs(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootAtlasV2})
	sim.PutFlexJob(groupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	sim.PutFlexJob(groupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexRunning))
	sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudReady))
	c := newClient(t, keyOpts(running.URL))
	jobs, err := c.ListFlexRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, "FlexCluster0")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d jobs", len(jobs))
	}
	done, run := jobs[0], jobs[1]
	if done.ID != "66b1c2d3e4f5a60718293a51" || done.DeliveryType != "DOWNLOAD" || done.Status != "COMPLETED" ||
		done.ExpirationDate == nil || !done.ExpirationDate.Equal(time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC)) ||
		done.RestoreFinishedDate == nil || !done.RestoreFinishedDate.Equal(time.Date(2026, 11, 29, 10, 2, 41, 0, time.UTC)) ||
		done.SnapshotID != "66b1c2d3e4f5a60718290011" || done.TargetProjectID != groupID || done.TargetDeploymentItemName != "FlexCluster0" {
		t.Errorf("download: %+v", done)
	}
	if run.Status != "RUNNING" || run.DeliveryType != "RESTORE" || run.RestoreFinishedDate != nil || run.ExpirationDate != nil ||
		run.TargetProjectID != "5a66666887d9d61443b41646" || run.TargetDeploymentItemName != "FlexCluster0-restored" {
		t.Errorf("running: %+v", run)
	}
	one, err := c.GetFlexRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, "FlexCluster0", done.ID)
	if err != nil || one.Status != "COMPLETED" {
		t.Errorf("get: %+v, %v", one, err)
	}
	flex, err := c.ListFlexClusters(ctxWithTimeout(t, 5*time.Second), groupID)
	if err != nil || len(flex) != 1 || flex[0].Name != "FlexCluster0" {
		t.Errorf("flex clusters: %+v, %v", flex, err)
	}
	if dedicated, err := c.ListClusters(ctxWithTimeout(t, 5*time.Second), groupID); err != nil || len(dedicated) != 1 || dedicated[0].Name != clusterName {
		t.Errorf("the cluster list should hold the dedicated cluster only: %+v, %v", dedicated, err)
	}
	// Each kind through the other's API: Atlas's own errorCodes.
	if _, err := c.ListCloudBackupRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, "FlexCluster0"); atlas.ErrorCode(err) != "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API" || atlas.StatusCode(err) != 400 {
		t.Errorf("a Flex cluster through the Cloud Backup API: %v", err)
	}
	if _, err := c.ListFlexRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, clusterName); atlas.ErrorCode(err) != "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API" {
		t.Errorf("a dedicated cluster through the Flex API: %v", err)
	}
}

// Flex is served under v2 only; the client refuses it under another root before any request.
func TestFlexNeedsV2AndItsMediaType(t *testing.T) {
	t.Parallel()
	_, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	c := newClient(t, keyOpts(running.URL))
	if _, err := c.ListFlexRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, "FlexCluster0"); err == nil || !strings.Contains(err.Error(), "only under Atlas v2") {
		t.Errorf("flex under v1.0: %v", err)
	}
}

// Atlas v2 still serves legacy restore jobs, at the v1.0 path under /api/atlas/v2 with the
// versioned media type; the simulator answers 406 to anything else, so a read proves it.
func TestLegacyJobsOnV2(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootAtlasV2})
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	c := newClient(t, keyOpts(running.URL))
	jobs, err := c.ListRestoreJobs(ctxWithTimeout(t, 5*time.Second), groupID, cluster0)
	if err != nil || len(jobs) != 1 || jobs[0].ID != exampleJobID {
		t.Fatalf("list on v2: %+v, %v", jobs, err)
	}
	if job, err := c.GetRestoreJob(ctxWithTimeout(t, 5*time.Second), groupID, cluster0, exampleJobID); err != nil || job.StatusName != "FINISHED" {
		t.Errorf("get on v2: %+v, %v", job, err)
	}
}

// The cluster list is read with 2024-08-05, so it works against an Atlas that has sunset the
// 2023 versions; a 410 VERSION_GONE names the version and the path.
func TestClusterListOutlivesTheSunset(t *testing.T) {
	t.Parallel()
	sim, running := startSim(t, atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, Root: atlastest.RootAtlasV2, SunsetClusterVersions: true})
	sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudReady))
	c := newClient(t, keyOpts(running.URL))
	clusters, err := c.ListClusters(ctxWithTimeout(t, 5*time.Second), groupID)
	if err != nil || len(clusters) != 1 || clusters[0].BackupEnabled == nil || !*clusters[0].BackupEnabled || clusters[0].ProviderBackupEnabled != nil {
		t.Fatalf("clusters on a sunset Atlas: %+v, %v", clusters, err)
	}
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 410, ErrorCode: "VERSION_GONE", Route: atlastest.RouteClusters, Times: 1})
	_, err = c.ListClusters(ctxWithTimeout(t, 5*time.Second), groupID)
	for _, want := range []string{"status 410 VERSION_GONE", atlas.MediaTypeClusters + " is past its sunset", atlas.RouteClusters} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
