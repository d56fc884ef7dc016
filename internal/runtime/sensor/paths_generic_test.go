//go:build linux && !amd64

package sensor

// legacyPathCalls does nothing: arm64 (the asm-generic table) has no mkdir,
// symlink or link, only their *at forms, which TestHelperPaths makes.
func legacyPathCalls() {}

// legacyPathWant is empty.
var legacyPathWant []pathEvent
