package collector

import (
	"bytes"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// canonical flattens families to "name{sorted labels}" -> value, plus each family's help and type.
func canonical(t *testing.T, fams map[string]*dto.MetricFamily) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, mf := range fams {
		out["# "+name] = mf.GetHelp() + " | " + mf.GetType().String()
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(ls)
			out[name+"{"+strings.Join(ls, ",")+"}"] = strings.TrimSpace(m.String())
		}
	}
	return out
}

func parse(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return fams
}

// The text sink that serves /metrics and the const metrics of the Collector must say exactly the
// same, escapes and absent fields included.
func TestTextSinkMatchesConstMetrics(t *testing.T) {
	e := New(Options{}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	r := benchRound(40, 4)
	odd := `QUE"UED\ with
newline`
	enc := true
	r.targets[0].jobs[0] = fromLegacy(&atlas.RestoreJob{ID: "6bff00000000000000000001", StatusName: odd,
		EncryptionEnabled: &enc, Created: time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC),
		Delivery: &atlas.Delivery{MethodName: "QUERY", StatusName: "READY"}})
	finished := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	r.targets[1].jobs[0] = fromCloudBackup(&atlas.CloudBackupRestoreJob{ID: "6bff00000000000000000002",
		DeliveryType: "download", ExpiresAt: &finished, Components: make([]atlas.CloudBackupComponent, 3)}, "")
	r.targets = append(r.targets, &targetResult{target: config.Target{GroupID: "5a0000000000000000000009", ClusterName: "Down"},
		errs: []error{atlas.ErrBodyTooLarge}, stale: true, lastSuccess: finished})
	r.duration = 1234 * time.Millisecond

	reg := prometheus.NewRegistry()
	reg.MustRegister(roundCollector{e: e, r: r})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var viaRegistry bytes.Buffer
	encoder := expfmt.NewEncoder(&viaRegistry, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := encoder.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	var viaSink bytes.Buffer
	e.collectRound(newTextSink(&viaSink), r)

	want, got := canonical(t, parse(t, viaRegistry.Bytes())), canonical(t, parse(t, viaSink.Bytes()))
	if len(want) < 500 {
		t.Fatalf("only %d samples compared", len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: sink %q, registry %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s only in the sink's output", k)
		}
	}
	if !strings.Contains(viaSink.String(), `status="QUE\"UED\\ with\nnewline"`) {
		t.Errorf("label value not escaped as the text format requires")
	}
}
