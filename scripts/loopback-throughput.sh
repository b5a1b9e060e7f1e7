#!/usr/bin/env bash
# Raw loopback throughput of a two-process migration (target and source over 127.0.0.1), without and
# with a token (with one, every message after the handshake carries an HMAC-SHA256 trailer). Prints each
# run's round 0 (every page, raw, unpaced at 100gbit) in Gbit/s: bytes of round 0 / its duration.
# usage: scripts/loopback-throughput.sh [MECOM_DLL] [REPEATS]   (after a Release build; from the repository root)
set -euo pipefail
dll=${1:-src/Harness/bin/Release/net10.0/mecom.dll}
repeats=${2:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=$((20000 + RANDOM % 20000))
for mode in none token; do
  # The legacy variable, which builds before --token-file and MECOM_TOKEN read too: before/after side by side.
  if [ "$mode" = token ]; then export MECOM_MIGRATE_TOKEN="loopback-throughput token"; else unset MECOM_MIGRATE_TOKEN; fi
  for i in $(seq "$repeats"); do
    dotnet "$dll" migrate target --listen "127.0.0.1:$port" >"$out/target.log" 2>&1 &
    tpid=$!
    for _ in $(seq 50); do grep -q listening "$out/target.log" 2>/dev/null && break; sleep 0.1; done
    timeout 300 dotnet "$dll" migrate source --to "127.0.0.1:$port" --strategy raw --bandwidth 100gbit \
      --stop xen --json "$out/run.json" >/dev/null
    kill "$tpid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
    jq -r --arg mode "$mode" '.runs[0] | "\($mode)\tround 0: \(.perRound[0].bytes) bytes in \(.perRound[0].durationMs | floor) ms = \((.perRound[0].bytes * 8 / (.perRound[0].durationMs / 1000) / 1e9) * 100 | floor / 100) Gbit/s; exact \(.exact)"' "$out/run.json"
  done
done
