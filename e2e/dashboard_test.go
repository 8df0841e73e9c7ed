package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// dashboardQueries reads every PromQL expression of the committed dashboard: panel targets, and
// label_values() variable queries turned into the query Grafana would run.
func dashboardQueries(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			out[fmt.Sprintf("panel %q target %d", p.Title, i)] = tg.Expr
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+), *(\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue // the datasource picker has no PromQL
		}
		q, _ := v.Query.(string)
		m := labelValues.FindStringSubmatch(q)
		if m == nil {
			t.Fatalf("variable %s: query %q is not label_values(metric, label)", v.Name, q)
		}
		out["variable "+v.Name] = fmt.Sprintf("count by (%s) (%s)", m[2], m[1])
	}
	if len(out) < 10 {
		t.Fatalf("only %d queries found in the dashboard", len(out))
	}
	return out
}

// substitute expands the dashboard's variables as Grafana does with "All" selected.
func substitute(expr string) string {
	return strings.NewReplacer(
		"$group_id", ".*", "$cluster_name", ".*", "$__rate_interval", "1m",
	).Replace(expr)
}

// Every panel and variable query parses and returns data from a Prometheus scraping the exporter
// in --demo (whose jobs turn BROKEN at 20s and READY at 30s) with the shipped recording rules.
func testDashboard(t *testing.T, s *stack) {
	for name, expr := range dashboardQueries(t) {
		q := substitute(expr)
		waitFor(t, name+" to return data", 90*time.Second, func() (bool, string) {
			n, err := promQuery(s.promURL, q)
			if err != nil {
				if strings.Contains(err.Error(), "parse error") {
					t.Fatalf("%s does not parse: %v", name, err)
				}
				return false, err.Error()
			}
			return n > 0, fmt.Sprintf("%s: %d series", q, n)
		})
	}
}
