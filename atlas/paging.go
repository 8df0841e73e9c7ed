package atlas

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// maxPages stops a list whose links never end; 2,000 pages of 500 is a million items.
const maxPages = 2000

// page is one page of any Atlas list endpoint.
type page[T any] struct {
	Links   []Link `json:"links"`
	Results []T    `json:"results"`
}

// listAll reads every page of a list endpoint, de-duplicating by id.
//
// Pages are walked by number rather than by following the next link's href, so a response can
// never point the client, and its credentials, at another host. Items that shift between pages
// while the list changes are dropped the second time they appear.
func listAll[T any](ctx context.Context, c *Client, cl call, id func(*T) string) ([]T, error) {
	var items []T
	seen := make(map[string]struct{})
	for n := 1; ; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("atlas api: GET %s: more than %d pages", cl.endpoint, maxPages)
		}
		cl.query = url.Values{
			"pageNum":      {strconv.Itoa(n)},
			"itemsPerPage": {strconv.Itoa(c.opts.PageSize)},
		}
		var p page[T]
		if err := c.do(ctx, cl, &p); err != nil {
			return nil, fmt.Errorf("page %d: %w", n, err)
		}
		for i := range p.Results {
			key := id(&p.Results[i])
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = struct{}{}
			items = append(items, p.Results[i])
		}
		hasNext := slices.ContainsFunc(p.Links, func(l Link) bool { return l.Rel == "next" })
		if !hasNext || len(p.Results) == 0 {
			return items, nil
		}
	}
}
