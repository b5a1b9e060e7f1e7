#!/usr/bin/env bash
# One-command set-up: optional native codec libraries (when root with apt-get), restore, build.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # liblz4, libzstd and liblzo2 back the native-* codec rows; without them those rows say "unavailable".
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-1 libzstd1 liblzo2-2 >/dev/null; }; then
    echo "setup: could not install liblz4-1 libzstd1 liblzo2-2; the native-* codecs will be listed as unavailable" >&2
  fi
else
  echo "setup: not root (or no apt-get): skipping the optional native libraries liblz4-1 libzstd1 liblzo2-2" >&2
fi

dotnet restore Benchmarks.sln
dotnet build Benchmarks.sln -c Release --no-restore
