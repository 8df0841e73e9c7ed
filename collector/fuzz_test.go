package collector

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// fuzzCanary is planted in every secret field of a fuzzed job; it must never reach the output.
const fuzzCanary = "FUZZCANARYSECRET"

// plant overwrites the secret fields the API may send, when the input is a JSON object.
func plant(data []byte) []byte {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil || m == nil {
		return data
	}
	m["masterKeyUUID"] = fuzzCanary
	m["deliveryUrl"] = []any{fuzzCanary}
	m["privateDownloadDeliveryUrls"] = []any{map[string]any{"deliveryUrl": fuzzCanary}}
	if d, ok := m["delivery"].(map[string]any); ok {
		for _, k := range []string{"url", "urlV2", "authHeader", "authValue"} {
			d[k] = fuzzCanary
		}
	}
	out, _ := json.Marshal(m)
	return out
}

// checkExposition holds the invariants for any job: the output parses and passes the text format,
// each state set has exactly one state at 1, label values are valid UTF-8 and bounded, and no
// secret appears.
func checkExposition(t *testing.T, e *Metrics, v *scrape.Job) {
	t.Helper()
	r := &scrape.Round{Targets: []*scrape.TargetResult{{Target: config.Target{GroupID: "5a66666887d9d61443b41645", ClusterName: "Cluster0"}, Jobs: []*scrape.Job{v}}}}
	var out bytes.Buffer
	e.WriteText((&out), r)
	if strings.Contains(out.String(), fuzzCanary) {
		t.Fatalf("a secret reached the exposition:\n%s", out.String())
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, out.String())
	}
	for _, name := range []string{"mongodbatlas_restore_job_status", "mongodbatlas_restore_job_delivery_status"} {
		mf, ok := fams[name]
		if !ok {
			continue
		}
		ones := 0.0
		for _, m := range mf.GetMetric() {
			ones += m.GetGauge().GetValue()
		}
		if ones != 1 {
			t.Fatalf("%s: %v states at 1, want exactly one\n%s", name, ones, out.String())
		}
	}
	for _, mf := range fams {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if !utf8.ValidString(lp.GetValue()) || len(lp.GetValue()) > maxLabelLen {
					t.Fatalf("label %s=%q is not bounded valid UTF-8", lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

func fuzzSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(atlastest.FixtureBytes(n))
	}
	f.Add([]byte(`{"id":"x\"y\\z\nw","statusName":"\u00ff\ufffd","delivery":{"statusName":"","methodName":"\u0000"}}`))
	f.Add([]byte(`{"id":"` + strings.Repeat("é", 200) + `","statusName":"` + strings.Repeat("Z", 300) + `"}`))
	f.Add([]byte(`{"created":"not a time"}`))
	f.Add([]byte(`null`))
}

// decodePlanted decodes data with secrets planted the way the client decodes a response; a
// document it refuses must not carry a secret into the error that the log would show.
func decodePlanted(t *testing.T, data []byte, out any) bool {
	t.Helper()
	err := atlas.Decode(plant(data), out)
	if err != nil && strings.Contains(err.Error(), fuzzCanary) {
		t.Fatalf("a secret reached a decode error: %v", err)
	}
	return err == nil
}

// FuzzLegacyJob feeds arbitrary legacy job documents through decoding and emission.
func FuzzLegacyJob(f *testing.F) {
	fuzzSeeds(f, atlastest.FixtureDocsExample, atlastest.FixtureInProgress, atlastest.FixtureQuery)
	e := New(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j atlas.RestoreJob
		if !decodePlanted(t, data, &j) {
			return
		}
		checkExposition(t, e, scrape.FromLegacy(&j))
	})
}

// FuzzCloudBackupJob does the same for Cloud Backup documents.
func FuzzCloudBackupJob(f *testing.F) {
	fuzzSeeds(f, atlastest.FixtureCloudReady, atlastest.FixtureCloudAutomated, atlastest.FixtureCloudSharded)
	e := New(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j atlas.CloudBackupRestoreJob
		if !decodePlanted(t, data, &j) {
			return
		}
		checkExposition(t, e, scrape.FromCloudBackup(&j, ""))
	})
}
