// Package memlimit sets the Go runtime's soft memory limit from the container's memory limit, so
// that the garbage collector works harder before the kernel's OOM killer would end the process.
package memlimit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Share is the part of the container's limit given to the Go heap; the rest is for the stacks,
// the runtime and what the kernel counts besides.
const Share = 0.9

// cgroupFiles hold the memory limit: cgroup v2's memory.max, then cgroup v1's limit_in_bytes.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Set applies Share of the container's memory limit as the runtime's soft limit, unless
// GOMEMLIMIT already says one (an operator's word wins). It returns the limit set, zero when
// there was nothing to set: no GOMEMLIMIT and no limited cgroup.
func Set(getenv func(string) string) (int64, error) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, nil
	}
	limit, err := FromCgroup(os.DirFS("/"), cgroupFiles)
	if err != nil || limit == 0 {
		return 0, err
	}
	soft := int64(float64(limit) * Share)
	debug.SetMemoryLimit(soft)
	return soft, nil
}

// unlimited is what cgroup v1 writes for "no limit" (a page-rounded MaxInt64), and more.
const unlimited = 1 << 62

// FromCgroup reads the first of files (paths in fsys, without the leading slash of the real
// root) that exists; zero means no limit ("max", or v1's huge value).
func FromCgroup(fsys fs.FS, files []string) (int64, error) {
	for _, f := range files {
		data, err := fs.ReadFile(fsys, strings.TrimPrefix(f, "/"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f, err)
		}
		v := strings.TrimSpace(string(data))
		if v == "max" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read %s: %q is not a number of bytes", f, v)
		}
		if n <= 0 || n >= unlimited {
			return 0, nil
		}
		return n, nil
	}
	return 0, nil
}
