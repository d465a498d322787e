"""Register-state isolation between vCPUs that share a CPU (sched=credit),
under AMD-V. The victim guest (tests/guests/victim.c) fills every register
it can write with the bytes A5 5A C3 3C: GPRs, x87/SSE/AVX/AVX-512/PKRU
through XRSTOR (whatever the CPU has), DR0-DR3, DR6, DR7, CR2, CR8, the
FS/GS/KERNEL_GS bases, the SYSCALL and SYSENTER MSRs, TSC_AUX, EFER and
PAT, and turns its XCR0 down to x87 every other round. The spy
(tests/guests/spy.c) puts its own values there, yields its CPU to the
victim, spins through timer preemptions, reads everything back, and must
never see the pattern nor lose a value of its own; it too turns its XCR0
down every other round, so a component its XCR0 leaves out must come back
as its own, not the victim's. Both run on one emulated CPU with 1 ms
slices. The VT-x run of the same pair is in test_bochs.py."""
import re

from conftest import BUILD, EXIT_SUCCESS, boot

GUESTS = BUILD / "guests"
SPY_ROUNDS = 1000
SPIN = 100000


def isolation_modules(spy_rounds, spin, pin=None):
    """The victim and the spy, the victim with twice the rounds: the two
    alternate by their yields, so it is still at work when the spy ends."""
    pin = f" pin={pin}" if pin is not None else ""
    return [f"{GUESTS / 'victim.elf'} vm=victim elf memory=16M{pin} -- "
            f"rounds={2 * spy_rounds} spin={spin}",
            f"{GUESTS / 'spy.elf'} vm=spy elf memory=16M{pin} -- "
            f"rounds={spy_rounds} spin={spin}"]


def stamp(b, pattern):
    m = re.search(r"^\[\s*(\d+\.\d+)\] " + pattern, b.output, re.MULTILINE)
    assert m, (pattern, b)
    return float(m.group(1))


def assert_isolated(b, spy_rounds):
    """The spy's verdict, and that both VMs ran, shared the CPU and were
    switched by yields and by timer preemptions; @b is a Boot or a
    BochsBoot."""
    findings = b.lines(r"\[spy\] spy: (LEAK|CHANGED) .*$")
    assert not findings, b.lines(r"^.*\[spy\] spy: (?:LEAK|CHANGED) .*$")
    assert re.search(rf"\[spy\] spy: verdict clean, {spy_rounds} rounds, \d+ checks, "
                     r"0 leaks, 0 changes", b.output), b
    assert f"[victim] victim: done, {2 * spy_rounds} rounds" in b.output, b
    # The victim wrote everything (no register refused its value) and
    # was still writing when the spy gave its verdict.
    assert re.search(r"\[victim\] victim: xcr0 0x[0-9a-f]+, \d+ bytes of XSAVE state, "
                     r"0 of \d+ registers refused", b.output), b
    assert stamp(b, r"\[victim\] victim: xcr0") < stamp(b, r"\[spy\] spy: verdict") < \
        stamp(b, r"\[victim\] victim: done"), b
    # Both used the same XSAVE components, AVX at least.
    xcr0 = b.lines(r"\[(?:spy|victim)\] \w+: xcr0 (0x[0-9a-f]+)")
    assert len(xcr0) == 2 and xcr0[0] == xcr0[1], xcr0
    assert int(xcr0[0], 16) & 0x7 == 0x7, xcr0
    ran_on = set()
    for vm in ("spy", "victim"):
        assert f"holdfast: vm {vm} stopped: halted with interrupts off" in b.output, b
        sched = b.lines(rf"holdfast: vm {vm} vcpu 0 sched: (.*)$")
        assert len(sched) == 1, b
        s = dict(kv.split("=") for kv in sched[0].split())
        assert int(s["run_ms"]) > 0 and int(s["preemptions"]) > 0, (vm, s)
        ran_on.add(int(s["ran_on"], 16))
        lhp = dict(kv.split("=") for kv in b.lines(rf"holdfast: vm {vm} lhp (.*)$")[0].split())
        assert int(lhp["voluntary_yields"]) >= spy_rounds, (vm, lhp)
    # One and the same CPU for both.
    assert len(ran_on) == 1 and bin(ran_on.pop()).count("1") == 1, b


def test_spy_sees_nothing_of_the_victim_on_a_shared_cpu():
    b = boot("isolation", "console=com1 sched=credit tslice=1000", smp=1,
             modules=isolation_modules(SPY_ROUNDS, SPIN))
    assert b.rc == EXIT_SUCCESS, b.tail()
    assert "holdfast: hardware virtualization: AMD-V" in b.output, b
    assert_isolated(b, SPY_ROUNDS)
