package e2e

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// A life is one cluster's restore jobs over days, as Atlas would show them phase by phase. The
// test serves each phase from the simulator, scrapes the real exporter binary, and turns the
// scrapes into promtool input series, so the shipped alerts are judged on what the exporter
// really emits: a renamed label or a changed mapping breaks a life instead of passing silently.
type life struct {
	name    string
	cluster string
	api     string // "" for legacy, or cloud_backup
	drill   string // the target's drill_interval, if any
	rpo     string // the target's rpo, if any
	rto     string // the target's rto, if any
	// discovered puts the cluster alone in a project of its own, found by a group-only target,
	// as most users configure it; its family then comes from its description.
	discovered bool
	step       time.Duration
	phases     []phase
	checks     []check
}

// phase lasts until its offset from the life's start; a gap is an exporter restart or missed
// scrapes, during which Prometheus records nothing (and marks the series stale).
type phase struct {
	until time.Duration
	jobs  []atlastest.Job
	gap   bool
	// snapshots are the cluster's snapshot list in this phase.
	snapshots []atlastest.Job
	// backupOff turns the cluster's backups off for the phase.
	backupOff bool
}

// check says which restore alerts fire at a moment: "Alert" or "Alert/jobID", nothing for none.
type check struct {
	at     time.Duration
	firing []string
}

const (
	livesGroup = "6b0000000000000000000001"
	// livesDiscovered is the project of the life whose cluster is discovered.
	livesDiscovered = "6b0000000000000000000002"
	hour            = time.Hour
	day             = 24 * time.Hour
)

// group is the project a life's cluster is in.
func (l life) group() string {
	if l.discovered {
		return livesDiscovered
	}
	return livesGroup
}

// lifeRoot is the API root a life's family is read under.
func lifeRoot(l life) string {
	if l.api == "flex" {
		return atlastest.RootAtlasV2
	}
	return atlastest.RootAtlasV1
}

// at renders a promtool-epoch time: promtool's tests start at Unix time 0.
func at(d time.Duration) string { return time.Unix(0, 0).Add(d).UTC().Format(time.RFC3339) }

// The job IDs' first bytes decode to 1970, so no ObjectID time stands in for a missing date.
func lifeJobID(n int) string { return fmt.Sprintf("00000000000000000000%04x", n) }

func legacyJob(id string, created time.Duration) atlastest.Job {
	return atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", id).Set("groupId", livesGroup).
		Set("created", at(created)).Set("timestamp.date", at(created-hour))
}

func cloudAutomated(id string) atlastest.Job {
	return atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", id).Delete("finishedAt").
		Set("timestamp", at(-hour))
}

func cloudDownload(id string) atlastest.Job {
	return atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", id).Delete("expiresAt").
		Set("deliveryUrl", []any{}).Set("timestamp", at(-hour))
}

func cloudSnapshot(n int, created time.Duration) atlastest.Job {
	return atlastest.LoadJob(atlastest.FixtureSnapshotCompleted).Set("id", lifeJobID(100+n)).Set("createdAt", at(created))
}

func flexRestore(id string) atlastest.Job {
	return atlastest.LoadJob(atlastest.FixtureFlexRunning).Set("id", id).Set("projectId", livesGroup).
		Set("restoreScheduledDate", at(0)).Set("snapshotFinishedDate", at(-hour))
}

