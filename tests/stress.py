#!/usr/bin/python3
"""Over-commit stress: boot the over-committed Linux configurations many
times each and report every crash (README.md, "QEMU workaround": some
over-committed boots still crash under QEMU's emulated AMD-V, and the
tests only retry them; this counts them).

Each configuration is two 4-vCPU Linux VMs, east and west, on 2 emulated
CPUs (QEMU with -smp 2, 1 GiB, tcg thread=multi) under
`console=com1 sched=credit`, each VM with on_reboot=stop:

    stock-MODE     Debian's kernel (build/guest/vmlinuz-stock),
                   workload hf.test=cpus,smp,tlb
    patched-MODE   the patched kernel (build/guest/bzImage-holdfast),
                   workload hf.test=cpus,tlb (what test_patched_linux.py
                   runs on it)

for MODE in none, delay, kvmpv, spin, safepoint (the VM option lhp=MODE)
and default (no lhp= option: delay+kvmpv for Linux). Twelve
configurations; the workloads are short, so a boot takes well under a
minute on a 2-core host (30 to 50 s: a 12 x 5 run is about 40 minutes).

A boot is a crash when conftest.guest_crash() finds something (a triple
fault, a guest oops, lockup or failed workload, a machine reset), when
QEMU's status is not isa-debug-exit's success, or when a VM did not print
its workload's "tests ok" line or was not stopped by its own power-off.
Each crash gets one kind (see classify()).

Run it with `make stress` (which builds the hypervisor and the guest
kernels first), or directly once they are built:

    tests/stress.py                         # every configuration, 5 runs each
    STRESS_RUNS=20 tests/stress.py          # 20 runs each
    tests/stress.py --runs 3 --config stock-none --config patched
    tests/stress.py --list                  # the configuration names

--config SUBSTRING keeps the configurations whose name contains it (it can
be given more than once). Logs go to build/test-logs/stress/: NAME-runN.log
is the serial console, NAME-runN.qemu.log QEMU's own log (-d
cpu_reset,guest_errors: a machine reset shows the CPU state at the reset),
stress.csv one row per boot. The exit status is 1 if any boot crashed, 0
if none did (2 for bad arguments or missing guest kernels). Uses QEMU from
HOLDFAST_QEMU like the tests (conftest.py)."""
import argparse
import csv
import os
import pathlib
import re
import sys
import time

TESTS = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS)]
from conftest import BOOT_TIMEOUT_S, BUILD, EXIT_SUCCESS, HV_START, LOGS, boot, guest_crash  # noqa: E402

ROOT = TESTS.parent
STRESS_LOGS = LOGS / "stress"
CSV_PATH = STRESS_LOGS / "stress.csv"

STOCK = BUILD / "guest" / "vmlinuz-stock"
PATCHED = BUILD / "guest" / "bzImage-holdfast"
INITRD = BUILD / "guest" / "initramfs.cpio.gz"

HV_CMDLINE = "console=com1 sched=credit"
VMS = ("east", "west")
VCPUS = 4
SMP = 2  # emulated CPUs: 8 vCPUs share 2
MEM = "1G"
# The patched tinyconfig kernel runs what tests/integration/test_patched_linux.py
# runs on it (cpus,tlb); the stock kernel the SMP workload too. Iteration
# counts are small so a boot stays under a minute (measured on a 2-core
# host: stock with smp_iters=5000 tlb_iters=200 34 s, patched with
# tlb_iters=1000 31 s; the counts below are a little larger).
KERNELS = {
    "stock": (STOCK, "cpus,smp,tlb", "hf.smp_iters=15000 hf.tlb_iters=500"),
    "patched": (PATCHED, "cpus,tlb", "hf.tlb_iters=1500"),
}
# None: no lhp= option, the hypervisor's default for Linux (delay+kvmpv).
LHP_MODES = ("none", "delay", "kvmpv", "spin", "safepoint", None)

# Crash signs, in guest lines ("[time] [vm] ...") or the hypervisor's own.
GUEST_LINE = re.compile(r"\] \[\w+\] ")
LOCKUP = re.compile(r"soft lockup|rcu: INFO|self-detected stall|detected stalls")
OOPS = re.compile(r"Oops|BUG:|Kernel panic")
TRIPLE_FAULT = re.compile(r"holdfast: vm \w+ stopped: triple fault")
HV_PANIC = "holdfast: PANIC"  # kernel/panic.c: "holdfast: PANIC on CPU %u (APIC %u): %s"


