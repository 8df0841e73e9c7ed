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

// Landing serves the page at /, an operator's first screen: what is wrong (broken and killed
// jobs, failed and unfetched expired deliveries, targets that cannot be read and why, clusters
// that are not recoverable as their objectives ask), then every target with its family, its jobs
// by state and how its last read went, discovery's state, a /probe form, and links only to what
// this process serves. It shows the last scrape's round when it is recent, and reads one itself
// when nobody has scraped for a minute.
func (h *Scrapes) Landing(o LandingOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		last, readNow := h.recentRound(r.Context())
		page := landingPage{
			Version: version.Info(), Demo: o.Demo, MetricsPath: o.MetricsPath,
			Series: h.series.Load(), Discoveries: h.scraper.Discoveries(),
			ReadAt: last.at, ReadNow: readNow, view: viewOf(last.r, time.Now()),
		}
		for _, t := range h.scraper.Targets() {
			lt := landingTarget{TargetStatus: t, Family: family(t.Target), States: page.States[t.Target.GroupID+"/"+t.Target.ClusterName]}
			page.Targets = append(page.Targets, lt)
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
	// ReadAt is when the round shown was read; ReadNow that this page read it, nobody having
	// scraped for a minute.
	ReadAt  time.Time
	ReadNow bool
	view
}

type landingTarget struct {
	scrape.TargetStatus
	Family string
	// States counts the target's exported jobs by status.
	States string
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
	"mark": verdictClass,
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
td.ok { background: #e3f4e1; }
td.bad { background: #fbe1e1; }
td.unknown { background: #eee; }
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
<p class="read">{{if .ReadNow}}Nobody had scraped this exporter for a minute, so this page read the API itself, {{when .ReadAt}}.{{else}}Read by the last scrape, {{when .ReadAt}}.{{end}}
Every scrape of <a href="{{.MetricsPath}}">{{.MetricsPath}}</a> reads the API again; this page shows the last one's result.</p>
<h2>What needs attention</h2>
{{if or .Problems .Failures}}
{{if .Problems}}<table class="problems">
<tr><th>project (group_id)</th><th>cluster</th><th>restore job</th><th>family</th><th>problem</th><th>since</th></tr>
{{range .Problems}}<tr class="problem" data-restore="{{.JobID}}"><td>{{.GroupID}}</td><td>{{.ClusterName}}</td><td>{{.JobID}}</td><td>{{.Family}}</td><td class="failed">{{.What}}</td><td>{{when .Since}}</td></tr>
{{end}}</table>{{end}}
{{if .Failures}}<table class="failures">
<tr><th>project (group_id)</th><th>cluster</th><th>cause</th><th>reason</th></tr>
{{range .Failures}}<tr class="failure" data-target="{{.GroupID}}/{{.ClusterName}}"><td>{{.GroupID}}</td><td>{{.ClusterName}}</td><td class="failed">{{.Cause}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{end}}
{{else}}<p>No broken or killed restore job, no failed or unfetched expired delivery, no target that cannot be read.</p>{{end}}
<h2>Recoverability</h2>
{{if .Coverage}}<table class="coverage">
<tr><th>project (group_id)</th><th>cluster</th><th>protected</th><th>recovery point</th><th>last drill</th><th>recovery time</th></tr>
{{range .Coverage}}<tr data-cluster="{{.GroupID}}/{{.ClusterName}}"><td>{{.GroupID}}</td><td>{{.ClusterName}}</td>
<td class="{{mark .Verdicts.Protected}}">{{.Verdicts.Protected.Text}}</td><td class="{{mark .Verdicts.RecoveryPoint}}">{{.Verdicts.RecoveryPoint.Text}}</td>
<td class="{{mark .Verdicts.Drill}}">{{.Verdicts.Drill.Text}}</td><td class="{{mark .Verdicts.RecoveryTime}}">{{.Verdicts.RecoveryTime.Text}}</td></tr>
{{end}}</table>
<p>The whole record, every restore of the last 400 days with its outcome and duration: <a href="/recovery">/recovery</a>.</p>{{else}}<p>No cluster is watched yet.</p>{{end}}
<h2>Targets</h2>
{{if .Targets}}<table>
<tr><th>project (group_id)</th><th>cluster</th><th>family</th><th>last read</th><th>result</th><th>last success</th><th>jobs</th><th>by state</th></tr>
{{range .Targets}}<tr><td>{{.Target.GroupID}}</td><td>{{.Target.ClusterName}}</td><td>{{.Family}}</td><td>{{when .Read}}</td>
<td>{{if .Read.IsZero}}not read yet{{else if .OK}}ok{{else}}<span class="failed">failed: {{.Cause}}</span>{{end}}</td><td>{{when .LastSuccess}}</td><td>{{.Jobs}}</td><td>{{.States}}</td></tr>
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
