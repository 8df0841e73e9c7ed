package server

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/record"
)

// Recovery serves the recovery record: /recovery (a page for people), /recovery.json and
// /recovery.csv. Each answers from a read like /metrics does, joining a round in flight under the
// same budget and deadline, so the record is never older than one scrape and costs no request
// beyond what Prometheus's scrapes spend.
func (h *Scrapes) Recovery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := strings.TrimPrefix(r.URL.Path, "/recovery")
		if format != "" && format != ".json" && format != ".csv" {
			http.NotFound(w, r)
			return
		}
		now := time.Now()
		since, err := parseSince(r.URL.Query().Get("since"), now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout(r.Header, h.opts.DefaultTimeout, h.opts.TimeoutOffset))
		defer cancel()
		round := h.scraper.Scrape(ctx, "all", nil)
		h.remember(round)
		rec := record.Build(round, since, now, version.Version)
		switch format {
		case ".json":
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			err = enc.Encode(rec)
		case ".csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="recovery-`+now.UTC().Format("20060102T150405Z")+`.csv"`)
			err = rec.WriteCSV(w)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			err = recoveryTemplate.Execute(w, recoveryPage(rec, r.URL.Query().Get("since"), now))
		}
		if err != nil {
			h.logger.Debug("Writing the recovery record failed", "err", err)
		}
	})
}

// parseSince reads ?since=: an RFC 3339 time, or a duration back from now (400d, 12h); empty is
// record.DefaultWindow.
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return now.Add(-record.DefaultWindow), nil
	}
	// A "+" of an offset that was not escaped arrives as a space.
	if t, err := time.Parse(time.RFC3339, strings.Replace(v, " ", "+", 1)); err == nil {
		return t, nil
	}
	if d, err := model.ParseDuration(v); err == nil {
		return now.Add(-time.Duration(d)), nil
	}
	return time.Time{}, errors.New("since: want an RFC 3339 time (2026-01-01T00:00:00Z) or a duration back from now (400d, 12h)")
}

// recoveryView is what the page shows: the record, each cluster with its verdicts.
type recoveryView struct {
	record.Record
	Clusters []clusterView
	// Query carries ?since= to the JSON and CSV links.
	Query                                      string
	Unprotected, Behind, Overdue, Slow, Failed int
}

type clusterView struct {
	record.Cluster
	Verdicts record.Verdicts
}

func recoveryPage(rec record.Record, since string, now time.Time) recoveryView {
	v := recoveryView{Record: rec}
	if since != "" {
		v.Query = "?since=" + url.QueryEscape(since)
	}
	isNo := func(x record.Verdict) bool { return x.OK != nil && !*x.OK }
	for _, c := range rec.Clusters {
		cv := clusterView{Cluster: c, Verdicts: c.Judge(now)}
		if isNo(cv.Verdicts.Protected) {
			v.Unprotected++ // its other verdicts follow from that one; it is counted once
		} else {
			for n, x := range map[*int]record.Verdict{&v.Behind: cv.Verdicts.RecoveryPoint, &v.Overdue: cv.Verdicts.Drill,
				&v.Slow: cv.Verdicts.RecoveryTime} {
				if isNo(x) {
					*n++
				}
			}
		}
		v.Failed += c.Failed()
		v.Clusters = append(v.Clusters, cv)
	}
	return v
}

// verdictClass is a verdict as a CSS class and a data attribute: ok, bad or unknown.
func verdictClass(x record.Verdict) string {
	switch {
	case x.OK == nil:
		return "unknown"
	case *x.OK:
		return "ok"
	}
	return "bad"
}

