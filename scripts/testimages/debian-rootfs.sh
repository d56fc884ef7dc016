#!/bin/sh
# debian-rootfs.sh [OUT.tar]: build a real Debian bookworm root filesystem
# with mmdebstrap --variant=minbase, as a tarball, once a day: the tarball
# is cached as ${TMPDIR:-/tmp}/bulkhead-test-bookworm-YYYYMMDD.tar so that
# every test package of one run (and later runs that day) reuse it. Prints
# the tarball's path. Needs root (or fakeroot) and Debian's mirror.
set -eu
out=${1:-${TMPDIR:-/tmp}/bulkhead-test-bookworm-$(date -u +%Y%m%d).tar}
exec 9>"$out.lock"
flock 9
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi
tmp="$out.partial-$$.tar"
trap 'rm -f "$tmp"' EXIT
mmdebstrap --quiet --variant=minbase bookworm "$tmp" >&2
mv "$tmp" "$out"
trap - EXIT
echo "$out"
