#!/bin/sh
# build-kernel.sh OUT_BZIMAGE
#
# Builds the patched guest kernel: Debian's linux-source-6.1 (installed
# with apt-get if missing), the patch series guest-patches/linux-6.1/*.patch
# (git format-patch output, applied in order with `patch -p1`), Holdfast's
# paravirt/holdfast_abi.h installed as include/linux/holdfast_abi.h (one
# ABI header for the hypervisor and the guest), and the config fragment
# guest-patches/linux-6.1/holdfast.config merged over `make tinyconfig`.
# The bzImage is cached by the hash of every input in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/guest-kernel/<sha256>/bzImage
# so a second run, from any clone, only copies it.
set -eu

prog=guest-kernel
die() { echo "$prog: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUT_BZIMAGE"
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SRC=/usr/src/linux-source-6.1.tar.xz
DEPS="linux-source-6.1 bc bison flex libelf-dev libssl-dev cpio xz-utils build-essential"

# shellcheck disable=SC2086
"$ROOT/boot/install-deps.sh" $DEPS
[ -r "$SRC" ] || die "$SRC missing after installing linux-source-6.1"

key=$({
    dpkg-query -W -f='${Version}\n' linux-source-6.1
    gcc --version | head -n 1
    for f in "$HERE"/linux-6.1/*.patch "$HERE/linux-6.1/holdfast.config" \
             "$ROOT/paravirt/holdfast_abi.h" "$0"; do
        echo "$(basename "$f") $(sha256sum "$f" | cut -d' ' -f1)"
    done
} | sha256sum | cut -d' ' -f1)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/guest-kernel/$key

install_out() {
    mkdir -p "$(dirname "$OUT")"
    cp "$CACHE/bzImage" "$OUT.tmp.$$"
    mv "$OUT.tmp.$$" "$OUT"
}

if [ -f "$CACHE/bzImage" ]; then
    install_out
    echo "$prog: cached $key -> $OUT"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "$prog: unpacking $SRC"
tar -xf "$SRC" -C "$work"
tree=$work/linux-source-6.1
for p in "$HERE"/linux-6.1/*.patch; do
    echo "$prog: applying $(basename "$p")"
    patch -d "$tree" -p1 --forward --quiet < "$p" ||
        die "$(basename "$p") does not apply to $(dpkg-query -W -f='${Version}' linux-source-6.1)"
done
cp "$ROOT/paravirt/holdfast_abi.h" "$tree/include/linux/holdfast_abi.h"
make -s -C "$tree" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" \
    "$HERE/linux-6.1/holdfast.config" >/dev/null
make -s -C "$tree" olddefconfig >/dev/null
# Every line of the fragment must have survived (a missing dependency
# drops an option silently).
missing=$(grep '^CONFIG_' "$HERE/linux-6.1/holdfast.config" | while read -r line; do
    grep -qx "$line" "$tree/.config" || echo "$line"
done)
[ -z "$missing" ] || die "config options did not stick: $missing"
jobs=$(nproc)
echo "$prog: building bzImage with $jobs jobs (a few minutes)"
make -s -C "$tree" -j"$jobs" bzImage KBUILD_BUILD_TIMESTAMP=holdfast \
    KBUILD_BUILD_USER=holdfast KBUILD_BUILD_HOST=holdfast >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; die "kernel build failed"; }
mkdir -p "$CACHE"
cp "$tree/arch/x86/boot/bzImage" "$CACHE/bzImage.tmp.$$"
mv "$CACHE/bzImage.tmp.$$" "$CACHE/bzImage"
install_out
echo "$prog: built $key ($(wc -c < "$OUT") bytes) -> $OUT"
