#!/bin/sh
# bench/sbom.sh: measure `bulkhead scan sbom` of ~200 MB SBOMs.
#
# Generates (once) under bench/out/ (gitignored), with bench/sbomgen:
#   sbom.cdx.json   CycloneDX 1.6, 262,000 packages (~200 MB)
#   sbom.spdx.json  SPDX 2.3, 111,000 packages (~200 MB)
# then measures wall time, CPU time and peak RSS (/usr/bin/time) of
# `bulkhead scan sbom FILE --db MISSING -f json -o /dev/null`
# (no vulnerability database: the decode is what is measured).
#
# Target: peak RSS under 1 GB for each (docs/image-core.md, "SBOM input").
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
if [ ! -s "$out/sbom.cdx.json" ] || [ ! -s "$out/sbom.spdx.json" ]; then
	go build -o "$out/sbomgen" ./bench/sbomgen
	[ -s "$out/sbom.cdx.json" ] || "$out/sbomgen" -format cyclonedx -n 262000 -o "$out/sbom.cdx.json"
	[ -s "$out/sbom.spdx.json" ] || "$out/sbomgen" -format spdx -n 111000 -o "$out/sbom.spdx.json"
fi
bin=${BULKHEAD:-$out/bulkhead}
[ -n "${BULKHEAD:-}" ] || go build -o "$bin" ./cmd/bulkhead
db=$(mktemp -d "$out/db.XXXXXX")
trap 'rm -rf "$db"' EXIT
fmt="wall %e s, cpu user %U s + sys %S s, peak rss %M KB"
for f in sbom.cdx.json sbom.spdx.json; do
	size=$(wc -c <"$out/$f")
	# The missing database makes the exit code 1 where skipped scanners
	# fail; the decode has run by then.
	/usr/bin/time -o "$db/time" -f "$fmt" "$bin" scan sbom "$out/$f" --db "$db/none.db" -q -f json -o /dev/null || true
	printf '%-15s %4d MB  %s\n' "$f" $((size / 1000000)) "$(cat "$db/time")"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
