"""Intel VT-x under Bochs (corei7_skylake_x: VMX with EPT, unrestricted
guest, VPID, pause-loop exiting): the same test guests as under AMD-V
(tests/integration/test_vms.py) and a 2-vCPU Linux guest, judged by the
serial console. Bochs is slow and single-threaded: these are the few runs
that prove the backend, kept to a few minutes in all."""
import re

import pytest

from bochs import boot_bochs
from conftest import BUILD
from test_isolation import assert_isolated, isolation_modules

GUESTS = BUILD / "guests"
KERNEL = BUILD / "guest" / "vmlinuz-stock"
INITRD = BUILD / "guest" / "initramfs.cpio.gz"
LINUX_CMDLINE = "console=ttyS0,115200 panic=-1"
# test_linux.py's list; a kernel WARN reads "WARNING: CPU: ...", while an
# Intel CPU model also gets "RETBleed: WARNING: Spectre v2 mitigation...".
GUEST_TROUBLE = re.compile(r"soft lockup|rcu: INFO|rcu_sched self-detected stall|"
                           r"Kernel panic|BUG:|WARNING: CPU|Oops")


def guest(name):
    path = GUESTS / f"{name}.elf"
    assert path.exists(), f"{path} missing: make builds the test guests"
    return str(path)


def exits_of(b, vm, vcpu=0):
    m = re.search(rf"holdfast: vm {vm} vcpu {vcpu} exits: total=\d+(.*)$",
                  b.output, re.MULTILINE)
    assert m, f"no exit counters for vm {vm} vcpu {vcpu}: {b}"
    return dict(kv.split("=") for kv in m.group(1).split())


def assert_vtx_run(b):
    """The run used the VT-x backend and Holdfast ended cleanly."""
    assert "holdfast: hardware virtualization: VT-x" in b.output, b
    assert b.ended, f"{b}: Holdfast never printed its last line"
    assert "PANIC" not in b.output, b
    assert "holdfast: all VMs stopped" in b.output, b
    assert "VM-instruction error" not in b.output, b


def stamp(b, pattern):
    m = re.search(r"^\[\s*(\d+\.\d+)\] " + pattern, b.output, re.MULTILINE)
    assert m, (pattern, b)
    return float(m.group(1))


def test_exit_kinds_guest_passes_every_check_under_vtx():
    b = boot_bochs("bochs-exits", "console=com1", cpus=2,
                   modules=[f"{guest('exits')} vm=exits elf vcpus=2 memory=32M"])
    assert_vtx_run(b)
    fails = b.lines(r"^\S+ \[exits\] exits: FAIL .*$")
    assert not fails, fails
    assert "[exits] exits: all checks passed" in b.output, b
    assert "holdfast: vm exits stopped: halted with interrupts off" in b.output, b
    seen = exits_of(b, "exits", 0)
    for reason in ("cpuid", "rdmsr", "wrmsr", "io", "hlt", "hypercall", "npf",
                   "exception", "bad_insn", "intr_window", "nmi_window"):
        assert int(seen.get(reason, 0)) > 0, (reason, seen)
    # vCPU 1 was woken from HLT by vCPU 0's IPI on another physical CPU.
    assert int(exits_of(b, "exits", 1).get("hlt", 0)) > 0, b


def test_hostile_guest_is_stopped_and_its_neighbour_finishes_under_vtx():
    # 3 vCPUs on 2 CPUs under the scheduler: cheaper than a third Bochs
    # CPU, and a CPU switches between VMCSs of different VMs. Time under
    # Bochs follows instructions, so 1000 passes of the good guest (~13 s
    # emulated) outlast the hostile probes (~2 s) in every run.
    b = boot_bochs("bochs-hostile", "console=com1 sched=credit", cpus=2, mem_mib=512,
                   modules=[f"{guest('hostile')} vm=evil elf vcpus=1 memory=16M",
                            f"{guest('good')} vm=good elf vcpus=2 memory=32M -- passes=1000"])
    assert_vtx_run(b)
    # Pigeonhole: some CPU ran vCPUs of both VMs or both good vCPUs.
    ran_on = [int(m, 16) for m in b.lines(r"holdfast: vm \w+ vcpu \d+ sched: .* ran_on=([0-9a-f]+)")]
    assert len(ran_on) == 3, b
    assert any(ran_on[i] & ran_on[j] for i in range(3) for j in range(i + 1, 3)), ran_on
    assert "[good] good: done, 2 vcpus, all checksums ok" in b.output, b
    assert stamp(b, r"\[good\] good: done") > stamp(b, r"\[evil\] hostile: user done"), b
    stopped = b.lines(r"holdfast: vm evil stopped: (.*)$")
    assert len(stopped) == 1, b
    assert re.match(r"(triple fault|hypervisor-detected violation)", stopped[0]), stopped
    for probe in ("memory", "msr", "io", "hypercall", "instructions"):
        assert re.search(rf"\[evil\] hostile: {probe} done", b.output), (probe, b)


