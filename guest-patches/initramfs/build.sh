#!/bin/sh
# build.sh OUT.cpio.gz
#
# Builds the Holdfast test initramfs: Debian's busybox-static, the /init script
# beside this file, applet symlinks, /bin/tlbstress and /bin/lockstress
# (compiled here with gcc -static from tlbstress.c and lockstress.c, which
# includes ../lockbench/hf_hist.h) and the device nodes /dev/console, /dev/null,
# /dev/ttyS0, archived by mkcpio.py (no root needed) and compressed with
# gzip -9n.  The result is reproducible and cached by the hash of its inputs:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/initramfs/<sha256>.cpio.gz
# Needs: busybox-static (installed with apt-get if missing), gcc, libc6-dev,
# python3, gzip.
set -eu

prog=initramfs
die() { echo "$prog: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUT.cpio.gz"
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/holdfast/initramfs
CC=${CC:-gcc}

. "$HERE/../../boot/as-root.sh"

# busybox-static provides /bin/busybox; Debian's dynamic "busybox" package
# provides the same path, so ask dpkg which one is installed.
if ! dpkg-query -W -f '${db:Status-Status}' busybox-static 2>/dev/null | grep -qx installed; then
    echo "$prog: installing Debian package busybox-static" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y busybox-static >&2 ||
        { as_root apt-get update >&2 &&
          as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y busybox-static >&2; } ||
        die "cannot install busybox-static"
fi
BUSYBOX=$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -n 1)
[ -x "$BUSYBOX" ] || die "busybox-static installed but no busybox binary found"
command -v "$CC" >/dev/null 2>&1 || die "'$CC' is missing: install gcc and libc6-dev"
command -v python3 >/dev/null 2>&1 || die "python3 is missing"

# Cache key: every input, plus the toolchain that builds the programs.
key=$(
    {
        echo "holdfast-initramfs-v1"
        sha256sum "$BUSYBOX" | cut -d' ' -f1
        for f in init mkcpio.py build.sh tlbstress.c lockstress.c ../lockbench/hf_hist.h; do
            echo "$f $(sha256sum "$HERE/$f" | cut -d' ' -f1)"
        done
        "$CC" --version | head -n 1
        dpkg-query -W -f '${Version}\n' libc6-dev 2>/dev/null || true
    } | sha256sum | cut -d' ' -f1
)
cached=$CACHE/$key.cpio.gz

install_out() {
    mkdir -p "$(dirname "$OUT")"
    cp "$cached" "$OUT.tmp.$$"
    mv -f "$OUT.tmp.$$" "$OUT"
}

if [ -f "$cached" ]; then
    install_out
    echo "$prog: cached $key -> $OUT"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$CC" -static -O2 -pthread -Wall -s -o "$work/tlbstress" "$HERE/tlbstress.c"
"$CC" -static -O2 -pthread -Wall -s -I"$HERE/../lockbench" -o "$work/lockstress" \
    "$HERE/lockstress.c"

list=$work/list
{
    for d in bin sbin usr usr/bin usr/sbin dev proc sys tmp run root etc; do
        echo "dir /$d 0755 0 0"
    done
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "nod /dev/null 0666 0 0 c 1 3"
    echo "nod /dev/ttyS0 0660 0 0 c 4 64"
    echo "file /bin/busybox $BUSYBOX 0755 0 0"
    echo "file /init $HERE/init 0755 0 0"
    echo "file /bin/tlbstress $work/tlbstress 0755 0 0"
    echo "file /bin/lockstress $work/lockstress 0755 0 0"
    # Applet links at busybox's canonical paths (bin/sh, sbin/poweroff, ...).
    "$BUSYBOX" --list-full | LC_ALL=C sort | while read -r applet; do
        case $applet in
        bin/busybox|'') continue ;;
        esac
        echo "slink /$applet /bin/busybox 0777 0 0"
    done
} > "$list"

python3 "$HERE/mkcpio.py" "$list" "$work/initramfs.cpio"
gzip -9n < "$work/initramfs.cpio" > "$work/initramfs.cpio.gz"

mkdir -p "$CACHE"
cp "$work/initramfs.cpio.gz" "$cached.tmp.$$"
mv -f "$cached.tmp.$$" "$cached"
install_out
echo "$prog: built $key ($(wc -c < "$cached") bytes) -> $OUT"
