package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
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

// Redact hides in s each credential the config holds (inline, from the environment or from a
// file) and secret-shaped text, through redact.Text, for text that did not come from a formatter
// this package controls: a recovered panic. A nil config hides the shapes only.
func (c *Config) Redact(s string) string { return redact.Text(s, c.secretValues()...) }

// secretValues are the values of the config's key and secret as they read now; none for nil.
func (c *Config) secretValues() []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, k := range []*keySource{c.key, c.secret} {
		if k == nil {
			continue
		}
		if v, err := k.Value(); err == nil && v != "" {
			out = append(out, v)
		}
	}
	return out
}
