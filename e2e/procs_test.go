package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// binary finds a tool the suite needs; CI installs them all, so there a missing one fails the run.
func binary(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("none of %v on PATH (Debian: apt-get install prometheus prometheus-alertmanager)", names)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freeAddr(t *testing.T) string { return testkit.FreeAddr(t) }

// start runs a process with its output in dir/name.log, and stops it by its pid when the test ends.
func start(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	startWithEnv(t, dir, name, bin, nil, args...)
}

// startWithEnv is start with env in place of this process's environment, when env is not nil.
func startWithEnv(t *testing.T, dir, name, bin string, env []string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("--- %s (pid %d) log:\n%s", name, pid, tail(string(out), 4000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// waitFor polls cond until it holds or the deadline passes; no fixed sleeps.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		if state != "" {
			last = state
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last state: %s", timeout, what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func httpOK(url string) (bool, string) {
	resp, err := http.Get(url)
	if err != nil {
		return false, err.Error()
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.Status
}

// buildExporter compiles the exporter from this checkout into dir.
func buildExporter(dir string) (string, error) {
	bin := filepath.Join(dir, "mongodbatlas_restore_exporter")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// shortenRules copies a rule file with every `for` and `keep_firing_for` cut to seconds, so the
// suite exercises the real expressions, labels and annotations without waiting minutes.
func shortenRules(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "keep_firing_for:"):
			line = line[:strings.Index(line, "keep_firing_for:")] + "keep_firing_for: 3s"
		case strings.HasPrefix(trimmed, "for:"):
			line = line[:strings.Index(line, "for:")] + "for: 2s"
		}
		out = append(out, line)
	}
	if err := os.WriteFile(dst, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
