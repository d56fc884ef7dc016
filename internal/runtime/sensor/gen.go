package sensor

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go@v0.22.0 -go-package sensor -tags linux -target amd64,arm64 -type event -type prefix_key bpfSensor bpf/sensor.c -- -I./bpf -O2 -g -Wall
