// Command kubernetes writes prometheusrule.yaml, the PrometheusRule for the prometheus-operator, from
// the rule files in ../prometheus, so the Kubernetes rules can never drift from the tested ones.
package main

//go:generate go run . -out prometheusrule.yaml

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	out := flag.String("out", "prometheusrule.yaml", "where to write the PrometheusRule")
	rulesDir := flag.String("rules", filepath.Join("..", "prometheus"), "directory of alerts.yml and rules.yml")
	flag.Parse()
	data, err := render(*rulesDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ruleFile is a Prometheus rule file, decoded strictly into the operator's own rule group type.
type ruleFile struct {
	Groups []monitoringv1.RuleGroup `json:"groups"`
}

func render(rulesDir string) ([]byte, error) {
	var groups []monitoringv1.RuleGroup
	for _, name := range []string{"alerts.yml", "rules.yml"} {
		data, err := os.ReadFile(filepath.Join(rulesDir, name))
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		var f ruleFile
		if err := yaml.UnmarshalStrict(data, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		groups = append(groups, f.Groups...)
	}
	pr := monitoringv1.PrometheusRule{
		TypeMeta: metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "PrometheusRule"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   "mongodbatlas-restore-exporter",
			Labels: map[string]string{"app.kubernetes.io/name": "mongodbatlas-restore-exporter"},
		},
		Spec: monitoringv1.PrometheusRuleSpec{Groups: groups},
	}
	data, err := yaml.Marshal(pr)
	if err != nil {
		return nil, fmt.Errorf("encode PrometheusRule: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("# Generated from ../prometheus/alerts.yml and rules.yml by `go generate`; do not edit.\n")
	b.Write(data)
	return b.Bytes(), nil
}
