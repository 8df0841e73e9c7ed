package atlas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// RouteToken is the OAuth 2.0 token endpoint's name in metrics and errors.
const RouteToken = "/api/oauth/token"

// TokenError is the token endpoint refusing the service account, e.g. 401 invalid_client, or
// limiting it: a 429 is an Atlas error body (errorCode RATE_LIMITED), not an OAuth error.
type TokenError struct {
	StatusCode  int
	Code        string
	Description string
	// RetryAfter is how long the endpoint asked the exporter to wait, on a 429.
	RetryAfter time.Duration
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("service account token: status %d", e.StatusCode)
	if e.StatusCode == http.StatusTooManyRequests {
		msg = "service account token: rate limited by the token endpoint (status 429)"
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; no token request for %s", e.RetryAfter.Round(time.Second))
	}
	return msg
}

// errTokenLimit marks a refresh that the endpoint's limit, or its 429 pause, does not allow
// before the deadline.
var errTokenLimit = errors.New("the token endpoint allows 10 requests a minute")

// tokenSkew renews a token this long before it expires, so no request carries a dying token.
const tokenSkew = time.Minute

// tokenSource is x/oauth2's client-credentials flow with what Atlas adds: at most perMinute token
// requests (Atlas allows 10), a 429 that pauses token requests until Retry-After, a secret read
// on each request so a rotated file needs no restart, and one refresh at a time without holding
// a lock while it waits or fetches: callers share the refresh and each waits on its own deadline.
type tokenSource struct {
	tokenURL string
	clientID string
	secret   func() (string, error)
	// http carries the token request; its transport counts every answer.
	http   *http.Client
	limit  *rate.Limiter
	clean  func(string) string
	flight singleflight.Group
	// life bounds every refresh: a refresh serves all its waiters, so no caller's context may end
	// it, but closing the client does.
	life context.Context
	end  context.CancelFunc

	mu          sync.Mutex
	token       *oauth2.Token
	pausedUntil time.Time
	// issued are the tokens handed out recently, which the redactor hides wherever they appear.
	issued []string
}

// defaultTokenRequestsPerMinute is Atlas's limit on its token endpoint.
const defaultTokenRequestsPerMinute = 10

// maxIssued bounds the tokens remembered for redaction: the current one and a few before it.
const maxIssued = 4

func newTokenSource(tokenURL, clientID string, secret func() (string, error), hc *http.Client, limit *rate.Limiter, clean func(string) string) *tokenSource {
	life, end := context.WithCancel(context.Background())
	return &tokenSource{tokenURL: tokenURL, clientID: clientID, secret: secret, http: hc, clean: clean, limit: limit, life: life, end: end}
}

// close ends every refresh in flight, for a client that is closed.
func (ts *tokenSource) close() { ts.end() }

// NewTokenLimiter allows at most perMinute token requests in any minute (zero: Atlas's limit,
// 10): a burst of half of them, refilled at the other half a minute, since a bucket lets through
// its burst and its refill within one window. Share one across the clients of successive
// configs, so that no reload storm can exceed it.
func NewTokenLimiter(perMinute int) *rate.Limiter {
	if perMinute <= 0 {
		perMinute = defaultTokenRequestsPerMinute
	}
	burst := max(perMinute/2, 1)
	refill := max(perMinute-burst, 1)
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(refill)), burst)
}

// Token returns a valid access token, fetching one if the cached token is missing or near expiry.
func (ts *tokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	tok := ts.token
	ts.mu.Unlock()
	if tok != nil && time.Until(tok.Expiry) > tokenSkew {
		return tok.AccessToken, nil
	}
	ch := ts.flight.DoChan("token", func() (any, error) {
		// The refresh serves everyone waiting: one caller hanging up must not cancel it, but it
		// keeps the deadline that started it, and ends with the client.
		rctx := ts.life
		if d, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			rctx, cancel = context.WithDeadline(rctx, d)
			defer cancel()
		}
		return ts.refresh(rctx, tok)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("service account token: %w", ctx.Err())
	}
}

