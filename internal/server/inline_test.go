package server

import "context"

// Inline is a Queue that matches at once, in the request: for the tests.
type Inline struct{ M *Matcher }

// EnqueueMatch matches digest now.
func (q Inline) EnqueueMatch(ctx context.Context, digest string) error {
	_, err := q.M.MatchImage(ctx, digest)
	return err
}
