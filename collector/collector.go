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
	c.e.collectRound(constSink(ch), c.e.scrape(c.ctx, c.key, c.sel))
}

// collectRound turns a round into samples for a sink; split from Collect so the same code serves
// const metrics and the text writer, and encoding can be measured alone.
func (e *Exporter) collectRound(ch sink, r *round) {
	d := e.descs
	up := 1.0
	for _, t := range r.targets {
		success := 1.0
		if !t.ok() {
			success, up = 0, 0
		}
		ch.sample(d.scrapeSuccess, success, t.target.GroupID, t.target.ClusterName)
		if !t.lastSuccess.IsZero() {
			ch.sample(d.lastSuccess, unixSeconds(t.lastSuccess), t.target.GroupID, t.target.ClusterName)
		}
		for _, j := range t.jobs {
			if j != nil {
				e.emitJob(ch, t.target.GroupID, t.target.ClusterName, j)
			}
		}
	}
	ch.sample(d.up, up)
	ch.sample(d.scrapeDuration, r.duration.Seconds())
}

// emitJob writes one job's series; a field the API left out yields no series rather than a fake zero.
func (e *Exporter) emitJob(ch sink, groupID, clusterName string, j *jobView) {
	d := e.descs
	var lbuf [8]string
	l := append(lbuf[:0], groupID, clusterName, labelValue(j.id))
	gauge := func(f *family, v float64, extra ...string) {
		ch.sample(f, v, append(l[:3], extra...)...)
	}
	timestamp := func(f *family, t time.Time) {
		if !t.IsZero() {
			gauge(f, unixSeconds(t))
		}
	}
	optional := func(f *family, v *float64) {
		if v != nil {
			gauge(f, *v)
		}
	}
	flag := func(f *family, b *bool) {
		if b != nil {
			gauge(f, boolValue(*b))
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
func (e *Exporter) stateSet(gauge func(*family, float64, ...string), f *family,
	documented []string, field, current string, attrs []any) {
	current = labelValue(current)
	values, unknown := stateSet(documented, current)
	if unknown {
		e.once.unknown(field, current, attrs...)
	}
	for _, v := range values {
		gauge(f, boolValue(v == current), v)
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
