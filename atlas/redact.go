package atlas

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted stands where a secret was.
const redacted = "<secret>"

// Shapes of secrets that upstream text can carry whatever the process knows: an Authorization
// value (a bearer token, HTTP Basic, a Digest answer), and a URL with a path or query, which is
// how Atlas hands out download links and how a proxy echoes a request.
var (
	authValuePattern = regexp.MustCompile(`(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}|\bdigest\s+[^\r\n]*`)
	urlPattern       = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>\\]+`)
)

// redactShapes replaces the secret-shaped parts of s.
func redactShapes(s string) string {
	s = authValuePattern.ReplaceAllString(s, redacted)
	return urlPattern.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.RawQuery != "" || strings.Trim(u.Path, "/") != "" {
			return redacted
		}
		return raw
	})
}

// minSecretLen keeps a test's one-letter key from turning every "x" in a message into <secret>.
const minSecretLen = 4

// Redact is the one redactor of text from upstream (error bodies, headers, panics): it replaces
// the private key, the client secret, the current and recent access tokens, Authorization values
// and URLs carrying a path or query with <secret>.
func (c *Client) Redact(s string) string {
	for _, v := range c.secrets() {
		if len(v) >= minSecretLen {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return redactShapes(s)
}

// secrets are the credentials the client holds now: a rotated key file counts as it reads today.
func (c *Client) secrets() []string {
	var out []string
	for _, f := range []func() (string, error){c.opts.PrivateKey, c.opts.ClientSecret} {
		if f == nil {
			continue
		}
		if v, err := f(); err == nil {
			out = append(out, v)
		}
	}
	if c.tokens != nil {
		out = append(out, c.tokens.recent()...)
	}
	return out
}

// clean is Redact for a message: one printable line, then redacted, then bounded, in that order
// so that a cut can never leave half a secret behind.
func (c *Client) clean(s string) string { return boundDetail(c.Redact(oneLine(s))) }

// redactedError shows a cleaned message and keeps the original for errors.Is and errors.As,
// for failures whose text can quote what came from upstream (a transport error, the decoder).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (c *Client) redacted(err error) error {
	return &redactedError{msg: c.clean(err.Error()), err: err}
}
