#!/usr/bin/env bash
# Fleet figures of `bulkhead serve` and `bulkhead agent` (docs/deployment.md):
# ingest of 1,000 SBOMs of 500 packages, rematch of all of them, "where is
# CVE-X" over them, alert ingest in batches (SQLite and PostgreSQL), and the
# agent's idle RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench Fleet -benchtime 1x ./internal/server

# The agent, idle, against a local server.
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/bulkhead" ./cmd/bulkhead
db="sqlite://$tmp/fleet.db"
"$tmp/bulkhead" serve --addr 127.0.0.1:17700 --database "$db" --db "$tmp/osv.db" 2>"$tmp/serve.log" &
tok=$("$tmp/bulkhead" token create --database "$db" --scope agent 2>/dev/null)
sleep 2
BULKHEAD_TOKEN=$tok "$tmp/bulkhead" agent --server http://127.0.0.1:17700 --host-id bench --queue-dir "$tmp/q" \
  --cache-dir "$tmp/cache" ${AGENT_FLAGS:-} 2>"$tmp/agent.log" &
agent=$!
sleep "${IDLE_WAIT:-30}"
echo "agent idle: $(grep VmRSS /proc/$agent/status) ($(docker ps -q | wc -l) containers on the daemon)"