// refresh fetches a token under the endpoint's limits, run by one caller for all; old is the
// token that was cached when the caller looked, still usable until it really expires.
func (ts *tokenSource) refresh(ctx context.Context, old *oauth2.Token) (string, error) {
	ts.mu.Lock()
	paused := time.Until(ts.pausedUntil)
	ts.mu.Unlock()
	stillValid := old != nil && time.Now().Before(old.Expiry)
	if paused > 0 {
		if stillValid {
			return old.AccessToken, nil
		}
		return "", fmt.Errorf("service account token: %w: paused by a 429 for %s more", errTokenLimit, paused.Round(time.Second))
	}
	r := ts.limit.Reserve()
	if wait := r.Delay(); wait > 0 {
		if stillValid {
			r.Cancel()
			return old.AccessToken, nil // rather than exceed the endpoint's limit
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			r.Cancel()
			return "", fmt.Errorf("service account token: %w; next in %s, past the deadline", errTokenLimit, wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			return "", fmt.Errorf("service account token: %w", ctx.Err())
		case <-t.C:
		}
	}
	tok, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.token = tok
	ts.issued = append(ts.issued, tok.AccessToken)
	if len(ts.issued) > maxIssued {
		ts.issued = ts.issued[len(ts.issued)-maxIssued:]
	}
	return tok.AccessToken, nil
}

// fetch is one token request; the library does the request, this maps its answer.
func (ts *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	secret, err := ts.secret()
	if err != nil {
		return nil, err
	}
	conf := clientcredentials.Config{
		ClientID: ts.clientID, ClientSecret: secret, TokenURL: ts.tokenURL,
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := conf.Token(context.WithValue(ctx, oauth2.HTTPClient, ts.http))
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		return nil, ts.refused(re)
	case err != nil:
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("service account token: %s", ts.clean(err.Error()))
	case tok.AccessToken == "" || tok.Type() != "Bearer":
		return nil, errors.New("service account token: the answer carries no bearer token")
	case !sendable(tok.AccessToken):
		// It would fail every request it went on, until it expired: drop it, never cache it.
		return nil, errors.New("service account token: the access token holds characters an HTTP header cannot carry")
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(time.Hour) // no expires_in: assume Atlas's usual hour
	}
	return tok, nil
}

// sendable reports a token that can go in an Authorization header: visible ASCII only (RFC 6750's
// b64token is narrower still), bounded in length.
func sendable(token string) bool {
	if len(token) > 16<<10 {
		return false
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// refused types the endpoint's refusal, pausing token requests on a 429 as Retry-After asks.
func (ts *tokenSource) refused(re *oauth2.RetrieveError) error {
	te := &TokenError{Code: ts.clean(re.ErrorCode), Description: ts.clean(re.ErrorDescription)}
	if re.Response != nil {
		te.StatusCode = re.Response.StatusCode
	}
	if te.StatusCode == http.StatusTooManyRequests {
		var eb errorBody
		if Decode(re.Body, &eb) == nil {
			te.Code, te.Description = ts.clean(eb.ErrorCode), ts.clean(eb.Detail)
		}
		te.RetryAfter = min(max(parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now()), time.Second), MaxPause)
		ts.mu.Lock()
		ts.pausedUntil = time.Now().Add(te.RetryAfter)
		ts.mu.Unlock()
	}
	return te
}

// invalidate drops a token the API refused, so the next request fetches a new one.
func (ts *tokenSource) invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != nil && ts.token.AccessToken == token {
		ts.token = nil
	}
}

// recent returns the tokens issued lately, for the redactor.
func (ts *tokenSource) recent() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.issued...)
}

// bearerTransport authenticates with the service account's token, renewing it once if the API
// refuses it (revoked, or expired early).
type bearerTransport struct {
	next   http.RoundTripper
	tokens *tokenSource
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for try := 0; ; try++ {
		token, err := t.tokens.Token(req.Context())
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := t.next.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusUnauthorized || try > 0 {
			return resp, err
		}
		resp.Body.Close()
		t.tokens.invalidate(token)
	}
}

// observingTransport counts every answer of the token endpoint by status, as the API's are.
type observingTransport struct {
	next    http.RoundTripper
	observe func(endpoint, code string)
}

func (t *observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.observe(RouteToken, "error")
		return nil, err
	}
	t.observe(RouteToken, strconv.Itoa(resp.StatusCode))
	return resp, nil
}

// tokenURLFor derives the token endpoint from the API's host, where Atlas serves it.
func tokenURLFor(base *url.URL) string {
	return base.Scheme + "://" + base.Host + RouteToken
}
