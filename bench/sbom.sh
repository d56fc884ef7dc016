#!/bin/sh
# bench/sbom.sh: measure `bulkhead scan sbom` of ~200 MB SBOMs.
#
# Generates (once) under bench/out/ (gitignored), with a test helper of
# internal/sbomread (bulkhead's own writers over a generated report):
#   sbom.cdx.json   CycloneDX 1.6, 262,000 packages (~200 MB)
#   sbom.spdx.json  SPDX 2.3, 111,000 packages (~200 MB)
# then measures wall time, CPU time and peak RSS (/usr/bin/time) of
# `bulkhead scan sbom FILE --db MISSING -f table|json -o /dev/null`
# (no vulnerability database: the decode is what is measured).
#
# Target: peak RSS under 1 GB for each (docs/output-formats.md, "SBOM input").
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
if [ ! -s "$out/sbom.cdx.json" ] || [ ! -s "$out/sbom.spdx.json" ]; then
	BULKHEAD_SBOM_BENCH_DIR=$(pwd)/$out BULKHEAD_SBOM_BENCH_CDX=262000 BULKHEAD_SBOM_BENCH_SPDX=111000 \
		go test -count=1 -run '^TestWriteBenchSBOMs$' ./internal/sbomread >/dev/null
fi
bin=${BULKHEAD:-$out/bulkhead}
[ -n "${BULKHEAD:-}" ] || go build -o "$bin" ./cmd/bulkhead
db=$(mktemp -d "$out/db.XXXXXX")
trap 'rm -rf "$db"' EXIT
fmt="wall %e s, cpu user %U s + sys %S s, peak rss %M KB"
for f in sbom.cdx.json sbom.spdx.json; do
	size=$(wc -c <"$out/$f")
	for format in table json; do
		# A missing database may make the exit code 1 where a skipped
		# scanner fails; the decode has run by then.
		/usr/bin/time -o "$db/time" -f "$fmt" "$bin" scan sbom "$out/$f" --db "$db/none.db" -q -f $format -o /dev/null || true
		printf '%-15s %4d MB %-5s %s\n' "$f" $((size / 1000000)) $format "$(cat "$db/time")"
	done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
