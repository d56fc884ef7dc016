package image

import (
	"errors"
	"fmt"
)

// Sentinel errors a command tests with errors.Is. Every error Open returns
// for these cases is an *Error wrapping one of them.
var (
	// ErrNotFound: the image, file or directory does not exist.
	ErrNotFound = errors.New("image not found")
	// ErrDaemonUnavailable: no Docker daemon answers.
	ErrDaemonUnavailable = errors.New("docker daemon unavailable")
	// ErrUnauthorized: the registry refused the credentials (401 or 403).
	ErrUnauthorized = errors.New("registry refused access")
	// ErrBadRef: the REF cannot be parsed, or an option does not apply.
	ErrBadRef = errors.New("bad image reference")
)

// hints tell the user what to do about each sentinel.
var hints = map[error]string{
	ErrNotFound:          "check the name, or list local images with docker images",
	ErrDaemonUnavailable: "is dockerd running? (or set DOCKER_HOST)",
	ErrUnauthorized:      "run docker login or check ~/.docker/config.json",
	ErrBadRef:            "use docker:NAME, registry:NAME, docker-archive:FILE, oci:DIR, oci-archive:FILE, dir:PATH or a bare NAME",
}

// Error is an error opening or reading an image: the operation, the REF,
// which sentinel it is (Kind, may be nil) and the cause.
type Error struct {
	Op   string
	Ref  string
	Kind error
	Err  error
	// Hint overrides the sentinel's hint when set.
	Hint string
}

// Error renders one line, ending with a hint when Kind has one.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %q", e.Op, e.Ref)
	switch {
	case e.Kind != nil && e.Err != nil:
		msg += fmt.Sprintf(": %v: %v", e.Kind, e.Err)
	case e.Kind != nil:
		msg += ": " + e.Kind.Error()
	case e.Err != nil:
		msg += ": " + e.Err.Error()
	}
	h := e.Hint
	if h == "" {
		h = hints[e.Kind]
	}
	if h != "" {
		msg += " (hint: " + h + ")"
	}
	return msg
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
