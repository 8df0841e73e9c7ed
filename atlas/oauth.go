package atlas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RouteToken is the OAuth 2.0 token endpoint's name in metrics and errors.
const RouteToken = "/api/oauth/token"

// TokenError is the token endpoint refusing the service account, e.g. 401 invalid_client.
type TokenError struct {
	StatusCode  int
	Code        string
	Description string
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("service account token: status %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// tokenSource caches a client-credentials token until shortly before it expires, refreshing one
// at a time and never more often than the endpoint's 10 requests a minute allow.
type tokenSource struct {
	tokenURL  string
	clientID  string
	secret    func() (string, error)
	http      *http.Client
	userAgent string
	observe   func(endpoint, code string)
	// perMinute bounds token requests in any sliding minute; Atlas allows 10.
	perMinute int
	now       func() time.Time

	mu      sync.Mutex
	token   string
	expiry  time.Time
	fetches []time.Time // within the last minute, oldest first
}

// errTokenLimit marks a refresh the endpoint's limit does not allow before the deadline.
var errTokenLimit = errors.New("the token endpoint allows 10 requests a minute")

// tokenSkew renews a token this long before it expires, so no request carries a dying token.
const tokenSkew = time.Minute

// Token returns a valid access token, fetching one if the cached token is missing or near expiry.
func (ts *tokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := ts.now()
	if ts.token != "" && now.Before(ts.expiry.Add(-tokenSkew)) {
		return ts.token, nil
	}
	for len(ts.fetches) > 0 && now.Sub(ts.fetches[0]) >= time.Minute {
		ts.fetches = ts.fetches[1:]
	}
	if len(ts.fetches) >= ts.perMinute {
		if ts.token != "" && now.Before(ts.expiry) {
			return ts.token, nil // still valid: use it rather than exceed the endpoint's limit
		}
		wait := ts.fetches[0].Add(time.Minute).Sub(now)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return "", fmt.Errorf("service account token: %w; next in %s, past the deadline", errTokenLimit, wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("service account token: %w", ctx.Err())
		case <-t.C:
		}
		ts.fetches = ts.fetches[1:]
	}
	ts.fetches = append(ts.fetches, ts.now())
	token, ttl, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	ts.token, ts.expiry = token, ts.now().Add(ttl)
	return token, nil
}

// invalidate drops a token the API refused, so the next request fetches a new one.
func (ts *tokenSource) invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token == token {
		ts.token = ""
	}
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	secret, err := ts.secret()
	if err != nil {
		return "", 0, err
	}
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.tokenURL, strings.NewReader(form))
	if err != nil {
		return "", 0, fmt.Errorf("service account token: build request: %w", err)
	}
	req.SetBasicAuth(ts.clientID, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", ts.userAgent)
	resp, err := ts.http.Do(req)
	if err != nil {
		ts.observe(RouteToken, "error")
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", 0, fmt.Errorf("service account token: %w", err)
	}
	defer resp.Body.Close()
	ts.observe(RouteToken, strconv.Itoa(resp.StatusCode))
	body, err := readCapped(resp.Body, 1<<20)
	if err != nil {
		return "", 0, fmt.Errorf("service account token: read body: %w", err)
	}
	var tr tokenResponse
	_ = Decode(body, &tr)
	if resp.StatusCode != http.StatusOK {
		return "", 0, &TokenError{StatusCode: resp.StatusCode, Code: cleanDetail(tr.Error), Description: cleanDetail(tr.ErrorDescription)}
	}
	if tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, errors.New("service account token: the answer carries no bearer token")
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour
	}
	return tr.AccessToken, ttl, nil
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

// tokenURLFor derives the token endpoint from the API's host, where Atlas serves it.
func tokenURLFor(base *url.URL) string {
	return base.Scheme + "://" + base.Host + RouteToken
}
