"""Shared pytest fixtures: boot Holdfast under QEMU and capture its console."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
LOGS = BUILD / "test-logs"
DEBUG_EXIT_PORT = 0xF4
# QEMU exits with (code << 1) | 1 for a write of code to isa-debug-exit.
EXIT_SUCCESS = (0x10 << 1) | 1
EXIT_FAILURE = (0x11 << 1) | 1
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOOT_TIMEOUT_S = 300  # backstop only: every test ends on an isa-debug-exit
# Another QEMU build, e.g. one unpacked from bookworm-backports, and the
# firmware folders it needs first (colon-separated, each passed as -L).
QEMU = os.environ.get("HOLDFAST_QEMU", "qemu-system-x86_64")
QEMU_DATA = [d for d in os.environ.get("HOLDFAST_QEMU_DATA", "").split(":") if d]


def qemu_major():
    """The major version of the QEMU the tests run."""
    out = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return int(re.search(r"version (\d+)", out).group(1))


class Boot:
    def __init__(self, rc, output, log):
        self.rc = rc
        self.output = output
        self.log = log
        self.reset = False  # the emulated machine reset (boot(catch_reset=True))

    def lines(self, pattern):
        return re.findall(pattern, self.output, re.MULTILINE)

    def tail(self, vm=None, n=40):
        """The last @n console lines of VM @vm (all lines when None), with
        the hypervisor's own lines about it: what an assertion should show,
        since CI prints only part of a long message."""
        keep = [l for l in self.output.splitlines()
                if vm is None or f"[{vm}] " in l or f"vm {vm} " in l or f"vm {vm}:" in l]
        return f"{self!r}, last lines of {vm or 'the console'}:\n" + "\n".join(keep[-n:])

    def __repr__(self):
        return f"Boot(rc={self.rc}, log={self.log})"


def make_iso(iso, cmdline, modules=()):
    args = [str(ROOT / "boot/mkiso.sh"), "-o", str(iso),
            "-e", str(BUILD / "holdfast.elf"), "-c", cmdline]
    for m in modules:
        args += ["-m", m]
    subprocess.run(args, check=True)


# The hypervisor's first line: seen twice, the emulated machine reset.
HV_START = "holdfast: starting"


def boot(name, cmdline, smp=1, mem="256M", firmware="bios", modules=(),
         timeout=BOOT_TIMEOUT_S, keys=(), qemu_args=(), tcg_thread="multi",
         catch_reset=False):
    """Boot an ISO built for this test; return its console and exit code.
    @keys: (regex, bytes) pairs: once the console shows a line matching
    the regex, the bytes are typed on the serial console.
    @tcg_thread: "multi" (a host thread per emulated CPU) or "single".
    @catch_reset: let a reset of the emulated machine happen (no
    -no-reboot), so that QEMU's -d cpu_reset log records every CPU's state
    just before it, and stop QEMU as soon as the hypervisor starts a
    second time; Boot.reset then says it happened."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        iso = tmp / "holdfast.iso"
        make_iso(iso, f"{cmdline} debug_exit={DEBUG_EXIT_PORT:#x}", modules)
        cmd = [QEMU, *[a for d in QEMU_DATA for a in ("-L", d)], "-machine", "pc",
               "-accel", f"tcg,thread={tcg_thread}", "-cpu", "max",
               "-smp", str(smp), "-m", mem, "-cdrom", str(iso), "-boot", "d",
               "-display", "none", "-serial", "stdio", "-monitor", "none",
               "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"]
        if not catch_reset:
            cmd.append("-no-reboot")
        cmd += list(qemu_args)
        if firmware == "uefi":
            vars_copy = tmp / "vars.fd"
            shutil.copy(OVMF_VARS, vars_copy)
            cmd += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                    "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
        stop = re.escape(HV_START) + r"[\s\S]*" + re.escape(HV_START) if catch_reset else None
        rc, raw = run_qemu(cmd, timeout, list(keys), stop)
    output = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    log = LOGS / f"{name}.log"
    log.write_text(output)
    b = Boot(rc, output, log)
    b.reset = catch_reset and output.count(HV_START) > 1
    return b


def run_qemu(cmd, timeout, keys, stop=None):
    """Run QEMU to its exit (or the timeout backstop), typing @keys; kill
    it early once the output matches the regex @stop."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    raw = bytearray()
    deadline = time.monotonic() + timeout

    def reader():
        for chunk in iter(lambda: proc.stdout.read1(4096), b""):
            raw.extend(chunk)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    while proc.poll() is None and time.monotonic() < deadline:
        if stop and re.search(stop.encode(), bytes(raw)):
            break
        if keys and re.search(keys[0][0].encode(), bytes(raw), re.MULTILINE):
            proc.stdin.write(keys.pop(0)[1])
            proc.stdin.flush()
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    thread.join(5)
    return proc.returncode if proc.returncode is not None else None, bytes(raw)


@pytest.fixture(scope="session", autouse=True)
def built():
    """The hypervisor image; `make test` builds it first, this re-checks."""
    subprocess.run(["make", "-s", "-C", str(ROOT), "all"], check=True)
    assert (BUILD / "holdfast.elf").exists()


# A guest kernel in trouble, or a guest workload that failed.
GUEST_CRASH = re.compile(r"soft lockup|rcu: INFO|self-detected stall|Kernel panic|BUG:|Oops|"
                         r"holdfast-guest: .*FAIL|segfault")


def guest_crash(b):
    """The lines that show an over-committed run gone wrong under emulation
    (README.md, "QEMU workaround"): a VM stopped by a triple fault, a guest
    kernel in trouble, a guest workload that failed, or the whole emulated
    machine reset. Holdfast always ends through isa-debug-exit (status 33 or 35);
    QEMU's status 0 under -no-reboot means the machine reset under it,
    silently, mid-run."""
    lines = b.output.splitlines()
    reset = [f"QEMU exited with status 0: the emulated machine reset; last line: "
             f"{lines[-1] if lines else ''}"] if b.rc == 0 else []
    return reset + \
        [l for l in lines if re.search(r"holdfast: vm \w+ stopped: triple fault", l)] + \
        [l for l in lines if re.search(r"\] \[\w+\] ", l) and GUEST_CRASH.search(l)]


# Runs of an over-committed Linux boot before a crash fails a test: on
# QEMU 10 (thread=multi) 1 boot in 3 to 10 still meets the unexplained
# page-walk failure or machine reset of README.md ("QEMU workaround",
# still open); a full run has eight such boots. Each retry is a warning.
OVERCOMMIT_ATTEMPTS = 5


def boot_overcommitted(name, cmdline, **kw):
    """boot() for over-committed Linux VMs: run again, with a warning
    naming the log, while a guest shows the known corruption, at most
    OVERCOMMIT_ATTEMPTS runs; the test's own assertions judge the last."""
    for attempt in range(1, OVERCOMMIT_ATTEMPTS + 1):
        b = boot(name if attempt == 1 else f"{name}-retry{attempt - 1}", cmdline, **kw)
        crash = guest_crash(b)
        if not crash or attempt == OVERCOMMIT_ATTEMPTS:
            return b
        warnings.warn(f"crash under over-commit (README.md, QEMU workaround), run {attempt} "
                      f"of at most {OVERCOMMIT_ATTEMPTS}; log {b.log}: {crash[:3]}")
