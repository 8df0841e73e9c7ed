package scrape_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
)

// simToken matches the access tokens the simulator issues (24 random bytes in hex), and
// authValue an Authorization value that is still there.
var (
	simToken  = regexp.MustCompile(`[0-9a-f]{48}`)
	authValue = regexp.MustCompile(`(?i)(bearer|digest) [^<]`)
)

// Upstream text that echoes what the request carried (its Authorization, its URL, the client
// secret at the token endpoint) reaches no log line, at any level, and no metric: everything
// built from an upstream body or header passes the client's one redactor.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		serviceAccount bool
		route          string
		secret         string
	}{
		{"API key, restore-job list", false, atlastest.RouteRestoreJobs, harness.PrivateKey},
		{"service account, token endpoint", true, atlas.RouteToken, harness.ClientSecret},
		{"service account, restore-job list", true, atlastest.RouteRestoreJobs, harness.ClientSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The fault is in place before the exporter starts: its first token request, for the
			// cluster's description in the discovery loop, already meets it.
			sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey,
				ClientID: harness.ClientID, ClientSecret: harness.ClientSecret})
			faults.Inject(sim, faults.Fault{Kind: faults.Echo, Route: c.route})
			h := harness.NewWith(t, sim, harness.Options{ServiceAccount: c.serviceAccount})
			for _, mode := range []string{"metrics", "probe"} {
				var body string
				if mode == "metrics" {
					body, _ = h.ScrapeRaw(t, 0)
				} else {
					_, body = h.Probe(t, "target="+harness.GroupID)
				}
				if !strings.Contains(body, `mongodbatlas_scrape_success{cluster_name="Cluster0",group_id="`+harness.GroupID+`"} 0`) {
					t.Fatalf("%s: the echoing fault did not fail the target:\n%s", mode, body)
				}
				logs := h.WaitLogs(t, "<secret>", 1)
				if !strings.Contains(logs, "status 500") && !strings.Contains(logs, "status=500") {
					t.Errorf("%s: the failure's status is not logged:\n%s", mode, logs)
				}
				for _, out := range []string{logs, body} {
					for _, leak := range []string{c.secret, "restore.example.invalid", "/restoreJobs?"} {
						if strings.Contains(out, leak) {
							t.Errorf("%s: %q leaked:\n%s", mode, leak, out)
						}
					}
					if v := authValue.FindString(out); v != "" {
						t.Errorf("%s: an Authorization value leaked: %s", mode, v)
					}
					if tok := simToken.FindString(out); tok != "" {
						t.Errorf("%s: an access token leaked: %s", mode, tok)
					}
				}
			}
		})
	}
}
