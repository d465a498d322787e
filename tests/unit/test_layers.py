"""The layering rules of README.md's Layout hold (tests/check_layers.py),
and the checker really catches each kind of violation."""
import importlib.util

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "check_layers", ROOT / "tests/check_layers.py")
check_layers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_layers)


def test_tree_follows_the_layering():
    assert check_layers.check(ROOT) == []


@pytest.mark.parametrize("path, text, rule", [
    ("arch/x86/smp.c", '#include "sched/hv/vsched.h"\n', "never calls the scheduler"),
    ("arch/x86/svm/svm.c", '#include "arch/x86/vmx/vmcs.h"\n', "never the other backend"),
    ("arch/x86/svm/svm.c", "if (v->vm->cfg->lhp) {}\n", "never reads VM configuration"),
    ("sched/credit.c", '#include "arch/x86/cpu.h"\n', "pure C"),
    ("vm/vcpu.c", '#include "arch/x86/svm/vmcb.h"\n', "never a backend"),
    ("vm/vcpu.c", "vcpu_ops->run(v, &e);\n", "never vcpu_ops directly"),
    ("kernel/tick.c", '#include "vm/console_input.h"\n', "know nothing of VMs"),
    ("sched/lhp/lhp_decide.c", '#include "vm/vcpu.h"\n', "are pure"),
    ("sched/lhp/spin_decide.c", '#include "sched/hv/vsched.h"\n', "are pure"),
    ("vdev/vlapic.c", '#include "vm/vm.h"\n', "device cores are pure"),
    ("lib/string.c", '#include "kernel/console.h"\n', "leaf layer"),
    ("paravirt/holdfast_abi.h", '#include "lib/types.h"\n', "stands alone"),
])
def test_checker_catches(tmp_path, path, text, rule):
    f = tmp_path / path
    f.parent.mkdir(parents=True)
    f.write_text("/* a file */\n" + text)
    problems = check_layers.check(tmp_path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:2:") and rule in problems[0], problems
