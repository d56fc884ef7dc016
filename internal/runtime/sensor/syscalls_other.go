//go:build !amd64 && !arm64

package sensor

// nativeSyscalls is empty: the BPF sensor is built for amd64 and arm64
// only, so no record is ever decoded here (Decode reports any syscall
// record as unknown).
var nativeSyscalls = map[uint32]sysCall{}
