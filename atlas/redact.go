package atlas

import (
	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
)

// Redact redacts s with the credentials the client holds now: the private key, the client secret
// and the current and recent access tokens.
func (c *Client) Redact(s string) string { return redact.Text(s, c.secrets()...) }

// secrets are the credentials the client holds now: a rotated key file counts as it reads today.
func (c *Client) secrets() []string {
	var out []string
	var secret func() (string, error)
	switch cred := c.opts.Credential.(type) {
	case APIKey:
		secret = cred.PrivateKey
	case ServiceAccount:
		secret = cred.ClientSecret
	}
	if secret != nil {
		if v, err := secret(); err == nil {
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
