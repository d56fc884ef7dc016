#!/usr/bin/env bash
# Run the runtime sensor's tests (internal/runtime/sensor) on a real arm64
# Linux kernel: Debian's arm64 kernel emulated by QEMU (TCG) on any host,
# booted with an initramfs only (no disk) holding a static init
# (internal/runtime/sensor/internal/vminit), busybox, and the package's
# test binary built for arm64. Exits 0 only when the guest prints
# "BULKHEAD-VM-RESULT: PASS".
#
# Needs root and apt-get the first time (it installs qemu-system-arm, adds
# the arm64 architecture to dpkg and downloads the kernel and busybox
# packages, without installing them); the kernel and busybox are kept in
# the cache folder and reused.
#
# Environment:
#   BULKHEAD_ARM64_CACHE    cache folder (default $HOME/.cache/bulkhead-arm64)
#   BULKHEAD_ARM64_RUN      -test.run pattern (default: every test)
#   BULKHEAD_ARM64_SKIP     -test.skip pattern (default: TestSyscallNumbers,
#                           which reads the host's kernel headers, not the
#                           running kernel)
#   BULKHEAD_ARM64_COUNT    -test.count (default 1; more to look for flaky tests)
#   BULKHEAD_ARM64_TIMEOUT  seconds before the VM is killed (default 600)
#   BULKHEAD_ARM64_CPU      QEMU -cpu (default max,pauth-impdef=on)
#   BULKHEAD_ARM64_QEMU     more QEMU arguments, split on spaces (default
#                           "-accel tcg,thread=single": with multi-threaded
#                           TCG, QEMU 7.2's guest intermittently ran for
#                           seconds without the sys_exit tracepoint firing
#                           after the sensor attached, on every vCPU and
#                           for every process, which single-threaded TCG
#                           never showed; see docs/runtime-sensor.md)
#   BULKHEAD_ARM64_KERNEL   a Debian arm64 kernel package name to use
#                           instead of the one linux-image-arm64 depends on
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${BULKHEAD_ARM64_CACHE:-${HOME:-/root}/.cache/bulkhead-arm64}
run=${BULKHEAD_ARM64_RUN:-.}
skip=${BULKHEAD_ARM64_SKIP:-^TestSyscallNumbers\$}
count=${BULKHEAD_ARM64_COUNT:-1}
timeout_s=${BULKHEAD_ARM64_TIMEOUT:-600}
cpu=${BULKHEAD_ARM64_CPU:-max,pauth-impdef=on}
qemu_args=${BULKHEAD_ARM64_QEMU:--accel tcg,thread=single}
mkdir -p "$cache"
t0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "arm64-sensor-test: $*" >&2; }

as_root() {
  if [ "$(id -u)" -ne 0 ]; then
    say "$* needs root"
    exit 1
  fi
  "$@"
}

# 1. QEMU, the kernel and busybox
if ! command -v qemu-system-aarch64 >/dev/null; then
  say "installing qemu-system-arm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