def test_linux_with_two_vcpus_reaches_user_space_under_vtx():
    assert KERNEL.exists() and INITRD.exists(), "make guest-linux builds them"
    b = boot_bochs("bochs-linux", "console=com1", cpus=2, mem_mib=512, timeout=900,
                   modules=[f"{KERNEL} vm=lin kernel vcpus=2 memory=256M -- "
                            f"{LINUX_CMDLINE} hf.test=cpus",
                            f"{INITRD} vm=lin initrd"])
    assert_vtx_run(b)
    bad = [l for l in b.output.splitlines() if "[lin] " in l and GUEST_TROUBLE.search(l)]
    assert not bad, bad
    assert "[lin] holdfast-guest: online cpus 2" in b.output, b
    assert "holdfast: vm lin stopped: guest powered off" in b.output, b


def lhp_of(b, vm):
    line = b.lines(rf"holdfast: vm {vm} lhp (.*)$")
    assert line, (vm, b)
    return dict(kv.split("=") for kv in line[0].split())


def test_pause_loop_exits_are_detected_spins_under_vtx():
    # Two lockhold VMs contend on their locks: with lhp=spin the VMCS asks
    # for pause-loop exiting and each such exit is a spin the hardware
    # already detected (no software filter); with lhp=none PLE stays off
    # and the guest spins without exits.
    work = "iters=300 hold=6000 gap=1000"
    b = boot_bochs("bochs-ple", "console=com1 sched=credit", cpus=2, mem_mib=512,
                   modules=[f"{guest('lockhold')} vm=spinner elf vcpus=2 memory=16M lhp=spin -- {work}",
                            f"{guest('lockhold')} vm=plain elf vcpus=2 memory=16M lhp=none -- {work}"])
    assert_vtx_run(b)
    for vm in ("spinner", "plain"):
        assert f"[{vm}] lockhold: done, 2 vcpus, 600 acquisitions, counter ok" in b.output, b
    spin, plain = lhp_of(b, "spinner"), lhp_of(b, "plain")
    assert int(spin["pause_exits"]) > 0, (spin, b)
    assert spin["spins"] == spin["pause_exits"], (spin, b)
    assert int(plain["pause_exits"]) == 0, (plain, b)


def test_three_vcpus_share_two_cpus_and_migrate_under_vtx():
    # More vCPUs than CPUs under VT-x: slices end (the VMX preemption
    # timer makes a guest running with IF=0 exit when the host timer is
    # due; without it Bochs never ends such a guest's slice and the third
    # vCPU starved), and vCPUs move between CPUs, so a VMCS is cleared on
    # one CPU and loaded on another while its guest runs on.
    b = boot_bochs("bochs-overcommit", "console=com1 sched=credit", cpus=2, mem_mib=512,
                   modules=[f"{guest('good')} vm=good elf vcpus=3 memory=32M -- passes=100"])
    assert_vtx_run(b)
    assert "holdfast: VT-x:" in b.output and "preemption timer yes" in b.output, b
    assert "[good] good: done, 3 vcpus, all checksums ok" in b.output, b
    stats = [dict(kv.split("=") for kv in m.split())
             for m in b.lines(r"holdfast: vm good vcpu \d+ sched: (.*)$")]
    assert len(stats) == 3, b
    assert all(int(s["preemptions"]) > 0 for s in stats), stats
    assert sum(int(s["migrations"]) for s in stats) > 0, stats
    assert any(int(s["ran_on"], 16) == 0x3 for s in stats), stats


def test_spy_sees_nothing_of_the_victim_on_a_shared_cpu_under_vtx():
    # test_isolation.py's pair on one Bochs CPU, fewer and shorter rounds:
    # VT-x leaves DR6 and CR2 to the hypervisor too, DR7 only with the
    # debug-controls entry and exit controls, and MOV CR8 reaches the
    # physical TPR unless it exits.
    rounds = 200
    b = boot_bochs("bochs-isolation", "console=com1 sched=credit tslice=1000", cpus=1,
                   modules=isolation_modules(rounds, 5000))
    assert_vtx_run(b)
    assert_isolated(b, rounds)
