// Command grafana writes the exporter's Grafana dashboard, built with the Grafana Foundation SDK, to dashboard.json.
//
// Run `go generate ./...` in deploy/ (or `make generate` at the top) after changing it; a test fails when the
// committed JSON differs from what this program builds.
package main

//go:generate go run . -out dashboard.json

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

func main() {
	out := flag.String("out", "dashboard.json", "where to write the dashboard")
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

// sel is the label selector every query carries, bound to the group and cluster variables.
const sel = `group_id=~"$group_id",cluster_name=~"$cluster_name"`

// on joins restore-job series by the job's identity.
const on = `on (group_id, cluster_name, restore_job_id)`

var ds = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(ds).Expr(expr).LegendFormat(legend).Range()
}

func instantTable(expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(ds).Expr(expr).Instant().Format(prometheus.PromQueryFormatTable)
}

// hideColumns drops the columns a table of series does not need to show.
func hideColumns(names ...string) dashboard.DataTransformerConfig {
	exclude := map[string]bool{}
	for _, n := range names {
		exclude[n] = true
	}
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{"excludeByName": exclude}}
}

// build uses the classic dashboard model, which every Grafana release still imports; the SDK marks
// it deprecated in favour of the v2 schema, which only Grafana 12 and newer read.
//
//lint:ignore SA1019 see above
func build() *dashboard.DashboardBuilder {
	labelVar := func(name, label, q string) *dashboard.QueryVariableBuilder {
		return dashboard.NewQueryVariableBuilder(name).Label(label).
			Datasource(ds).
			Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).IncludeAll(true).AllValue(".*")
	}
	//lint:ignore SA1019 the classic model, as above
	return dashboard.NewDashboardBuilder("MongoDB Atlas restore jobs").
		Uid("mongodbatlas-restore-jobs").
		Tags([]string{"mongodb", "atlas", "backup"}).
		Description("Recoverability read by mongodbatlas_restore_exporter: backup coverage and recovery points, broken restore jobs, deliveries about to expire, and the exporter's own health.").
		Refresh("1m").
		Time("now-6h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")).
		// cluster_info lists every watched cluster, those without backup (and so without restore-job reads) included.
		WithVariable(labelVar("group_id", "Project", `label_values(mongodbatlas_cluster_info, group_id)`)).
		WithVariable(labelVar("cluster_name", "Cluster", `label_values(mongodbatlas_cluster_info{group_id=~"$group_id"}, cluster_name)`)).
		WithRow(dashboard.NewRowBuilder("Backup coverage and recovery point")).
		WithPanel(stat.NewPanelBuilder().Title("Clusters without backup").Span(6).Height(4).
			Description("Watched clusters whose backups are off, clusters being deleted and free M0 clusters aside (MongoDBAtlasBackupDisabled); each counted once, however many exporters watch it.").
			WithTarget(query(`count(count by (group_id, cluster_name) (mongodbatlas_backup_enabled{`+sel+`} == 0 unless on (group_id, cluster_name) mongodbatlas_cluster_info{state="DELETING"} unless on (group_id, cluster_name) mongodbatlas_cluster_info{provider="TENANT"})) or vector(0)`, "without backup"))).
		WithPanel(stat.NewPanelBuilder().Title("Snapshots older than the rpo").Span(6).Height(4).
			Description("Clusters whose newest completed snapshot is older than their rpo (MongoDBAtlasBackupSnapshotTooOld).").
			WithTarget(query(`count(count by (group_id, cluster_name) (time() - mongodbatlas_backup_last_snapshot_timestamp_seconds{`+sel+`} > mongodbatlas_backup_rpo_seconds)) or vector(0)`, "too old"))).
		WithPanel(stat.NewPanelBuilder().Title("Continuous backup on").Span(6).Height(4).
			Description("Clusters with continuous (point-in-time) backup, of those whose description says.").
			WithTarget(query(`count(count by (group_id, cluster_name) (mongodbatlas_backup_pit_enabled{`+sel+`} == 1)) or vector(0)`, "continuous"))).
		WithPanel(stat.NewPanelBuilder().Title("Snapshot reads failing").Span(6).Height(4).
			Description("Clusters whose snapshot list the exporter could not read last time (MongoDBAtlasExporterSnapshotReadFailing).").
			WithTarget(query(`count(count by (group_id, cluster_name) (mongodbatlas_backup_snapshot_read_success{`+sel+`} == 0)) or vector(0)`, "failing"))).
		WithPanel(table.NewPanelBuilder().Title("Clusters without backup").Span(8).Height(8).
			Description("Every watched cluster whose description says its backups are off, with its state.").
			WithTarget(instantTable(`mongodbatlas_cluster_info{` + sel + `} and on (group_id, cluster_name) mongodbatlas_backup_enabled == 0`)).
			WithTransformation(hideColumns("Time", "Value", "__name__"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Time since the newest snapshot, against the rpo").Span(16).Height(8).
			Unit("s").
			Description("For each cluster with backup: how old its newest completed snapshot is, and its rpo where one is set.").
			WithTarget(query(`time() - mongodbatlas_backup_last_snapshot_timestamp_seconds{`+sel+`}`, "{{cluster_name}} snapshot age")).
			WithTarget(query(`mongodbatlas_backup_rpo_seconds{`+sel+`}`, "{{cluster_name}} rpo"))).
		WithRow(dashboard.NewRowBuilder("Restore jobs")).
		WithPanel(stat.NewPanelBuilder().Title("Broken jobs").Span(6).Height(4).
			Description("Restore jobs whose status is BROKEN.").
			WithTarget(query(`count(mongodbatlas_restore_job_status{status="BROKEN",`+sel+`} == 1) or vector(0)`, "broken"))).
		WithPanel(stat.NewPanelBuilder().Title("Deliveries expired unused").Span(6).Height(4).
			Description("Download deliveries that expired without ever being fetched.").
			WithTarget(query(`count(mongodbatlas_restore_job_delivery_status{status="EXPIRED",`+sel+`} == 1 unless `+on+` mongodbatlas_restore_job_delivery_downloaded == 1) or vector(0)`, "expired unused"))).
		WithPanel(stat.NewPanelBuilder().Title("Jobs in progress").Span(6).Height(4).
			WithTarget(query(`count(mongodbatlas_restore_job_status{status="IN_PROGRESS",`+sel+`} == 1) or vector(0)`, "in progress"))).
		WithPanel(stat.NewPanelBuilder().Title("Targets failing").Span(6).Height(4).
			Description("Clusters the exporter could not read in its last scrape.").
			WithTarget(query(`count(mongodbatlas_scrape_success{`+sel+`} == 0) or vector(0)`, "failing"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Jobs by status").Span(24).Height(8).
			Description("Restore jobs per status, from the mongodbatlas:restore_jobs:count_by_status recording rule.").
			WithTarget(query(`sum by (status) (mongodbatlas:restore_jobs:count_by_status{`+sel+`})`, "{{status}}"))).
		WithPanel(table.NewPanelBuilder().Title("Broken jobs").Span(12).Height(8).
			WithTarget(instantTable(`mongodbatlas_restore_job_status{status="BROKEN",` + sel + `} == 1`)).
			WithTransformation(hideColumns("Time", "Value", "__name__", "status"))).
		WithPanel(table.NewPanelBuilder().Title("Expired or expiring deliveries").Span(12).Height(8).
			Description("READY and EXPIRED deliveries with their expiry time.").
			Unit("dateTimeAsIso").
			WithTarget(instantTable(`1000 * mongodbatlas_restore_job_delivery_expiry_timestamp_seconds{` + sel + `} and ` + on + ` (mongodbatlas_restore_job_delivery_status{status=~"READY|EXPIRED",` + sel + `} == 1)`)).
			WithTransformation(hideColumns("Time", "__name__"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Time left on ready deliveries").Span(24).Height(8).
			Unit("s").
			Description("Seconds until each READY download expires, from mongodbatlas:restore_delivery:time_left_seconds.").
			WithTarget(query(`mongodbatlas:restore_delivery:time_left_seconds{`+sel+`}`, "{{cluster_name}} {{restore_job_id}}"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Restore drills: time since the last good restore").Span(24).Height(8).
			Unit("s").
			Description("For each cluster with a drill_interval: how long ago its newest successful restore finished, against the interval it must not exceed (MongoDBAtlasRestoreDrillOverdue).").
			WithTarget(query(`time() - mongodbatlas_restore_last_success_timestamp_seconds{`+sel+`} and on (group_id, cluster_name) mongodbatlas_restore_drill_interval_seconds`, "{{cluster_name}} since last success")).
			WithTarget(query(`mongodbatlas_restore_drill_interval_seconds{`+sel+`}`, "{{cluster_name}} drill interval"))).
		WithRow(dashboard.NewRowBuilder("Exporter")).
		WithPanel(timeseries.NewPanelBuilder().Title("Scrape success per target").Span(12).Height(8).
			Min(0).Max(1).
			WithTarget(query(`mongodbatlas_scrape_success{`+sel+`}`, "{{group_id}} {{cluster_name}}"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Discovery success per scope").Span(12).Height(8).
			Min(0).Max(1).
			Description("1 when the last discovery pass of a project, organisation or all-projects target read every list (MongoDBAtlasExporterDiscoveryFailing).").
			WithTarget(query(`mongodbatlas_discovery_success`, "{{instance}} {{scope}}"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Scrape duration").Span(12).Height(8).
			Unit("s").
			WithTarget(query(`mongodbatlas_scrape_duration_seconds`, "{{instance}}"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Atlas API requests by status").Span(12).Height(8).
			Unit("reqps").
			WithTarget(query(`sum by (code) (rate(mongodbatlas_api_requests_total[$__rate_interval]))`, "{{code}}"))).
		WithPanel(timeseries.NewPanelBuilder().Title("Rate-limited API requests (429)").Span(12).Height(8).
			Unit("reqps").
			Description("Requests Atlas refused with 429; any sustained rate means the scrape interval or targets exceed the API's budget.").
			WithTarget(query(`sum(rate(mongodbatlas_api_requests_total{code="429"}[$__rate_interval])) or vector(0)`, "429")))
}

func render() ([]byte, error) {
	d, err := build().Build()
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return append(data, '\n'), nil
}
