// Package faults injects failures into the simulated Atlas for tests: error answers, dropped
// connections, broken and slow bodies, hangs, endless lists and echoed secrets. Only tests import
// it, so the release binary, whose demo runs the simulator, carries none of it.
package faults

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// Kind is a way the API or the network between can fail.
type Kind int

// The faults a test can inject.
const (
	// Status answers the fault's Status with Atlas's error body for ErrorCode, and Retry-After when set.
	Status Kind = iota
	// Reset drops the connection before any response.
	Reset
	// ResetMidBody sends headers and half a body, then drops the connection.
	ResetMidBody
	// Truncated sends a complete response whose JSON stops halfway.
	Truncated
	// Malformed sends a 200 whose body is not JSON at all.
	Malformed
	// Oversized sends a valid JSON body of Size bytes.
	Oversized
	// SlowBody sends headers at once, then the body a byte every Delay.
	SlowBody
	// Hang never sends headers; the request waits until the client gives up.
	Hang
	// WrongContentType answers 200 with an HTML page, as a captive proxy does.
	WrongContentType
	// SamePage answers every page of a list as its first page, next link included: a list
	// that never ends, as a broken proxy or cache would serve it.
	SamePage
	// Echo answers Status (500 by default) with an error whose text echoes what the request
	// carried: its Authorization header, its URL and, at the token endpoint, the client secret in
	// error_description. A careless proxy or a debugging build of an API does this.
	Echo
)

// Fault is one injected failure, matched on route after authentication succeeded.
type Fault struct {
	Kind Kind
	// Route limits the fault to one route template; empty matches every route.
	Route string
	// GroupID limits the fault to one project's paths; empty matches every project.
	GroupID string
	// Times is how many requests the fault hits before it is spent; 0 means forever.
	Times int
	// Status and ErrorCode are for Status.
	Status    int
	ErrorCode string
	// RetryAfter is sent verbatim as the Retry-After header when not empty.
	RetryAfter string
	// Size is the body size for Oversized.
	Size int
	// Delay is the pause between bytes for SlowBody.
	Delay time.Duration
}

// Inject arms f on s; faults are tried in the order they were injected.
func Inject(s *atlastest.Server, f Fault) {
	in := injectorOf(s)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = append(in.faults, &f)
}

// Clear disarms every fault injected into s.
func Clear(s *atlastest.Server) {
	in := injectorOf(s)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = nil
}

// injector is the server's interceptor that holds its armed faults; the server keeps it, so
// every test helper that injects into one server arms the same list.
type injector struct {
	srv    *atlastest.Server
	mu     sync.Mutex
	faults []*Fault
}

func injectorOf(s *atlastest.Server) *injector {
	i, ok := s.InterceptorOr(func() atlastest.Interceptor { return &injector{srv: s} }).(*injector)
	if !ok {
		panic("faults: the simulator already has another interceptor")
	}
	return i
}

// Intercept answers with the first armed fault for route and path, spending one of its Times;
// SamePage turns the request into one for the first page and lets the simulator answer it.
func (in *injector) Intercept(route string, w http.ResponseWriter, r *http.Request) bool {
	f := in.take(route, r.URL.Path)
	switch {
	case f == nil:
		return false
	case f.Kind == SamePage:
		q := r.URL.Query()
		q.Set("pageNum", "1")
		r.URL.RawQuery = q.Encode()
		return false
	}
	f.apply(in.srv, w, r)
	return true
}

// take returns the first armed fault for route and path, spending one of its Times.
func (in *injector) take(route, path string) *Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, f := range in.faults {
		if f.Route != "" && f.Route != route {
			continue
		}
		if f.GroupID != "" && !strings.Contains(path+"/", "/groups/"+f.GroupID+"/") {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				in.faults = append(in.faults[:i:i], in.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// reasons are the HTTP reason phrases Atlas puts in "reason".
func reason(status int) string { return http.StatusText(status) }

// apply answers r as f's kind fails; SamePage is not here, as it changes the request instead.
func (f *Fault) apply(s *atlastest.Server, w http.ResponseWriter, r *http.Request) {
	switch f.Kind {
	case Status:
		if f.Status == http.StatusUnauthorized {
			// Atlas always challenges with its 401, as if the key had just been revoked.
			s.Challenge(w)
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		code := f.ErrorCode
		if code == "" {
			code = defaultErrorCode(f.Status)
		}
		atlastest.WriteError(w, f.Status, code, "Injected fault: "+code+".", reason(f.Status), f.Status != http.StatusUnauthorized)
	case Reset:
		panic(http.ErrAbortHandler)
	case ResetMidBody:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		_, _ = w.Write([]byte(`{"links":[],"results":[{"id":"`))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	case Truncated:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"links":[{"href":"x","rel":"self"}],"results":[{"id":"6b77893b80eef5354c77ee15","statusName":"FINI`))
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`<<not json>>`))
	case Oversized:
		w.Header().Set("Content-Type", "application/json")
		size := max(f.Size, 64)
		_, _ = w.Write([]byte(`{"results":[],"links":[],"padding":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", size)))
		_, _ = w.Write([]byte(`"}`))
	case SlowBody:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fl, _ := w.(http.Flusher)
		for _, b := range []byte(`{"links":[],"results":[]}`) {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(f.Delay):
			}
			_, _ = w.Write([]byte{b})
			if fl != nil {
				fl.Flush()
			}
		}
	case Hang:
		<-r.Context().Done()
	case Echo:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		echo := "Authorization: " + r.Header.Get("Authorization") + "; request https://" + r.Host + r.URL.RequestURI() +
			"; download https://restore.example.invalid/pull/" + r.Header.Get("Authorization")
		if strings.HasSuffix(r.URL.Path, atlastest.RouteToken) {
			_, secret, _ := r.BasicAuth()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "server_error", "error_description": "bad secret " + secret + "; " + echo})
			return
		}
		atlastest.WriteError(w, status, "UNEXPECTED_ERROR", echo, reason(status), true)
	case WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body>Please sign in to the proxy.</body></html>"))
	}
}

func defaultErrorCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNEXPECTED_ERROR"
	case http.StatusForbidden:
		return "IP_ADDRESS_NOT_ON_ACCESS_LIST"
	case http.StatusNotFound:
		return "RESOURCE_NOT_FOUND"
	case http.StatusNotAcceptable:
		return "INVALID_VERSION"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED_TOKEN_BUCKET"
	}
	return "UNEXPECTED_ERROR"
}
