package sensor

import (
	"errors"
	"fmt"
)

// Open starts a sensor. With ModeAuto it tries BPF and falls back to the
// proc connector and fanotify, logging why; ModeBPF and ModeFallback use
// that back end or fail.
func Open(opts Options) (*Sensor, error) {
	if opts.RepeatWindow < 0 {
		return nil, fmt.Errorf("open runtime sensor: negative repeat window %v", opts.RepeatWindow)
	}
	switch opts.Mode {
	case "", ModeAuto:
		s, err := openBPF(opts)
		if err == nil {
			logf(opts.Log, "sensor: %s", s.coverage)
			return s, nil
		}
		logf(opts.Log, "sensor: eBPF not available (%v); using the fallback", err)
		fs, ferr := openFallback(opts)
		if ferr != nil {
			return nil, fmt.Errorf("open runtime sensor: %w", errors.Join(err, ferr))
		}
		logf(opts.Log, "sensor: %s", fs.coverage)
		return fs, nil
	case ModeBPF:
		s, err := openBPF(opts)
		if err != nil {
			return nil, err
		}
		logf(opts.Log, "sensor: %s", s.coverage)
		return s, nil
	case ModeFallback:
		s, err := openFallback(opts)
		if err != nil {
			return nil, err
		}
		logf(opts.Log, "sensor: %s", s.coverage)
		return s, nil
	}
	return nil, fmt.Errorf("open runtime sensor: unknown mode %q (want auto, bpf or fallback)", opts.Mode)
}
