package testkit

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Browser is a headless Chromium, Debian's package, for tests of what a page shows a person.
type Browser struct {
	path string
	dir  string
}

// NewBrowser finds chromium on the PATH; without it the test fails under CI, which installs it,
// and is skipped elsewhere with what to install.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Browser{path: p, dir: t.TempDir()}
		}
	}
	const msg = "no chromium on PATH (Debian: apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return nil
}

// run starts a headless Chromium on url with extra flags, bounded by a minute.
func (b *Browser) run(t testing.TB, url string, flags ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + b.dir}, flags...)
	cmd := exec.CommandContext(ctx, b.path, append(args, url)...)
	// Chromium starts helper processes: its own process group goes as a whole at the deadline.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", flags, err)
	}
	return out
}

// DOM loads url and returns the document as the browser built it.
func (b *Browser) DOM(t testing.TB, url string) string {
	t.Helper()
	return string(b.run(t, url, "--dump-dom"))
}

// Screenshot loads url in a window of width × height and writes a PNG to path.
func (b *Browser) Screenshot(t testing.TB, url, path string, width, height int) {
	t.Helper()
	b.run(t, url, "--screenshot="+path, "--hide-scrollbars", "--window-size="+itoa(width)+","+itoa(height))
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", path, err)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
