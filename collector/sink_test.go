package collector

import (
	"bytes"
	"fmt"
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
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
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

// The text sink that serves /metrics must say exactly what const metrics encoded by client_golang
// say, escapes and absent fields included.
func TestTextSinkMatchesConstMetrics(t *testing.T) {
	t.Parallel()
	e := New(slog.New(slog.DiscardHandler))
	r := benchRound(40, 4)
	odd := `QUE"UED\ with
newline`
	enc := true
	r.Targets[0].Jobs[0] = scrape.FromLegacy(&atlas.RestoreJob{ID: "6bff00000000000000000001", StatusName: odd,
		EncryptionEnabled: &enc, Created: atlas.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)},
		Delivery: &atlas.Delivery{MethodName: "QUERY", StatusName: "READY"}})
	finished := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	r.Targets[1].Jobs[0] = scrape.FromCloudBackup(&atlas.CloudBackupRestoreJob{ID: "6bff00000000000000000002",
		DeliveryType: "download", ExpiresAt: &atlas.Time{Time: finished}, Components: make([]atlas.CloudBackupComponent, 3)}, "")
	down := &scrape.TargetResult{Target: config.Target{GroupID: "5a0000000000000000000009", ClusterName: "Down"},
		Stale: true, LastSuccess: finished}
	down.Fail(atlas.ErrBodyTooLarge)
	r.Targets = append(r.Targets, down)
	r.Duration = 1234 * time.Millisecond

	reg := prometheus.NewRegistry()
	reg.MustRegister(newRoundCollector(e, r))
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
	e.WriteText((&viaSink), r)

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

// An upstream that invents a new status per job costs bounded memory and log: each value is
// logged once up to the bound, then one line says the rest go unlogged.
func TestUndocumentedValuesAreLoggedWithinABound(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	o := &onceLogger{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for i := range maxUnknownValues + 500 {
		v := fmt.Sprintf("INVENTED_%d", i)
		o.unknown("statusName", v)
		o.unknown("statusName", v) // a second scrape
	}
	if n := strings.Count(logs.String(), "Undocumented status value"); n != maxUnknownValues {
		t.Errorf("%d values logged, want %d", n, maxUnknownValues)
	}
	if n := strings.Count(logs.String(), "Too many undocumented status values"); n != 1 {
		t.Errorf("the bound is announced %d times, want once", n)
	}
	if len(o.seen) != maxUnknownValues {
		t.Errorf("%d values remembered, want at most %d", len(o.seen), maxUnknownValues)
	}
}