// recoveryTemplate is parsed once; a template error is a bug, found by the tests at start.
var recoveryTemplate = template.Must(template.New("recovery").Funcs(template.FuncMap{
	"at": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"stamp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"took": func(s *float64) string {
		if s == nil {
			return "—"
		}
		return model.Duration(time.Duration(*s * float64(time.Second))).String()
	},
	"mark": verdictClass,
	"sign": func(x record.Verdict) string {
		switch {
		case x.OK == nil:
			return "?"
		case *x.OK:
			return "✓"
		}
		return "✗"
	},
	"bad": func(outcome string) bool { return outcome == "failed" || outcome == "cancelled" },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Recovery record — MongoDB Atlas Restore Job Exporter</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 92em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.92em; white-space: nowrap; }
section.cluster { border: 1px solid #bbb; border-radius: 6px; padding: 0.4em 1em 0.6em; margin: 1em 0; }
section.cluster h2 { font-size: 1.1em; margin: 0.4em 0; }
.verdicts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.5em; }
.verdict { padding: 0.4em 0.6em; border-radius: 4px; }
.verdict b { display: block; }
.ok { background: #e3f4e1; }
.bad { background: #fbe1e1; }
.unknown { background: #eee; }
tr.failed td { background: #fbe1e1; }
td.wrap { white-space: normal; }
.summary span { margin-right: 1.5em; }
.stale { color: #a00; }
</style>
</head>
<body>
<h1>Recovery record</h1>
<p>Can every cluster be recovered, to a recent enough point, fast enough, and where is the record? Generated {{at .GeneratedAt}}
by mongodbatlas_restore_exporter {{.ExporterVersion}}, from the same read as a scrape; restores since {{at .Since}}.
Download it as <a href="/recovery.json{{.Query}}">JSON</a> or <a href="/recovery.csv{{.Query}}">CSV</a>; back to the <a href="/">exporter</a>.</p>
<p class="summary"><span>{{len .Clusters}} clusters</span><span>{{.Unprotected}} without backup</span><span>{{.Behind}} of those with backup behind their rpo</span>
<span>{{.Overdue}} of those with backup overdue for a drill</span><span>{{.Slow}} slower than their rto</span><span>{{.Failed}} failed or cancelled restores</span></p>
{{range .Clusters}}<section class="cluster" id="{{.GroupID}}/{{.ClusterName}}">
<h2>{{.ClusterName}} <small>project {{.GroupID}}{{if .Family}}, {{.Family}}{{end}}</small></h2>
<div class="verdicts">
<div class="verdict {{mark .Verdicts.Protected}}" data-verdict="protected" data-ok="{{mark .Verdicts.Protected}}"><b>{{sign .Verdicts.Protected}} Protected</b>{{.Verdicts.Protected.Text}}</div>
<div class="verdict {{mark .Verdicts.RecoveryPoint}}" data-verdict="recovery-point" data-ok="{{mark .Verdicts.RecoveryPoint}}"><b>{{sign .Verdicts.RecoveryPoint}} Recovery point</b>{{.Verdicts.RecoveryPoint.Text}}</div>
<div class="verdict {{mark .Verdicts.Drill}}" data-verdict="drill" data-ok="{{mark .Verdicts.Drill}}"><b>{{sign .Verdicts.Drill}} Last drill</b>{{.Verdicts.Drill.Text}}</div>
<div class="verdict {{mark .Verdicts.RecoveryTime}}" data-verdict="recovery-time" data-ok="{{mark .Verdicts.RecoveryTime}}"><b>{{sign .Verdicts.RecoveryTime}} Recovery time</b>{{.Verdicts.RecoveryTime.Text}}</div>
</div>
{{if .ReadFailed}}<p class="stale">The last read of this cluster's restore jobs failed: the history below is the last complete read, of {{stamp .RestoresReadAt}}.</p>{{end}}
{{if .Restores}}<table>
<tr><th>restore job</th><th>kind</th><th>outcome</th><th>started</th><th>finished</th><th>took</th><th>snapshot</th><th>target</th></tr>
{{range .Restores}}<tr class="{{if bad .Outcome}}failed{{end}}" data-restore="{{.RestoreJobID}}"><td>{{.RestoreJobID}}</td><td>{{.Kind}}</td><td>{{.Outcome}}</td><td>{{stamp .StartedAt}}</td><td>{{stamp .FinishedAt}}</td><td>{{took .DurationSeconds}}</td><td>{{.SnapshotID}}</td><td class="wrap">{{.TargetClusterName}}{{if .TargetGroupID}}<br><small>{{.TargetGroupID}}</small>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No restore in the window{{if not .RestoresReadAt}} (its restore jobs are not read){{end}}.</p>{{end}}
</section>
{{else}}<p>No cluster is watched yet.</p>{{end}}
</body>
</html>
`))
