// Package recovery turns a panic into an error or a 500 so one bad input cannot stop the exporter,
// and reports it without the credentials the panic value might carry.
package recovery

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// PanicError is a recovered panic: its value, redacted, and the goroutine's stack.
type PanicError struct {
	Value string
	Stack string
}

func (e *PanicError) Error() string { return "recovered from a panic: " + e.Value }

// Do runs fn and returns a *PanicError if it panicked. Redact sees the panic value and stack
// before anyone else does. Worker goroutines use it: a panic there would otherwise end the process,
// as net/http recovers only its own handler goroutines.
func Do(redact func(string) string, fn func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(redact, v)
		}
	}()
	fn()
	return nil
}

// Log reports err with its stack at error level when it is a recovered panic, under msg.
func Log(logger *slog.Logger, msg string, err error) {
	var p *PanicError
	if errors.As(err, &p) {
		logger.Error(msg, "err", p, "stack", p.Stack)
	}
}

func newPanicError(redact func(string) string, v any) *PanicError {
	stack := debug.Stack()
	if r, ok := v.(*Relayed); ok {
		v, stack = r.Value, append(r.Stack, append([]byte("\nrelayed by:\n"), stack...)...)
	}
	return &PanicError{Value: redact(fmt.Sprint(v)), Stack: redact(string(stack))}
}

// Relayed is a panic re-raised in another goroutine than the one it happened in, carrying the
// original value and stack, so Do and Handler report where it really happened: atlas relays the
// panics of the pages it reads concurrently, which errgroup would leave where nothing recovers.
type Relayed struct {
	Value any
	Stack []byte
}

// Capture returns fn's panic as a *Relayed, or nil; for goroutines that hand it to their caller.
func Capture(fn func()) (r *Relayed) {
	defer func() {
		if v := recover(); v != nil {
			r = &Relayed{Value: v, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}

// Handler answers 500 when next panics and logs the panic through redact, instead of net/http's
// own recovery, which writes the raw value to standard error. http.ErrAbortHandler keeps its
// meaning: the connection is dropped without a log line.
func Handler(next http.Handler, logger *slog.Logger, redact func(string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http compares it by identity too
				panic(v)
			}
			p := newPanicError(redact, v)
			logger.Error("Recovered from a panic while serving a request", "path", r.URL.Path, "err", p, "stack", p.Stack)
			// A handler that already wrote has sent its status line; this only ends a broken answer.
			http.Error(w, "internal server error", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}
