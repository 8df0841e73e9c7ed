package atlas

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Options configures a Client; zero values take the defaults documented on each field.
type Options struct {
	// BaseURL is the API root with its version, e.g. https://cloud.mongodb.com/api/atlas/v1.0.
	BaseURL string
	// Credential is an APIKey or a ServiceAccount; the config that builds it has settled which.
	Credential Credential
	// TokenRequestsPerMinute bounds token requests (default and Atlas's limit: 10).
	TokenRequestsPerMinute int
	// TokenLimiter, if set, meters token requests instead (see NewTokenLimiter): share one across
	// clients so that a reload storm cannot exceed Atlas's limit.
	TokenLimiter *rate.Limiter
	// TLSConfig replaces the default (TLS 1.2 or newer, system roots), e.g. for a private CA.
	TLSConfig *tls.Config
	// UserAgent identifies the exporter and its version.
	UserAgent string
	// RequestTimeout caps one HTTP attempt. Zero (the default) derives it from the caller's
	// deadline: half the time left, so a hung first attempt leaves room to retry; 20s without a
	// deadline. The caller's deadline caps the whole call either way.
	RequestTimeout time.Duration
	// MaxBodyBytes caps a response body (default 16 MiB).
	MaxBodyBytes int64
	// MaxAttempts bounds tries per request, retries included (default 4).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the jittered exponential backoff (defaults 250ms and 8s).
	BackoffBase, BackoffMax time.Duration
	// PageSize is itemsPerPage for list calls (default and Atlas's maximum: 500).
	PageSize int
	// MaxIdleConnsPerHost is how many idle connections to the API are kept for reuse (default 8).
	MaxIdleConnsPerHost int
	// Observe, if set, is told about every attempt: the route template and the status code, or "error".
	Observe func(endpoint, code string)
	// ObserveRemaining, if set, is told each RateLimit-Remaining header Atlas sends, with the
	// bucket set it counts down (cloud_backups, clusters, projects, org_projects): the buckets
	// differ in size, so a remaining figure means something only per bucket.
	ObserveRemaining func(bucket string, remaining float64)
	// ObserveBudget, if set, is told of each request the Limiter refused to send.
	ObserveBudget func(endpoint string)
	// ObserveDeferred, if set, is told of each background read the Limiter held back to keep the
	// scrapes' half of its bucket; such a read is tried again later.
	ObserveDeferred func(endpoint string)
	// Limiter meters requests per Atlas bucket; share one across clients so reloads keep the budget.
	// Nil means a private limiter with Atlas's default limits.
	Limiter *Limiter
	// Transport replaces the base TLS transport, for tests; auth and User-Agent still wrap it.
	Transport http.RoundTripper
}

// Client reads restore jobs; it is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	opts    Options
	closeFn func()
	// bound, when set by Within, caps this client's requests in flight.
	bound *Bound
	// tokens is the service account's token source; nil with an API key.
	tokens *tokenSource
	// background, set by Background, pays only from the spare part of each bucket.
	background bool
	// warm is set once an authenticated answer came: shared by every copy of the client.
	warm *atomic.Bool
}

// MaxPageSize is the largest itemsPerPage Atlas accepts.
const MaxPageSize = 500

// New checks the options and builds a client with Digest auth, retries and size caps.
func New(o Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse base url: %w", err)
	}
	if base.Scheme != "https" && base.Scheme != "http" || base.Host == "" {
		return nil, fmt.Errorf("base url %q: want an absolute http(s) URL", o.BaseURL)
	}
	switch cred := o.Credential.(type) {
	case APIKey:
		if cred.PrivateKey == nil {
			return nil, errors.New("an atlas.APIKey needs its PrivateKey function")
		}
	case ServiceAccount:
		if cred.ClientSecret == nil {
			return nil, errors.New("an atlas.ServiceAccount needs its ClientSecret function")
		}
	default:
		return nil, errors.New("no credential: an atlas.APIKey or an atlas.ServiceAccount")
	}
	if o.RequestTimeout < 0 {
		o.RequestTimeout = 0
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 16 << 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 250 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 8 * time.Second
	}
	if o.PageSize <= 0 || o.PageSize > MaxPageSize {
		o.PageSize = MaxPageSize
	}
	if o.TokenRequestsPerMinute <= 0 {
		o.TokenRequestsPerMinute = defaultTokenRequestsPerMinute
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 8
	}
	if o.Limiter == nil {
		o.Limiter = NewLimiter(Limits{})
	}
	if o.UserAgent == "" {
		o.UserAgent = "mongodbatlas_restore_exporter"
	}
	rt := o.Transport
	closeFn := func() {}
	if rt == nil {
		t := newBaseTransport(o.MaxIdleConnsPerHost, o.TLSConfig)
		rt, closeFn = t, t.CloseIdleConnections
	}
	observe := func(endpoint, code string) {
		if o.Observe != nil {
			o.Observe(endpoint, code)
		}
	}
	c := &Client{base: base, opts: o, closeFn: closeFn, warm: &atomic.Bool{}}
	switch cred := o.Credential.(type) {
	case APIKey:
		rt = newDigestTransport(rt, cred.PublicKey, cred.PrivateKey)
	case ServiceAccount:
		tokenURL := cred.TokenURL
		if tokenURL == "" {
			tokenURL = tokenURLFor(base)
		}
		tokenHTTP := &http.Client{
			Transport:     &userAgentTransport{next: &observingTransport{next: rt, observe: observe}, userAgent: o.UserAgent},
			CheckRedirect: noRedirects, Timeout: cmp.Or(o.RequestTimeout, defaultAttemptTimeout),
		}
		if o.TokenLimiter == nil {
			o.TokenLimiter = NewTokenLimiter(o.TokenRequestsPerMinute)
		}
		c.tokens = newTokenSource(tokenURL, cred.ClientID, cred.ClientSecret, tokenHTTP, o.TokenLimiter, c.clean)
		rt = &bearerTransport{next: rt, tokens: c.tokens}
	}
	c.http = &http.Client{
		Transport:     &userAgentTransport{next: rt, userAgent: o.UserAgent},
		CheckRedirect: noRedirects,
	}
	return c, nil
}

