"""Runs the host C unit tests (cmocka) built by `make unit`."""
import pathlib
import subprocess

import pytest

from conftest import BUILD, ROOT

UNIT_TESTS = sorted(p.stem for p in (ROOT / "tests/unit").glob("test_*.c"))


@pytest.mark.parametrize("name", UNIT_TESTS)
def test_unit(name):
    subprocess.run(["make", "-s", "-C", str(ROOT), f"build/unit/{name}"],
                   check=True)
    proc = subprocess.run([str(BUILD / "unit" / name)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