class Config:
    """One over-committed configuration: a kernel and an lhp= mode."""

    def __init__(self, kernel_name, lhp):
        self.name = f"{kernel_name}-{lhp or 'default'}"
        self.kernel, self.tests, self.args = KERNELS[kernel_name]
        self.lhp = lhp

    def modules(self):
        """GRUB module strings for the two VMs (as in test_sched_linux.py)."""
        mods = []
        for vm in VMS:
            opts = "on_reboot=stop" + (f" lhp={self.lhp}" if self.lhp else "")
            mods += [f"{self.kernel} vm={vm} kernel vcpus={VCPUS} memory=256M {opts} -- "
                     f"console=ttyS0,115200 panic=-1 hf.test={self.tests} {self.args}",
                     f"{INITRD} vm={vm} initrd"]
        return mods

    def ok_lines(self):
        """The lines every VM must print for a clean boot."""
        return [line for vm in VMS for line in
                (f"[{vm}] holdfast-guest: tests ok: {self.tests}",
                 f"holdfast: vm {vm} stopped: guest powered off")]


CONFIGS = [Config(k, mode) for k in KERNELS for mode in LHP_MODES]


def classify(b):
    """Judge one boot: (kind, evidence line), or (None, None) when clean.

    A hypervisor panic wins over everything (a Holdfast bug, whatever the
    guests did before it). Otherwise the earliest guest sign in the log
    names the crash, since what follows it is usually a consequence: a
    triple fault, a soft lockup or RCU stall (checked before an oops on
    the same line: Linux prints "BUG: soft lockup"), an oops, BUG or
    panic. Then a reset of the emulated machine (the boot runs without
    -no-reboot, so QEMU's cpu_reset log holds every CPU's state just
    before the reset, and is stopped when the hypervisor starts again),
    and QEMU's status: None is a timeout. Anything else (a failed workload, a missing ok or
    power-off line, another stop reason, another status) is "workload
    failed"."""
    lines = b.output.splitlines()
    crash = guest_crash(b)
    missing = [l for l in b.ok_lines if l not in b.output]
    if not crash and not missing and b.rc == EXIT_SUCCESS:
        return None, None
    for l in lines:
        if HV_PANIC in l and not GUEST_LINE.search(l):
            return "hypervisor panic", l
    for l in lines:
        if TRIPLE_FAULT.search(l):
            return "guest triple fault", l
        if GUEST_LINE.search(l) and LOCKUP.search(l):
            return "soft lockup", l
        if GUEST_LINE.search(l) and OOPS.search(l):
            return "guest oops", l
    if b.reset or b.rc == 0:
        # The lines before the hypervisor's second start are the first run's.
        first = b.output.split(HV_START)[1].splitlines() if b.reset else lines
        last = [l for l in first if l.strip()][-1:] or [""]
        return "machine reset", f"the emulated machine reset; QEMU's log has every CPU's state before it; last line: {last[0]}"
    if b.rc is None:
        return "timeout", f"no exit in {b.timeout} s; last line: {lines[-1] if lines else ''}"
    # A stop line other than the power-off, a FAIL line, or what is missing.
    evidence = [l for l in crash] + \
        [l for l in lines if re.search(r"holdfast: vm \w+ stopped: ", l)
         and "guest powered off" not in l] + \
        [f"missing: {l}" for l in missing] + [f"QEMU status {b.rc}"]
    return "workload failed", evidence[0]


