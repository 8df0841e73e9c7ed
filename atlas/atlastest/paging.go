package atlastest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// maxItemsPerPage is Atlas's cap on itemsPerPage.
const maxItemsPerPage = 500

// listJobs serves one page in Atlas's list shape: links, results and, unless asked not to, totalCount.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, p []string) {
	q := r.URL.Query()
	pageNum, err1 := intParam(q, "pageNum", 1)
	perPage, err2 := intParam(q, "itemsPerPage", 100)
	if err1 != nil || err2 != nil || pageNum < 1 || perPage < 1 || perPage > maxItemsPerPage {
		writeError(w, http.StatusBadRequest, "INVALID_QUERY_PARAMETER",
			"Invalid pageNum or itemsPerPage.", "Bad Request", true)
		return
	}
	includeCount := q.Get("includeCount") != "false"

	s.mu.Lock()
	hook := s.beforeList
	s.mu.Unlock()
	if hook != nil {
		hook(pageNum)
	}
	s.mu.Lock()
	c := s.findCluster(w, p[0], p[1])
	if c == nil {
		s.mu.Unlock()
		return
	}
	total := len(c.order)
	start := min((pageNum-1)*perPage, total)
	end := min(start+perPage, total)
	page := make([][]byte, 0, end-start)
	for _, id := range c.order[start:end] {
		page = append(page, c.jobs[id])
	}
	s.mu.Unlock()

	self := "http://" + r.Host + r.URL.Path
	var b bytes.Buffer
	b.WriteString(`{"links":[`)
	fmt.Fprintf(&b, `{"href":%q,"rel":"self"}`, pageURL(self, pageNum, perPage))
	if end < total {
		fmt.Fprintf(&b, `,{"href":%q,"rel":"next"}`, pageURL(self, pageNum+1, perPage))
	}
	if pageNum > 1 {
		fmt.Fprintf(&b, `,{"href":%q,"rel":"previous"}`, pageURL(self, pageNum-1, perPage))
	}
	b.WriteString(`],"results":[`)
	for i, j := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(j)
	}
	b.WriteByte(']')
	if includeCount {
		fmt.Fprintf(&b, `,"totalCount":%d`, total)
	}
	b.WriteByte('}')
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b.Bytes())
}

func pageURL(base string, page, perPage int) string {
	return base + "?" + url.Values{"pageNum": {strconv.Itoa(page)}, "itemsPerPage": {strconv.Itoa(perPage)}}.Encode()
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}
