#!/usr/bin/env bash
# The full soak: one 'mecom migrate target' process serving N small migrations (default 1000) with a
# hostile peer after each (garbage, a trickling handshake, a 3,000-spelling codec-name flood, a forged
# 2 GiB frame), every migration exact; prints the target's RSS and open descriptors at start and end.
# usage: scripts/soak-target.sh [N]   (from the repository root, after 'dotnet build tests -c Release')
set -euo pipefail
report=$(mktemp)
trap 'rm -f "$report"' EXIT
MECOM_SOAK_MIGRATIONS=${1:-1000} MECOM_SOAK_REPORT="$report" timeout 3600 \
  dotnet test tests -c Release --no-build --filter "FullyQualifiedName~SoakTests" >/dev/null
cat "$report"
