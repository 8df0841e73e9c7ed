package scrape

import (
	"context"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// readList reads every job of a target's cluster in its family, as job views.
func (s *Scraper) readList(ctx context.Context, live *liveConfig, tr *TargetResult) ([]*Job, error) {
	t := tr.Target
	var views []*Job
	switch t.API {
	case config.APIAuto:
		return nil, live.discovery.familyUnknown(t)
	case config.APICloudBackup:
		jobs, err := live.client.ListCloudBackupRestoreJobs(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return nil, err
		}
		for i := range jobs {
			views = append(views, FromCloudBackup(&jobs[i], tr.clusterID))
		}
	case config.APIFlex:
		jobs, err := live.client.ListFlexRestoreJobs(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return nil, err
		}
		for i := range jobs {
			views = append(views, FromFlex(&jobs[i]))
		}
	default:
		jobs, err := live.client.ListRestoreJobs(ctx, t.GroupID, atlas.ClusterRef{Name: t.ClusterName, ID: tr.clusterID})
		if err != nil {
			s.forgetClusterID(live, tr, err)
			return nil, err
		}
		for i := range jobs {
			views = append(views, FromLegacy(&jobs[i]))
		}
	}
	return views, nil
}

// readOne reads one pinned job of a target's cluster in its family.
func (s *Scraper) readOne(ctx context.Context, live *liveConfig, tr *TargetResult, id string) (*Job, error) {
	t := tr.Target
	switch t.API {
	case config.APIAuto:
		return nil, live.discovery.familyUnknown(t)
	case config.APICloudBackup:
		job, err := live.client.GetCloudBackupRestoreJob(ctx, t.GroupID, t.ClusterName, id)
		if err != nil {
			return nil, err
		}
		return FromCloudBackup(job, tr.clusterID), nil
	case config.APIFlex:
		job, err := live.client.GetFlexRestoreJob(ctx, t.GroupID, t.ClusterName, id)
		if err != nil {
			return nil, err
		}
		return FromFlex(job), nil
	}
	job, err := live.client.GetRestoreJob(ctx, t.GroupID, atlas.ClusterRef{Name: t.ClusterName, ID: tr.clusterID}, id)
	if err != nil {
		s.forgetClusterID(live, tr, err)
		return nil, err
	}
	return FromLegacy(job), nil
}
