package sensor

import (
	"context"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// collect runs the sensor until stop returns true for an event or the
// deadline passes.
func collect(t *testing.T, s *Sensor, d time.Duration, stop func(*event.Event) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	ch := make(chan *event.Event, 4096)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ch) }()
	for {
		select {
		case e := <-ch:
			if stop(e) {
				cancel()
				<-done
				return
			}
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			return
		}
	}
}
