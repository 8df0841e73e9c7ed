package main

import (
	"bytes"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const chartDir = "../helm/mongodbatlas-restore-exporter"

// renderChart renders the chart as `helm template` does, with values from a file merged over the defaults.
func renderChart(t *testing.T, valuesFile string) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{}
	if valuesFile != "" {
		data, err := os.ReadFile(valuesFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &vals); err != nil {
			t.Fatal(err)
		}
	}
	merged, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ValidateAgainstSchema(ch, merged); err != nil {
		return nil, err
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "r", Namespace: "monitoring", IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return engine.Render(ch, rv)
}

// The chart's rule files are the tested ones, byte for byte.
func TestChartRuleFilesAreTheTestedOnes(t *testing.T) {
	for _, name := range []string{"alerts.yml", "rules.yml"} {
		want, err := os.ReadFile(filepath.Join("..", "prometheus", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chartDir, "files", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/files/%s differs from deploy/prometheus/%s: run `make generate`", chartDir, name, name)
		}
	}
}

func TestChartRendersValidManifests(t *testing.T) {
	out, err := renderChart(t, filepath.Join(chartDir, "ci-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		doc := strings.TrimSpace(out[name])
		if doc == "" || strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, doc)
		}
		var into any
		switch meta.Kind {
		case "Deployment":
			into = &appsv1.Deployment{}
		case "Service":
			into = &corev1.Service{}
		case "ConfigMap":
			into = &corev1.ConfigMap{}
		case "ServiceAccount":
			into = &corev1.ServiceAccount{}
		case "Secret":
			into = &corev1.Secret{}
		case "ServiceMonitor":
			into = &monitoringv1.ServiceMonitor{}
		case "PrometheusRule":
			into = &monitoringv1.PrometheusRule{}
		default:
			t.Fatalf("%s: unexpected kind %q", name, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		kinds[meta.Kind] = true
		switch o := into.(type) {
		case *corev1.ConfigMap:
			checkChartConfig(t, o)
		case *monitoringv1.PrometheusRule:
			var k8s monitoringv1.PrometheusRule
			decode(t, "prometheusrule.yaml", &k8s)
			a, _ := yaml.Marshal(o.Spec)
			b, _ := yaml.Marshal(k8s.Spec)
			if !bytes.Equal(a, b) {
				t.Error("the chart's PrometheusRule differs from deploy/kubernetes/prometheusrule.yaml")
			}
		case *monitoringv1.ServiceMonitor:
			if r := o.Spec.Endpoints[0].RelabelConfigs; len(r) == 0 || r[0].TargetLabel != "job" || *r[0].Replacement != "mongodbatlas-restore" {
				t.Errorf("ServiceMonitor does not set the job label the alerts select: %+v", r)
			}
		case *appsv1.Deployment:
			sc := o.Spec.Template.Spec.Containers[0].SecurityContext
			if sc == nil || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || sc.Capabilities.Drop[0] != "ALL" {
				t.Errorf("chart's container security context is not hardened: %+v", sc)
			}
		}
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "ServiceAccount", "ServiceMonitor", "PrometheusRule"} {
		if !kinds[k] {
			t.Errorf("no %s rendered", k)
		}
	}
	if kinds["Secret"] {
		t.Error("a Secret was rendered although existingSecret is set")
	}
}

// The rendered config.yml is one the exporter accepts.
func checkChartConfig(t *testing.T, cm *corev1.ConfigMap) {
	t.Helper()
	const mounted = "/etc/mongodbatlas_restore_exporter/secret/private-key"
	keyFile := filepath.Join(t.TempDir(), "private-key")
	if err := os.WriteFile(keyFile, []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := cm.Data["config.yml"]
	if !strings.Contains(cfg, mounted) {
		t.Fatalf("chart config does not read the key from %s:\n%s", mounted, cfg)
	}
	if _, err := config.Parse([]byte(strings.ReplaceAll(cfg, mounted, keyFile)), ".", nil); err != nil {
		t.Errorf("chart config.yml: %v", err)
	}
}

func TestChartRefusesBadValues(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"no key at all":           "config: {atlas: {public_key: p}, targets: []}\n",
		"malformed group id":      "existingSecret: s\nconfig: {atlas: {public_key: p}, targets: [{group_id: nope, cluster_name: c}]}\n",
		"misspelt value":          "existingSecret: s\nserviceMonitr: {enabled: true}\nconfig: {atlas: {public_key: p}, targets: []}\n",
		"a key flag in extraArgs": "existingSecret: s\nextraArgs: [--private-key=x]\nconfig: {atlas: {public_key: p}, targets: []}\n",
		"two CA bundles":          "existingSecret: s\ncaBundle: {existingConfigMap: a, pem: b}\nconfig: {atlas: {public_key: p}, targets: []}\n",
		"a CA bundle and ca_file": "existingSecret: s\ncaBundle: {existingSecret: a}\nconfig: {atlas: {public_key: p, ca_file: /x}, targets: []}\n",
		"a CA bundle without key": "existingSecret: s\ncaBundle: {existingSecret: a, key: ''}\nconfig: {atlas: {public_key: p}, targets: []}\n",
	}
	for name, vals := range cases {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
		if err := os.WriteFile(f, []byte(vals), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := renderChart(t, f); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}

// A CA bundle from each source is mounted read-only where atlas.ca_file points, and the rendered
// config passes the exporter's validation with a real bundle there.
func TestChartMountsCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Close()
	bundle := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	const caDir = "/etc/mongodbatlas_restore_exporter/ca"
	for name, c := range map[string]struct {
		values    map[string]any
		configMap string // the ConfigMap the volume reads, or "" for a Secret
		secret    string
		key       string
	}{
		"inline PEM":         {map[string]any{"pem": bundle}, "r-mongodbatlas-restore-exporter-ca", "", "ca.crt"},
		"existing ConfigMap": {map[string]any{"existingConfigMap": "corp-ca", "key": "bundle.pem"}, "corp-ca", "", "bundle.pem"},
		"existing Secret":    {map[string]any{"existingSecret": "corp-ca"}, "", "corp-ca", "ca.crt"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := renderValues(t, map[string]any{
				"existingSecret": "atlas-key",
				"caBundle":       c.values,
				"config": map[string]any{
					"atlas":   map[string]any{"base_url": "https://opsmanager.example.com/api/public/v1.0", "public_key": "p"},
					"targets": []any{map[string]any{"group_id": "5a66666887d9d61443b41645", "cluster_name": "Cluster0"}},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			var dep appsv1.Deployment
			var cm, ca corev1.ConfigMap
			for file, doc := range out {
				switch filepath.Base(file) {
				case "deployment.yaml":
					decodeDoc(t, doc, &dep)
				case "configmap.yaml":
					decodeDoc(t, doc, &cm)
				case "ca-configmap.yaml":
					if strings.TrimSpace(doc) != "" {
						decodeDoc(t, doc, &ca)
					}
				}
			}
			cfg := cm.Data["config.yml"]
			if !strings.Contains(cfg, "ca_file: "+caDir+"/"+c.key+"\n") {
				t.Errorf("config.yml does not point ca_file at the bundle:\n%s", cfg)
			}
			checkRenderedConfig(t, cfg)

			var vol *corev1.Volume
			for i, v := range dep.Spec.Template.Spec.Volumes {
				if v.Name == "ca-bundle" {
					vol = &dep.Spec.Template.Spec.Volumes[i]
				}
			}
			if vol == nil {
				t.Fatalf("no ca-bundle volume: %+v", dep.Spec.Template.Spec.Volumes)
			}
			items := []corev1.KeyToPath{{Key: c.key, Path: c.key}}
			switch {
			case c.secret != "":
				if vol.Secret == nil || vol.Secret.SecretName != c.secret || !reflect.DeepEqual(vol.Secret.Items, items) {
					t.Errorf("volume %+v, want Secret %s key %s", vol.VolumeSource, c.secret, c.key)
				}
			default:
				if vol.ConfigMap == nil || vol.ConfigMap.Name != c.configMap || !reflect.DeepEqual(vol.ConfigMap.Items, items) {
					t.Errorf("volume %+v, want ConfigMap %s key %s", vol.VolumeSource, c.configMap, c.key)
				}
			}
			mounted := false
			for _, m := range dep.Spec.Template.Spec.Containers[0].VolumeMounts {
				mounted = mounted || (m.Name == "ca-bundle" && m.MountPath == caDir && m.ReadOnly)
			}
			if !mounted {
				t.Errorf("ca-bundle is not mounted read-only at %s", caDir)
			}
			_, rolls := dep.Spec.Template.Annotations["checksum/ca"]
			if c.values["pem"] != nil {
				if ca.Name != c.configMap || ca.Data[c.key] != bundle || !rolls {
					t.Errorf("the chart's CA ConfigMap %s holds %q; checksum/ca %v", ca.Name, ca.Data, rolls)
				}
			} else if ca.Name != "" || rolls {
				t.Errorf("a CA ConfigMap %q (checksum/ca %v) beside an existing bundle", ca.Name, rolls)
			}
		})
	}
}

// renderValues renders the chart with values given as a map, through a values file as helm reads them.
func renderValues(t *testing.T, vals map[string]any) (map[string]string, error) {
	t.Helper()
	data, err := yaml.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return renderChart(t, f)
}

func decodeDoc(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatal(err)
	}
}

func TestChartServiceAccountConfig(t *testing.T) {
	f := filepath.Join(t.TempDir(), "sa.yaml")
	vals := "existingSecret: atlas-sa\nconfig:\n  atlas: {base_url: \"https://cloud.mongodb.com/api/atlas/v2\", client_id: mdb_sa_id_x}\n" +
		"  targets: [{group_id: 5a66666887d9d61443b41645, cluster_name: Cluster0, api: cloud_backup}]\n  jobs: {max_age: 30d}\n"
	if err := os.WriteFile(f, []byte(vals), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := renderChart(t, f)
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	for name, doc := range out {
		if filepath.Base(name) == "configmap.yaml" {
			if err := yaml.UnmarshalStrict([]byte(doc), &cm); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfgYAML := cm.Data["config.yml"]
	const mounted = "/etc/mongodbatlas_restore_exporter/secret/private-key"
	if !strings.Contains(cfgYAML, "client_secret_file: "+mounted) || strings.Contains(cfgYAML, "private_key_file") {
		t.Fatalf("service-account config:\n%s", cfgYAML)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(strings.ReplaceAll(cfgYAML, mounted, secret)), ".", nil)
	if err != nil || !cfg.UsesServiceAccount() {
		t.Errorf("chart's service-account config: %v", err)
	}
}

// The chart takes every config the exporter takes, at the same paths under config: each file of
// examples/, config.example.yml, and the organisation, project-only and all-projects shapes render,
// and the rendered config.yml passes the exporter's own validation.
func TestChartTakesEveryExampleConfig(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yml"))
	files = append(files, filepath.Join("..", "..", "config.example.yml"))
	if len(files) < 5 {
		t.Fatalf("found %d example configs", len(files))
	}
	shapes := map[string]string{
		"organisation": "atlas: {public_key: p}\ntargets: [{org_id: 5b77777887d9d61443b41699, project_include: 'prod-.*', rpo: 1d, rto: 2h}]\nsnapshots: {refresh_interval: 15m}\n",
		"project-only": "atlas: {public_key: p}\ntargets: [{group_id: 5a66666887d9d61443b41645, drill_interval: 30d}]\ndiscovery: {refresh_interval: 10m}\n",
		"all-projects": "atlas: {public_key: p}\ntargets: [{all_projects: true, cluster_exclude: 'scratch-.*'}]\n",
	}
	dir := t.TempDir()
	for name, doc := range shapes {
		f := filepath.Join(dir, name+".yml")
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			if err := yaml.Unmarshal(raw, &cfg); err != nil {
				t.Fatal(err)
			}
			out, err := renderValues(t, map[string]any{"existingSecret": "atlas-key", "config": cfg})
			if err != nil {
				t.Fatalf("helm refused it: %v", err)
			}
			for name, doc := range out {
				if filepath.Base(name) != "configmap.yaml" {
					continue
				}
				var cm corev1.ConfigMap
				if err := yaml.UnmarshalStrict([]byte(doc), &cm); err != nil {
					t.Fatal(err)
				}
				checkRenderedConfig(t, cm.Data["config.yml"])
			}
		})
	}
}

// checkRenderedConfig runs the exporter's validation on a rendered config.yml, with the mounted
// secret and any CA bundle it names in place.
func checkRenderedConfig(t *testing.T, cfg string) {
	t.Helper()
	const mounted = "/etc/mongodbatlas_restore_exporter/secret/private-key"
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = strings.ReplaceAll(cfg, mounted, secret)
	if m := regexp.MustCompile(`ca_file: (\S+)`).FindStringSubmatch(cfg); m != nil {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		srv.Close()
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg = strings.ReplaceAll(cfg, m[1], ca)
	}
	if _, err := config.Parse([]byte(cfg), dir, nil); err != nil {
		t.Errorf("the rendered config.yml fails the exporter's validation: %v\n%s", err, cfg)
	}
}

// The chart passes `helm lint --strict` with its default values and with the CI values: every rule
// helm lints with (Chart.yaml, values and their schema, templates, dependencies), a warning failing
// as an error does under --strict. Run in the test, the lint needs no helm binary built from source.
func TestChartLintsStrictly(t *testing.T) {
	ci := map[string]any{}
	data, err := os.ReadFile(filepath.Join(chartDir, "ci-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &ci); err != nil {
		t.Fatal(err)
	}
	for name, vals := range map[string]map[string]any{"default values": {}, "ci-values.yaml": ci} {
		linter := lint.All(chartDir, vals, "monitoring", true)
		for _, m := range linter.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("%s: helm lint: %s", name, m)
			}
		}
	}
}
