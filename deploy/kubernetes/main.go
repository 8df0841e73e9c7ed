// Command kubernetes writes prometheusrule.yaml, the PrometheusRule for the prometheus-operator, from
// the mixin in ../mixin, as ../prometheus/alerts.yml and rules.yml are, so the Kubernetes rules can
// never drift from the tested ones. It evaluates the mixin itself rather than reading those files,
// so one `go generate ./...` is enough whatever order it visits the packages in.
package main

//go:generate go run . -out prometheusrule.yaml

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/deploy/mixin"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	out := flag.String("out", "prometheusrule.yaml", "where to write the PrometheusRule")
	flag.Parse()
	data, err := render()
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

func render() ([]byte, error) {
	m, err := mixin.Evaluate("")
	if err != nil {
		return nil, err
	}
	var groups []monitoringv1.RuleGroup
	for _, rf := range []mixin.RuleFile{m.Alerts, m.Rules} {
		data, err := json.Marshal(rf)
		if err != nil {
			return nil, fmt.Errorf("encode rules: %w", err)
		}
		var f ruleFile
		if err := yaml.UnmarshalStrict(data, &f); err != nil {
			return nil, fmt.Errorf("decode rules: %w", err)
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
	b.WriteString("# Generated from ../mixin (as ../prometheus/alerts.yml and rules.yml are) by `go generate`; do not edit.\n")
	b.Write(data)
	return b.Bytes(), nil
}