func lives() []life {
	broken, expired, slow, retry := lifeJobID(1), lifeJobID(2), lifeJobID(3), lifeJobID(4)
	inProgress := func(created time.Duration) atlastest.Job {
		return legacyJob(broken, created)
	}
	brokenJob := inProgress(0).Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED")
	cbFailed := cloudAutomated(slow).Set("failed", true)
	return []life{{
		name: "a legacy job broken for 30 days, with a 20-minute gap at day 5", cluster: "BrokenMonth", step: 5 * time.Minute,
		phases: []phase{
			{until: hour, jobs: []atlastest.Job{inProgress(0)}},
			{until: 5 * day, jobs: []atlastest.Job{brokenJob}},
			{until: 5*day + 20*time.Minute, gap: true},
			{until: 30 * day, jobs: []atlastest.Job{brokenJob}},
		},
		checks: []check{
			{at: 30 * time.Minute},
			{at: hour, firing: []string{"MongoDBAtlasRestoreJobBroken/" + broken}},
			{at: 6 * hour, firing: []string{"MongoDBAtlasRestoreJobBroken/" + broken}},
			{at: 7*hour + 25*time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + broken}},
			{at: 7*hour + 35*time.Minute},
			{at: 5*day + 25*time.Minute}, {at: 5*day + time.Hour}, {at: 5*day + 6*hour + 30*time.Minute},
			{at: 5*day + 7*hour + 10*time.Minute}, {at: 29 * day},
		},
	}, {
		name: "a legacy job broken, then a later restore of the cluster succeeds", cluster: "Retried", step: 5 * time.Minute,
		phases: []phase{
			{until: hour, jobs: []atlastest.Job{inProgress(0)}},
			{until: 2 * hour, jobs: []atlastest.Job{brokenJob}},
			{until: day, jobs: []atlastest.Job{brokenJob,
				atlastest.LoadJob(atlastest.FixtureQuery).Set("id", retry).Set("created", at(90*time.Minute))}},
		},
		checks: []check{
			{at: 65 * time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + broken}},
			{at: 2*hour + 25*time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + broken}},
			{at: 2*hour + 35*time.Minute}, {at: 12 * hour},
		},
	}, {
		name: "a Cloud Backup download: ready for 50 minutes, then expired for days", cluster: "CloudDownload",
		api: "cloud_backup", step: 5 * time.Minute,
		phases: []phase{
			{until: 20 * time.Minute, jobs: []atlastest.Job{cloudDownload(expired)}},
			{until: 70 * time.Minute, jobs: []atlastest.Job{cloudDownload(expired).Set("expiresAt", at(70*time.Minute)).
				Set("deliveryUrl", []any{"https://restore.example.invalid/placeholder.tar.gz"})}},
			{until: 3 * day, jobs: []atlastest.Job{cloudDownload(expired).Set("expiresAt", at(70*time.Minute)).Set("expired", true)}},
		},
		checks: []check{{at: 0}, {at: 25 * time.Minute}, {at: time.Hour}, {at: 75 * time.Minute},
			{at: 2 * hour}, {at: 8 * hour}, {at: day}, {at: 3 * day}},
	}, {
		name: "a legacy 48-hour download link, never fetched", cluster: "LegacyLink", step: 5 * time.Minute,
		phases: []phase{
			{until: hour, jobs: []atlastest.Job{legacyJob(expired, 0).Delete("hashes")}},
			{until: 49 * hour, jobs: []atlastest.Job{legacyJob(expired, 0).Delete("hashes").Set("statusName", "FINISHED").
				Set("delivery.statusName", "READY").Set("delivery.expires", at(49*hour)).Set("delivery.expirationHours", 48)}},
			{until: 4 * day, jobs: []atlastest.Job{legacyJob(expired, 0).Delete("hashes").Set("statusName", "FINISHED").
				Set("delivery.statusName", "EXPIRED").Set("delivery.expires", at(49*hour)).Set("delivery.expirationHours", 48)}},
		},
		checks: []check{
			{at: 2 * hour}, {at: 36*hour + 55*time.Minute},
			{at: 37*hour + 10*time.Minute, firing: []string{"MongoDBAtlasRestoreDeliveryExpiringSoon/" + expired}},
			{at: 48*hour + 55*time.Minute, firing: []string{"MongoDBAtlasRestoreDeliveryExpiringSoon/" + expired}},
			{at: 49*hour + 35*time.Minute, firing: []string{"MongoDBAtlasRestoreDeliveryExpiredUnused/" + expired}},
			{at: 55 * hour, firing: []string{"MongoDBAtlasRestoreDeliveryExpiredUnused/" + expired}},
			{at: 55*hour + 35*time.Minute}, {at: 3 * day},
		},
	}, {
		name: "a Cloud Backup restore in progress for 14 hours", cluster: "CloudSlow", api: "cloud_backup", step: 5 * time.Minute,
		phases: []phase{
			{until: 14 * hour, jobs: []atlastest.Job{cloudAutomated(slow)}},
			{until: 16 * hour, jobs: []atlastest.Job{cloudAutomated(slow).Set("finishedAt", at(14*hour))}},
		},
		checks: []check{
			{at: 11*hour + 55*time.Minute},
			{at: 12*hour + 5*time.Minute, firing: []string{"MongoDBAtlasRestoreJobStuck/" + slow}},
			{at: 13*hour + 55*time.Minute, firing: []string{"MongoDBAtlasRestoreJobStuck/" + slow}},
			{at: 14*hour + 35*time.Minute},
		},
	}, {
		name: "a Cloud Backup restore fails; restarts of the exporter neither end nor repeat the alert", cluster: "CloudFailed",
		api: "cloud_backup", step: 5 * time.Minute,
		phases: []phase{
			{until: hour, jobs: []atlastest.Job{cloudAutomated(slow)}},
			{until: 2 * hour, jobs: []atlastest.Job{cbFailed}},
			{until: 2*hour + 20*time.Minute, gap: true},
			{until: day, jobs: []atlastest.Job{cbFailed}},
			{until: day + 30*time.Minute, gap: true},
			{until: 3 * day, jobs: []atlastest.Job{cbFailed}},
		},
		checks: []check{
			{at: 55 * time.Minute},
			{at: hour, firing: []string{"MongoDBAtlasRestoreJobBroken/" + slow}},
			{at: 2*hour + 15*time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + slow}},
			{at: 2*hour + 25*time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + slow}},
			{at: 7*hour + 35*time.Minute}, {at: day + 35*time.Minute}, {at: day + 6*hour + 35*time.Minute}, {at: 3 * day},
		},
	}, {
		name: "a legacy cluster drilled every 2 days: the last success ages past it, then a new one", cluster: "DrillLegacy",
		drill: "2d", step: 5 * time.Minute,
		phases: []phase{
			{until: 3 * day, jobs: []atlastest.Job{atlastest.LoadJob(atlastest.FixtureQuery).Set("id", retry).Set("created", at(hour))}},
			{until: 5 * day, jobs: []atlastest.Job{atlastest.LoadJob(atlastest.FixtureQuery).Set("id", retry).Set("created", at(hour)),
				atlastest.LoadJob(atlastest.FixtureQuery).Set("id", slow).Set("created", at(3*day))}},
		},
		checks: []check{
			{at: 2 * day}, {at: 2*day + 1*hour + 55*time.Minute},
			{at: 2*day + 2*hour + 10*time.Minute, firing: []string{"MongoDBAtlasRestoreDrillOverdue"}},
			{at: 2*day + 23*hour + 55*time.Minute, firing: []string{"MongoDBAtlasRestoreDrillOverdue"}},
			{at: 3*day + 5*time.Minute}, {at: 5 * day},
		},
	}, {
		name: "a Flex restore fails, then a later one succeeds", cluster: "FlexFailed", api: "flex", step: 5 * time.Minute,
		phases: []phase{
			{until: hour, jobs: []atlastest.Job{flexRestore(slow)}},
			{until: 3 * hour, jobs: []atlastest.Job{flexRestore(slow).Set("status", "FAILED")}},
			{until: day, jobs: []atlastest.Job{flexRestore(slow).Set("status", "FAILED"),
				flexRestore(retry).Set("status", "COMPLETED").Set("restoreFinishedDate", at(3*hour))}},
		},
		checks: []check{
			{at: 55 * time.Minute},
			{at: hour, firing: []string{"MongoDBAtlasRestoreJobBroken/" + slow}},
			{at: 2*hour + 55*time.Minute, firing: []string{"MongoDBAtlasRestoreJobBroken/" + slow}},
			{at: 3*hour + 35*time.Minute}, {at: 12 * hour},
		},
	}, {
		name: "a Flex cluster drilled daily", cluster: "DrillFlex", api: "flex", drill: "1d", step: 5 * time.Minute,
		phases: []phase{
			{until: 2 * day, jobs: []atlastest.Job{flexRestore(retry).Set("status", "COMPLETED").Set("restoreFinishedDate", at(hour))}},
			{until: 3 * day, jobs: []atlastest.Job{flexRestore(retry).Set("status", "COMPLETED").Set("restoreFinishedDate", at(hour)),
				flexRestore(slow).Set("status", "COMPLETED").Set("restoreFinishedDate", at(2*day))}},
		},
		checks: []check{
			{at: day + hour + 55*time.Minute},
			{at: day + 2*hour + 10*time.Minute, firing: []string{"MongoDBAtlasRestoreDrillOverdue"}},
			{at: 2*day + 5*time.Minute},
		},
	}, {
		name: "a cluster's snapshots stop: the newest ages past the rpo, then a new one is taken", cluster: "SnapStop",
		api: "cloud_backup", rpo: "1d", step: 5 * time.Minute,
		phases: []phase{
			{until: 3 * day, snapshots: []atlastest.Job{cloudSnapshot(1, hour)}},
			{until: 4 * day, snapshots: []atlastest.Job{cloudSnapshot(1, hour), cloudSnapshot(2, 3*day)}},
		},
		checks: []check{
			{at: day}, {at: day + 55*time.Minute},
			{at: day + hour + 25*time.Minute, firing: []string{"MongoDBAtlasBackupSnapshotTooOld"}},
			{at: 3*day - 5*time.Minute, firing: []string{"MongoDBAtlasBackupSnapshotTooOld"}},
			{at: 3*day + 25*time.Minute, firing: []string{"MongoDBAtlasBackupSnapshotTooOld"}},
			{at: 3*day + 35*time.Minute}, {at: 4*day - 5*time.Minute},
		},
	}, {
		name: "a discovered cluster's backups are switched off for a day, then on again", cluster: "BackupOff",
		discovered: true, step: 5 * time.Minute,
		phases: []phase{
			{until: day},
			{until: 2 * day, backupOff: true},
			{until: 3 * day},
		},
		checks: []check{
			{at: day + 25*time.Minute},
			{at: day + 35*time.Minute, firing: []string{"MongoDBAtlasBackupDisabled"}},
			{at: 2*day + 25*time.Minute, firing: []string{"MongoDBAtlasBackupDisabled"}},
			{at: 2*day + 35*time.Minute}, {at: 3*day - 5*time.Minute},
		},
	}, {
		name: "a Flex restore takes two hours against a one-hour rto; a later one takes 20 minutes", cluster: "FlexRTO",
		api: "flex", rto: "1h", step: 5 * time.Minute,
		phases: []phase{
			{until: 2 * hour, jobs: []atlastest.Job{flexRestore(slow)}},
			{until: 5 * hour, jobs: []atlastest.Job{flexRestore(slow).Set("status", "COMPLETED").Set("restoreFinishedDate", at(2*hour))}},
			{until: day, jobs: []atlastest.Job{flexRestore(slow).Set("status", "COMPLETED").Set("restoreFinishedDate", at(2*hour)),
				flexRestore(retry).Set("status", "COMPLETED").Set("restoreScheduledDate", at(4*hour)).
					Set("restoreFinishedDate", at(4*hour+20*time.Minute))}},
		},
		checks: []check{
			{at: hour + 55*time.Minute},
			{at: 2*hour + 5*time.Minute, firing: []string{"MongoDBAtlasRestoreSlowerThanRTO"}},
			{at: 4*hour + 55*time.Minute, firing: []string{"MongoDBAtlasRestoreSlowerThanRTO"}},
			{at: 5*hour + 25*time.Minute, firing: []string{"MongoDBAtlasRestoreSlowerThanRTO"}},
			{at: 5*hour + 35*time.Minute}, {at: 20 * hour},
		},
	}, {
		name: "a Cloud Backup cluster drilled daily", cluster: "DrillCloud", api: "cloud_backup", drill: "1d", step: 5 * time.Minute,
		phases: []phase{
			{until: 2 * day, jobs: []atlastest.Job{cloudAutomated(retry).Set("finishedAt", at(hour))}},
			{until: 3 * day, jobs: []atlastest.Job{cloudAutomated(retry).Set("finishedAt", at(hour)),
				cloudAutomated(slow).Set("finishedAt", at(2*day))}},
		},
		checks: []check{
			{at: day + hour + 55*time.Minute},
			{at: day + 2*hour + 10*time.Minute, firing: []string{"MongoDBAtlasRestoreDrillOverdue"}},
			{at: 2*day + 5*time.Minute},
		},
	}}
}

