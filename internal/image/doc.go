// Package image opens container images from every source bulkhead knows
// (the Docker daemon, registries, docker save archives, OCI layouts and
// archives, unpacked root filesystems) through go-containerregistry, and
// streams their layers once each as tar entries.
//
// Open returns an *Image: its metadata (digests, tags, platform, config,
// layers with the history line that made each) and WalkLayer/WalkLayers,
// which decompress a layer (gzip, zstd or plain tar) on the fly and call a
// function per entry. Whiteouts and opaque-directory markers are reported as
// such; hostile entries (paths escaping the root, links out of it, device
// files) are skipped or flagged with a warning; Limits bound the bytes,
// entries and file sizes of every walk. Nothing is written to disk.
//
// Errors that a command reports to a user wrap one of ErrNotFound,
// ErrDaemonUnavailable, ErrUnauthorized or ErrBadRef and end with a hint.
package image
