package image

import "time"

// SetProgressEvery sets how often a save stream reports progress, for tests;
// the returned function restores it.
func SetProgressEvery(d time.Duration) func() {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}
