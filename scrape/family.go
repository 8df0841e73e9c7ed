package scrape

import (
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// Backup is what a cluster's description says of its backups: whether they are on, whether they
// are continuous, and which restore-job family they make. Nil means the description did not say.
type Backup struct {
	// Family is legacy, cloud_backup or flex; empty when the description names none.
	Family string
	// Enabled is whether backups are on; PIT whether continuous (point-in-time) backup is.
	Enabled, PIT *bool
	// State is Atlas's stateName (IDLE, DELETING, ...); Type its clusterType; Provider its cloud
	// provider (TENANT for a shared-tier M0, which cannot be backed up).
	State, Type, Provider string
	// Paused is whether the cluster is paused: Atlas takes no snapshot of a paused cluster.
	Paused *bool
}

// Off reports a cluster whose description says its backups are off.
func (b Backup) Off() bool { return b.Enabled != nil && !*b.Enabled }

// backupOf is the one home of the family rule for a dedicated cluster's description, which
// discovery's list and api: auto's single read both hold. Under v2 (2024-08-05) backupEnabled is
// Cloud Backup and providerBackupEnabled is gone; under v1.0 providerBackupEnabled is Cloud Backup
// and backupEnabled legacy backup. Continuous needs Cloud Backup on as well: Atlas clears
// backupEnabled when a cluster's deletion starts and leaves pitEnabled set.
func backupOf(c *atlas.Cluster, v2 bool) Backup {
	b := Backup{State: c.StateName, Type: c.ClusterType, Provider: c.Provider(), Paused: c.Paused}
	cloud, legacy := isTrue(c.ProviderBackupEnabled), isTrue(c.BackupEnabled)
	if v2 {
		cloud, legacy = isTrue(c.BackupEnabled), false
	}
	switch {
	case cloud:
		b.Family = config.APICloudBackup
	case legacy:
		b.Family = config.APILegacy
	}
	if c.BackupEnabled != nil || c.ProviderBackupEnabled != nil {
		b.Enabled = ptr(cloud || legacy)
	}
	if c.PitEnabled != nil && b.Enabled != nil {
		b.PIT = ptr(cloud && *c.PitEnabled) // continuous cloud backup needs Cloud Backup
	}
	return b
}

// flexBackupOf reads a Flex cluster's description: always the Flex family, backups as its
// read-only backupSettings say, and no continuous backup to speak of.
func flexBackupOf(f *atlas.FlexCluster) Backup {
	b := Backup{Family: config.APIFlex, State: f.StateName, Type: f.ClusterType}
	if f.BackupSettings != nil && f.BackupSettings.Enabled != nil {
		b.Enabled = ptr(*f.BackupSettings.Enabled)
	}
	return b
}

// managerBackup is a Cloud or Ops Manager cluster's whose backup configuration is unknown: only
// the legacy family exists there.
func managerBackup() Backup { return Backup{Family: config.APILegacy} }

// managerBackupOf reads a Cloud or Ops Manager backup configuration: STARTED runs the backups and
// PROVISIONING is starting them; INACTIVE, STOPPED and TERMINATING are off; nil (no
// configuration listed) says nothing.
func managerBackupOf(b *atlas.BackupConfig) Backup {
	switch {
	case b == nil:
		return managerBackup()
	case b.StatusName == "STARTED", b.StatusName == "PROVISIONING":
		// PROVISIONING is backup being turned on (an initial sync can take hours): wanted, not off.
		return Backup{Family: config.APILegacy, Enabled: ptr(true), State: b.StatusName}
	}
	return Backup{Enabled: ptr(false), State: b.StatusName}
}

// backupConfigsByID indexes a project's backup configurations by cluster ID.
func backupConfigsByID(configs []atlas.BackupConfig) map[string]*atlas.BackupConfig {
	out := make(map[string]*atlas.BackupConfig, len(configs))
	for i := range configs {
		out[configs[i].ClusterID] = &configs[i]
	}
	return out
}

// readFamily is the restore-job family a target reads with its description: the target's own
// choice wins; api: auto takes the description's family, and a cluster whose backups are off has
// none (it is watched for its coverage alone). The empty family means "not read".
func readFamily(api string, b Backup) string {
	switch {
	case api != "" && api != config.APIAuto:
		return api
	case b.Family != "":
		return b.Family
	case b.Off():
		return ""
	}
	return api
}

func isTrue(b *bool) bool { return b != nil && *b }

// familyOf is the backup family a watched cluster belongs to, for the recovery record: the one its
// restore jobs are read in; for a cluster without backup, the one its kind backs up with (Cloud
// and Ops Manager have only legacy; an Atlas dedicated cluster, Cloud Backup). Empty while an
// api: auto target's description is unknown.
func familyOf(c Cluster, byID bool) string {
	switch {
	case c.Target.API != "" && c.Target.API != config.APIAuto:
		return c.Target.API
	case c.Backup.Family != "":
		return c.Backup.Family
	case c.Backup.Off() && byID:
		return config.APILegacy
	case c.Backup.Off():
		return config.APICloudBackup
	}
	return ""
}
