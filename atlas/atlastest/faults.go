package atlastest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a way the API or the network between can fail.
type FaultKind int

// The faults the simulator can inject.
const (
	// FaultStatus answers Status with Atlas's error body for ErrorCode, and Retry-After when set.
	FaultStatus FaultKind = iota
	// FaultReset drops the connection before any response.
	FaultReset
	// FaultResetMidBody sends headers and half a body, then drops the connection.
	FaultResetMidBody
	// FaultTruncated sends a complete response whose JSON stops halfway.
	FaultTruncated
	// FaultMalformed sends a 200 whose body is not JSON at all.
	FaultMalformed
	// FaultOversized sends a valid JSON body of Size bytes.
	FaultOversized
	// FaultSlowBody sends headers at once, then the body a byte every Delay.
	FaultSlowBody
	// FaultHang never sends headers; the request waits until the client gives up.
	FaultHang
	// FaultWrongContentType answers 200 with an HTML page, as a captive proxy does.
	FaultWrongContentType
	// FaultSamePage answers every page of a list as its first page, next link included: a list
	// that never ends, as a broken proxy or cache would serve it.
	FaultSamePage
	// FaultEcho answers Status (500 by default) with an error whose text echoes what the request
	// carried: its Authorization header, its URL and, at the token endpoint, the client secret in
	// error_description. A careless proxy or a debugging build of an API does this.
	FaultEcho
)

// Fault is one injected failure, matched on route after authentication succeeded.
type Fault struct {
	Kind FaultKind
	// Route limits the fault to one route template; empty matches every route.
	Route string
	// GroupID limits the fault to one project's paths; empty matches every project.
	GroupID string
	// Times is how many requests the fault hits before it is spent; 0 means forever.
	Times int
	// Status and ErrorCode are for FaultStatus.
	Status    int
	ErrorCode string
	// RetryAfter is sent verbatim as the Retry-After header when not empty.
	RetryAfter string
	// Size is the body size for FaultOversized.
	Size int
	// Delay is the pause between bytes for FaultSlowBody.
	Delay time.Duration
}

// InjectFault arms f; faults are tried in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := f
	s.faults = append(s.faults, &fc)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first armed fault for route and path, spending one of its Times.
func (s *Server) takeFault(route, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Route != "" && f.Route != route {
			continue
		}
		if f.GroupID != "" && !strings.Contains(path+"/", "/groups/"+f.GroupID+"/") {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// reasons are the HTTP reason phrases Atlas puts in "reason".
func reason(status int) string { return http.StatusText(status) }

func (f *Fault) apply(s *Server, w http.ResponseWriter, r *http.Request) {
	switch f.Kind {
	case FaultStatus:
		if f.Status == http.StatusUnauthorized {
			// Atlas always challenges with its 401, as if the key had just been revoked.
			s.challenge(w)
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		code := f.ErrorCode
		if code == "" {
			code = defaultErrorCode(f.Status)
		}
		writeError(w, f.Status, code, "Injected fault: "+code+".", reason(f.Status), f.Status != http.StatusUnauthorized)
	case FaultReset:
		panic(http.ErrAbortHandler)
	case FaultResetMidBody:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		_, _ = w.Write([]byte(`{"links":[],"results":[{"id":"`))
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	case FaultTruncated:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"links":[{"href":"x","rel":"self"}],"results":[{"id":"6b77893b80eef5354c77ee15","statusName":"FINI`))
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`<<not json>>`))
	case FaultOversized:
		w.Header().Set("Content-Type", "application/json")
		size := max(f.Size, 64)
		_, _ = w.Write([]byte(`{"results":[],"links":[],"padding":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", size)))
		_, _ = w.Write([]byte(`"}`))
	case FaultSlowBody:
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
	case FaultHang:
		<-r.Context().Done()
	case FaultEcho:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		echo := "Authorization: " + r.Header.Get("Authorization") + "; request https://" + r.Host + r.URL.RequestURI() +
			"; download https://restore.example.invalid/pull/" + r.Header.Get("Authorization")
		if strings.HasSuffix(r.URL.Path, RouteToken) {
			_, secret, _ := r.BasicAuth()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "server_error", "error_description": "bad secret " + secret + "; " + echo})
			return
		}
		writeError(w, status, "UNEXPECTED_ERROR", echo, reason(status), true)
	case FaultWrongContentType:
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

// RetryAfterSeconds formats a Retry-After header value.
func RetryAfterSeconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
