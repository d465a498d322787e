"""The scheduler simulator (tests/sim/simulate.c) at scale: 256 pCPUs,
1024 vCPUs, CPU-bound, weights 1:2. Needs only gcc: no hypervisor image."""
import re
import subprocess

import pytest

from conftest import BUILD, ROOT

SIM = BUILD / "sim" / "simulate"
SOURCES = ["tests/sim/simulate.c", "sched/sched.c", "sched/credit.c"]


@pytest.fixture(scope="module", autouse=True)
def built():
    """Overrides conftest's hypervisor build: the simulator is all we need."""
    SIM.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-I.", "-o", str(SIM), *SOURCES, "-lm"],
                   cwd=ROOT, check=True)


def simulate(*args):
    proc = subprocess.run([str(SIM), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    return proc.stdout


def field(report, pattern):
    m = re.search(pattern, report, re.MULTILINE)
    assert m, f"{pattern!r} not in report:\n{report}"
    return float(m.group(1))


def test_256_pcpus_1024_vcpus_cpu_bound():
    report = simulate("--pcpus", "256", "--vms", "256", "--vcpus-per-vm", "4",
                      "--weights", "256,512", "--workload", "cpu",
                      "--duration-ms", "10000", "--seed", "3")
    print(report)
    assert field(report, r"^jain_index: ([\d.]+)") >= 0.95
    # Every VM within 10% of its weight-proportional share (the error is
    # start-up transient and shrinks with the simulated duration).
    assert field(report, r"max_error_pct=([\d.]+)") <= 10.0
    assert field(report, r"^decisions: (\d+)") > 0
    assert "accounting: ok" in report


def test_cap_and_block_workload_small():
    report = simulate("--pcpus", "2", "--vms", "3", "--caps", "25,0,0",
                      "--duration-ms", "5000")
    assert field(report, r"^0 +\d+ +25 +\d+ +([\d.]+)") <= 27.0
    report = simulate("--pcpus", "8", "--vms", "8", "--vcpus-per-vm", "2",
                      "--workload", "block", "--duration-ms", "2000")
    assert field(report, r"wakeup_latency_us: mean=([\d.]+)") < 5000
    assert "accounting: ok" in report
