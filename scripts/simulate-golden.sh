#!/usr/bin/env bash
# Behaviour check for refactors of the migration code: three seeded `mecom simulate --free-cpu` runs
# (no timing, so the same build gives the same runs on any machine), their runs (the file without its
# envelope: machine, commit, date, command line), and a sha256 of each. Run before and after a change that must not change behaviour; compare the sums.
# usage: scripts/simulate-golden.sh OUTDIR   (from the repository root, after a Release build)
set -euo pipefail
out=${1:?usage: scripts/simulate-golden.sh OUTDIR}
mkdir -p "$out"
mecom="dotnet src/Harness/bin/Release/net10.0/mecom.dll"
$mecom simulate --free-cpu --bandwidth 100mbit,1gbit --json "$out/trace.json" >/dev/null
$mecom simulate --free-cpu --dirty-rate 3000 --seed 5 --bandwidth 1gbit,10gbit --stop xen --json "$out/synthetic.json" >/dev/null
$mecom simulate --free-cpu --strategy mecom,mecom+delta,adaptive --batch 32 --raw-above 0.5 --latency 2 --json "$out/tuned.json" >/dev/null
for f in "$out"/trace.json "$out"/synthetic.json "$out"/tuned.json; do
  jq '{runs}' "$f" >"${f%.json}.runs.json"
done
(cd "$out" && sha256sum trace.runs.json synthetic.runs.json tuned.runs.json)
