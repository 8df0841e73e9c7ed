package config

import (
	"log/slog"

	"gopkg.in/yaml.v3"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
)

// Secret holds a credential and prints as <secret> however it is formatted, logged or marshalled.
type Secret string

// redacted is the redactor's placeholder, so a Secret prints as redacted text reads.
const redacted = redact.Placeholder

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// LogValue keeps slog from printing the value at any level.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalYAML keeps a dumped config from carrying the credential.
func (s Secret) MarshalYAML() (any, error) {
	if s == "" {
		return "", nil
	}
	return redacted, nil
}

// MarshalJSON keeps a JSON dump from carrying the credential.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// UnmarshalYAML accepts only a plain string, and never echoes the value in an error.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &fieldError{line: n.Line, msg: "must be a string"}
	}
	*s = Secret(n.Value)
	return nil
}

// reveal is the one place a secret's value is read, for the Digest transport.
func (s Secret) reveal() string { return string(s) }