def rel(path):
    """A path relative to the repository root, for shorter output."""
    try:
        return str(pathlib.Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


def status(row):
    """QEMU's status as printed: "none" when it timed out."""
    return "none" if row["qemu_status"] == "" else row["qemu_status"]


def minutes(s):
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def run_one(cfg, run, timeout):
    """Boot @cfg once; return a dict: one row of the CSV."""
    name = f"{cfg.name}-run{run}"
    qemu_log = STRESS_LOGS / f"{name}.qemu.log"
    qemu_log.unlink(missing_ok=True)
    t0 = time.monotonic()
    b = boot(f"stress/{name}", HV_CMDLINE, smp=SMP, mem=MEM, modules=cfg.modules(),
             timeout=timeout, qemu_args=("-d", "cpu_reset,guest_errors", "-D", str(qemu_log)),
             catch_reset=True)
    wall = time.monotonic() - t0
    b.ok_lines = cfg.ok_lines()
    b.timeout = timeout
    kind, evidence = classify(b)
    return {"config": cfg.name, "run": run, "outcome": "crash" if kind else "clean",
            "kind": kind or "", "qemu_status": "" if b.rc is None else b.rc,
            "wall_s": f"{wall:.1f}", "log": rel(b.log), "qemu_log": rel(qemu_log),
            "evidence": evidence or ""}


def summary(configs, results):
    """One line per configuration (crashes/boots), then each crash."""
    print("\nsummary (crashes/boots):", flush=True)
    for cfg in configs:
        rows = [r for r in results if r["config"] == cfg.name]
        if not rows:
            continue
        crashes = [r for r in rows if r["outcome"] == "crash"]
        print(f"{cfg.name}: {len(crashes)}/{len(rows)}")
        for r in crashes:
            print(f"    run {r['run']}: {r['kind']} (QEMU status {status(r)}); "
                  f"log {r['log']}; QEMU log {r['qemu_log']}")
            print(f"        {r['evidence'][:200]}")
    total = sum(r["outcome"] == "crash" for r in results)
    print(f"total: {total}/{len(results)} boots crashed; CSV {rel(CSV_PATH)}", flush=True)
    return total


def main():
    ap = argparse.ArgumentParser(
        description="Boot the over-committed Linux configurations K times each and "
                    "report crashes (see the module docstring).")
    ap.add_argument("--runs", type=int, default=os.environ.get("STRESS_RUNS", "5"),
                    help="boots per configuration (default: $STRESS_RUNS, else 5)")
    ap.add_argument("--config", action="append", metavar="SUBSTRING",
                    help="only configurations whose name contains SUBSTRING (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the configurations and exit")
    ap.add_argument("--timeout", type=int, default=BOOT_TIMEOUT_S,
                    help=f"seconds before a boot counts as a timeout (default {BOOT_TIMEOUT_S})")
    a = ap.parse_args()

    configs = [c for c in CONFIGS if not a.config or any(s in c.name for s in a.config)]
    if a.list:
        for c in configs:
            print(f"{c.name}: {rel(c.kernel)} lhp={c.lhp or '(default)'} "
                  f"hf.test={c.tests} {c.args}")
        return 0
    if not configs:
        ap.error(f"no configuration matches {a.config}; see --list")
    if a.runs < 1:
        ap.error("--runs (or STRESS_RUNS) must be at least 1")
    needed = [BUILD / "holdfast.elf", INITRD] + sorted({c.kernel for c in configs})
    absent = [rel(f) for f in needed if not f.exists()]
    if absent:
        print(f"stress: missing {', '.join(absent)}: run make all guest-linux guest-kernel "
              "(or make stress)", file=sys.stderr)
        return 2

    STRESS_LOGS.mkdir(parents=True, exist_ok=True)
    fields = ["config", "run", "outcome", "kind", "qemu_status", "wall_s", "log", "qemu_log"]
    total_boots = len(configs) * a.runs
    print(f"stress: {len(configs)} configurations x {a.runs} runs = {total_boots} boots; "
          f"logs in {rel(STRESS_LOGS)}", flush=True)
    results = []
    start = time.monotonic()
    # The CSV is written as the boots finish, so an interrupted run keeps
    # what it measured.
    with open(CSV_PATH, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        out.writeheader()
        try:
            for cfg in configs:
                for run in range(1, a.runs + 1):
                    done = len(results)
                    elapsed = time.monotonic() - start
                    eta = (f"~{minutes(elapsed / done * (total_boots - done))}" if done
                           else "unknown")
                    print(f"[{cfg.name}] run {run} of {a.runs} (boot {done + 1} of "
                          f"{total_boots}), elapsed {minutes(elapsed)}, remaining {eta}",
                          flush=True)
                    r = run_one(cfg, run, a.timeout)
                    results.append(r)
                    out.writerow(r)
                    f.flush()
                    verdict = f"CRASH: {r['kind']}" if r["kind"] else "clean"
                    print(f"[{cfg.name}] run {run}: {verdict} (QEMU status "
                          f"{status(r)}, {r['wall_s']} s, log {r['log']})",
                          flush=True)
        except KeyboardInterrupt:
            print("\nstress: interrupted; results so far:", flush=True)
    crashed = summary(configs, results)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
