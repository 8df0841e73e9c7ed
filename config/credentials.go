package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// keySource yields the private key, re-reading its file when the file changes so rotation needs no restart.
type keySource struct {
	inline Secret
	path   string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	cached  Secret
}

// PrivateKey returns the current private key; a file is re-read only when its mtime or size moved.
func (k *keySource) PrivateKey() (string, error) {
	if k.path == "" {
		return k.inline.reveal(), nil
	}
	fi, err := os.Stat(k.path)
	if err != nil {
		return "", fmt.Errorf("private key file: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cached != "" && fi.ModTime().Equal(k.modTime) && fi.Size() == k.size {
		return k.cached.reveal(), nil
	}
	key, err := readKeyFile(k.path)
	if err != nil {
		return "", err
	}
	k.cached, k.modTime, k.size = key, fi.ModTime(), fi.Size()
	return key.reveal(), nil
}

// readKeyFile reads a key file, trimming the newline that editors and `echo` leave behind.
func readKeyFile(path string) (Secret, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the os error names it already.
		return "", fmt.Errorf("private key file: %w", err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", errors.New("private key file " + path + " is empty")
	}
	return Secret(key), nil
}
