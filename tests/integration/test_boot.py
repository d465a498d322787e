"""Holdfast boots from GRUB (SeaBIOS and OVMF), brings every CPU online,
and reports bad options, panics and stack overflows clearly."""
import pytest

from conftest import EXIT_FAILURE, EXIT_SUCCESS, boot


def assert_clean_boot(b, cpus, enabled=None):
    enabled = cpus if enabled is None else enabled
    assert b.rc == EXIT_SUCCESS, f"{b}: exit {b.rc}, expected success"
    assert "PANIC" not in b.output, b
    online = b.lines(r"holdfast: (\d+) of (\d+) CPUs online$")
    assert online == [(str(cpus), str(enabled))], b
    assert b.lines(
        r"cross-CPU calls answered by (\d+) of (\d+) CPUs, timers ticking on (\d+)$"
    ) == [(str(cpus), str(cpus), str(cpus))], b


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_seabios_boot_brings_every_cpu_online(smp):
    b = boot(f"bios-smp{smp}", "console=com1", smp=smp)
    assert_clean_boot(b, smp)
    assert "ACPI RSDT" in b.output or "ACPI XSDT" in b.output, b


def test_ovmf_boot_brings_every_cpu_online():
    b = boot("uefi-smp4", "console=com1", smp=4, firmware="uefi")
    assert_clean_boot(b, 4)
    # OVMF hands over the ACPI 2.0 RSDP: the XSDT path must be taken.
    assert "ACPI XSDT (revision 2)" in b.output, b


def test_malformed_options_are_reported_and_boot_continues():
    b = boot("bad-options",
             "console=com1 loglevel=loud frobnicate=1 console=com9 maxcpus=zero",
             smp=2)
    assert "holdfast: error: option loglevel=loud: expected error, warn, info or debug; ignored" in b.output, b
    assert "holdfast: error: unknown option 'frobnicate'; ignored" in b.output, b
    assert "holdfast: error: option console=com9: expected com1[,BAUD], com2[,BAUD] or none" in b.output, b
    assert "holdfast: error: option maxcpus=zero: expected a CPU count of at least 1; ignored" in b.output, b
    assert_clean_boot(b, 2)


def test_maxcpus_limits_bring_up():
    b = boot("maxcpus", "console=com1 maxcpus=2", smp=4)
    assert_clean_boot(b, 2, enabled=4)


def test_loglevel_error_hides_info_messages():
    b = boot("loglevel", "console=com1 loglevel=error", smp=2)
    assert b.rc == EXIT_SUCCESS, b
    assert "CPUs online" not in b.output, b


def test_panic_prints_cpu_reason_registers_and_stops_every_cpu():
    b = boot("selftest-panic", "console=com1 selftest=panic", smp=4)
    assert b.rc == EXIT_FAILURE, b
    assert b.lines(r"holdfast: PANIC on CPU 3 \(APIC \d+\): selftest=panic asked for a panic"), b
    for reg in ("RIP", "RSP", "RAX", "R15", "CR3"):
        assert b.lines(rf"\b{reg} +[0-9a-f]{{16}}\b"), (reg, b)
    assert "holdfast: all CPUs stopped" in b.output, b


def test_stack_overflow_hits_the_guard_page():
    b = boot("selftest-stack", "console=com1 selftest=stack-overflow", smp=2)
    assert b.rc == EXIT_FAILURE, b
    assert b.lines(r"PANIC on CPU 1 \(APIC \d+\): stack overflow: (page|double) fault at guard page"), b


def test_console_none_is_silent():
    b = boot("console-none", "console=none", smp=1)
    assert b.rc == EXIT_SUCCESS, b
    assert "holdfast:" not in b.output, b
