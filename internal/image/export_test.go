package image

import "time"

// SetProgressEvery sets how often a save stream reports progress, for tests;
// the returned function restores it.
func SetProgressEvery(d time.Duration) func() {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}

// Options only the tests set: bulkhead reads DOCKER_HOST, DOCKER_CONFIG
// and its default registry timeouts.

// WithDockerConfigDir reads registry credentials from dir/config.json (and
// the credential helpers it names) instead of $DOCKER_CONFIG or ~/.docker.
func WithDockerConfigDir(dir string) Option { return func(o *options) { o.configDir = dir } }

// WithDockerHost talks to the daemon at host (such as unix:///run/docker.sock)
// instead of $DOCKER_HOST or the default socket.
func WithDockerHost(host string) Option { return func(o *options) { o.dockerHost = host } }

// WithTimeouts sets the registry I/O timeouts.
func WithTimeouts(t Timeouts) Option { return func(o *options) { o.timeouts = t } }
