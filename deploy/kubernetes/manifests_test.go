package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// decode reads a manifest strictly: an unknown or misspelt field fails, as `kubectl apply --validate=strict` would.
func decode(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
		Images     []struct {
			Name    string `json:"name"`
			NewTag  string `json:"newTag"`
			NewName string `json:"newName,omitempty"`
		} `json:"images"`
	}
	decode(t, "kustomization.yaml", &kust)
	if kust.Kind != "Kustomization" || len(kust.Resources) == 0 {
		t.Fatalf("kustomization: %+v", kust)
	}
	kinds := map[string]any{
		"ConfigMap":      &corev1.ConfigMap{},
		"Deployment":     &appsv1.Deployment{},
		"Service":        &corev1.Service{},
		"ServiceMonitor": &monitoringv1.ServiceMonitor{},
		"PrometheusRule": &monitoringv1.PrometheusRule{},
	}
	seen := map[string]bool{}
	for _, res := range append(kust.Resources, "secret.example.yaml") {
		data, err := os.ReadFile(res)
		if err != nil {
			t.Fatalf("kustomization lists %s: %v", res, err)
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(data, &meta); err != nil {
			t.Fatalf("%s: %v", res, err)
		}
		into, ok := kinds[meta.Kind]
		if meta.Kind == "Secret" {
			into, ok = &corev1.Secret{}, true
		}
		if !ok {
			t.Fatalf("%s: unexpected kind %q", res, meta.Kind)
		}
		decode(t, res, into)
		seen[meta.Kind] = true
	}
	for k := range kinds {
		if !seen[k] {
			t.Errorf("no %s in the kustomization", k)
		}
	}
}

func TestDeploymentIsHardened(t *testing.T) {
	var d appsv1.Deployment
	decode(t, "deployment.yaml", &d)
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("pod does not require a non-root user")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("root filesystem is writable")
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("privilege escalation allowed")
	}
	if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Error("capabilities not all dropped")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/-/healthy" {
		t.Error("liveness probe is not /-/healthy")
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/-/ready" {
		t.Error("readiness probe is not /-/ready")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Error("no resource requests")
	}
	for _, a := range c.Args {
		if strings.Contains(a, "key") {
			t.Errorf("a flag carries key material: %s", a)
		}
	}
}

// The ConfigMap's config is a valid exporter config once the Secret is mounted where it says.
func TestConfigMapHoldsAValidConfig(t *testing.T) {
	var cm corev1.ConfigMap
	decode(t, "configmap.yaml", &cm)
	var d appsv1.Deployment
	decode(t, "deployment.yaml", &d)
	cfgYAML := cm.Data["config.yml"]
	const mounted = "/etc/mongodbatlas_restore_exporter/secret/private-key"
	if !strings.Contains(cfgYAML, mounted) {
		t.Fatalf("config does not read the key from the Secret mount %s", mounted)
	}
	mountOK := false
	for _, m := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
		if m.Name == "secret" && filepath.Join(m.MountPath, "private-key") == mounted {
			mountOK = true
		}
	}
	if !mountOK {
		t.Error("the Secret is not mounted where the config reads the key")
	}
	keyFile := filepath.Join(t.TempDir(), "private-key")
	if err := os.WriteFile(keyFile, []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Parse([]byte(strings.ReplaceAll(cfgYAML, mounted, keyFile)), ".", nil); err != nil {
		t.Errorf("config.yml in the ConfigMap: %v", err)
	}
}

func TestPrometheusRuleIsUpToDate(t *testing.T) {
	want, err := render()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("prometheusrule.yaml is stale: run `make generate` and commit the result")
	}
	var pr monitoringv1.PrometheusRule
	decode(t, "prometheusrule.yaml", &pr)
	alerts := 0
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts++
			}
		}
	}
	src, err := os.ReadFile(filepath.Join("..", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Count(string(src), "- alert: "); alerts != want || want == 0 {
		t.Errorf("%d alerts in the PrometheusRule, want the %d of alerts.yml", alerts, want)
	}
}