// Every life fires and resolves as its checks say, judged by promtool over the exporter's output.
func TestAlertsOverWholeLives(t *testing.T) {
	t.Parallel()
	promtool := binary(t, "promtool")
	dir := t.TempDir()
	ls := lives()

	// The exporters and the simulator live in a subtest of their own, so that they stop (the
	// exporters poll every 100 ms) before promtool evaluates what they served.
	var files []string
	t.Run("the lives, scraped", func(t *testing.T) {
		sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
		// Flex is served under v2 only, where legacy is not: one exporter per API root.
		targets := map[string]*strings.Builder{atlastest.RootAtlasV1: {}, atlastest.RootAtlasV2: {}}
		for _, l := range ls {
			b := targets[lifeRoot(l)]
			if l.discovered {
				sim.SetBackup(l.group(), l.cluster, atlastest.Backup{Enabled: true, PIT: true})
				fmt.Fprintf(b, "  - {group_id: %s}\n", l.group())
				continue
			}
			if l.api == "flex" {
				sim.AddFlexCluster(livesGroup, l.cluster)
			} else {
				sim.AddCluster(livesGroup, l.cluster)
			}
			fmt.Fprintf(b, "  - {group_id: %s, cluster_name: %s", livesGroup, l.cluster)
			// The clusters are empty when the exporter starts, which api: auto would read as "no
			// backup": each life names its family.
			fmt.Fprintf(b, ", api: %s", cmp.Or(l.api, "legacy"))
			if l.drill != "" {
				fmt.Fprintf(b, ", drill_interval: %s", l.drill)
			}
			if l.rpo != "" {
				fmt.Fprintf(b, ", rpo: %s", l.rpo)
			}
			if l.rto != "" {
				fmt.Fprintf(b, ", rto: %s", l.rto)
			}
			b.WriteString("}\n")
		}
		running, err := atlastest.Start(sim)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(running.Close)
		if err := os.WriteFile(filepath.Join(dir, "private-key"), []byte(privateKey), 0o600); err != nil {
			t.Fatal(err)
		}
		addrs := map[string]string{}
		for root, b := range targets {
			// The lives happen in 1970, promtool's epoch: no cap may drop their jobs for their age.
			// Descriptions and snapshots are read in the background: often here, so that each phase's
			// coverage and recovery point are read before it is scraped.
			cfg := fmt.Sprintf("atlas:\n  base_url: %s\n  public_key: %s\n  private_key_file: private-key\njobs: {max_age: 0s}\n"+
				"discovery: {refresh_interval: 100ms}\nsnapshots: {refresh_interval: 100ms}\ntargets:\n%s",
				running.Host+root, publicKey, b.String())
			cfgPath := filepath.Join(dir, "exporter"+strings.ReplaceAll(root, "/", "-")+".yml")
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			start(t, dir, "exporter"+strings.ReplaceAll(root, "/", "-"), exporterBin, "--config.file="+cfgPath, "--web.listen-address="+addr)
			waitFor(t, "the exporter to be ready", 30*time.Second, func() (bool, string) { return httpOK("http://" + addr + "/-/ready") })
			addrs[root] = addr
		}

		rules, err := filepath.Abs(filepath.Join("..", "deploy", "prometheus", "alerts.yml"))
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range ls {
			scrapes := make([]map[string]float64, len(l.phases))
			var shown []string
			for p, ph := range l.phases {
				if ph.gap {
					continue
				}
				for _, id := range shown {
					sim.DeleteJob(l.group(), l.cluster, id)
				}
				shown = shown[:0]
				sim.SetBackup(l.group(), l.cluster, atlastest.Backup{Enabled: !ph.backupOff, PIT: true, Legacy: l.api == "" && !l.discovered})
				sim.DeleteSnapshots(l.group(), l.cluster)
				for _, snap := range ph.snapshots {
					sim.PutSnapshot(l.group(), l.cluster, snap)
				}
				for _, j := range ph.jobs {
					switch l.api {
					case "cloud_backup":
						sim.PutCloudBackupJob(l.group(), l.cluster, j)
					case "flex":
						sim.PutFlexJob(l.group(), l.cluster, j)
					default:
						sim.PutJob(l.group(), l.cluster, j)
					}
					shown = append(shown, j.ID())
				}
				scrapes[p] = scrapePhase(t, "http://"+addrs[lifeRoot(l)]+"/metrics", l.cluster, ph)
			}
			file := filepath.Join(dir, fmt.Sprintf("life%d_test.yml", i))
			if err := os.WriteFile(file, []byte(promtoolTest(rules, l, scrapes)), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, file)
		}
	})
	if t.Failed() {
		return
	}
	// promtool evaluates a life step by step, on one core: two processes, each given the lives
	// with the most steps first while it has the fewer, take about half the time of one.
	order := make([]int, len(ls))
	for i := range order {
		order[i] = i
	}
	steps := func(l life) int64 { return int64(lifeLength(l) / l.step) }
	sort.SliceStable(order, func(a, b int) bool { return steps(ls[order[a]]) > steps(ls[order[b]]) })
	var groups [2][]string
	var load [2]int64
	for _, i := range order {
		g := 0
		if load[1] < load[0] {
			g = 1
		}
		groups[g] = append(groups[g], files[i])
		load[g] += steps(ls[i])
	}
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i, group := range groups {
		if len(group) == 0 {
			outs[i] = []byte("SUCCESS") // fewer lives than processes
			continue
		}
		wg.Go(func() {
			outs[i], errs[i] = exec.Command(promtool, append([]string{"test", "rules"}, group...)...).CombinedOutput()
		})
	}
	wg.Wait()
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("promtool test rules: %v\n%s", errs[i], out)
		}
		if !bytes.Contains(out, []byte("SUCCESS")) || bytes.Contains(out, []byte("FAILED")) {
			t.Fatalf("promtool did not pass every life:\n%s", out)
		}
	}
}

