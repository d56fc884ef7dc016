package sensor

import "errors"

func openFallback(opts Options) (*Sensor, error) { return nil, errors.New("TODO") }