fi
arm64_index() {
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    as_root dpkg --add-architecture arm64
  fi
  if ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1; then
    as_root apt-get update -qq
  fi
}
# the downloads are shared by concurrent runs: one fetches under a lock and
# renames the finished folder into place
k="$cache/kernel"
work=""
dl=""
cleanup() { rm -rf "$dl" "$work"; }
trap cleanup EXIT
exec 9>"$cache/lock"
flock 9
if [ ! -s "$k/vmlinuz" ] || [ ! -s "$k/busybox" ] || [ ! -d "$k/modules" ]; then
  arm64_index
  kpkg=${BULKHEAD_ARM64_KERNEL:-}
  if [ -z "$kpkg" ]; then
    # the current kernel of the release: what linux-image-arm64 depends on
    kpkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[^ :]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -1)
    [ -n "$kpkg" ] || { say "cannot tell which kernel linux-image-arm64 depends on"; exit 1; }
    # the unsigned image holds the same kernel, without the secure-boot signature
    if apt-cache show "$kpkg-unsigned:arm64" >/dev/null 2>&1; then kpkg=$kpkg-unsigned; fi
  fi
  dl=$(mktemp -d "$cache/download.XXXXXX")
  say "downloading $kpkg:arm64 and busybox-static:arm64"
  (cd "$dl" && chmod 777 . && apt-get download -q "$kpkg:arm64" busybox-static:arm64 >/dev/null 2>&1) ||
    { say "apt-get download $kpkg:arm64 busybox-static:arm64 failed"; exit 1; }
  mkdir "$dl/x" "$dl/k"
  for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$dl/x"; done
  cp "$dl"/x/boot/vmlinuz-* "$dl/k/vmlinuz"
  cp "$dl"/x/boot/config-* "$dl/k/config"
  cp "$dl/x/bin/busybox" "$dl/k/busybox"
  # overlayfs is a module in Debian's kernel: the second run loads it
  kver=$(basename "$dl"/x/lib/modules/*)
  mkdir -p "$dl/k/modules/$kver/kernel/fs/overlayfs"
  cp "$dl/x/lib/modules/$kver/kernel/fs/overlayfs/overlay.ko" "$dl/k/modules/$kver/kernel/fs/overlayfs/"
  echo "kernel/fs/overlayfs/overlay.ko:" > "$dl/k/modules/$kver/modules.dep"
  echo "alias fs-overlay overlay" > "$dl/k/modules/$kver/modules.alias"
  (cd "$dl" && ls ./*.deb | xargs -n1 basename) > "$dl/k/packages"
  rm -rf "$k"
  mv "$dl/k" "$k"
  rm -rf "$dl"
fi
flock -u 9
for opt in CONFIG_BPF_SYSCALL CONFIG_DEBUG_INFO_BTF CONFIG_BPF_EVENTS CONFIG_SERIAL_AMBA_PL011_CONSOLE CONFIG_BLK_DEV_INITRD; do
  grep -qx "$opt=y" "$k/config" || { say "the cached kernel lacks $opt=y"; exit 1; }
done
say "kernel $(tr '\n' ' ' < "$k/packages")(ready after $(since "$t0")s)"

# 2. the initramfs: init, busybox, the test binary and the package's files
t1=$(date +%s.%N)
work=$(mktemp -d "$cache/run.XXXXXX")
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,etc,root,var/tmp,pkg}
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -o "$root/init" ./internal/runtime/sensor/internal/vminit
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go test -c -trimpath -o "$root/pkg/sensor.test" ./internal/runtime/sensor
cp "$k/busybox" "$root/bin/busybox"
for app in sh cat true false sleep ls ln mkdir rm echo env id ps mount; do ln -s busybox "$root/bin/$app"; done
# the package's folder as the test binary's working directory: the BPF
# objects (TestObjectsBothArches parses both) and the fuzz corpus
cp internal/runtime/sensor/*.o "$root/pkg/"
cp -r internal/runtime/sensor/testdata "$root/pkg/"
echo bulkhead-arm64 > "$root/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
mkdir -p "$root/lib"
cp -r "$k/modules" "$root/lib/modules"
# Two runs. The first without /sbin/modprobe: the kernel cannot load
# overlayfs, so every program loads with struct ovl_inode unknown (the
# case of a sensor started before Docker on a kernel whose module
# cannot be loaded) and TestBPFExecOverlayLayer skips. The second with
# it: the sensor's Open loads the module, and the exec test must pass.
{
  printf '%s\n' /pkg/sensor.test -test.v "-test.count=$count" -test.timeout=8m "-test.run=$run" "-test.skip=$skip"
  echo --
  echo "@symlink /bin/busybox /sbin/modprobe"
  printf '%s\n' /pkg/sensor.test -test.v -test.count=1 -test.timeout=2m '-test.run=^TestBPFExecOverlayLayer$'
} > "$root/pkg/args"
go run ./internal/runtime/sensor/internal/mkinitramfs -o "$work/initramfs.cpio" "$root"
say "initramfs $(du -h "$work/initramfs.cpio" | cut -f1) built in $(since "$t1")s"

# 3. boot
t2=$(date +%s.%N)
log="$work/console.log"
say "booting (console kept in $cache/console.log, timeout ${timeout_s}s)"
set +e
timeout --kill-after=10 "$timeout_s" qemu-system-aarch64 -M virt -cpu "$cpu" -smp 2 -m 2048 \
  $qemu_args -nographic -no-reboot -monitor none -serial stdio -nodefaults \
  -kernel "$k/vmlinuz" -initrd "$work/initramfs.cpio" \
  -append "console=ttyAMA0 panic=-1 rdinit=/init quiet loglevel=4" </dev/null 2>&1 | tee "$log"
qemu=${PIPESTATUS[0]}
set -e
cp "$log" "$cache/console.log" 2>/dev/null || true
say "qemu exited $qemu after $(since "$t2")s (total $(since "$t0")s)"
result=$(grep -a '^BULKHEAD-VM-RESULT:' "$log" | tail -1 | tr -d '\r')
case "$result" in
"BULKHEAD-VM-RESULT: PASS exit=0") say "PASS"; exit 0 ;;
"") say "FAIL: no result line from the VM (qemu exit $qemu)"; exit 1 ;;
*) say "FAIL: $result"; exit 1 ;;
esac
