package mixin

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-jsonnet/formatter"
	"github.com/google/go-jsonnet/linter"
)

// The committed files are exactly what the mixin renders, so they can never differ from it.
func TestShippedFilesAreGenerated(t *testing.T) {
	files, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/%s differs from the mixin: run `make generate` and commit the result", p)
		}
	}
}

// Every jsonnet file is as jsonnetfmt writes it, as mixins are checked.
func TestFormatted(t *testing.T) {
	srcs, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	for name, code := range srcs {
		want, err := formatter.Format(name, code, formatter.DefaultOptions())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want != code {
			t.Errorf("%s is not formatted: run `cd deploy && go tool jsonnetfmt -i mixin/%s`", name, name)
		}
	}
}

// jsonnet-lint finds nothing: no unused variable, no wrong argument, no unknown field of std.
func TestLint(t *testing.T) {
	srcs, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	var snippets []linter.Snippet
	for name, code := range srcs {
		snippets = append(snippets, linter.Snippet{FileName: name, Code: code})
	}
	var out bytes.Buffer
	if linter.LintSnippet(NewVM(), &out, snippets) {
		t.Errorf("jsonnet-lint:\n%s", out.String())
	}
}

// Every alert has a severity, a summary, a description and a runbook the README has; names are
// unique; the dashboard has its uid, title and tags from the config, and reads the data source
// variable.
func TestMixinChecks(t *testing.T) {
	o := evaluate(t, "")
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rules(o.Alerts) {
		if seen[r.Alert] {
			t.Errorf("alert %s is defined twice", r.Alert)
		}
		seen[r.Alert] = true
		if r.Labels["severity"] != "critical" && r.Labels["severity"] != "warning" {
			t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
		}
		if r.Annotations == nil || r.Annotations.Summary == "" || r.Annotations.Description == "" {
			t.Errorf("%s: no summary or description", r.Alert)
			continue
		}
		if !strings.HasSuffix(r.Annotations.RunbookURL, "#"+strings.ToLower(r.Alert)) ||
			!bytes.Contains(readme, []byte("\n#### "+r.Alert+"\n")) {
			t.Errorf("%s: runbook %s has no heading in the README", r.Alert, r.Annotations.RunbookURL)
		}
	}
	if len(seen) < 18 {
		t.Errorf("%d alerts, want at least the 18 shipped", len(seen))
	}
	for _, r := range rules(o.Rules) {
		if r.Record == "" || r.Alert != "" || r.Annotations != nil {
			t.Errorf("recording rule %+v", r)
		}
	}
	d := dashboard(t, o)
	if d.UID != "mongodbatlas-restore-jobs" || d.Title != "MongoDB Atlas restore jobs" || len(d.Tags) == 0 || o.Folder == "" {
		t.Errorf("dashboard uid %q, title %q, tags %v, folder %q", d.UID, d.Title, d.Tags, o.Folder)
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q reads data source %q, not the variable", p.Title, tg.Datasource.UID)
			}
		}
	}
}

// metricRef finds each series an expression reads, with its matchers.
var metricRef = regexp.MustCompile(`\b(up|mongodbatlas[_:][A-Za-z0-9_:]*)\b(\{[^}]*\})?`)

// With another job's selector, no expression names the default job any more, and every series
// that any expression reads (alerts, recording rules, dashboard panels and variables) carries
// the selector.
func TestSelector(t *testing.T) {
	const custom = `job="custom"`
	o := evaluate(t, `{ selector: 'job="custom"' }`)
	exprs := expressions(t, o)
	if len(exprs) < 40 {
		t.Fatalf("only %d expressions found", len(exprs))
	}
	for where, expr := range exprs {
		if strings.Contains(expr, "mongodbatlas-restore") {
			t.Errorf("%s still names the default job: %s", where, expr)
		}
		refs := metricRef.FindAllStringSubmatch(expr, -1)
		if len(refs) == 0 {
			t.Errorf("%s reads no series: %s", where, expr)
		}
		for _, m := range refs {
			if !strings.Contains(m[2], custom) {
				t.Errorf("%s reads %s without %s: %s", where, m[0], custom, expr)
			}
		}
	}
	// Aggregating recording rules keep the selector's label, so the dashboard finds them with it.
	for _, r := range rules(o.Rules) {
		if strings.Contains(r.Expr, " by (") && !strings.Contains(r.Expr, ", job)") {
			t.Errorf("%s drops the selector's label: %s", r.Record, r.Expr)
		}
	}

	// The defaults keep the shipped expressions as they were: only `up` names the job.
	for where, expr := range expressions(t, evaluate(t, "")) {
		if strings.Contains(expr, "job=") != strings.Contains(where, "MongoDBAtlasExporterDown") {
			t.Errorf("%s: %s", where, expr)
		}
	}
}

