#!/usr/bin/env bash
# One-command set-up: optional native codec libraries (when root with apt-get), restore, build.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # liblz4, libzstd and liblzo2 back the native-* codec rows; without them those rows say "unavailable".
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-1 libzstd1 liblzo2-2 >/dev/null; }; then
    echo "setup: could not install liblz4-1 libzstd1 liblzo2-2; the native-* codecs will be listed as unavailable" >&2
  fi
  # The plots' text: the SkiaSharp build in use ignores fontconfig, so without this font the PNGs have no text.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; then
    echo "setup: could not install fonts-dejavu-core; plots will have no text" >&2
  fi
else
  echo "setup: not root (or no apt-get): skipping the optional native libraries liblz4-1 libzstd1 liblzo2-2" >&2
fi

dotnet restore Benchmarks.sln
dotnet build Benchmarks.sln -c Release --no-restore

# `mecom` on the PATH: the harness packed as a .NET tool and installed from this checkout. A version per
# build, so a reinstall never takes a stale package of the same version from the NuGet cache.
version="0.1.0-dev.$(date -u +%Y%m%d%H%M%S)"
rm -rf artifacts/nupkg
dotnet tool uninstall --global mecom >/dev/null 2>&1 || true
if dotnet pack src/Harness -c Release --no-build -p:Version="$version" -v quiet -nologo >/dev/null \
   && dotnet tool install --global --add-source artifacts/nupkg mecom --version "$version" >/dev/null; then
  case ":$PATH:" in
    *":$HOME/.dotnet/tools:"*) echo "setup: installed mecom $version" ;;
    *) echo "setup: installed mecom $version in ~/.dotnet/tools; add it to PATH: export PATH=\"\$PATH:\$HOME/.dotnet/tools\"" ;;
  esac
else
  echo "setup: could not install the mecom tool; run it as dotnet src/Harness/bin/Release/net10.0/mecom.dll" >&2
fi
