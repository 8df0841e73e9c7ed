package server

import (
	"html/template"
	"net/http"
	"time"

	"github.com/prometheus/common/version"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// LandingOptions say what the landing page links and whether this is the demo.
type LandingOptions struct {
	MetricsPath string
	// Demo marks a process serving the built-in simulator, so nobody mistakes its jobs for real.
	Demo bool
}

// Landing serves the page at /: the version, whether this is the demo, every target with its
// family and how its last read went, discovery's state, how many series a scrape makes, a
// /probe form, and links only to what this process serves. It reads memory, never the API.
func (h *Scrapes) Landing(o LandingOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		page := landingPage{
			Version: version.Info(), Demo: o.Demo, MetricsPath: o.MetricsPath,
			Series: h.series.Load(), Discoveries: h.scraper.Discoveries(),
		}
		for _, t := range h.scraper.Targets() {
			page.Targets = append(page.Targets, landingTarget{TargetStatus: t, Family: family(t.Target)})
			if page.ProbeExample == "" {
				page.ProbeExample = t.Target.GroupID
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := landingTemplate.Execute(w, page); err != nil {
			h.logger.Debug("Writing the landing page failed", "err", err)
		}
	})
}

type landingPage struct {
	Version      string
	Demo         bool
	MetricsPath  string
	Series       int64
	Targets      []landingTarget
	Discoveries  []scrape.Discovery
	ProbeExample string
}

type landingTarget struct {
	scrape.TargetStatus
	Family string
}

// family names a target's restore-job API as the config does.
func family(t config.Target) string {
	if t.API == "" {
		return config.APILegacy
	}
	return t.API
}

// landingTemplate is parsed once; a template error is a bug, found by the tests at start.
var landingTemplate = template.Must(template.New("landing").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format(time.RFC3339) + " (" + time.Since(t).Round(time.Second).String() + " ago)"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MongoDB Atlas Restore Job Exporter</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 72em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
.demo { background: #fff3cd; border: 1px solid #e0c36a; padding: 0.6em; }
.failed { color: #a00; font-weight: bold; }
input[type=text] { width: 26ch; }
</style>
</head>
<body>
<h1>MongoDB Atlas Restore Job Exporter</h1>
<p>Prometheus exporter for MongoDB Atlas, Cloud Manager and Ops Manager backup restore jobs. Version: {{.Version}}</p>
{{if .Demo}}<p class="demo">Demo mode: these jobs come from a simulated Atlas API on loopback, not from a real account.</p>{{end}}
<ul>
<li><a href="{{.MetricsPath}}">Metrics</a>{{if .Series}}: the last scrape wrote {{.Series}} series for the targets below, plus the exporter's own{{else}}: not scraped yet{{end}}</li>
<li><a href="/recovery">Recovery record</a>: per cluster, whether it is backed up, how recent its recovery point is, its last restore drill and how long it took, and every restore of the last 400 days (also as <a href="/recovery.json">JSON</a> and <a href="/recovery.csv">CSV</a>)</li>
<li><a href="/-/healthy">Health</a></li>
<li><a href="/-/ready">Readiness</a></li>
</ul>
<h2>Targets</h2>
{{if .Targets}}<table>
<tr><th>project (group_id)</th><th>cluster</th><th>family</th><th>last read</th><th>result</th><th>last success</th><th>jobs</th></tr>
{{range .Targets}}<tr><td>{{.Target.GroupID}}</td><td>{{.Target.ClusterName}}</td><td>{{.Family}}</td><td>{{when .Read}}</td>
<td>{{if .Read.IsZero}}not read yet{{else if .OK}}ok{{else}}<span class="failed">failed: {{.Cause}}</span>{{end}}</td><td>{{when .LastSuccess}}</td><td>{{.Jobs}}</td></tr>
{{end}}</table>{{else}}<p>No cluster target yet{{if .Discoveries}}: discovery has not found any{{end}}.</p>{{end}}
{{if .Discoveries}}<h2>Discovery</h2>
<table>
<tr><th>scope</th><th>last pass</th><th>last success</th></tr>
{{range .Discoveries}}<tr><td>{{.Scope}}</td><td>{{if .OK}}ok{{else}}<span class="failed">failed (see the log)</span>{{end}}</td><td>{{when .LastSuccess}}</td></tr>
{{end}}</table>{{end}}
<h2>Probe one project</h2>
<form action="/probe" method="get">
<label>Project (group) ID <input type="text" name="target" placeholder="{{if .ProbeExample}}{{.ProbeExample}}{{else}}5a66666887d9d61443b41645{{end}}" pattern="[0-9a-fA-F]{24}" required></label>
<label>Cluster name (optional) <input type="text" name="cluster_name" placeholder="Cluster0"></label>
<input type="submit" value="Probe">
</form>
</body>
</html>
`))
