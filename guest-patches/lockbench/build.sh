#!/bin/sh
# build.sh GUEST_DIR
#
# Builds hf_lockbench.ko for both Linux guest kernels in GUEST_DIR and the
# initramfs that carries them:
#   GUEST_DIR/lockbench.cpio.gz            /lib/modules/<release>/hf_lockbench.ko
#                                          for each kernel (gzipped cpio)
#   GUEST_DIR/initramfs-lockbench.cpio.gz  the cpio archives of initramfs.cpio.gz
#                                          and lockbench.cpio.gz one after the
#                                          other, in one gzip stream (Linux
#                                          unpacks concatenated archives in
#                                          order)
# Inputs (make guest-linux guest-kernel): GUEST_DIR/vmlinuz-stock (Debian's
# kernel), GUEST_DIR/bzImage-holdfast with its module build tree
# GUEST_DIR/bzImage-holdfast.kbuild, and GUEST_DIR/initramfs.cpio.gz.
#
# Each kernel's release (uname -r) is read from its image. The stock module
# is built against Debian's headers for exactly that kernel:
# linux-headers-<release>, linux-headers-<abi>-common and linux-kbuild-6.1
# at the version the image names, fetched with `apt-get download` and
# unpacked (never installed) into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/stock-headers/<release>_<version>/
# so its vermagic and symbol versions (CONFIG_MODVERSIONS) match the
# kernel's. The module cpio is cached by the hash of the module sources,
# this script, mkcpio.py, both kernel images and the compilers:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/lockbench/<sha256>.cpio.gz
set -eu

