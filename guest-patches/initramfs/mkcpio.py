#!/usr/bin/env python3
"""Write a cpio "newc" archive (the initramfs format) from an entry list.

Usage: mkcpio.py LIST [OUT]     (OUT defaults to stdout; "-" for LIST reads stdin)

Needs no root and no kernel tree: device nodes are written as archive entries,
not created on the host.  The output is reproducible: every mtime is 0,
uid/gid come from the list, inode numbers are assigned in list order.

LIST uses the format of the kernel's usr/gen_init_cpio, one entry a line
('#' comments and blank lines ignored):

    dir   NAME MODE UID GID
    file  NAME SOURCE MODE UID GID
    slink NAME TARGET MODE UID GID
    nod   NAME MODE UID GID c|b MAJOR MINOR

MODE is octal permission bits.  Parent directories must be listed before
their contents (the kernel's unpacker does not create them).
"""
import os
import stat
import sys

MAGIC = b"070701"


def align4(n):
    return (n + 3) & ~3


class Writer:
    def __init__(self, out):
        self.out = out
        self.ino = 1
        self.pos = 0
        self.names = set()
        self.dirs = {""}

    def _write(self, data):
        self.out.write(data)
        self.pos += len(data)

    def _pad(self):
        self._write(b"\0" * (align4(self.pos) - self.pos))

    def entry(self, name, mode, uid=0, gid=0, data=b"", nlink=1, rmaj=0, rmin=0):
        if name != "TRAILER!!!":
            name = name.strip("/")
            if not name:
                raise ValueError("empty name")
            if name in self.names:
                raise ValueError("duplicate entry %r" % name)
            parent = os.path.dirname(name)
            if parent not in self.dirs:
                raise ValueError("%r listed before its directory %r" % (name, parent))
            self.names.add(name)
            if stat.S_ISDIR(mode):
                self.dirs.add(name)
        bname = name.encode() + b"\0"
        fields = (self.ino, mode, uid, gid, nlink, 0, len(data), 0, 0,
                  rmaj, rmin, len(bname), 0)
        self.ino += 1
        self._write(MAGIC + b"".join(b"%08X" % f for f in fields))
        self._write(bname)
        self._pad()
        self._write(data)
        self._pad()

    def trailer(self):
        self.ino = 0
        self.entry("TRAILER!!!", 0)


def parse_mode(s):
    m = int(s, 8)
    if m & ~0o7777:
        raise ValueError("mode %s has more than permission bits" % s)
    return m


def build(lines, out, base):
    w = Writer(out)
    for lineno, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        kind = f[0]
        try:
            if kind == "dir" and len(f) == 5:
                w.entry(f[1], stat.S_IFDIR | parse_mode(f[2]), int(f[3]), int(f[4]), nlink=2)
            elif kind == "file" and len(f) == 6:
                src = f[2] if os.path.isabs(f[2]) else os.path.join(base, f[2])
                with open(src, "rb") as fh:
                    data = fh.read()
                w.entry(f[1], stat.S_IFREG | parse_mode(f[3]), int(f[4]), int(f[5]), data)
            elif kind == "slink" and len(f) == 6:
                w.entry(f[1], stat.S_IFLNK | parse_mode(f[3]), int(f[4]), int(f[5]),
                        f[2].encode())
            elif kind == "nod" and len(f) == 8 and f[5] in ("c", "b"):
                t = stat.S_IFCHR if f[5] == "c" else stat.S_IFBLK
                w.entry(f[1], t | parse_mode(f[2]), int(f[3]), int(f[4]),
                        rmaj=int(f[6]), rmin=int(f[7]))
            else:
                raise ValueError("bad entry")
        except (ValueError, OSError) as e:
            sys.exit("mkcpio: line %d: %s: %s" % (lineno, e, line))
    w.trailer()
    # Pad the archive to a 512-byte multiple like cpio(1) does.
    w._write(b"\0" * ((-w.pos) % 512))


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    if argv[1] == "-":
        lines, base = sys.stdin.read().splitlines(), os.getcwd()
    else:
        with open(argv[1]) as fh:
            lines = fh.read().splitlines()
        base = os.path.dirname(os.path.abspath(argv[1]))
    if len(argv) == 3 and argv[2] != "-":
        tmp = argv[2] + ".tmp"
        with open(tmp, "wb") as out:
            build(lines, out, base)
        os.replace(tmp, argv[2])
    else:
        build(lines, sys.stdout.buffer, base)
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv)