// lifeLength is when a life's last phase ends.
func lifeLength(l life) time.Duration { return l.phases[len(l.phases)-1].until }

// scrapePhase scrapes once the exporter's background reads have caught up with the phase: its
// backup coverage, and the newest completed snapshot of its list (absent with backups off).
func scrapePhase(t *testing.T, url, cluster string, ph phase) map[string]float64 {
	t.Helper()
	wantEnabled := 1.0
	if ph.backupOff {
		wantEnabled = 0
	}
	var wantLast float64
	for _, s := range ph.snapshots {
		if c, err := time.Parse(time.RFC3339, s["createdAt"].(string)); err == nil && s["status"] == "completed" {
			wantLast = max(wantLast, float64(c.Unix()))
		}
	}
	var got map[string]float64
	waitFor(t, "the phase's coverage and snapshots to be read", 10*time.Second, func() (bool, string) {
		got = scrapeCluster(t, url, cluster)
		enabled, last, read := -1.0, 0.0, false
		for k, v := range got {
			switch {
			case strings.HasPrefix(k, "mongodbatlas_backup_enabled{"):
				enabled = v
			case strings.HasPrefix(k, "mongodbatlas_backup_last_snapshot_timestamp_seconds{"):
				last = v
			case strings.HasPrefix(k, "mongodbatlas_backup_snapshot_read_success{"):
				read = true
			}
		}
		if ph.backupOff {
			return enabled == 0 && !read, fmt.Sprint(got)
		}
		return enabled == wantEnabled && read && last == wantLast, fmt.Sprint(got)
	})
	return got
}

