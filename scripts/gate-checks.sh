#!/usr/bin/env bash
# The gate's own acceptance checks (issue: `mecom gate`), on this machine:
#  1. a build gated against its own baseline passes 10 times out of 10;
#  2. the same build with DOTNET_EnableHWIntrinsic=0 is flagged: WKdm (our vector code) regresses, K4os LZ4
#     (scalar code) does not; ZstdSharp has vector paths of its own, so its verdict is shown, not required.
# Usage: bash scripts/gate-checks.sh   (after bash setup.sh; about 2 minutes)
set -uo pipefail
cd "$(dirname "$0")/.."
mecom="dotnet src/Harness/bin/Release/net10.0/mecom.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=corpora/python-sqlite
codecs=lz4,zstd:1,wkdm,mecom
status=0

$mecom baseline save --out "$work/base.json" --corpus "$corpus" --codecs "$codecs" --passes 10 >/dev/null || { echo "baseline save failed"; exit 1; }

passes=0
for i in $(seq 1 10); do
  if $mecom gate --baseline "$work/base.json" --markdown "$work/self-$i.md" >"$work/self-$i.log" 2>&1; then
    passes=$((passes + 1))
  else
    echo "self-gate $i failed:"; grep -E "regressed" "$work/self-$i.md"
  fi
done
echo "self-gate: $passes of 10 passed"
[ "$passes" -eq 10 ] || status=1

DOTNET_EnableHWIntrinsic=0 $mecom gate --baseline "$work/base.json" --markdown "$work/scalar.md" >"$work/scalar.log" 2>&1
code=$?
echo "scalar build: gate exit code $code (expected 1)"
grep -E "\| (wkdm|mecom:0) \| (compress|decompress) \|" "$work/scalar.md"
grep -E "\| (lz4|zstd:1) \| (compress|decompress) \|" "$work/scalar.md"
[ "$code" -eq 1 ] || status=1
grep -qE "\| wkdm \| compress \| .* \*\*regressed\*\* \|" "$work/scalar.md" || { echo "wkdm compress was not flagged"; status=1; }
if grep -qE "\| lz4 \| [a-z]+ \| .* \*\*regressed\*\* \|" "$work/scalar.md"; then echo "the scalar codec (lz4) was flagged"; status=1; fi
exit $status
