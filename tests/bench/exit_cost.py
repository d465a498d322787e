#!/usr/bin/env python3
"""Exit-cost benchmark (make bench): boots Holdfast with the bench guest
under QEMU's emulation several times and reports, per exit kind, round
trips per second (median of the runs) and each kind's cost relative to a
null hypercall. Absolute rates depend on the host; compare ratios, or runs
taken side by side on one machine (PLATFORM.md gives peers' null hypercall
rate on this emulator: Xen and KVM, ~19-21k/s)."""
import argparse
import pathlib
import re
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from conftest import BUILD, EXIT_SUCCESS, boot  # noqa: E402


def one_run(i, calls):
    b = boot(f"bench-{i}", "console=com1", smp=1, modules=[
        f"{BUILD / 'guests' / 'bench.elf'} vm=bench elf memory=16M -- calls={calls}"])
    if b.rc != EXIT_SUCCESS:
        sys.exit(f"bench run {i} failed: see {b.log}")
    khz = int(re.search(r"holdfast: TSC (\d+) kHz", b.output).group(1))
    rates = {}
    for kind, n, ticks in re.findall(r"bench: (\S+) (\d+) calls (\d+) tsc-ticks", b.output):
        seconds = int(ticks) / (khz * 1000.0)
        rates[kind] = int(n) / seconds
    return rates


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()
    runs = [one_run(i, args.calls) for i in range(args.runs)]
    kinds = list(runs[0])
    median = {k: statistics.median(r[k] for r in runs) for k in kinds}
    print(f"exit cost, {args.runs} runs x {args.calls} calls, QEMU TCG -cpu max, "
          f"median (min-max) round trips per second:")
    for k in kinds:
        lo = min(r[k] for r in runs)
        hi = max(r[k] for r in runs)
        rel = median["hypercall"] / median[k]
        print(f"  {k:10s} {median[k]:12.0f}/s  ({lo:.0f}-{hi:.0f})  "
              f"cost vs null hypercall: {rel:.2f}x")


if __name__ == "__main__":
    main()
