// Package output delivers runtime alerts: Falco-compatible JSON lines or
// text to any io.Writer (stdout, a file), syslog, an HTTP webhook with a
// bounded retrying queue, Prometheus counters, a per-rule rate limiter and a
// fan-out that feeds several outputs at once.
//
// Every output implements Output. Send must not keep the alert's Event (it is
// only valid during the rule engine's callback): outputs that queue serialize
// first.
package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
)

// Output receives alerts.
type Output interface {
	Send(rules.Alert) error
	Close() error
}

// Record is one alert in Falco's JSON output format, plus nothing else, so
// that tools reading Falco's JSON (falcosidekick, SIEM parsers) read it.
type Record struct {
	Hostname     string         `json:"hostname"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags"`
	Time         string         `json:"time"`
}

// NewRecord builds the Falco-format record of an alert. hostname is used
// when the alert carries none. The container id, name and image are always
// present in output_fields.
func NewRecord(a rules.Alert, hostname string) Record {
	fields := make(map[string]any, len(a.OutputFields)+3)
	for k, v := range a.OutputFields {
		fields[k] = v
	}
	fields["container.id"] = a.ContainerID
	fields["container.name"] = a.ContainerName
	if a.ContainerImage != "" {
		fields["container.image"] = a.ContainerImage
	} else {
		fields["container.image"] = nil
	}
	h := a.Hostname
	if h == "" {
		h = hostname
	}
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	src := a.Source
	if src == "" {
		src = "syscall"
	}
	return Record{Hostname: h, Output: a.Output, OutputFields: fields, Priority: a.Priority.String(),
		Rule: a.Rule, Source: src, Tags: tags, Time: a.Time.UTC().Format(time.RFC3339Nano)}
}

// Format is how alerts are written as text.
type Format int

const (
	// JSON writes one Falco-format JSON record per line.
	JSON Format = iota
	// Text writes "TIME: Priority output" per line, like Falco's default.
	Text
)

// ParseFormat reads "json" or "text".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "json":
		return JSON, nil
	case "text":
		return Text, nil
	}
	return JSON, fmt.Errorf("unknown alert format %q (want json or text)", s)
}

func textLine(a rules.Alert) string {
	return a.Time.UTC().Format(time.RFC3339Nano) + ": " + a.Priority.String() + " " + a.Output
}

// Writer writes alerts to an io.Writer, one per line. It is safe for
// concurrent use.
type Writer struct {
	mu       sync.Mutex
	w        io.Writer
	format   Format
	hostname string
	closer   io.Closer
}

// NewWriter writes alerts to w in the given format. hostname fills the
// record's hostname when alerts carry none. If w is an io.Closer other than
// os.Stdout/os.Stderr, pass closeW to close it with the Writer.
func NewWriter(w io.Writer, format Format, hostname string, closeW bool) *Writer {
	out := &Writer{w: w, format: format, hostname: hostname}
	if c, ok := w.(io.Closer); ok && closeW {
		out.closer = c
	}
	return out
}

// Send writes one alert.
func (o *Writer) Send(a rules.Alert) error {
	var line []byte
	if o.format == Text {
		line = []byte(textLine(a) + "\n")
	} else {
		b, err := jsonRecord(a, o.hostname)
		if err != nil {
			return err
		}
		line = append(b, '\n')
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.w.Write(line); err != nil {
		return fmt.Errorf("write alert %q: %w", a.Rule, err)
	}
	return nil
}

// Close closes the underlying writer when NewWriter was asked to.
func (o *Writer) Close() error {
	if o.closer != nil {
		return o.closer.Close()
	}
	return nil
}

// Fanout sends every alert to several outputs.
type Fanout []Output

// NewFanout combines outputs; nil entries are skipped.
func NewFanout(outs ...Output) Fanout {
	var f Fanout
	for _, o := range outs {
		if o != nil {
			f = append(f, o)
		}
	}
	return f
}

// Send delivers to every output, even when one fails, and joins the errors.
func (f Fanout) Send(a rules.Alert) error {
	var errs []error
	for _, o := range f {
		if err := o.Send(a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every output and joins the errors.
func (f Fanout) Close() error {
	var errs []error
	for _, o := range f {
		if err := o.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

var (
	_ Output = (*Writer)(nil)
	_ Output = Fanout(nil)
)

func jsonRecord(a rules.Alert, hostname string) ([]byte, error) {
	b, err := json.Marshal(NewRecord(a, hostname))
	if err != nil {
		return nil, fmt.Errorf("encode alert %q: %w", a.Rule, err)
	}
	return b, nil
}
