#!/bin/sh
# bench/scan.sh: measure what scanning adds to the SBOM of the 1 GB bench
# image (bench/image.sh generates it): `sbom`, `scan image --scanners vuln`
# and the default `scan image` (vulnerabilities + secrets + image checks),
# each cold (empty cache) and warm, with wall time, CPU and peak RSS; then
# `lint` over 1,000 generated Dockerfiles in one process.
#
# The vulnerability database is built from ../shared/vulndata when present
# (OSV, NVD and KEV, so that severities are rated as in real use), else
# from the repository's own fixtures.
#
# Then the secret scanner alone: `scan image --scanners secret` of the bench
# image, and `scan fs --scanners secret` of 19,200 small source files (96
# files of the secret corpus, copied 200 times).
#
# Targets on a 2-core machine: vulnerability scan within 0.3 s of the SBOM
# time; default scan <= 3.5 s and <= 250 MB RSS; lint >= 1,000 files/s;
# secret scan of the image <= 3.5 s and <= 150 MB; 19,200 files <= 2.5 s.
set -eu
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
[ -s "$out/image.tar" ] || go run ./bench/gen -kind image -o "$out/image.tar"
go build -o "$out/bulkhead" ./cmd/bulkhead
bh="$out/bulkhead"

db="$out/osv.db"
if [ ! -s "$db" ]; then
	if [ -d ../shared/vulndata/osv ]; then
		"$bh" db import --db "$db" ../shared/vulndata/osv ../shared/vulndata/nvd ../shared/vulndata/kev \
			internal/vulndb/testdata/epss/epss_scores-2025-08-25.csv.gz >/dev/null
	else
		"$bh" db import --db "$db" internal/vulndb/testdata/osv examples/nvd >/dev/null
	fi
fi

tmp=$(mktemp -d "$out/scan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fmt="wall %e s, cpu user %U s + sys %S s, peak rss %M KB"
ref="docker-archive:$out/image.tar"
measure() { # name, then the bulkhead arguments
	name=$1
	shift
	for phase in cold warm; do
		/usr/bin/time -o "$tmp/time" -f "$fmt" "$bh" "$@" --cache-dir "$tmp/cache-$name" -q -f json -o /dev/null "$ref" || true
		printf '%-8s %-4s %s\n' "$name" "$phase" "$(cat "$tmp/time")"
	done
}
measure sbom sbom
measure vuln scan image --db "$db" --scanners vuln
measure default scan image --db "$db"
measure secret scan image --scanners secret

# secrets in 19,200 small files: the secret corpus, 96 files copied 200 times.
src=$(find internal/secret/testdata/corpus -type f ! -name WANT | sort | head -96)
i=0
while [ $i -lt 200 ]; do
	d="$tmp/src/copy$i"
	for f in $src; do
		mkdir -p "$d/$(dirname "$f")"
		cp "$f" "$d/$f"
	done
	i=$((i + 1))
done
n=$(find "$tmp/src" -type f | wc -l)
/usr/bin/time -o "$tmp/time" -f "$fmt" "$bh" scan fs --scanners secret -q -f json -o /dev/null "$tmp/src" || true
printf '%-8s      %s (%s files)\n' secretfs "$(cat "$tmp/time")" "$n"

# lint: 1,000 realistic Dockerfiles in one process.
mkdir -p "$tmp/df"
i=0
while [ $i -lt 1000 ]; do
	cat >"$tmp/df/Dockerfile.$i" <<DF
# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app$i ./cmd/app
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl=7.88.1-10+deb12u$i \\
 && rm -rf /var/lib/apt/lists/*
RUN useradd -r -u 10001 app
COPY --from=build /out/app$i /usr/local/bin/app
ENV PORT=8080
EXPOSE 8080
USER app
HEALTHCHECK CMD curl -fsS http://localhost:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/app"]
DF
	i=$((i + 1))
done
/usr/bin/time -o "$tmp/time" -f "$fmt" "$bh" lint -q -f json -o /dev/null "$tmp"/df/Dockerfile.* || true
printf '%-8s      %s (1000 files)\n' lint "$(cat "$tmp/time")"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