prog=lockbench
die() { echo "$prog: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 GUEST_DIR"
DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STOCK=$DIR/vmlinuz-stock
PATCHED=$DIR/bzImage-holdfast
KBUILD=$DIR/bzImage-holdfast.kbuild
INITRD=$DIR/initramfs.cpio.gz
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/holdfast
SOURCES="Kbuild hf_lockbench.c hf_hist.h"

for f in "$STOCK" "$PATCHED" "$INITRD"; do
    [ -f "$f" ] || die "$f missing: run make guest-linux guest-kernel"
done
[ -f "$KBUILD/Module.symvers" ] ||
    die "$KBUILD (the patched kernel's module build tree) missing: run make guest-kernel"

# The stock headers' Makefile compiles with gcc-12; their host tools
# (modpost, objtool) link libelf and libssl.
"$ROOT/boot/install-deps.sh" make gcc-12 binutils libelf1 libssl3 python3 gzip

# The version string of a bzImage: the setup header's kernel_version field
# (offset 0x20e) points to it, relative to 0x200.
kernel_version() {
    off=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
    [ -n "$off" ] || die "$1: no setup header"
    dd if="$1" bs=1 skip=$((off + 512)) count=256 2>/dev/null | tr '\0' '\n' | head -n 1
}

stock_ver=$(kernel_version "$STOCK")
stock_rel=${stock_ver%% *}
# "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP ... Debian 6.1.192-2 (...)"
stock_deb=$(echo "$stock_ver" | sed -n 's/.* Debian \([^ ]*\) .*/\1/p')
[ -n "$stock_deb" ] || die "$STOCK: no Debian version in '$stock_ver'"
patched_rel=$(kernel_version "$PATCHED")
patched_rel=${patched_rel%% *}
[ "$patched_rel" = "$(cat "$KBUILD/include/config/kernel.release")" ] ||
    die "$KBUILD is not the build tree of $PATCHED ($patched_rel): run make guest-kernel"

sha() { sha256sum "$1" | cut -d' ' -f1; }
key=$({
    echo "holdfast-lockbench-v1"
    for f in $SOURCES build.sh; do echo "$f $(sha "$HERE/$f")"; done
    echo "mkcpio.py $(sha "$ROOT/guest-patches/initramfs/mkcpio.py")"
    echo "stock $(sha "$STOCK")"
    echo "patched $(sha "$PATCHED")"
    gcc --version | head -n 1
    gcc-12 --version | head -n 1
} | sha256sum | cut -d' ' -f1)
cached=$CACHE/lockbench/$key.cpio.gz

install_out() {
    cp "$cached" "$DIR/lockbench.cpio.gz.tmp.$$"
    mv -f "$DIR/lockbench.cpio.gz.tmp.$$" "$DIR/lockbench.cpio.gz"
    # One gzip member, not two files end to end: GRUB decompresses a gzip
    # module itself and takes its size from the last member's trailer.
    { gzip -dc "$INITRD"; gzip -dc "$cached"; } | gzip -9n > "$DIR/initramfs-lockbench.cpio.gz.tmp.$$"
    mv -f "$DIR/initramfs-lockbench.cpio.gz.tmp.$$" "$DIR/initramfs-lockbench.cpio.gz"
}

if [ -f "$cached" ]; then
    install_out
    echo "$prog: cached $key ($stock_rel, $patched_rel) -> $DIR/initramfs-lockbench.cpio.gz"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-lockbench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

. "$ROOT/boot/as-root.sh"

# stock_headers: unpacks Debian's headers for $stock_rel at $stock_deb into
# the cache (once) and sets $hdr to the tree to build against.
stock_headers() {
    dest=$CACHE/stock-headers/${stock_rel}_$stock_deb
    hdr=$dest/usr/src/linux-headers-$stock_rel
    [ -f "$dest/.complete" ] && return 0
    abi=${stock_rel%-*}				# 6.1.0-56
    series=$(echo "$stock_rel" | cut -d. -f1-2)	# 6.1
    pkgs="linux-headers-$stock_rel=$stock_deb linux-headers-$abi-common=$stock_deb"
    pkgs="$pkgs linux-kbuild-$series=$stock_deb"
    mkdir -p "$work/dl"
    # Let apt fetch as its _apt user (sandboxed) when run as root.
    chmod 755 "$work"
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work/dl"; fi
    # shellcheck disable=SC2086
    if ! (cd "$work/dl" && apt-get download $pkgs >&2); then
        echo "$prog: apt-get download failed: running apt-get update" >&2
        as_root apt-get update >&2 || die "apt-get update failed"
        # shellcheck disable=SC2086
        (cd "$work/dl" && apt-get download $pkgs >&2) ||
            die "cannot download $pkgs (the stock kernel $stock_deb left the archive? run make guest-linux after apt-get update)"
    fi
    rm -rf "$dest.tmp"
    mkdir -p "$dest.tmp"
    for deb in "$work"/dl/*.deb; do dpkg-deb -x "$deb" "$dest.tmp"; done
    # The arch package's Makefile includes the common one by absolute path;
    # the other links inside the packages are relative.
    mk=$dest.tmp/usr/src/linux-headers-$stock_rel/Makefile
    grep -q "^include /usr/src/linux-headers-$abi-common/Makefile" "$mk" ||
        die "unexpected $mk: $(cat "$mk")"
    sed -i "s|^include /usr/src/|include $dest/usr/src/|" "$mk"
    touch "$dest.tmp/.complete"
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
    echo "$prog: unpacked Debian's headers for $stock_rel ($stock_deb)" >&2
}

# build_ko TREE RELEASE OUT.ko
build_ko() {
    src=$work/src-$2
    mkdir -p "$src"
    for f in $SOURCES; do cp "$HERE/$f" "$src/"; done
    make -C "$1" M="$src" modules >"$src/build.log" 2>&1 ||
        { tail -n 30 "$src/build.log" >&2; die "module build against $1 failed"; }
    if grep -E 'warning:|error:' "$src/build.log" >&2; then
        die "module build against $1 has warnings"
    fi
    magic=$(tr '\0' '\n' < "$src/hf_lockbench.ko" | sed -n 's/^vermagic=//p')
    case $magic in
    "$2 "*) ;;
    *) die "module for $2 has vermagic '$magic'" ;;
    esac
    strip --strip-debug -o "$3" "$src/hf_lockbench.ko"
    echo "$prog: built hf_lockbench.ko for $2 (vermagic $magic)" >&2
}

stock_headers
build_ko "$hdr" "$stock_rel" "$work/stock.ko"
build_ko "$(cd "$KBUILD" && pwd -P)" "$patched_rel" "$work/patched.ko"

{
    echo "dir /lib 0755 0 0"
    echo "dir /lib/modules 0755 0 0"
    echo "dir /lib/modules/$stock_rel 0755 0 0"
    echo "file /lib/modules/$stock_rel/hf_lockbench.ko $work/stock.ko 0644 0 0"
    echo "dir /lib/modules/$patched_rel 0755 0 0"
    echo "file /lib/modules/$patched_rel/hf_lockbench.ko $work/patched.ko 0644 0 0"
} > "$work/list"
python3 "$ROOT/guest-patches/initramfs/mkcpio.py" "$work/list" "$work/lockbench.cpio"
gzip -9n < "$work/lockbench.cpio" > "$work/lockbench.cpio.gz"
mkdir -p "$CACHE/lockbench"
cp "$work/lockbench.cpio.gz" "$cached.tmp.$$"
mv -f "$cached.tmp.$$" "$cached"
install_out
echo "$prog: built $key ($stock_rel, $patched_rel) -> $DIR/initramfs-lockbench.cpio.gz"
