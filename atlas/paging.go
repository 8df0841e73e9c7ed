package atlas

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// maxPages stops a list whose links never end: 200 pages of 500 is 100,000 items, more than any
// cluster's restore jobs or snapshots and any organisation's projects, and a bound on memory.
const maxPages = 200

// page is one page of any Atlas list endpoint.
type page[T any] struct {
	Links   []Link `json:"links"`
	Results []T    `json:"results"`
	// TotalCount is what Atlas believes the list holds; an estimate on some endpoints.
	TotalCount *int `json:"totalCount"`
}

// last reports whether no page follows this one.
func (p *page[T]) last() bool {
	return len(p.Results) == 0 || !slices.ContainsFunc(p.Links, func(l Link) bool { return l.Rel == "next" })
}

// listAll reads every page of a list endpoint, de-duplicating by id.
//
// Pages are walked by number rather than by following the next link's href, so a response can
// never point the client, and its credentials, at another host. When the first page gives a
// totalCount, the pages it implies are read concurrently within the client's Bound (see
// Within), issued in order and stopped at the first page that ends the list, so an estimate too
// high costs at most the bound less one empty page. Pages past the estimate are read one by one.
// Items that shift between pages while the list changes are dropped the second time they appear.
func listAll[T any](ctx context.Context, c *Client, cl call, id func(*T) string) ([]T, error) {
	first, err := getPage[T](ctx, c, cl, 1)
	if err != nil {
		return nil, err
	}
	pages := []*page[T]{first}
	if !first.last() && first.TotalCount != nil {
		estimate := min((*first.TotalCount+c.opts.PageSize-1)/c.opts.PageSize, maxPages)
		more, err := concurrentPages[T](ctx, c, cl, estimate)
		if err != nil {
			return nil, err
		}
		pages = append(pages, more...)
	}
	var items []T
	seen := make(map[string]struct{})
	// add keeps a page's new items and reports how many there were.
	add := func(p *page[T]) int {
		n := 0
		for i := range p.Results {
			key := id(&p.Results[i])
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = struct{}{}
			items = append(items, p.Results[i])
			n++
		}
		return n
	}
	for _, p := range pages {
		add(p)
	}
	// totalCount is an estimate on some endpoints: a list may run past it, but not past twice it.
	limit := maxPages
	if first.TotalCount != nil {
		limit = min(limit, 2*((*first.TotalCount+c.opts.PageSize-1)/c.opts.PageSize)+2)
	}
	for n := len(pages) + 1; !pages[len(pages)-1].last(); n++ {
		if n > limit {
			return nil, fmt.Errorf("atlas api: GET %s: the list does not end after %d pages (totalCount %s)", cl.endpoint, limit, count(first.TotalCount))
		}
		p, err := getPage[T](ctx, c, cl, n)
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
		if add(p) == 0 && len(p.Results) > 0 {
			// Every item was seen before: a list serving one page over and over would never end.
			return nil, fmt.Errorf("atlas api: GET %s: page %d repeats earlier pages; the list does not end", cl.endpoint, n)
		}
		pages[len(pages)-2] = nil // its items are kept; the page itself is not needed any more
	}
	return items, nil
}

func count(n *int) string {
	if n == nil {
		return "not sent"
	}
	return strconv.Itoa(*n)
}

// concurrentPages reads pages 2 to through, keeping at most the client's bound in flight, and
// returns them in order up to the first that ends the list.
func concurrentPages[T any](ctx context.Context, c *Client, cl call, through int) ([]*page[T], error) {
	if through < 2 {
		return nil, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.pageWindow())
	got := make([]*page[T], through+1)
	var mu sync.Mutex
	end := through // the first page known to end the list
	var relayed *recovery.Relayed
	for n := 2; n <= through; n++ {
		mu.Lock()
		stop := n > end
		mu.Unlock()
		if stop || gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			var err error
			if r := recovery.Capture(func() { err = readPage(gctx, c, cl, n, &mu, got, &end) }); r != nil {
				mu.Lock()
				relayed = r
				mu.Unlock()
				return errPagePanicked
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if relayed != nil {
			panic(relayed) // in the caller's goroutine, where its recovery can see it
		}
		return nil, err
	}
	return got[2 : end+1], nil
}

// errPagePanicked stops the other page readers when one panicked; the panic itself is relayed.
var errPagePanicked = errors.New("a page reader panicked")

// readPage reads page n into got unless an earlier page already ended the list; g.Go may have
// waited for room while that happened.
func readPage[T any](ctx context.Context, c *Client, cl call, n int, mu *sync.Mutex, got []*page[T], end *int) error {
	mu.Lock()
	past := n > *end
	mu.Unlock()
	if past {
		return nil
	}
	p, err := getPage[T](ctx, c, cl, n)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	got[n] = p
	if p.last() {
		*end = min(*end, n)
	}
	return nil
}

// getPage reads page n of a list.
func getPage[T any](ctx context.Context, c *Client, cl call, n int) (*page[T], error) {
	cl.query = url.Values{
		"pageNum":      {strconv.Itoa(n)},
		"itemsPerPage": {strconv.Itoa(c.opts.PageSize)},
	}
	var p page[T]
	if err := c.do(ctx, cl, &p); err != nil {
		return nil, fmt.Errorf("page %d: %w", n, err)
	}
	return &p, nil
}
