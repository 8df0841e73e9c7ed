package atlas

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryable reports whether a failed attempt may succeed if repeated: only transient upstream faults
// qualify, never 401/403/404, which would only burn rate-limit budget.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var connErr *connectionError
	return errors.As(err, &connErr) && !permanent(err)
}

// permanent reports a transport failure that repeating cannot mend, as go-retryablehttp judges
// them: a certificate that does not verify (a wrong ca_file, a wrong host), a TLS server answered
// by a plain HTTP one, a scheme Go does not speak. Each retry would cost a budget token for the
// same refusal.
func permanent(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &invalid), errors.As(err, &hostname), errors.As(err, &verify):
		return true
	case errors.As(err, &header):
		return true // "server gave HTTP response to HTTPS client"
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "http: server gave HTTP response to HTTPS client")
}

// connectionError marks a transport failure (refused, reset, broken body) as opposed to a bad answer.
type connectionError struct{ err error }

func (e *connectionError) Error() string { return e.err.Error() }
func (e *connectionError) Unwrap() error { return e.err }

// backoff returns the pause before attempt n+1: exponential with full jitter, so that an HA pair of
// exporters that failed together does not retry in lockstep.
func backoff(attempt int, base, maxWait time.Duration) time.Duration {
	d := base << min(attempt-1, 16)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads Retry-After in either of its RFC 9110 forms; zero means absent or unusable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
