// Package bounded reads extractor inputs into memory with a hard cap, so that
// a hostile or corrupt file yields a clear error instead of unbounded memory.
package bounded

import (
	"errors"
	"fmt"
	"io"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Limit returns the smaller of limit and the input's MaxBytes (or
// inventory.DefaultMaxBytes when MaxBytes is unset).
func Limit(in *inventory.Input, limit int64) int64 {
	max := in.MaxBytes
	if max <= 0 {
		max = inventory.DefaultMaxBytes
	}
	if limit <= 0 || limit > max {
		return max
	}
	return limit
}

// ReadAll reads the whole input, failing with an error that wraps
// inventory.ErrTooLarge when it holds more than limit bytes (capped by the
// input's MaxBytes).
func ReadAll(in *inventory.Input, limit int64) ([]byte, error) {
	limit = Limit(in, limit)
	if in.Size > limit {
		return nil, fmt.Errorf("read %q: %d bytes: %w (limit %d)", in.Path, in.Size, inventory.ErrTooLarge, limit)
	}
	if in.Reader == nil {
		return nil, fmt.Errorf("read %q: %w", in.Path, errors.New("no reader"))
	}
	return ReadLimit(in.Reader, limit, in.Path)
}

// ReadLimit reads r to its end, failing with an error that wraps
// inventory.ErrTooLarge when r holds more than limit bytes. name names the
// source in errors.
func ReadLimit(r io.Reader, limit int64, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %q: %w (limit %d)", name, inventory.ErrTooLarge, limit)
	}
	return b, nil
}
