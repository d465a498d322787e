"""Debian's stock Linux 6.1 as an SMP guest: direct boot, the virtual
platform (vLAPIC, vIOAPIC, UART, ACPI, kvmclock), several VMs at once,
poweroff, reboot, panics and bad configurations. The kernel and the busybox
initramfs come from `make guest-linux` (Debian packages, cached)."""
import re

import pytest

from conftest import BUILD, EXIT_SUCCESS, boot

KERNEL = BUILD / "guest" / "vmlinuz-stock"
INITRD = BUILD / "guest" / "initramfs.cpio.gz"
CMDLINE = "console=ttyS0,115200 panic=-1"
# Warnings a healthy guest never prints.
GUEST_TROUBLE = re.compile(r"soft lockup|rcu: INFO|rcu_sched self-detected stall|"
                           r"Kernel panic|BUG:|WARNING:|Oops")


@pytest.fixture(scope="module", autouse=True)
def linux_guest():
    assert KERNEL.exists() and INITRD.exists(), "make guest-linux builds them"


def linux_vm(name, vcpus, test=None, memory="256M", extra=""):
    args = f"{CMDLINE} hf.test={test}" if test else CMDLINE
    return [f"{KERNEL} vm={name} kernel vcpus={vcpus} memory={memory} {extra} -- {args}",
            f"{INITRD} vm={name} initrd"]


def guest_lines(b, vm):
    return [l for l in b.output.splitlines() if f"[{vm}] " in l]


def assert_healthy(b, *vms, trouble_ok=()):
    assert b.rc == EXIT_SUCCESS, f"{b}: exit {b.rc}"
    assert "PANIC" not in b.output, b
    for vm in vms:
        if vm in trouble_ok:
            continue
        bad = [l for l in guest_lines(b, vm) if GUEST_TROUBLE.search(l)]
        assert not bad, bad


def test_two_linux_vms_run_smp_workloads_together():
    b = boot("linux-two", "console=com1", smp=3, mem="1G",
             modules=linux_vm("one", 1, "cpus") + linux_vm("two", 2, "all"))
    assert_healthy(b, "one", "two")
    assert "[one] holdfast-guest: online cpus 1" in b.output, b
    assert "[two] holdfast-guest: online cpus 2" in b.output, b
    for line in ("smp ok 2 workers", "tlb ok 2 threads", "dropcaches ok",
                 "tests ok: all"):
        assert f"[two] holdfast-guest: {line}" in b.output, (line, b)
    assert "holdfast: vm one stopped: guest powered off" in b.output, b
    assert "holdfast: vm two stopped: guest powered off" in b.output, b


def test_linux_with_four_vcpus():
    b = boot("linux-four", "console=com1", smp=4, mem="1G",
             modules=linux_vm("four", 4, "cpus,smp"))
    assert_healthy(b, "four")
    assert "[four] holdfast-guest: online cpus 4" in b.output, b
    assert "[four] holdfast-guest: smp ok 4 workers" in b.output, b


def test_linux_under_ovmf():
    b = boot("linux-uefi", "console=com1", smp=2, mem="1G", firmware="uefi",
             modules=linux_vm("efi", 2, "cpus"))
    assert_healthy(b, "efi")
    assert "[efi] holdfast-guest: online cpus 2" in b.output, b


def test_guest_panic_and_poweroff_stop_only_their_vm():
    b = boot("linux-panic", "console=com1", smp=3, mem="1G",
             modules=linux_vm("crash", 1, "panic", extra="on_reboot=stop")
             + linux_vm("calm", 1, "poweroff")
             + linux_vm("busy", 1, "cpus,smp"))
    assert_healthy(b, "calm", "busy", trouble_ok=("crash",))
    assert re.search(r"\[crash\] .*Kernel panic - not syncing", b.output), b
    assert "holdfast: vm crash stopped: guest reset" in b.output, b
    assert "holdfast: vm calm stopped: guest powered off" in b.output, b
    assert "[busy] holdfast-guest: smp ok 1 workers" in b.output, b
    assert "holdfast: vm busy stopped: guest powered off" in b.output, b


def test_guest_reboot_restarts_the_vm():
    b = boot("linux-reboot", "console=com1", smp=1, mem="512M",
             modules=linux_vm("again", 1, "reboot"),
             keys=[(r"vm again rebooting \(reboot 1\)[\s\S]*init started", b"q")])
    assert b.rc == EXIT_SUCCESS, b
    assert len(b.lines(r"\[again\] holdfast-guest: init started")) >= 2, b
    assert "holdfast: vm again stopped: stopped from the console" in b.output, b


def test_console_focus_types_into_a_vm_shell():
    b = boot("linux-shell", "console=com1", smp=1, mem="512M",
             modules=linux_vm("sh", 1),
             keys=[(r"starting shell on console", b"\x01\x01\x01"),
                   (r"console input goes to vm sh", b"echo hi-$((6*7))\r"),
                   (r"\[sh\] hi-42", b"poweroff -f\r")])
    assert_healthy(b, "sh")
    assert "[sh] hi-42" in b.output, b
    assert "holdfast: vm sh stopped: guest powered off" in b.output, b


def test_bad_linux_configurations_are_refused_and_others_run(tmp_path):
    junk = tmp_path / "junk"
    junk.write_bytes(b"MZ not really a kernel" * 100)
    good = BUILD / "guests" / "good.elf"
    # sched=none: vcpus= is limited by the CPUs (greedy's 64 > 2).
    b = boot("linux-bad-config", "console=com1 sched=none", smp=2, mem="1G", modules=[
        f"{good} vm=fine elf vcpus=1 memory=16M",
        f"{INITRD} vm=nokernel initrd",
        f"{junk} vm=junk kernel memory=64M",
        f"{INITRD} vm=junk initrd",
        f"{KERNEL} vm=greedy kernel vcpus=64 -- {CMDLINE}",
        f"{KERNEL} vm=tiny kernel memory=8M -- {CMDLINE}",
        f"{KERNEL} vm=odd kernel serial=com9 -- {CMDLINE}",
    ])
    out = b.output
    assert re.search(r"holdfast: error: vm nokernel: .*kernel", out), b
    assert re.search(r"holdfast: error: vm junk: .*bzImage.*; vm not started", out), b
    assert "holdfast: error: vm greedy: option vcpus=64: expected 1 to 2" in out, b
    assert re.search(r"holdfast: error: vm tiny: memory: too small for the kernel", out), b
    assert "holdfast: error: vm odd: option serial=com9: expected console, com1 or com2" in out, b
    assert b.rc == EXIT_SUCCESS, b
    assert "[fine] good: done, 1 vcpus, all checksums ok" in out, b


def test_vm_on_its_own_serial_port(tmp_path):
    com2 = tmp_path / "com2.log"
    b = boot("linux-com2", "console=com1", smp=2, mem="1G",
             modules=linux_vm("own", 1, "cpus", extra="serial=com2")
             + [f"{BUILD / 'guests' / 'good.elf'} vm=shared elf memory=16M"],
             qemu_args=["-serial", f"file:{com2}"])
    assert b.rc == EXIT_SUCCESS, b
    theirs = com2.read_text(errors="replace")
    assert "holdfast-guest: online cpus 1" in theirs, theirs[-2000:]
    assert "[own]" not in b.output, b  # nothing of it on the shared console
    assert "holdfast: vm own stopped: guest powered off" in b.output, b
    assert "[shared] good: done" in b.output, b
