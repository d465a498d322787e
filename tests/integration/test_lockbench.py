"""The guest lock benchmark (guest-patches/lockbench, `make guest-lockbench`):
hf_lockbench.ko, built for Debian's stock kernel and for the patched
kernel, and the user-space stressor /bin/lockstress (one eventfd's
spinlock), both run by the initramfs's /init (hf.test=lockbench,lockstress)
from build/guest/initramfs-lockbench.cpio.gz.

Under Holdfast, over-committed (two 4-vCPU VMs on 2 CPUs, sched=credit), each
kernel loads its module (the stock one unsigned: it taints, and loads), one
thread per vCPU takes the lock, every thread reports acquisitions and
ordered latency percentiles, the lock excludes every time, and the
stressor's threads all make progress. Behaviour only, never timings."""
import re

import pytest

from conftest import BUILD, EXIT_SUCCESS, boot, boot_overcommitted

STOCK = BUILD / "guest" / "vmlinuz-stock"
PATCHED = BUILD / "guest" / "bzImage-holdfast"
INITRD = BUILD / "guest" / "initramfs-lockbench.cpio.gz"
TROUBLE = re.compile(r"soft lockup|rcu: INFO|self-detected stall|hung_task|blocked for more than|"
                     r"Kernel panic|BUG:|Oops|WARNING:")
VCPUS = 4
# Short runs: the emulated CPUs are slow and over-committed.
LOCK_ARGS = "hf.lock_ms=1000 hf.lock_hold_ns=2000"
TESTS = "cpus,lockbench,lockstress"


@pytest.fixture(scope="module", autouse=True)
def lockbench_guest():
    for f in (STOCK, PATCHED, INITRD):
        assert f.exists(), f"{f}: make guest-linux guest-kernel guest-lockbench builds it"


def linux_vm(name, kernel, lhp=None):
    opts = f"lhp={lhp}" if lhp else ""
    return [f"{kernel} vm={name} kernel vcpus={VCPUS} memory=256M on_reboot=stop {opts} -- "
            f"console=ttyS0,115200 panic=-1 hf.test={TESTS} {LOCK_ARGS}",
            f"{INITRD} vm={name} initrd"]


def fields(line):
    return {k: v for k, v in (kv.split("=", 1) for kv in line.split() if "=" in kv)}


def assert_ordered(r, what):
    p = [int(r[k]) for k in ("p50_ns", "p90_ns", "p99_ns", "max_ns")]
    assert p == sorted(p), (what, r)


def check_result(b, vm, test, count_key):
    """Per-thread lines (one per vCPU, each on its own CPU, each with
    progress and ordered percentiles) and a summary that adds up."""
    threads = [fields(l) for l in
               b.lines(rf"\[{vm}\] holdfast-guest: {test} (thread=.*)$")]
    summary = b.lines(rf"\[{vm}\] holdfast-guest: {test} ok (threads=.*)$")
    assert len(summary) == 1, (vm, test, b)
    total = fields(summary[0])
    assert len(threads) == VCPUS, (vm, test, threads, b)
    assert sorted(int(t["cpu"]) for t in threads) == list(range(VCPUS)), (vm, threads)
    for t in threads:
        assert int(t[count_key]) > 0, (vm, test, t)
        assert_ordered(t, (vm, test))
    assert int(total["threads"]) == VCPUS, (vm, total)
    assert int(total[count_key]) == sum(int(t[count_key]) for t in threads), (vm, total)
    assert int(total["per_sec"]) > 0, (vm, total)
    assert_ordered(total, (vm, test))
    return total


def test_lockbench_on_stock_and_patched_kernels_over_committed():
    # Booted again on a crash or machine reset (conftest.boot_overcommitted).
    b = boot_overcommitted("lockbench", "console=com1 sched=credit", smp=2, mem="1G",
                           modules=linux_vm("stock", STOCK) + linux_vm("patched", PATCHED))
    assert b.rc == EXIT_SUCCESS, b
    assert "PANIC" not in b.output, b
    for vm in ("stock", "patched"):
        assert f"[{vm}] holdfast-guest: online cpus {VCPUS}" in b.output, b
        bench = check_result(b, vm, "lockbench", "acquisitions")
        assert int(bench["exclusion_errors"]) == 0, (vm, bench)
        assert int(bench["hold_ns"]) == 2000 and int(bench["duration_ms"]) == 1000, bench
        check_result(b, vm, "lockstress", "ops")
        assert f"[{vm}] holdfast-guest: tests ok: {TESTS}" in b.output, b
        assert f"holdfast: vm {vm} stopped: guest powered off" in b.output, b
        bad = [l for l in b.output.splitlines() if f"[{vm}] " in l and TROUBLE.search(l)]
        assert not bad, bad
    # Debian's kernel loads the unsigned module (it taints, nothing more).
    assert re.search(r"\[stock\] .*hf_lockbench: module verification failed", b.output), b
    assert re.search(r"\[patched\] .*holdfast: delayed preemption of lock holders registered",
                     b.output), b


def test_lockbench_without_its_module_fails_cleanly():
    """The plain initramfs has no module: the test says so and fails,
    the guest still powers off."""
    plain = BUILD / "guest" / "initramfs.cpio.gz"
    b = boot("lockbench-missing", "console=com1", smp=1, mem="512M",
             modules=[f"{STOCK} vm=plain kernel vcpus=1 memory=256M on_reboot=stop -- "
                      f"console=ttyS0,115200 panic=-1 hf.test=lockbench hf.lock_ms=100",
                      f"{plain} vm=plain initrd"])
    assert b.rc == EXIT_SUCCESS, b
    assert re.search(r"\[plain\] holdfast-guest: lockbench FAIL no /lib/modules/\S+/hf_lockbench.ko",
                     b.output), b
    assert "[plain] holdfast-guest: tests FAIL: lockbench" in b.output, b
    assert "holdfast: vm plain stopped: guest powered off" in b.output, b
