#!/usr/bin/env bash
# The Arm64 (NEON) leg: the correctness tests published for linux-arm64 and run under qemu-user emulation,
# where AdvSimd is on and Vector128 is the widest accelerated tier. Correctness only: timings under
# emulation mean nothing. Prints the xunit summary line; exit 3 when the emulator cannot be installed.
# Usage: bash scripts/arm64-leg.sh   (root for apt-get; about 3 minutes on 2 cores)
set -uo pipefail
cd "$(dirname "$0")/.."
sysroot=artifacts/arm64-sysroot
out=artifacts/arm64

if ! command -v qemu-aarch64-static >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  if [ "$(id -u)" -ne 0 ] || ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross >/dev/null; }; then
    echo "arm64 leg: apt-get could not install qemu-user-static and the arm64 cross libraries"
    exit 3
  fi
fi

# The xunit runner hashes test ids with SHA-256, which .NET on Linux takes from OpenSSL: an arm64 libssl
# is unpacked into a private sysroot (not installed), from the Debian archive of this machine's release.
if [ ! -e "$sysroot/usr/lib/aarch64-linux-gnu/libssl.so.3" ]; then
  mkdir -p "$sysroot"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64 && apt-get update -qq
  fi
  (cd artifacts && rm -f libssl3_*_arm64.deb && apt-get download -qq libssl3:arm64) \
    && dpkg-deb -x artifacts/libssl3_*_arm64.deb "$sysroot" \
    || { echo "arm64 leg: could not fetch libssl3:arm64"; exit 3; }
fi

dotnet publish tests -c Release -r linux-arm64 --self-contained -o "$out" -v quiet -nologo >/dev/null \
  || { echo "arm64 leg: publish for linux-arm64 failed"; exit 1; }

# W^X double-mapping confuses qemu-user (crashes in JIT-compiled code); the shared corpora would take
# hours under emulation (the x86 legs cover them), so that test reports itself skipped here.
mkdir -p artifacts/no-shared-corpora
cd "$out"
DOTNET_EnableWriteXorExecute=0 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
MECOM_SHARED_CORPORA="$PWD/../no-shared-corpora" LD_LIBRARY_PATH="$PWD/../arm64-sysroot/usr/lib/aarch64-linux-gnu" \
  qemu-aarch64-static -L /usr/aarch64-linux-gnu ./Mecom.Tests -noColor \
    -namespace Mecom.Tests.Pages -namespace Mecom.Tests.WordPattern -namespace Mecom.Tests.Delta \
    -namespace Mecom.Tests.Selection -namespace Mecom.Tests.Framing -namespace Mecom.Tests.Codecs
