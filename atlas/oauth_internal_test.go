package atlas

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// An expires_in too large for a time.Duration is clamped, not overflowed into a token that has
// already expired: the token is fetched once and reused.
func TestHugeExpiresInIsClamped(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-123456","token_type":"Bearer","expires_in":99999999999999999}`))
	}))
	defer srv.Close()
	ts := newTokenSource(srv.URL, "id", func() (string, error) { return "secret", nil }, srv.Client(), NewTokenLimiter(10), func(s string) string { return s })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		tok, err := ts.Token(ctx)
		if err != nil || tok != "tok-123456" {
			t.Fatalf("token %q, %v", tok, err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d token requests, want 1: the token read as expired", n)
	}
	if exp := ts.token.Expiry; !exp.After(time.Now().Add(time.Hour)) {
		t.Errorf("expiry %v", exp)
	}
}

// A token that cannot go in a header (a newline, a space, a control byte) is refused at once and
// never cached: the next request asks for a new one rather than failing every request for an hour.
func TestUnsendableTokenIsNotCached(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			_, _ = w.Write([]byte(`{"access_token":"tok-1234\nInjected: yes","token_type":"Bearer","expires_in":3600}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"tok-5678","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()
	ts := newTokenSource(srv.URL, "id", func() (string, error) { return "secret", nil }, srv.Client(), NewTokenLimiter(10), func(s string) string { return s })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if tok, err := ts.Token(ctx); err == nil {
		t.Fatalf("a token with a newline was accepted: %q", tok)
	}
	if tok, err := ts.Token(ctx); err != nil || tok != "tok-5678" {
		t.Errorf("the next request: %q, %v; want a fresh token", tok, err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

// The token limiter lets through at most its number in any minute, however the requests fall:
// a bucket passes its burst and its refill within one window, so both together make the limit.
func TestTokenLimiterHoldsInAnyMinute(t *testing.T) {
	t.Parallel()
	for _, perMinute := range []int{10, 3, 1} {
		l := NewTokenLimiter(perMinute)
		start := time.Now()
		var allowed []time.Time
		for ms := 0; ms < 5*60*1000; ms += 100 {
			at := start.Add(time.Duration(ms) * time.Millisecond)
			if l.AllowN(at, 1) {
				allowed = append(allowed, at)
			}
		}
		limit := max(perMinute, 2) // one a minute cannot be both a burst and a refill
		for i := range allowed {
			n := 0
			for _, a := range allowed[i:] {
				if a.Sub(allowed[i]) < time.Minute {
					n++
				}
			}
			if n > limit {
				t.Fatalf("%d a minute: %d requests within a minute from %v", perMinute, n, allowed[i].Sub(start))
			}
		}
	}
}
