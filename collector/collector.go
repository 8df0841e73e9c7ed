package collector

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// Metrics holds what every scrape's emission shares: the descriptors, built once, and the log of
// undocumented enum values, kept once per process.
type Metrics struct {
	descs *descs
	once  *onceLogger
	// fragments pools Render's compressors, about a megabyte each, between targets and rounds.
	fragments sync.Pool
}

// New builds the metric families; logger receives one line per undocumented status value.
func New(logger *slog.Logger) *Metrics {
	return &Metrics{descs: newDescs(), once: &onceLogger{logger: logger}}
}

// WriteText streams a round in the text exposition format, as /metrics and /probe serve it, and
// returns how many series it wrote; see textSink for why /metrics does not go through a registry.
func (m *Metrics) WriteText(w io.Writer, r *scrape.Round) int {
	s := newTextSink(w)
	m.write(s, r)
	s.flush()
	return s.n
}

// WriteGzip is WriteText into a gzip stream, splicing in what Render compressed of each target
// read in this round; the stream is left open for the caller's own samples.
func (m *Metrics) WriteGzip(g *Gzip, r *scrape.Round) int {
	s := newTextSink(g)
	s.gz = g
	m.write(s, r)
	s.flush()
	return s.n
}

// write turns a round into samples for a sink: the text writer of /metrics, or in tests const
// metrics that client_golang's own encoder checks it against, and encoding can be measured alone.
// It works family by family, so every family's samples arrive together and the text writer can
// stream them.
func (m *Metrics) write(ch sink, r *scrape.Round) {
	d := m.descs
	up := 1.0
	for _, t := range r.Targets {
		if !t.OK() {
			up = 0
		}
	}
	for _, ds := range r.Discoveries {
		if ds.LastSuccess.IsZero() {
			up = 0 // its clusters are unknown: a target that was never read
		}
	}
	for _, f := range d.all {
		switch f {
		case d.up:
			ch.sample(d.up, up)
		case d.scrapeDuration:
			ch.sample(d.scrapeDuration, r.Duration.Seconds())
		case d.scrapeSuccess:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) { return boolValue(t.OK()), true })
		case d.lastSuccess:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return unixSeconds(t.LastSuccess), !t.LastSuccess.IsZero()
			})
		case d.restoreSuccess:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return unixSeconds(t.LastRestore.At), !t.LastRestore.At.IsZero()
			})
		case d.restoreSuccessDuration:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return t.LastRestore.Took.Seconds(), !t.LastRestore.At.IsZero() && t.LastRestore.Took > 0
			})
		case d.collSuccess:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return boolValue(t.CollectionsErr == nil), t.CollectionsRead && t.OK()
			})
		case d.rto:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return time.Duration(t.Target.RTO).Seconds(), t.Target.RTO > 0
			})
		case d.drillInterval:
			perTarget(ch, f, r, func(t *scrape.TargetResult) (float64, bool) {
				return time.Duration(t.Target.DrillInterval).Seconds(), t.Target.DrillInterval > 0
			})
		case d.collStatus, d.collRestored, d.collTotal, d.collCreated, d.collFinished, d.collDuration:
			var lbuf [4]string
			for _, t := range r.Targets {
				for _, j := range t.Collections {
					m.emitCollection(ch, f, append(lbuf[:0], t.Target.GroupID, t.Target.ClusterName, labelValue(j.ID)), j)
				}
			}
		case d.clusterInfo, d.backupEnabled, d.backupPIT, d.lastSnapshot, d.snapshotRead, d.rpo:
			for i := range r.Clusters {
				emitCluster(ch, d, f, &r.Clusters[i])
			}
		case d.discoverySuccess:
			for _, ds := range r.Discoveries {
				ch.sample(f, boolValue(ds.OK), ds.Scope)
			}
		case d.discoveryLastSuccess:
			for _, ds := range r.Discoveries {
				if !ds.LastSuccess.IsZero() {
					ch.sample(f, unixSeconds(ds.LastSuccess), ds.Scope)
				}
			}
		default:
			for _, t := range r.Targets {
				if !ch.splice(f, m.fragmentOf(t, f)) {
					m.emitJobs(ch, f, t.Target.GroupID, t.Target.ClusterName, t.Jobs)
				}
			}
		}
	}
}

// emitJobs writes one per-job family's series for jobs of a target's cluster.
func (m *Metrics) emitJobs(ch sink, f *family, groupID, cluster string, jobs []*scrape.Job) {
	var lbuf [10]string
	for _, j := range jobs {
		if j != nil {
			m.emitJob(ch, f, append(lbuf[:0], groupID, cluster, labelValue(j.ID)), j)
		}
	}
}

// perTarget writes one sample per target of a family labelled by group and cluster, where value
// has one.
func perTarget(ch sink, f *family, r *scrape.Round, value func(*scrape.TargetResult) (float64, bool)) {
	for _, t := range r.Targets {
		if v, ok := value(t); ok {
			ch.sample(f, v, t.Target.GroupID, t.Target.ClusterName)
		}
	}
}

