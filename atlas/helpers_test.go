package atlas_test

import (
	"context"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

const (
	groupID      = "5a66666887d9d61443b41645"
	clusterName  = "Cluster0"
	exampleJobID = "6b77893b80eef5354c77ee15"
	publicKey    = "abcdefgh"
	privateKey   = "3f9c2c1e-0000-4000-8000-privatekey00"
)

// cluster0 is the test cluster as the legacy endpoints address it on Atlas: by name.
var cluster0 = atlas.ClusterRef{Name: clusterName}

// env is a simulator on loopback and a client pointed at it.
type env struct {
	sim    *atlastest.Server
	client *atlas.Client
	url    string
}

func newEnv(t *testing.T, mutate ...func(*atlas.Options)) *env {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.AddCluster(groupID, clusterName)
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	o := atlas.Options{
		BaseURL:     running.URL,
		Credential:  atlas.APIKey{PublicKey: publicKey, PrivateKey: func() (string, error) { return privateKey, nil }},
		UserAgent:   "atlas-test/1.0",
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&o)
	}
	c, err := atlas.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &env{sim: sim, client: c, url: running.URL}
}

func ctxWithTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
