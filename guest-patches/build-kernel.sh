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
# so a second run, from any clone, only copies it. Beside it, kbuild/ holds
# what building an external module against this kernel needs (the files
# Debian's linux-headers packages hold: Makefiles, include/, scripts/ with
# its host tools, objtool, .config, Module.symvers), and OUT_BZIMAGE.kbuild
# is made a symbolic link to it: `make -C OUT_BZIMAGE.kbuild M=DIR modules`.
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
    ln -sfn "$CACHE/kbuild" "$OUT.kbuild"
}

# export_kbuild TREE DEST: the external-module build tree, as
# scripts/package/builddeb's deploy_kernel_headers selects it.
export_kbuild() {
    (
        cd "$1"
        {
            find . arch/x86 -maxdepth 1 -name 'Makefile*'
            find include scripts -type f -o -type l
            find arch/x86 -name Kbuild.platforms -o -name Platform
            # shellcheck disable=SC2046
            find $(find arch/x86 -name include -o -name scripts -type d) -type f
            find arch/x86/include Module.symvers -type f
            if grep -qx CONFIG_OBJTOOL=y .config; then echo tools/objtool/objtool; fi
            echo .config
        } | LC_ALL=C sort -u | tar -cf - -T -
    ) | tar -xf - -C "$2"
}

if [ -f "$CACHE/bzImage" ] && [ -f "$CACHE/kbuild/Module.symvers" ]; then
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
# CONFIG_MODULES makes olddefconfig pick "m" for some default-m drivers;
# the kernel builds none (it stays the tinyconfig kernel it was) and only
# loads external modules (guest-patches/lockbench).
if grep -q '=m$' "$tree/.config"; then
    sed -i 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' "$tree/.config"
    make -s -C "$tree" olddefconfig >/dev/null
fi
# Every line of the fragment must have survived (a missing dependency
# drops an option silently).
missing=$(grep '^CONFIG_' "$HERE/linux-6.1/holdfast.config" | while read -r line; do
    grep -qx "$line" "$tree/.config" || echo "$line"
done)
[ -z "$missing" ] || die "config options did not stick: $missing"
jobs=$(nproc)
echo "$prog: building bzImage with $jobs jobs (a few minutes)"
# "modules" also writes Module.symvers (the kernel's exported symbols).
make -s -C "$tree" -j"$jobs" bzImage modules KBUILD_BUILD_TIMESTAMP=holdfast \
    KBUILD_BUILD_USER=holdfast KBUILD_BUILD_HOST=holdfast >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; die "kernel build failed"; }
mkdir -p "$CACHE"
rm -rf "$CACHE/kbuild" "$CACHE/kbuild.tmp"
mkdir "$CACHE/kbuild.tmp"
export_kbuild "$tree" "$CACHE/kbuild.tmp"
mv "$CACHE/kbuild.tmp" "$CACHE/kbuild"
cp "$tree/arch/x86/boot/bzImage" "$CACHE/bzImage.tmp.$$"
mv "$CACHE/bzImage.tmp.$$" "$CACHE/bzImage"
install_out
echo "$prog: built $key ($(wc -c < "$OUT") bytes) -> $OUT"