// emitCluster writes one family's series for a watched cluster: its coverage, recovery point and
// objective; what is not known yields no series.
func emitCluster(ch sink, d *descs, f *family, c *scrape.ClusterState) {
	g, name := c.Target.GroupID, c.Target.ClusterName
	flag := func(b *bool) {
		if b != nil {
			ch.sample(f, boolValue(*b), g, name)
		}
	}
	switch f {
	case d.clusterInfo:
		family := c.Target.API
		if family == config.APIAuto {
			family = "" // not known yet
		}
		paused := ""
		if c.Backup.Paused != nil {
			paused = strconv.FormatBool(*c.Backup.Paused)
		}
		ch.sample(f, 1, g, name, family, labelValue(c.Backup.Type), labelValue(c.Backup.State), paused, labelValue(c.Backup.Provider))
	case d.backupEnabled:
		flag(c.Backup.Enabled)
	case d.backupPIT:
		flag(c.Backup.PIT)
	case d.lastSnapshot:
		if !c.Snapshot.Last.IsZero() {
			ch.sample(f, unixSeconds(c.Snapshot.Last), g, name)
		}
	case d.snapshotRead:
		if c.Snapshot.Read {
			ch.sample(f, boolValue(c.Snapshot.OK), g, name)
		}
	case d.rpo:
		if c.Target.RPO > 0 {
			ch.sample(f, time.Duration(c.Target.RPO).Seconds(), g, name)
		}
	}
}

// emitJob writes one family's series for a job; a field the API left out yields no series rather
// than a fake zero. l holds the job's labels (L) with room for the family's own.
func (m *Metrics) emitJob(ch sink, f *family, l []string, j *scrape.Job) {
	d := m.descs
	// One sample with the job's labels alone: an existing slice is passed and no variadic one is
	// built, so the call allocates nothing (twenty families a job, tens of thousands of jobs).
	gauge := func(v float64) { ch.sample(f, v, l[:3]...) }
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
		ch.sample(f, 1, append(l[:3], labelValue(j.ClusterID), labelValue(j.SnapshotID), labelValue(j.BatchID),
			labelValue(j.DeliveryMethod), j.PointInTime, labelValue(j.TargetGroupID), labelValue(j.TargetClusterName))...)
	case d.status:
		if j.Status != "" {
			m.stateSet(ch, f, l, jobStatuses, "statusName", j.Status)
		}
	case d.deliveryStatus:
		if j.DeliveryStatus != "" {
			m.stateSet(ch, f, l, deliveryStatuses, "delivery.statusName", j.DeliveryStatus)
		}
	case d.downloaded:
		flag(j.Downloaded)
	case d.encryption:
		flag(j.Encryption)
	case d.created:
		timestamp(j.Created)
	case d.finished:
		timestamp(j.Finished)
	case d.snapshot:
		timestamp(j.Snapshot)
	case d.expiry:
		timestamp(j.Expiry)
	case d.validity:
		optional(j.ValiditySeconds)
	case d.maxDownloads:
		optional(j.MaxDownloads)
	case d.components:
		if j.Components != nil {
			gauge(float64(*j.Components))
		}
	case d.duration:
		if took, ok := j.Duration(); ok {
			gauge(took.Seconds())
		}
	}
}

// emitCollection writes one family's series for a collection restore job; what the API left
// out yields no series.
func (m *Metrics) emitCollection(ch sink, f *family, l []string, j *scrape.CollectionJob) {
	d := m.descs
	gauge := func(v float64, extra ...string) { ch.sample(f, v, append(l[:3], extra...)...) }
	switch f {
	case d.collStatus:
		if j.State != "" {
			m.stateSet(ch, f, l, collectionStates, "state", j.State)
		}
	case d.collRestored:
		if j.Restored != nil {
			gauge(*j.Restored)
		}
	case d.collTotal:
		if j.Total != nil {
			gauge(*j.Total)
		}
	case d.collCreated:
		if !j.Created.IsZero() {
			gauge(unixSeconds(j.Created))
		}
	case d.collFinished:
		if !j.Finished.IsZero() {
			gauge(unixSeconds(j.Finished))
		}
	case d.collDuration:
		if took, ok := j.Duration(); ok {
			gauge(took.Seconds())
		}
	}
}

// stateSet emits one series per documented value, plus the current value if the docs lack it.
func (m *Metrics) stateSet(ch sink, f *family, l []string, documented []string, field, current string) {
	current = labelValue(current)
	values, unknown := stateSet(documented, current)
	if unknown {
		m.once.unknown(field, current, "group_id", l[0], "cluster_name", l[1], "restore_job_id", l[2])
	}
	for _, v := range values {
		ch.sample(f, boolValue(v == current), append(l[:3], v)...)
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
