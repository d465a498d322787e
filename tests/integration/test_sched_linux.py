"""Two 4-vCPU Debian VMs on 2 CPUs under sched=credit (make test-overcommit).

Not part of `make test`: on QEMU 7.2's emulated AMD-V this run ended once in
four with the whole emulated machine resetting (QEMU exit status 0, no panic
message), the failure PLATFORM.md reports for Xen and KVM under 2:1
over-commit on this emulator. Until that is told apart from a Holdfast bug
(compare -accel tcg,thread=single and QEMU 10 from bookworm-backports), it
runs on demand."""
import re

from conftest import BUILD, EXIT_SUCCESS, boot

KERNEL = BUILD / "guest" / "vmlinuz-stock"
INITRD = BUILD / "guest" / "initramfs.cpio.gz"
TROUBLE = re.compile(r"soft lockup|rcu: INFO|self-detected stall|Kernel panic|BUG:|Oops")


def sched_lines(b, vm):
    return [dict(kv.split("=") for kv in m.split())
            for m in b.lines(rf"holdfast: vm {vm} vcpu \d+ sched: (.*)$")]


def test_two_four_vcpu_linux_vms_on_two_cpus():
    mods = []
    for name in ("east", "west"):
        mods += [f"{KERNEL} vm={name} kernel vcpus=4 memory=256M -- "
                 "console=ttyS0,115200 panic=-1 hf.test=cpus,smp hf.smp_iters=15000",
                 f"{INITRD} vm={name} initrd"]
    b = boot("sched-linux", "console=com1 sched=credit", smp=2, mem="1G",
             modules=mods)
    assert b.rc == EXIT_SUCCESS, b
    assert "PANIC" not in b.output, b
    for name in ("east", "west"):
        assert f"[{name}] holdfast-guest: online cpus 4" in b.output, b
        assert f"[{name}] holdfast-guest: smp ok 4 workers" in b.output, b
        assert f"holdfast: vm {name} stopped: guest powered off" in b.output, b
        bad = [l for l in b.output.splitlines() if f"[{name}] " in l and TROUBLE.search(l)]
        assert not bad, bad
    # Eight vCPUs shared two CPUs: they waited for each other.
    assert sum(int(v["steal_ms"]) for v in sched_lines(b, "east")) > 0, b


