// Package mixin evaluates the monitoring mixin beside it and renders the files shipped from it.
package mixin

//go:generate go run ./generate -root ..

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-jsonnet"
	"go.yaml.in/yaml/v3"
)

// sources are the mixin's jsonnet files, embedded so the generator and the tests read exactly
// what is committed, from any working directory.
//
//go:embed *.libsonnet alerts/*.libsonnet rules/*.libsonnet dashboards/*.libsonnet lib/*.libsonnet
var sources embed.FS

// Output is what the mixin produces.
type Output struct {
	Alerts     RuleFile                   `json:"prometheusAlerts"`
	Rules      RuleFile                   `json:"prometheusRules"`
	Dashboards map[string]json.RawMessage `json:"grafanaDashboards"`
	Folder     string                     `json:"grafanaDashboardFolder"`
}

// RuleFile is a Prometheus rule file. Its types list every field the mixin may set, in the order
// people read them; decoding rejects any other, so nothing the mixin writes is dropped silently.
type RuleFile struct {
	Groups []RuleGroup `json:"groups" yaml:"groups"`
}

// RuleGroup is one group of a rule file.
type RuleGroup struct {
	Name  string `json:"name" yaml:"name"`
	Rules []Rule `json:"rules" yaml:"rules"`
}

// Rule is an alerting or a recording rule.
type Rule struct {
	Alert         string            `json:"alert,omitempty" yaml:"alert,omitempty"`
	Record        string            `json:"record,omitempty" yaml:"record,omitempty"`
	Expr          string            `json:"expr" yaml:"expr"`
	For           string            `json:"for,omitempty" yaml:"for,omitempty"`
	KeepFiringFor string            `json:"keep_firing_for,omitempty" yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Annotations   *Annotations      `json:"annotations,omitempty" yaml:"annotations,omitempty"`
}

// Annotations are an alert's: every alert of the mixin has all three.
type Annotations struct {
	Summary     string `json:"summary" yaml:"summary"`
	Description string `json:"description" yaml:"description"`
	RunbookURL  string `json:"runbook_url" yaml:"runbook_url"`
}

// Evaluate evaluates the mixin with config, a jsonnet object merged into its _config ("" for the
// defaults).
func Evaluate(config string) (*Output, error) {
	if config == "" {
		config = "{}"
	}
	snippet := `local mixin = (import 'mixin.libsonnet') + { _config+:: ` + config + ` };
{
  prometheusAlerts: mixin.prometheusAlerts,
  prometheusRules: mixin.prometheusRules,
  grafanaDashboards: mixin.grafanaDashboards,
  grafanaDashboardFolder: mixin.grafanaDashboardFolder,
}`
	out, err := NewVM().EvaluateAnonymousSnippet("evaluate.jsonnet", snippet)
	if err != nil {
		return nil, fmt.Errorf("evaluate the mixin: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var o Output
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("decode the mixin's output: %w", err)
	}
	return &o, nil
}

// NewVM is a jsonnet VM that imports from the embedded mixin, as `jsonnet -J deploy/mixin` does
// from the files.
func NewVM() *jsonnet.VM {
	vm := jsonnet.MakeVM()
	vm.Importer(&embedImporter{cache: map[string]jsonnet.Contents{}})
	return vm
}

// Sources lists the mixin's jsonnet files with their contents, by path inside deploy/mixin.
func Sources() (map[string]string, error) {
	files := map[string]string{}
	err := fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := sources.ReadFile(p)
		files[p] = string(data)
		return err
	})
	return files, err
}

// embedImporter resolves imports relative to the importing file, then from the mixin's root,
// like a file importer with the mixin's folder as its only -J path.
type embedImporter struct {
	mu    sync.Mutex
	cache map[string]jsonnet.Contents
}

func (im *embedImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	for _, p := range []string{path.Join(path.Dir(importedFrom), importedPath), path.Clean(importedPath)} {
		if c, ok := im.cache[p]; ok {
			return c, p, nil
		}
		data, err := sources.ReadFile(p)
		if err != nil {
			continue
		}
		c := jsonnet.MakeContentsRaw(data)
		im.cache[p] = c
		return c, p, nil
	}
	return jsonnet.Contents{}, "", fmt.Errorf("import %q from %q: not in the mixin", importedPath, importedFrom)
}

// Shipped files, by path inside deploy/.
const (
	AlertsFile    = "prometheus/alerts.yml"
	RulesFile     = "prometheus/rules.yml"
	DashboardFile = "grafana/dashboard.json"
	chartFiles    = "helm/mongodbatlas-restore-exporter/files/"
	dashboardName = "mongodbatlas-restore-jobs.json"
)

const ruleHeader = `# Generated from deploy/mixin (%s) by ` + "`go generate`" + `; do not edit: change the
# mixin and run ` + "`make generate`" + `. Why each rule is written as it is, is said beside it there.
# Tested with ` + "`promtool test rules tests/*.yml`" + `%s.
`

// Render renders the files shipped from the mixin's defaults, by path inside deploy/: the rule
// files, their copies in the Helm chart, and the dashboard.
func Render() (map[string][]byte, error) {
	o, err := Evaluate("")
	if err != nil {
		return nil, err
	}
	alerts, err := RenderRules(o.Alerts, fmt.Sprintf(ruleHeader, "alerts/", ", and over whole restore lives built from\n# the exporter's own output by e2e/lives_test.go"))
	if err != nil {
		return nil, err
	}
	rules, err := RenderRules(o.Rules, fmt.Sprintf(ruleHeader, "rules/", "; the Grafana dashboard uses them"))
	if err != nil {
		return nil, err
	}
	raw, ok := o.Dashboards[dashboardName]
	if !ok || len(o.Dashboards) != 1 {
		return nil, fmt.Errorf("the mixin has dashboards %v, want only %s", names(o.Dashboards), dashboardName)
	}
	var dash bytes.Buffer
	if err := json.Indent(&dash, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent the dashboard: %w", err)
	}
	dash.WriteByte('\n')
	return map[string][]byte{
		AlertsFile:                alerts,
		RulesFile:                 rules,
		chartFiles + "alerts.yml": alerts,
		chartFiles + "rules.yml":  rules,
		DashboardFile:             dash.Bytes(),
	}, nil
}

// RenderRules writes a rule file as YAML under a header comment, multi-line expressions as
// literal blocks and a blank line between rules and between groups, as a person would.
func RenderRules(f RuleFile, header string) ([]byte, error) {
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(header)
	lines := strings.SplitAfter(y.String(), "\n")
	for i, line := range lines {
		// Each rule and group starts with a list item at its own indent; the first of a list
		// follows its key directly.
		starts := strings.HasPrefix(line, "      - ") || strings.HasPrefix(line, "  - ")
		if starts && i > 0 && !strings.HasSuffix(strings.TrimSpace(lines[i-1]), ":") {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.Bytes(), nil
}

func names(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