// labelNames reads the label names of any selector, quoted commas and operators aside.
func TestSelectorLabelNames(t *testing.T) {
	out, err := NewVM().EvaluateAnonymousSnippet("t.jsonnet", `local u = import 'lib/utils.libsonnet';
[u.labelNames(''), u.labelNames('job="a"'), u.labelNames(' job =~ "a,b=c", namespace!="x\\",y" ,env!~"p"'),
 u.by(['group_id'], 'group_id="g",job="j"')]`)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := []any{[]any{}, []any{"job"}, []any{"job", "namespace", "env"}, "by (group_id, job)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Changing a threshold changes the alerts that use it, in their expressions, their `for` and the
// words of their descriptions; severities and the dashboard's settings take effect too.
func TestThresholds(t *testing.T) {
	o := evaluate(t, `{
  terminalStateFiresFor: '8h', seriesGapTolerance: '2h', firstSeenResolution: '10m', stuckAfter: '1d',
  expiringSoonLifetimeDivisor: 3, expiringSoonFallbackHours: 2, restoreDurationMemory: '14d',
  apiThrottleWindow: '30m', keepFiringFor: '1h', scrapeFailingFor: '30m', noSnapshotFor: '1d',
  exporterDownFor: '1m', snapshotReadFailingFor: '90m',
  severities+: { MongoDBAtlasRestoreJobKilled: 'critical' },
  dashboard+: { uid: 'atlas', title: 'Atlas restores', tags: ['t'], folder: 'F' },
}`)
	byName := map[string]Rule{}
	for _, r := range rules(o.Alerts) {
		byName[r.Alert] = r
	}
	for _, c := range []struct {
		alert string
		check func(Rule) bool
	}{
		{"MongoDBAtlasRestoreJobBroken", func(r Rule) bool {
			return strings.Contains(r.Expr, "[2h] offset 8h") && strings.Contains(r.Expr, "[8h:10m]") && r.KeepFiringFor == "1h"
		}},
		{"MongoDBAtlasRestoreJobKilled", func(r Rule) bool { return r.Labels["severity"] == "critical" }},
		{"MongoDBAtlasRestoreDeliveryExpiredUnused", func(r Rule) bool { return strings.Contains(r.Expr, "[2h] offset 8h") }},
		{"MongoDBAtlasRestoreJobStuck", func(r Rule) bool {
			return strings.Contains(r.Expr, "[2h] offset 1d") && strings.Contains(r.Annotations.Description, "for more than a day.")
		}},
		{"MongoDBAtlasRestoreDeliveryExpiringSoon", func(r Rule) bool {
			return strings.Contains(r.Expr, "_validity_seconds / 3)") && strings.Contains(r.Expr, "< 2 * 3600)")
		}},
		{"MongoDBAtlasRestoreSlowerThanRTO", func(r Rule) bool { return strings.Contains(r.Expr, "[14d])") }},
		{"MongoDBAtlasExporterRateLimited", func(r Rule) bool { return strings.Contains(r.Expr, "[30m]") }},
		{"MongoDBAtlasExporterScrapeFailing", func(r Rule) bool {
			return r.For == "30m" && strings.Contains(r.Annotations.Description, " for 30 minutes;")
		}},
		{"MongoDBAtlasBackupNoSnapshot", func(r Rule) bool {
			return r.For == "1d" && strings.HasSuffix(r.Annotations.Description, " for a day.")
		}},
		{"MongoDBAtlasExporterDown", func(r Rule) bool {
			return r.For == "1m" && strings.Contains(r.Annotations.Description, " for a minute;")
		}},
		{"MongoDBAtlasExporterSnapshotReadFailing", func(r Rule) bool {
			return r.For == "90m" && strings.Contains(r.Annotations.Description, " for 90 minutes;")
		}},
	} {
		r, ok := byName[c.alert]
		if !ok || !c.check(r) {
			t.Errorf("%s does not follow its thresholds: %+v", c.alert, r)
		}
	}
	d := dashboard(t, o)
	if d.UID != "atlas" || d.Title != "Atlas restores" || !reflect.DeepEqual(d.Tags, []string{"t"}) || o.Folder != "F" {
		t.Errorf("dashboard uid %q, title %q, tags %v, folder %q", d.UID, d.Title, d.Tags, o.Folder)
	}
}

// No setting is dead: changing any number or duration of _config changes the mixin's output.
func TestEverySettingTakesEffect(t *testing.T) {
	out, err := NewVM().EvaluateAnonymousSnippet("t.jsonnet", `(import 'mixin.libsonnet')._config`)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatal(err)
	}
	base := evaluate(t, "")
	duration := regexp.MustCompile(`^[0-9]+[smhdw]$`)
	var tried []string
	for key, v := range cfg {
		var other string
		switch v := v.(type) {
		case float64:
			other = strconv.FormatFloat(v+1, 'f', -1, 64)
		case string:
			if !duration.MatchString(v) {
				continue
			}
			other = "'" + v[:len(v)-1] + "7" + v[len(v)-1:] + "'"
		default:
			continue
		}
		tried = append(tried, key)
		if o := evaluate(t, "{ "+key+": "+other+" }"); reflect.DeepEqual(o, base) {
			t.Errorf("_config.%s: %s changes nothing", key, other)
		}
	}
	sort.Strings(tried)
	if len(tried) < 20 {
		t.Errorf("only %d settings tried: %v", len(tried), tried)
	}
}

// A duration the descriptions cannot say is refused with the setting's value.
func TestBadDuration(t *testing.T) {
	if _, err := Evaluate(`{ noSnapshotFor: '1h30m' }`); err == nil || !strings.Contains(err.Error(), "duration 1h30m") {
		t.Errorf("got %v, want a duration error", err)
	}
}

// promtool accepts the rules as shipped and as tuned.
func TestPromtoolChecksRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed; `make test` installs it")
	}
	for name, cfg := range map[string]string{
		"defaults": "",
		"tuned":    `{ selector: 'job=~"atlas|atlas-probe",namespace="monitoring"', stuckAfter: '1d', expiringSoonLifetimeDivisor: 3 }`,
	} {
		o := evaluate(t, cfg)
		dir := t.TempDir()
		var files []string
		for file, rf := range map[string]RuleFile{"alerts.yml": o.Alerts, "rules.yml": o.Rules} {
			data, err := RenderRules(rf, "")
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, file)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
		out, err := exec.Command(promtool, append([]string{"check", "rules"}, files...)...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: promtool check rules: %v\n%s", name, err, out)
		}
	}
}

func evaluate(t *testing.T, config string) *Output {
	t.Helper()
	o, err := Evaluate(config)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func rules(f RuleFile) []Rule {
	var out []Rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

type dashboardJSON struct {
	UID    string   `json:"uid"`
	Title  string   `json:"title"`
	Tags   []string `json:"tags"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr       string `json:"expr"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func dashboard(t *testing.T, o *Output) dashboardJSON {
	t.Helper()
	var d dashboardJSON
	if err := json.Unmarshal(o.Dashboards[dashboardName], &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// expressions are every PromQL expression of the mixin, by where they are.
func expressions(t *testing.T, o *Output) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range rules(o.Alerts) {
		out["alert "+r.Alert] = r.Expr
	}
	for _, r := range rules(o.Rules) {
		out["recording rule "+r.Record] = r.Expr
	}
	d := dashboard(t, o)
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			out["panel "+p.Title+" target "+strconv.Itoa(i)] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			out["variable "+v.Name] = v.Query
		}
	}
	return out
}