// livesMetrics are the series the restore alerts read; the exporter's own health series carry
// wall-clock times that mean nothing in promtool's 1970.
func livesMetric(name string) bool {
	return strings.HasPrefix(name, "mongodbatlas_restore_") || strings.HasPrefix(name, "mongodbatlas_backup_") ||
		name == "mongodbatlas_cluster_info" || name == "mongodbatlas_scrape_success"
}

// scrapeCluster reads /metrics and returns the cluster's series, keyed as promtool writes them,
// with the job and instance labels Prometheus would attach.
func scrapeCluster(t *testing.T, url, cluster string) map[string]float64 {
	t.Helper()
	_, body := testkit.Get(t, url)
	if !bytes.Contains(body, []byte("\nmongodbatlas_up 1\n")) {
		t.Fatalf("a target failed; the life would be judged on stale values:\n%s", body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, mf := range fams {
		if !livesMetric(name) {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := []string{`job="mongodbatlas-restore"`, `instance="exporter:10216"`}
			mine := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "cluster_name" && lp.GetValue() == cluster {
					mine = true
				}
				labels = append(labels, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			if mine {
				sort.Strings(labels)
				out[name+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no series for cluster %s:\n%s", cluster, body)
	}
	return out
}

// promtoolTest writes one life as a promtool test file: its series step by step, and for each
// check the set of restore alerts that must be firing, no more and no fewer.
func promtoolTest(rules string, l life, scrapes []map[string]float64) string {
	end := l.phases[len(l.phases)-1].until
	steps := int(end/l.step) + 1
	phaseAt := func(d time.Duration) int {
		for i, p := range l.phases {
			if d < p.until {
				return i
			}
		}
		return len(l.phases) - 1
	}
	names := map[string]bool{}
	for _, s := range scrapes {
		for k := range s {
			names[k] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\nrule_files: [%q]\nevaluation_interval: %s\ntests:\n  - name: %q\n    interval: %s\n    input_series:\n",
		l.name, rules, model.Duration(l.step), l.name, model.Duration(l.step))
	fmt.Fprintf(&b, "      - series: 'up{job=\"mongodbatlas-restore\",instance=\"exporter:10216\"}'\n        values: '%s'\n",
		runs(steps, func(i int) (float64, bool) {
			if l.phases[phaseAt(time.Duration(i)*l.step)].gap {
				return 0, true
			}
			return 1, true
		}))
	for _, series := range slices.Sorted(func(yield func(string) bool) {
		for k := range names {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "      - series: '%s'\n        values: '%s'\n", series, runs(steps, func(i int) (float64, bool) {
			v, ok := scrapes[phaseAt(time.Duration(i)*l.step)][series]
			return v, ok
		}))
	}
	b.WriteString("    promql_expr_test:\n")
	for _, c := range l.checks {
		fmt.Fprintf(&b, "      - expr: count by (alertname, restore_job_id) (ALERTS{alertstate=\"firing\", alertname=~\"MongoDBAtlas(Restore|Backup).*\"})\n        eval_time: %s\n        exp_samples:", model.Duration(c.at))
		if len(c.firing) == 0 {
			b.WriteString(" []\n")
			continue
		}
		b.WriteString("\n")
		for _, f := range c.firing {
			alert, job, _ := strings.Cut(f, "/")
			labels := fmt.Sprintf("alertname=%q", alert)
			if job != "" {
				labels += fmt.Sprintf(",restore_job_id=%q", job)
			}
			fmt.Fprintf(&b, "          - labels: '{%s}'\n            value: 1\n", labels)
		}
	}
	return b.String()
}

// runs renders n samples in promtool's notation: "vxk" for k+1 equal values, "_xk" for k
// missing ones, and "stale" where a present series disappears, as Prometheus marks it.
func runs(n int, sample func(i int) (float64, bool)) string {
	var parts []string
	present := false
	for i := 0; i < n; {
		v, ok := sample(i)
		j := i + 1
		for j < n {
			w, ok2 := sample(j)
			if ok2 != ok || (ok && w != v) {
				break
			}
			j++
		}
		k := j - i
		switch {
		case ok:
			s := strconv.FormatFloat(v, 'f', -1, 64)
			if k > 1 {
				s += "x" + strconv.Itoa(k-1)
			}
			parts = append(parts, s)
		case present:
			parts = append(parts, "stale")
			if k > 1 {
				parts = append(parts, "_x"+strconv.Itoa(k-1))
			}
		default:
			parts = append(parts, "_x"+strconv.Itoa(k))
		}
		present = ok
		i = j
	}
	return strings.Join(parts, " ")
}
