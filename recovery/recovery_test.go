package recovery

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "RECOVERYCANARY-private-key"

func redact(s string) string { return strings.ReplaceAll(s, secret, "<secret>") }

// leaky is a value whose printed form carries a credential, as a struct formatted by mistake would.
type leaky struct{ key string }

func (l leaky) String() string { return "client with key " + l.key }

func TestDoTurnsAPanicIntoARedactedError(t *testing.T) {
	t.Parallel()
	err := Do(redact, func() { panic(leaky{secret}) })
	var p *PanicError
	if !errors.As(err, &p) {
		t.Fatalf("Do returned %v, want a *PanicError", err)
	}
	if !strings.Contains(p.Value, "client with key <secret>") || strings.Contains(err.Error(), secret) {
		t.Errorf("panic value not redacted: %q", err.Error())
	}
	if !strings.Contains(p.Stack, "TestDoTurnsAPanicIntoARedactedError") {
		t.Errorf("stack does not show where the panic happened:\n%s", p.Stack)
	}
	if err := Do(redact, func() {}); err != nil {
		t.Errorf("Do without a panic returned %v", err)
	}
}

func TestHandlerAnswers500AndLogsWithoutTheSecret(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	mux.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic(leaky{secret}) })
	mux.HandleFunc("/abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/fine", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "fine") })
	srv := httptest.NewUnstartedServer(Handler(mux, logger, redact))
	srv.Config.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelError)
	srv.Start()
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), secret) || strings.Contains(string(body), "client with key") {
		t.Errorf("panicking handler answered %d %q, want 500 with no detail", resp.StatusCode, body)
	}
	if _, err := http.Get(srv.URL + "/abort"); err == nil {
		t.Error("http.ErrAbortHandler did not drop the connection")
	}
	resp, err = http.Get(srv.URL + "/fine")
	if err != nil {
		t.Fatalf("server stopped serving after a panic: %v", err)
	}
	resp.Body.Close()

	out := logs.String()
	if strings.Contains(out, secret) {
		t.Errorf("the secret reached the log:\n%s", out)
	}
	if n := strings.Count(out, "Recovered from a panic"); n != 1 {
		t.Errorf("%d panic log lines, want 1 (the abort is not logged):\n%s", n, out)
	}
	for _, want := range []string{"path=/boom", "client with key <secret>", "stack="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestARelayedPanicKeepsItsOwnValueAndStack(t *testing.T) {
	t.Parallel()
	err := Do(redact, func() {
		panic(&Relayed{Value: leaky{secret}, Stack: []byte("goroutine 7 [running]:\nwhere it happened")})
	})
	var p *PanicError
	if !errors.As(err, &p) {
		t.Fatalf("Do returned %v", err)
	}
	if p.Value != "client with key <secret>" {
		t.Errorf("value %q, want the relayed value, redacted", p.Value)
	}
	if !strings.HasPrefix(p.Stack, "goroutine 7 [running]:\nwhere it happened\nrelayed by:\n") {
		t.Errorf("stack does not start with the original one:\n%s", p.Stack)
	}
}

// Capture hands a goroutine's panic over as a value, with the stack where it happened.
func TestCaptureReturnsThePanic(t *testing.T) {
	t.Parallel()
	if r := Capture(func() {}); r != nil {
		t.Fatalf("Capture of a quiet function = %v", r)
	}
	r := Capture(func() { panic("boom") })
	if r == nil || r.Value != "boom" || !strings.Contains(string(r.Stack), "TestCaptureReturnsThePanic") {
		t.Fatalf("Capture = %+v", r)
	}
}
