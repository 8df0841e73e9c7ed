package atlas

import (
	"bytes"
	"encoding/base64"
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
	// urlPattern: web and object-store URLs, which carry download keys in their path or query.
	urlPattern = regexp.MustCompile(`(?i)\b(?:https?|s3|gs|wasbs?|abfss?|ftps?)://[^\s"'<>\\]+`)
	// pointerURLPattern is a URL inside a JSON Pointer, where "~1" stands for "/".
	pointerURLPattern = regexp.MustCompile(`(?i)\b(?:https?|s3|gs):~1~1[^\s"'<>\\]*`)
	// userinfoPattern is the credentials of any URL: mongodb+srv://user:PASS@host and the like.
	userinfoPattern = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*)://[^\s/?#@"'<>]+@`)
	// keyValuePattern is a setting whose name says secret, in free text, a query or JSON:
	// password=..., "client_secret": "...", aws_secret_access_key=..., X-Amz-Signature=...
	keyValuePattern = regexp.MustCompile(`(?i)("?)([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|key|signature|credential)[a-z0-9_.-]*)("?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}\]]+)`)
	// base64Pattern is a run that may be a base64 credential; credentialLike decides.
	base64Pattern = regexp.MustCompile(`[A-Za-z0-9+/]{12,}={0,2}`)
)

// redactShapes replaces the secret-shaped parts of s.
func redactShapes(s string) string {
	s = authValuePattern.ReplaceAllString(s, redacted)
	s = pointerURLPattern.ReplaceAllString(s, redacted)
	s = userinfoPattern.ReplaceAllString(s, "${1}://"+redacted+"@")
	s = urlPattern.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.RawQuery != "" || strings.Trim(u.Path, "/") != "" {
			return redacted
		}
		return raw
	})
	s = keyValuePattern.ReplaceAllStringFunc(s, func(kv string) string {
		m := keyValuePattern.FindStringSubmatch(kv)
		if v := m[4]; v[0] != '"' && v[0] != '\'' && !secretLike(v) {
			return kv // a plain word after "token:" in prose is not a secret
		}
		return m[1] + m[2] + m[3] + redacted
	})
	return base64Pattern.ReplaceAllStringFunc(s, func(run string) string {
		if credentialLike(run) {
			return redacted
		}
		return run
	})
}

// secretLike reports an unquoted value that may be a secret: six characters or more, not a plain
// lower-case word.
func secretLike(v string) bool {
	if len(v) < 6 {
		return false
	}
	for _, c := range v {
		if c < 'a' || c > 'z' {
			return true
		}
	}
	return false
}

// credentialLike reports a base64 run that decodes to user:password, the shape of an HTTP Basic
// credential pasted without its scheme.
func credentialLike(run string) bool {
	b, err := base64.StdEncoding.DecodeString(run)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(run, "="))
	}
	if err != nil || len(b) < 3 {
		return false
	}
	i := bytes.IndexByte(b, ':')
	if i <= 0 || i == len(b)-1 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
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

// Clean is Redact for free text kept or logged (a collection restore's errorMessage): one
// printable line, redacted, bounded in length.
func (c *Client) Clean(s string) string { return c.clean(s) }

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