// noRedirects stops at a redirect: Atlas does not redirect API calls, and following one could
// carry credentials elsewhere.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Close releases idle connections and ends the token refreshes in flight; other calls in flight
// finish normally.
func (c *Client) Close() {
	c.closeFn()
	if c.tokens != nil {
		c.tokens.close()
	}
}

// call is one logical API read: where, how, and which rate-limit bucket pays for it.
type call struct {
	accept   string // media type; empty means application/json
	endpoint string // route template, for metrics and errors
	path     string // escaped, relative to the base URL
	query    url.Values
	set      string // rate-limit bucket set, and the scope (project, org) it is metered per
	scope    string
}

// do fetches a call into out as JSON, paying each attempt from its bucket and retrying transient
// faults while the context's deadline leaves room for the pause.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	if cl.accept == "" {
		cl.accept = mediaTypeJSON
	}
	u := *c.base
	u.Path = c.base.Path + cl.path
	u.RawPath = c.base.EscapedPath() + cl.path
	u.RawQuery = cl.query.Encode()
	endpoint := cl.endpoint
	var lastErr error
	for attempt := 1; ; attempt++ {
		pay := func() error { return c.opts.Limiter.take(ctx, cl.set, cl.scope) }
		if c.background {
			pay = func() error { return c.opts.Limiter.takeSpare(cl.set, cl.scope) }
		}
		if err := pay(); err != nil {
			switch {
			case !errors.Is(err, ErrBudget):
			case c.background && c.opts.ObserveDeferred != nil:
				c.opts.ObserveDeferred(endpoint)
			case !c.background && c.opts.ObserveBudget != nil:
				c.opts.ObserveBudget(endpoint)
			}
			if lastErr != nil {
				// A retry the budget cannot pay for: the failure worth reporting is the last answer.
				return fmt.Errorf("%w (no retry: %w)", lastErr, err)
			}
			return fmt.Errorf("atlas api: GET %s: %w", endpoint, err)
		}
		err := c.attempt(ctx, cl, u.String(), out)
		lastErr = err
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("atlas api: GET %s: %w", endpoint, ctxErr)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests {
			// Atlas's bucket is empty: stop every request that draws on it, not only this one.
			c.opts.Limiter.pause(cl.set, cl.scope, max(apiErr.RetryAfter, time.Second))
		}
		if !retryable(err) {
			return err
		}
		if attempt >= c.opts.MaxAttempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff(attempt, c.opts.BackoffBase, c.opts.BackoffMax)
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			wait = apiErr.RetryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return fmt.Errorf("%w (retry in %s would pass the deadline)", err, wait.Round(time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("atlas api: GET %s: %w", endpoint, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt makes one HTTP request under the per-attempt timeout and decodes a 200 into out.
func (c *Client) attempt(ctx context.Context, cl call, rawURL string, out any) error {
	accept, endpoint := cl.accept, cl.endpoint
	// Waiting for a slot is not part of the attempt's own timeout; the caller's deadline bounds it.
	release, err := c.acquire(ctx)
	if err != nil {
		return fmt.Errorf("atlas api: GET %s: waiting for a request slot: %w", endpoint, err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, c.attemptTimeout(ctx))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("atlas api: build request for %s: %w", endpoint, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.http.Do(req)
	var tokenErr *TokenError
	if err != nil && (errors.As(err, &tokenErr) || errors.Is(err, errTokenLimit)) {
		// The service account was refused or its token budget is spent: repeating cannot help.
		return fmt.Errorf("atlas api: GET %s: %w", endpoint, unwrapURLError(err))
	}
	if err != nil {
		c.observe(endpoint, "error")
		return &connectionError{fmt.Errorf("atlas api: GET %s: %w", endpoint, c.redacted(unwrapURLError(err)))}
	}
	defer resp.Body.Close()
	c.observe(endpoint, strconv.Itoa(resp.StatusCode))
	if resp.StatusCode != http.StatusUnauthorized {
		c.warm.Store(true) // authenticated: the next attempts make one round trip each
	}
	if v := resp.Header.Get("RateLimit-Remaining"); v != "" && c.opts.ObserveRemaining != nil {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			c.opts.ObserveRemaining(cl.set, f)
		}
	}
	if resp.StatusCode == http.StatusOK {
		if !isJSON(resp.Header.Get("Content-Type")) {
			return fmt.Errorf("atlas api: GET %s: unexpected content type %q", endpoint, c.clean(resp.Header.Get("Content-Type")))
		}
		return c.decodeBody(endpoint, resp.Body, out)
	}
	body, err := readCapped(resp.Body, c.opts.MaxBodyBytes)
	if errors.Is(err, ErrBodyTooLarge) {
		return fmt.Errorf("atlas api: GET %s: %w (%d bytes)", endpoint, err, c.opts.MaxBodyBytes)
	}
	if err != nil {
		// The status is the answer; an error body that cannot be read (the Digest transport
		// drains a 401 it could not answer) only loses the errorCode.
		return c.newAPIError(cl, resp, nil)
	}
	return c.newAPIError(cl, resp, body)
}

// decodeBody decodes a 200's body as it arrives, so a 500-job page is never held whole beside
// its decoded jobs: with the client's bound of pages in flight that is most of a large scrape's
// transient memory. A body that stops arriving is a connection's failure, retried; one that
// arrives whole and is not the JSON expected is the API's, not retried.
func (c *Client) decodeBody(endpoint string, body io.Reader, out any) error {
	// A retry decodes into the value an attempt cut mid-body half filled: start it from zero, so
	// no field of an answer that never arrived whole survives into the one that did.
	reflect.ValueOf(out).Elem().SetZero()
	r := &cappedReader{r: body, left: c.opts.MaxBodyBytes}
	err := DecodeReader(r, out)
	switch {
	case errors.Is(r.err, ErrBodyTooLarge):
		return fmt.Errorf("atlas api: GET %s: %w (%d bytes)", endpoint, ErrBodyTooLarge, c.opts.MaxBodyBytes)
	case r.err != nil:
		return &connectionError{fmt.Errorf("atlas api: GET %s: read body: %w", endpoint, r.err)}
	case err != nil:
		// The decoder can quote the body, so its message passes the redactor as any upstream text.
		return fmt.Errorf("atlas api: GET %s: decode response: %w", endpoint, c.redacted(err))
	}
	return nil
}

// cappedReader fails with ErrBodyTooLarge past left bytes, rather than truncating, and keeps the
// first failure of the underlying reader (io.EOF aside) for decodeBody to tell apart.
type cappedReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left <= 0 {
		// One byte more tells a body of exactly the cap from a longer one, and from one whose
		// connection broke just there.
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		switch {
		case n > 0:
			c.err = ErrBodyTooLarge
		case err != nil && err != io.EOF:
			c.err = err
		default:
			return 0, io.EOF
		}
		return 0, c.err
	}
	p = p[:min(int64(len(p)), c.left)]
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// defaultAttemptTimeout caps an attempt whose caller set no deadline and no RequestTimeout.
const defaultAttemptTimeout = 20 * time.Second

// minDerivedAttempt keeps a derived attempt long enough to connect and answer at all.
const minDerivedAttempt = time.Second

// attemptTimeout is RequestTimeout, or half the caller's time left (at least a second), so that a
// hung attempt leaves room for a retry. A client that has had no answer yet gets two thirds: its
// first attempt carries a Digest challenge (or a token request) before the request itself, two
// round trips where the retry, warm by then, makes one.
func (c *Client) attemptTimeout(ctx context.Context) time.Duration {
	if c.opts.RequestTimeout > 0 {
		return c.opts.RequestTimeout
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return defaultAttemptTimeout
	}
	if !c.warm.Load() {
		return max(time.Until(deadline)*2/3, minDerivedAttempt)
	}
	return max(time.Until(deadline)/2, minDerivedAttempt)
}

// unwrapURLError drops url.Error's copy of the full URL; the route template is enough and stays bounded.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

func (c *Client) observe(endpoint, code string) {
	if c.opts.Observe != nil {
		c.opts.Observe(endpoint, code)
	}
}

// readCapped reads at most limit bytes and fails, rather than truncates, when the body is longer.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// newAPIError decodes Atlas's error document when there is one and falls back to the status alone.
func (c *Client) newAPIError(cl call, resp *http.Response, body []byte) *APIError {
	e := &APIError{Endpoint: cl.endpoint, StatusCode: resp.StatusCode}
	var eb errorBody
	if isJSON(resp.Header.Get("Content-Type")) && Decode(body, &eb) == nil {
		e.ErrorCode = c.clean(eb.ErrorCode)
		e.Detail = c.clean(eb.Detail)
	}
	if e.ErrorCode == "" {
		e.ErrorCode = c.clean(resp.Header.Get("X-Error-Code"))
	}
	if resp.StatusCode == http.StatusGone {
		// Say which version is gone: the fix is a newer exporter, not a retry.
		e.Detail = boundDetail("media type " + cl.accept + " is past its sunset for this path; " + e.Detail)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
