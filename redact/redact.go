// Package redact is the one redactor: it hides credentials and secret-shaped text (Authorization
// values, URLs with a path or query, password=... settings, base64 user:password) in text that
// did not come from a formatter the exporter controls: upstream error bodies and panics. It
// imports only the standard library, so the config can use it without linking the client.
package redact

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
)

// Placeholder stands where a secret was, in Placeholder text and in a Secret printed.
const Placeholder = "<secret>"

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
	s = authValuePattern.ReplaceAllString(s, Placeholder)
	s = pointerURLPattern.ReplaceAllString(s, Placeholder)
	s = userinfoPattern.ReplaceAllString(s, "${1}://"+Placeholder+"@")
	s = urlPattern.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.RawQuery != "" || strings.Trim(u.Path, "/") != "" {
			return Placeholder
		}
		return raw
	})
	s = keyValuePattern.ReplaceAllStringFunc(s, func(kv string) string {
		m := keyValuePattern.FindStringSubmatch(kv)
		if v := m[4]; v[0] != '"' && v[0] != '\'' && !secretLike(v) {
			return kv // a plain word after "token:" in prose is not a secret
		}
		return m[1] + m[2] + m[3] + Placeholder
	})
	return base64Pattern.ReplaceAllStringFunc(s, func(run string) string {
		if credentialLike(run) {
			return Placeholder
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

// Text is the one redactor of text that did not come from a formatter the exporter controls
// (error bodies, headers, panics): it replaces each of secrets, Authorization values, URLs
// carrying a path or query and other secret-shaped text with <secret>. The client and the config
// call it with the credentials they hold, so both hide the same shapes.
func Text(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= minSecretLen {
			s = strings.ReplaceAll(s, v, Placeholder)
		}
	}
	return redactShapes(s)
}
