package atlas

import (
	"context"
	"net/url"
)

// Route templates of the project lists discovery reads.
const (
	RouteProjects    = "/groups"
	RouteOrgProjects = "/orgs/{org_id}/groups"
)

// Project is the part of a project (group) document discovery needs.
type Project struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"orgId"`
}

// ListProjects reads every project the credential can see.
func (c *Client) ListProjects(ctx context.Context) ([]Project, error) {
	cl := call{accept: c.mediaType(), endpoint: RouteProjects, path: "/groups", set: setProjects, scope: "credential"}
	return listAll(ctx, c, cl, func(p *Project) string { return p.ID })
}

// ListOrgProjects reads every project of an organisation.
func (c *Client) ListOrgProjects(ctx context.Context, orgID string) ([]Project, error) {
	cl := call{accept: c.mediaType(), endpoint: RouteOrgProjects, path: "/orgs/" + url.PathEscape(orgID) + "/groups",
		set: setOrgProjects, scope: orgID}
	return listAll(ctx, c, cl, func(p *Project) string { return p.ID })
}
