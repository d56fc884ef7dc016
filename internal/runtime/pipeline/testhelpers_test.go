package pipeline

import "context"

// Helpers only the tests use.

// Run opens the pipeline and runs it until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	p, err := New(cfg)
	if err != nil {
		return err
	}
	return p.Run(ctx)
}
