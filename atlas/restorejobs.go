package atlas

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// Route templates name endpoints in metrics and errors without the IDs that would explode cardinality.
const (
	RouteRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs"
	RouteRestoreJob  = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs/{job_id}"
)

// maxPages stops a list whose links never end; 2,000 pages of 500 is a million jobs.
const maxPages = 2000

// GetRestoreJob reads one legacy restore job.
func (c *Client) GetRestoreJob(ctx context.Context, groupID, clusterName, jobID string) (*RestoreJob, error) {
	path := "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) +
		"/restoreJobs/" + url.PathEscape(jobID)
	var job RestoreJob
	if err := c.get(ctx, RouteRestoreJob, path, nil, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// ListRestoreJobs reads every legacy restore job of a cluster, following pages to the end.
//
// Pages are walked by number rather than by following the next link's href, so a response can never
// point the client, and its credentials, at another host. Jobs that shift between pages while the
// list changes are de-duplicated by ID.
func (c *Client) ListRestoreJobs(ctx context.Context, groupID, clusterName string) ([]RestoreJob, error) {
	path := "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) + "/restoreJobs"
	var jobs []RestoreJob
	seen := make(map[string]struct{})
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("atlas api: GET %s: more than %d pages", RouteRestoreJobs, maxPages)
		}
		q := url.Values{
			"pageNum":      {strconv.Itoa(page)},
			"itemsPerPage": {strconv.Itoa(c.opts.PageSize)},
		}
		var p restoreJobPage
		if err := c.get(ctx, RouteRestoreJobs, path, q, &p); err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		for _, j := range p.Results {
			if _, dup := seen[j.ID]; dup {
				continue
			}
			seen[j.ID] = struct{}{}
			jobs = append(jobs, j)
		}
		hasNext := slices.ContainsFunc(p.Links, func(l Link) bool { return l.Rel == "next" })
		if !hasNext || len(p.Results) == 0 {
			return jobs, nil
		}
	}
}
