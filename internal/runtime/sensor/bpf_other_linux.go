//go:build linux && !amd64 && !arm64

package sensor

import (
	"fmt"
	"runtime"
	"time"
)

// openBPF fails: the BPF objects are built for x86_64 and arm64 only.
func openBPF(Options) (*Sensor, error) {
	return nil, fmt.Errorf("load eBPF sensor: built for amd64 and arm64 only, this is %s", runtime.GOARCH)
}

// bootTime is unknown here; events get the time they are read.
func bootTime() time.Time { return time.Time{} }
