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
// const metrics and the text writer, and encoding can be measured alone. It works family by
// family, so every family's samples arrive together and the text writer can stream them.
func (e *Exporter) collectRound(ch sink, r *round) {
	d := e.descs
	up := 1.0
	for _, t := range r.targets {
		if !t.ok() {
			up = 0
		}
	}
	for _, f := range d.all {
		switch f {
		case d.up:
			ch.sample(d.up, up)
		case d.scrapeDuration:
			ch.sample(d.scrapeDuration, r.duration.Seconds())
		case d.scrapeSuccess:
			for _, t := range r.targets {
				ch.sample(f, boolValue(t.ok()), t.target.GroupID, t.target.ClusterName)
			}
		case d.lastSuccess:
			for _, t := range r.targets {
				if !t.lastSuccess.IsZero() {
					ch.sample(f, unixSeconds(t.lastSuccess), t.target.GroupID, t.target.ClusterName)
				}
			}
		case d.restoreSuccess:
			for _, t := range r.targets {
				if !t.lastRestore.IsZero() {
					ch.sample(f, unixSeconds(t.lastRestore), t.target.GroupID, t.target.ClusterName)
				}
			}
		case d.drillInterval:
			for _, t := range r.targets {
				if t.target.DrillInterval > 0 {
					ch.sample(f, time.Duration(t.target.DrillInterval).Seconds(), t.target.GroupID, t.target.ClusterName)
				}
			}
		default:
			var lbuf [10]string
			for _, t := range r.targets {
				for _, j := range t.jobs {
					if j != nil {
						l := append(lbuf[:0], t.target.GroupID, t.target.ClusterName, labelValue(j.id))
						e.emitJob(ch, f, l, j)
					}
				}
			}
		}
	}
}

// emitJob writes one family's series for a job; a field the API left out yields no series rather
// than a fake zero. l holds the job's labels (L) with room for the family's own.
func (e *Exporter) emitJob(ch sink, f *family, l []string, j *jobView) {
	d := e.descs
	gauge := func(v float64, extra ...string) { ch.sample(f, v, append(l[:3], extra...)...) }
	timestamp := func(t time.Time) {
		if !t.IsZero() {
			gauge(unixSeconds(t))
		}
	}
	optional := func(v *float64) {
		if v != nil {
			gauge(*v)
		}
	}
	flag := func(b *bool) {
		if b != nil {
			gauge(boolValue(*b))
		}
	}
	switch f {
	case d.info:
		gauge(1, labelValue(j.clusterID), labelValue(j.snapshotID), labelValue(j.batchID),
			labelValue(j.deliveryMethod), j.pointInTime, labelValue(j.targetGroupID), labelValue(j.targetClusterName))
	case d.status:
		if j.status != "" {
			e.stateSet(gauge, jobStatuses, "statusName", j.status, l)
		}
	case d.deliveryStatus:
		if j.deliveryStatus != "" {
			e.stateSet(gauge, deliveryStatuses, "delivery.statusName", j.deliveryStatus, l)
		}
	case d.downloaded:
		flag(j.downloaded)
	case d.encryption:
		flag(j.encryption)
	case d.created:
		timestamp(j.created)
	case d.finished:
		timestamp(j.finished)
	case d.snapshot:
		timestamp(j.snapshot)
	case d.expiry:
		timestamp(j.expiry)
	case d.validity:
		optional(j.validitySeconds)
	case d.maxDownloads:
		optional(j.maxDownloads)
	case d.components:
		if j.components != nil {
			gauge(float64(*j.components))
		}
	}
}

// stateSet emits one series per documented value, plus the current value if the docs lack it.
func (e *Exporter) stateSet(gauge func(float64, ...string), documented []string, field, current string, l []string) {
	current = labelValue(current)
	values, unknown := stateSet(documented, current)
	if unknown {
		e.once.unknown(field, current, "group_id", l[0], "cluster_name", l[1], "restore_job_id", l[2])
	}
	for _, v := range values {
		gauge(boolValue(v == current), v)
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
