package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// keySource yields a secret (private key or client secret), re-reading its file when the file
// changes so rotation needs no restart.
type keySource struct {
	inline Secret
	path   string
	// what names the secret in errors, e.g. "private key file".
	what string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	cached  Secret
}

// Value returns the current secret; a file is re-read only when its mtime or size moved.
func (k *keySource) Value() (string, error) {
	if k.path == "" {
		return k.inline.reveal(), nil
	}
	fi, err := os.Stat(k.path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", k.what, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cached != "" && fi.ModTime().Equal(k.modTime) && fi.Size() == k.size {
		return k.cached.reveal(), nil
	}
	key, err := readKeyFile(k.path, k.what)
	if err != nil {
		return "", err
	}
	k.cached, k.modTime, k.size = key, fi.ModTime(), fi.Size()
	return key.reveal(), nil
}

// readKeyFile reads a secret file, trimming the newline that editors and `echo` leave behind.
func readKeyFile(path, what string) (Secret, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the os error names it already.
		return "", fmt.Errorf("%s: %w", what, err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", errors.New(what + " " + path + " is empty")
	}
	return Secret(key), nil
}

// Redact replaces each credential the config holds (inline, from the environment or from a file)
// with <secret> in s, for text that did not come from a formatter this package controls: a
// recovered panic. A nil config redacts nothing.
func (c *Config) Redact(s string) string {
	if c == nil {
		return s
	}
	for _, k := range []*keySource{c.key, c.secret} {
		if k == nil {
			continue
		}
		if v, err := k.Value(); err == nil && v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}
