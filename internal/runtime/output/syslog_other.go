//go:build windows || plan9

package output

import (
	"errors"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// Syslog is not available on this OS.
type Syslog struct{}

// NewSyslog fails: this OS has no syslog.
func NewSyslog(network, addr, tag string, format Format, hostname string) (*Syslog, error) {
	return nil, errors.New("syslog output is not supported on this OS")
}

// Send never succeeds.
func (*Syslog) Send(rules.Alert) error {
	return errors.New("syslog output is not supported on this OS")
}

// Close does nothing.
func (*Syslog) Close() error { return nil }
