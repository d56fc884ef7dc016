// Package meta holds no code: its tests check the repository itself, so that
// every package stays documented, data keeps flowing one way between the
// layers DESIGN.md draws, and only the sensor imports cilium/ebpf.
package meta
