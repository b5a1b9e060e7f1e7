#!/usr/bin/env bash
# Captures a real virtual machine into a corpus entry: a Debian kernel and a busybox initramfs running a
# small C key-value store (kvstore.c) under QEMU's TCG emulator (no KVM needed), full guest-physical dumps
# over QMP at fixed intervals, converted by `mecom corpus capture-vm`. Recipe: ../../../shared/design/vm-capture.md.
#
#   sudo bash corpora/vm/capture.sh [NAME] [RAM_MIB] [EPOCHS]      # default: vm-kvstore 128 5
#
# Needs root for apt-get (qemu-system-x86 linux-image-amd64 busybox-static cpio gcc libc6-dev python3).
# Takes about a minute on 2 cores. Not run in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=${1:-vm-kvstore}
ram=${2:-128}
epochs=${3:-5}
work=$(mktemp -d /tmp/mecom-vm.XXXXXX)
trap 'kill "$qemu_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
qemu_pid=

if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 linux-image-amd64 busybox-static cpio gcc libc6-dev python3 >/dev/null
fi
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
[ -r "$kernel" ] || { echo "no kernel in /boot: apt-get install linux-image-amd64" >&2; exit 2; }

# The initramfs: busybox, the workload, a few MB of real files (Python sources) for the page cache.
mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/tmp" "$work/root/data"
cp /bin/busybox "$work/root/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$work/root/bin/$applet"; done
gcc -O2 -static -o "$work/root/bin/kvstore" "$here/kvstore.c"
python_lib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
(cd "$python_lib" && find email json http logging xml -name '*.py' | cpio -pdm --quiet "$work/root/data/python") || true
cp "$here/init" "$work/root/init"
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

cmdline="console=ttyS0 rdinit=/init panic=-1 mitigations=off init_on_free=1 records=40000 hot=2000 rate=400"
qemu-system-x86_64 -accel tcg -machine pc -cpu qemu64 -smp 1 -m "$ram" \
  -kernel "$kernel" -initrd "$work/initramfs.cpio" -append "$cmdline" \
  -nographic -serial "file:$work/console" -monitor none \
  -qmp "unix:$work/qmp,server=on,wait=off" -nic none </dev/null >"$work/qemu.out" 2>&1 &
qemu_pid=$!

for _ in $(seq 1 180); do
  if grep -q STEADY "$work/console" 2>/dev/null; then break; fi
  if grep -qE "Kernel panic|Out of memory" "$work/console" 2>/dev/null; then tail -20 "$work/console" >&2; exit 1; fi
  sleep 1
done
grep -q STEADY "$work/console" || { echo "the workload never reported STEADY" >&2; tail -20 "$work/console" >&2; exit 1; }
sleep 8   # let one-off activity after the fill settle

qemu_version=$(qemu-system-x86_64 --version | head -n 1)
dotnet run -c Release --project "$root/src/Harness" -- corpus capture-vm --qmp "$work/qmp" --ram-mib "$ram" \
  --epochs "$epochs" --interval-ms 1000 --out "$root/corpora/$name" \
  --description "Linux guest ($ram MiB, 1 vCPU) running an in-memory key-value store: 40,000 JSON-like records, 400 updates/s on a 2,000-record hot set" \
  --captured-with "$qemu_version, TCG, -machine pc -cpu qemu64 -smp 1 -m $ram; kernel $(basename "$kernel"); cmdline: $cmdline; busybox initramfs with kvstore.c (gcc -O2 -static) and a few MB of page-cache files"
