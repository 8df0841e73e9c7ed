package collector

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// scrapeCollector lives for one scrape: Collect has no context of its own, so it carries the
// scrape's, as blackbox_exporter's probes do.
type scrapeCollector struct {
	ctx context.Context
	e   *Exporter
	// key and sel pick the targets: "all" and nil for /metrics, one project for /probe.
	key string
	sel func(config.Target) bool
}

var _ prometheus.Collector = (*scrapeCollector)(nil)

// NewCollector returns a collector that reads the API on Collect under ctx's deadline.
func (e *Exporter) NewCollector(ctx context.Context) prometheus.Collector {
	return &scrapeCollector{ctx: ctx, e: e, key: "all"}
}

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) { c.e.descs.describe(ch) }

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.e.scrape(c.ctx, c.key, c.sel)
	d := c.e.descs
	up := 1.0
	for _, t := range r.targets {
		success := 1.0
		if !t.ok() {
			success, up = 0, 0
		}
		ch <- prometheus.MustNewConstMetric(d.scrapeSuccess, prometheus.GaugeValue, success,
			t.target.GroupID, t.target.ClusterName)
		if !t.lastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(d.lastSuccess, prometheus.GaugeValue, unixSeconds(t.lastSuccess),
				t.target.GroupID, t.target.ClusterName)
		}
		for _, j := range t.jobs {
			if j != nil {
				c.e.emitJob(ch, t.target.GroupID, t.target.ClusterName, j)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(d.up, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(d.scrapeDuration, prometheus.GaugeValue, r.duration.Seconds())
}

// emitJob writes one job's series; a field the API left out yields no series rather than a fake zero.
func (e *Exporter) emitJob(ch chan<- prometheus.Metric, groupID, clusterName string, j *jobView) {
	d := e.descs
	l := []string{groupID, clusterName, labelValue(j.id)}
	gauge := func(desc *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, append(l[:3:3], extra...)...)
	}
	timestamp := func(desc *prometheus.Desc, t time.Time) {
		if !t.IsZero() {
			gauge(desc, unixSeconds(t))
		}
	}
	optional := func(desc *prometheus.Desc, v *float64) {
		if v != nil {
			gauge(desc, *v)
		}
	}
	flag := func(desc *prometheus.Desc, b *bool) {
		if b != nil {
			gauge(desc, boolValue(*b))
		}
	}

	gauge(d.info, 1, labelValue(j.clusterID), labelValue(j.snapshotID), labelValue(j.batchID),
		labelValue(j.deliveryMethod), j.pointInTime)
	attrs := []any{"group_id", groupID, "cluster_name", clusterName, "restore_job_id", l[2]}
	if j.status != "" {
		e.stateSet(gauge, d.status, jobStatuses, "statusName", j.status, attrs)
	}
	if j.deliveryStatus != "" {
		e.stateSet(gauge, d.deliveryStatus, deliveryStatuses, "delivery.statusName", j.deliveryStatus, attrs)
	}
	flag(d.downloaded, j.downloaded)
	flag(d.encryption, j.encryption)
	timestamp(d.created, j.created)
	timestamp(d.finished, j.finished)
	timestamp(d.snapshot, j.snapshot)
	timestamp(d.expiry, j.expiry)
	optional(d.validity, j.validitySeconds)
	optional(d.maxDownloads, j.maxDownloads)
	if j.components != nil {
		gauge(d.components, float64(*j.components))
	}
}

// stateSet emits one series per documented value, plus the current value if the docs lack it.
func (e *Exporter) stateSet(gauge func(*prometheus.Desc, float64, ...string), desc *prometheus.Desc,
	documented []string, field, current string, attrs []any) {
	current = labelValue(current)
	values, unknown := stateSet(documented, current)
	if unknown {
		e.once.unknown(field, current, attrs...)
	}
	for _, v := range values {
		gauge(desc, boolValue(v == current), v)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// unixSeconds keeps sub-second precision, which Atlas sends; seconds and fraction are converted
// apart so whole seconds stay exact.
func unixSeconds(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }
