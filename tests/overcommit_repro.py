#!/usr/bin/python3
"""Over-commit stress for QEMU's emulated AMD-V (README.md, "QEMU
workaround"): boots two 4-vCPU stock Debian VMs under sched=credit,
lhp=none, and reports per run whether a guest crashed, the VM was stopped
by a triple fault, or the emulated machine reset.

    HOLDFAST_QEMU=... HOLDFAST_QEMU_DATA=... \\
        tests/overcommit_repro.py --runs 3 --smp 2 --thread single

With QEMU 7.2 (bookworm's) and --thread single, before the V_IRQ
workaround: --smp 1 ran clean 5 of 5, --smp 2 --maxcpus 1 (Holdfast never
starts the second CPU) crashed 4 of 5, --smp 2 crashed 7 of 7; with it,
--smp 2 ran clean 4 of 4. Needs `make` and `make guest-linux` first; logs
go to build/test-logs/."""
import argparse
import pathlib
import sys

TESTS = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS), str(TESTS / "integration")]
from conftest import boot, guest_crash  # noqa: E402
from test_sched_linux import two_vm_modules  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description="Reproduce the over-commit corruption (README.md).")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--smp", type=int, default=2, help="emulated CPUs")
    ap.add_argument("--maxcpus", type=int, help="CPUs Holdfast starts (maxcpus=)")
    ap.add_argument("--thread", choices=("single", "multi"), default="single",
                    help="QEMU's -accel tcg,thread=")
    a = ap.parse_args()
    mods = two_vm_modules("cpus,smp,tlb", "lhp=none")
    cmdline = "console=com1 sched=credit" + (f" maxcpus={a.maxcpus}" if a.maxcpus else "")
    crashed = 0
    for run in range(1, a.runs + 1):
        b = boot(f"overcommit-repro-{run}", cmdline, smp=a.smp, mem="1G", modules=mods,
                 tcg_thread=a.thread)
        crash = guest_crash(b)
        crashed += bool(crash)
        print(f"run {run}: {'CRASH' if crash else 'clean'} (QEMU status {b.rc}, log {b.log})")
        for line in crash[:3]:
            print("   ", line[:160])
    print(f"{crashed} of {a.runs} runs crashed")


if __name__ == "__main__":
    main()
