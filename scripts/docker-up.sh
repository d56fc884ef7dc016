#!/usr/bin/env bash
# Installs Debian's Docker engine if it is missing, starts dockerd in the
# background (log in /var/log/bulkhead-dockerd.log) and waits until
# `docker info` answers. Idempotent: does nothing when a daemon already answers.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/var/log/bulkhead-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info --format 'dockerd {{.ServerVersion}} ({{.Driver}}, cgroup {{.CgroupVersion}})'
