package atlas

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
)

// ErrBodyTooLarge marks a response cut off at the client's size cap, so a runaway body cannot exhaust memory.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// APIError is a non-2xx answer, typed so callers can react to the status and Atlas's errorCode.
type APIError struct {
	// Endpoint is the route template, never the concrete path, so errors stay low in cardinality.
	Endpoint   string
	StatusCode int
	// ErrorCode is Atlas's machine-readable code, e.g. GROUP_NOT_FOUND.
	ErrorCode string
	Detail    string
	// RetryAfter is the server's requested pause on a 429 or 503, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "atlas api: GET %s: status %d", e.Endpoint, e.StatusCode)
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " %s", e.ErrorCode)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// ErrorCode returns Atlas's errorCode (or the token endpoint's error) from anywhere in err's
// chain, or "" when err carries none.
func ErrorCode(err error) string {
	var apiErr *APIError
	var tokenErr *TokenError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode
	case errors.As(err, &tokenErr):
		return tokenErr.Code
	}
	return ""
}

// StatusCode returns the HTTP status of the API's answer from anywhere in err's chain, or 0 when
// no response was received; the token endpoint's status stays in its TokenError, so that its
// 404 is never taken for a cluster that is gone.
func StatusCode(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// errorBody is the v1.0 error document; only what the exporter reports is decoded.
type errorBody struct {
	Error     int    `json:"error"`
	ErrorCode string `json:"errorCode"`
	Detail    string `json:"detail"`
	Reason    string `json:"reason"`
}

// maxDetailLen bounds how much of Atlas's free-text detail reaches logs and errors.
const maxDetailLen = 200

// oneLine keeps error text to one printable line so a hostile body cannot forge log lines.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

// boundDetail cuts text at maxDetailLen so a hostile body cannot flood logs.
func boundDetail(s string) string {
	if len(s) > maxDetailLen {
		cut := maxDetailLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// cleanDetail is the client's clean for text seen where no client is at hand (the decoder):
// one bounded line with the secret-shaped parts redacted.
func cleanDetail(s string) string { return boundDetail(redact.Text(oneLine(s))) }

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
