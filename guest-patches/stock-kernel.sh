#!/bin/sh
# stock-kernel.sh OUTDIR
#
# Puts the vmlinuz of Debian's stock linux-image-amd64 at OUTDIR/vmlinuz-stock.
# The kernel package is fetched with `apt-get download` (never installed, never
# read from the build machine's /boot) and cached per metapackage version in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/stock-kernel/<version>/vmlinuz
# (with the versioned package name beside it in .../<version>/package).
# When the cache holds the candidate version, no apt access beyond
# `apt-cache policy` is needed; if apt-cache fails or has no package lists,
# the newest cached version is used; with nothing cached, `apt-get update` is
# run once and the lookup retried.
set -eu

META=linux-image-amd64
prog=stock-kernel
. "$(cd "$(dirname "$0")/.." && pwd)/boot/as-root.sh"

die() { echo "$prog: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUTDIR=$1
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/stock-kernel

candidate() {
    # Prints the candidate version of the metapackage, or nothing.
    apt-cache policy "$META" 2>/dev/null |
        awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }' || true
}

newest_cached() {
    [ -d "$CACHE" ] || return 0
    for d in "$CACHE"/*/; do
        [ -f "${d}vmlinuz" ] || continue
        basename "$d"
    done | sort -V | tail -n 1
}

install_out() { # $1 = cached vmlinuz
    mkdir -p "$OUTDIR"
    cp "$1" "$OUTDIR/vmlinuz-stock.tmp.$$"
    mv -f "$OUTDIR/vmlinuz-stock.tmp.$$" "$OUTDIR/vmlinuz-stock"
}

ver=$(candidate)
if [ -z "$ver" ]; then
    old=$(newest_cached)
    if [ -n "$old" ]; then
        install_out "$CACHE/$old/vmlinuz"
        echo "$prog: cached $META $old (apt-cache has no candidate; newest cached) -> $OUTDIR/vmlinuz-stock"
        exit 0
    fi
    echo "$prog: no candidate for $META and nothing cached: running apt-get update" >&2
    as_root apt-get update >&2 || die "apt-get update failed"
    ver=$(candidate)
    [ -n "$ver" ] || die "apt-cache policy $META still reports no candidate"
fi

if [ -f "$CACHE/$ver/vmlinuz" ]; then
    install_out "$CACHE/$ver/vmlinuz"
    echo "$prog: cached $META $ver -> $OUTDIR/vmlinuz-stock"
    exit 0
fi

# Resolve the versioned image package the metapackage version depends on,
# e.g. "linux-image-6.1.0-56-amd64 (= 6.1.192-2)" (or ...-amd64-unsigned).
pkg=$(apt-cache show "$META=$ver" 2>/dev/null |
    awk -F': ' '$1 == "Depends" { print $2; exit }' |
    tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
    grep -E '^linux-image-[0-9].*-amd64(-unsigned)?$' | head -n 1) || true
[ -n "$pkg" ] || die "cannot resolve the kernel package $META $ver depends on"

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-stock-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/dl" "$work/x"
# Let apt fetch as its _apt user (sandboxed) when run as root.
chmod 755 "$work"
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work/dl"; fi
# The versioned package's own version equals the metapackage's in Debian.
( cd "$work/dl" && { apt-get download "$pkg=$ver" >&2 || apt-get download "$pkg" >&2; } ) ||
    die "apt-get download $pkg failed"
deb=$(ls "$work/dl"/*.deb | head -n 1)
dpkg-deb -x "$deb" "$work/x"
set -- "$work"/x/boot/vmlinuz-*
[ -f "$1" ] || die "$deb has no boot/vmlinuz-*"
[ $# -eq 1 ] || die "$deb has several boot/vmlinuz-*: $*"

mkdir -p "$CACHE/$ver"
cp "$1" "$CACHE/$ver/vmlinuz.tmp.$$"
mv -f "$CACHE/$ver/vmlinuz.tmp.$$" "$CACHE/$ver/vmlinuz"
echo "$pkg $(basename "$1")" > "$CACHE/$ver/package"
install_out "$CACHE/$ver/vmlinuz"
echo "$prog: downloaded $pkg ($META $ver) -> $OUTDIR/vmlinuz-stock"
