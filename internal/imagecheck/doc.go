// Package imagecheck checks a built image for bad practice, as pure
// functions of what a scan already collected: the image config, the layer
// history, the final filesystem's file metadata, the OS release and the
// installed packages.
//
// Check runs every check listed in checks.go (ids BH-IMG-NNN, aliases to
// Dockle's CIS-DI-* and DKL-* ids) and returns findings of kind
// misconfiguration, located by path or config object and by the layer that
// added the file. It reads nothing and never fails: a missing piece of input
// (no config, no OS) only silences the checks that need it.
//
// The "slimness" checks (shells, package managers, compilers, network
// tools) each give one finding that lists what could be removed, with each
// file's size and layer, and in Extra the total per layer.
package imagecheck
