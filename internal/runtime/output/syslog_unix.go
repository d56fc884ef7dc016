//go:build !windows && !plan9

package output

import (
	"fmt"
	"log/syslog"
	"sync"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// Syslog sends alerts to syslog: the local socket, or a remote address over
// udp or tcp. Each alert's priority becomes the syslog severity.
type Syslog struct {
	mu       sync.Mutex
	w        *syslog.Writer
	format   Format
	hostname string
}

// NewSyslog connects to syslog. network and addr empty mean the local
// syslog socket; otherwise network is "udp" or "tcp" and addr host:port.
// tag is the program name in each message (default "bulkhead").
func NewSyslog(network, addr, tag string, format Format, hostname string) (*Syslog, error) {
	if tag == "" {
		tag = "bulkhead"
	}
	w, err := syslog.Dial(network, addr, syslog.LOG_DAEMON|syslog.LOG_WARNING, tag)
	if err != nil {
		where := addr
		if where == "" {
			where = "the local syslog socket"
		}
		return nil, fmt.Errorf("connect to syslog at %s: %w", where, err)
	}
	return &Syslog{w: w, format: format, hostname: hostname}, nil
}

// Send writes one alert at the severity of its priority.
func (s *Syslog) Send(a rules.Alert) error {
	msg := a.Priority.String() + " " + a.Output
	if s.format == JSON {
		b, err := jsonRecord(a, s.hostname)
		if err != nil {
			return err
		}
		msg = string(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	switch a.Priority {
	case rules.PriorityEmergency:
		err = s.w.Emerg(msg)
	case rules.PriorityAlert:
		err = s.w.Alert(msg)
	case rules.PriorityCritical:
		err = s.w.Crit(msg)
	case rules.PriorityError:
		err = s.w.Err(msg)
	case rules.PriorityWarning:
		err = s.w.Warning(msg)
	case rules.PriorityNotice:
		err = s.w.Notice(msg)
	case rules.PriorityInformational:
		err = s.w.Info(msg)
	default:
		err = s.w.Debug(msg)
	}
	if err != nil {
		return fmt.Errorf("send alert %q to syslog: %w", a.Rule, err)
	}
	return nil
}

// Close closes the syslog connection.
func (s *Syslog) Close() error { return s.w.Close() }

var _ Output = (*Syslog)(nil)
