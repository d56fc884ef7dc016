#!/bin/sh
# bench/image.sh: measure whole-image scans.
#
# Generates (once) under bench/out/ (gitignored):
#   image.tar  a docker-archive of ~1 GB uncompressed, ~60k files, 6 layers
#              (dpkg status, apk db, os-release, binaries, text, blobs,
#              whiteouts, an overwritten dpkg status)
#   tiny.tar   one layer of 300,000 tiny files
#   bomb.tar   one gzip layer holding a 4 GiB file of zeros (~4 MB)
# then measures wall time, CPU time and peak RSS (/usr/bin/time) of
# `bulkhead sbom docker-archive:...` cold (empty cache dir) and warm. When
# the bulkhead command cannot be built, bench/scanbench (the same scan
# through internal/scan with every extractor) is measured instead.
#
# Targets on a 2-core machine: image cold <= 2.8 s and <= 200 MB RSS, warm
# <= 0.15 s; tiny and bomb <= 400 MB RSS. On a loaded machine wall times
# are pessimistic: compare the CPU time (user+sys) too.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
[ -s "$out/image.tar" ] || go run ./bench/gen -kind image -o "$out/image.tar"
[ -s "$out/tiny.tar" ] || go run ./bench/gen -kind tiny -o "$out/tiny.tar"
[ -s "$out/bomb.tar" ] || go run ./bench/gen -kind bomb -o "$out/bomb.tar"

if go build -o "$out/bulkhead" ./cmd/bulkhead 2>/dev/null && "$out/bulkhead" sbom --help >/dev/null 2>&1; then
	tool=bulkhead
else
	go build -o "$out/scanbench" ./bench/scanbench
	tool=scanbench
fi
echo "measuring $tool"

cache=$(mktemp -d "$out/cache.XXXXXX")
trap 'rm -rf "$cache"' EXIT
fmt="wall %e s, cpu user %U s + sys %S s, peak rss %M KB"
for kind in image tiny bomb; do
	ref="docker-archive:$out/$kind.tar"
	for phase in cold warm; do
		if [ "$tool" = bulkhead ]; then
			/usr/bin/time -o "$cache/time" -f "$fmt" "$out/bulkhead" sbom --cache-dir "$cache/$kind" -q -f json -o /dev/null "$ref"
		else
			/usr/bin/time -o "$cache/time" -f "$fmt" "$out/scanbench" -cache "$cache/$kind" "$ref" >/dev/null
		fi
		printf '%-5s %-4s %s\n' "$kind" "$phase" "$(cat "$cache/time")"
	done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
