package atlas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options configures a Client; zero values take the defaults documented on each field.
type Options struct {
	// BaseURL is the API root with its version, e.g. https://cloud.mongodb.com/api/atlas/v1.0.
	BaseURL   string
	PublicKey string
	// PrivateKey is called whenever a Digest challenge is answered, so the key may rotate underneath.
	PrivateKey func() (string, error)
	// UserAgent identifies the exporter and its version.
	UserAgent string
	// RequestTimeout caps one HTTP attempt (default 20s); the caller's deadline caps the whole call.
	RequestTimeout time.Duration
	// MaxBodyBytes caps a response body (default 16 MiB).
	MaxBodyBytes int64
	// MaxAttempts bounds tries per request, retries included (default 4).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the jittered exponential backoff (defaults 250ms and 8s).
	BackoffBase, BackoffMax time.Duration
	// PageSize is itemsPerPage for list calls (default and Atlas's maximum: 500).
	PageSize int
	// MaxConnsPerHost sizes the idle connection pool (default 8).
	MaxConnsPerHost int
	// Observe, if set, is told about every attempt: the route template and the status code, or "error".
	Observe func(endpoint, code string)
	// Transport replaces the base TLS transport, for tests; auth and User-Agent still wrap it.
	Transport http.RoundTripper
}

// Client reads restore jobs; it is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	opts    Options
	closeFn func()
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
	if o.PublicKey == "" || o.PrivateKey == nil {
		return nil, errors.New("public and private key are required")
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 20 * time.Second
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
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = 8
	}
	if o.UserAgent == "" {
		o.UserAgent = "mongodbatlas_restore_exporter"
	}
	rt := o.Transport
	closeFn := func() {}
	if rt == nil {
		t := newBaseTransport(o.MaxConnsPerHost)
		rt, closeFn = t, t.CloseIdleConnections
	}
	rt = newDigestTransport(rt, o.PublicKey, o.PrivateKey)
	rt = &userAgentTransport{next: rt, userAgent: o.UserAgent}
	return &Client{
		base: base,
		http: &http.Client{
			Transport: rt,
			// Atlas does not redirect API calls; following one could carry credentials elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		opts:    o,
		closeFn: closeFn,
	}, nil
}

// Close releases idle connections; in-flight calls finish normally.
func (c *Client) Close() { c.closeFn() }

// get fetches path (already escaped, relative to the base URL) into out, retrying transient faults
// while the context's deadline leaves room for the pause.
func (c *Client) get(ctx context.Context, endpoint, path string, query url.Values, out any) error {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = c.base.EscapedPath() + path
	u.RawQuery = query.Encode()
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, endpoint, u.String(), out)
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("atlas api: GET %s: %w", endpoint, ctxErr)
		}
		if !retryable(err) {
			return err
		}
		if attempt >= c.opts.MaxAttempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff(attempt, c.opts.BackoffBase, c.opts.BackoffMax)
		var apiErr *APIError
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
func (c *Client) attempt(ctx context.Context, endpoint, rawURL string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("atlas api: build request for %s: %w", endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(endpoint, "error")
		// url.Error would repeat the full URL; the route template is enough and stays bounded.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return &connectionError{fmt.Errorf("atlas api: GET %s: %w", endpoint, err)}
	}
	defer resp.Body.Close()
	c.observe(endpoint, strconv.Itoa(resp.StatusCode))
	body, err := readCapped(resp.Body, c.opts.MaxBodyBytes)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return fmt.Errorf("atlas api: GET %s: %w (%d bytes)", endpoint, err, c.opts.MaxBodyBytes)
		}
		return &connectionError{fmt.Errorf("atlas api: GET %s: read body: %w", endpoint, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return newAPIError(endpoint, resp, body)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return fmt.Errorf("atlas api: GET %s: unexpected content type %q", endpoint, cleanDetail(resp.Header.Get("Content-Type")))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("atlas api: GET %s: decode response: %w", endpoint, err)
	}
	return nil
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
func newAPIError(endpoint string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Endpoint: endpoint, StatusCode: resp.StatusCode}
	var eb errorBody
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(body, &eb) == nil {
		e.ErrorCode = cleanDetail(eb.ErrorCode)
		e.Detail = cleanDetail(eb.Detail)
	}
	if e.ErrorCode == "" {
		e.ErrorCode = cleanDetail(resp.Header.Get("X-Error-Code"))
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
