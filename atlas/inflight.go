package atlas

import "context"

// inFlightKey carries a caller's bound on concurrent requests down to each attempt, so the
// concurrent page reads of a long list count against the same bound as the caller's own workers.
type inFlightKey struct{}

// WithMaxInFlight returns a context under which at most n requests made through any client are in
// flight at once. A scrape sets it once, so two scrapes never queue behind each other.
func WithMaxInFlight(ctx context.Context, n int) context.Context {
	if n <= 0 {
		return ctx
	}
	return context.WithValue(ctx, inFlightKey{}, make(chan struct{}, n))
}

// maxInFlight is the window for a list's concurrent page reads: the caller's bound, or one.
func maxInFlight(ctx context.Context) int {
	if slots, ok := ctx.Value(inFlightKey{}).(chan struct{}); ok {
		return cap(slots)
	}
	return 1
}

// acquireSlot waits for room under the context's bound; release gives it back.
func acquireSlot(ctx context.Context) (release func(), err error) {
	slots, ok := ctx.Value(inFlightKey{}).(chan struct{})
	if !ok {
		return func() {}, nil
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
