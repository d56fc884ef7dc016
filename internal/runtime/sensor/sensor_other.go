//go:build !linux

package sensor

import (
	"errors"
	"runtime"
)

// Open fails: the sensor needs Linux.
func Open(opts Options) (*Sensor, error) {
	return nil, errors.New("open runtime sensor: needs Linux, this is " + runtime.GOOS)
}
