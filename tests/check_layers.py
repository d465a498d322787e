#!/usr/bin/env python3
"""Checks that the hypervisor's #include lines run the documented way
(README.md, "Layout"), and two rules of the vendor interface.

Each source file falls under the first rule whose folder pattern matches
it; an include it makes must match one of that rule's allowed patterns.
Prints one line per violation (file:line: what, and the rule broken) and
exits 1 when there is any. `make test` runs it (tests/unit/test_layers.py).

Usage: tests/check_layers.py [ROOT]
"""
import pathlib
import re
import sys

# The hypervisor's sources (tests/ and guest-patches/ are not hypervisor).
SOURCE_DIRS = ("boot", "lib", "kernel", "arch", "vm", "vdev", "sched",
               "paravirt")

BACKEND = r"arch/x86/(svm|vmx)/"
ARCH_COMMON = r"arch/x86/[^/]+\.h$"

# (files, allowed includes, why). First match wins; order matters.
RULES = [
    (r"lib/", [r"lib/"],
     "lib/ is the leaf layer: it includes only lib/"),
    (r"sched/lhp/(lhp|spin)_decide\.[ch]$",
     [r"lib/", r"sched/lhp/(lhp|spin)_decide\.h$"],
     "the lock-holder-preemption decisions are pure: lib/ only"),
    (r"sched/(hv|lhp)/", [r"lib/", r"kernel/", ARCH_COMMON, r"sched/",
                          r"vm/", r"paravirt/"],
     "the scheduler glue and the lock-holder-preemption rules drive VMs "
     "through vm/ and paravirt/, never a backend"),
    (r"sched/", [r"lib/types\.h$", r"lib/string\.h$", r"sched/[^/]+\.h$"],
     "the scheduler core (sched/*.c) is pure C: no arch, no hypervisor "
     "headers (it builds into unit tests and the simulator)"),
    (r"paravirt/holdfast_abi\.h$", [],
     "the guest ABI header stands alone (guest kernels include it)"),
    (r"vdev/devmodel\.[ch]$", [r"lib/", ARCH_COMMON, r"vdev/", r"vm/",
                               r"paravirt/holdfast_abi\.h$"],
     "the device-model table binds device cores to a VM; no scheduler or "
     "lhp policy"),
    (r"vdev/", [r"lib/", r"vdev/"],
     "device cores are pure: lib/ and vdev/ only (host unit-tested)"),
    (r"arch/x86/svm/", [r"lib/", r"kernel/", ARCH_COMMON, r"arch/x86/svm/",
                        r"vm/vcpu\.h$", r"vm/vm\.h$"],
     "a backend sees the vCPU it runs, never the other backend, the "
     "scheduler or paravirt/"),
    (r"arch/x86/vmx/", [r"lib/", r"kernel/", ARCH_COMMON, r"arch/x86/vmx/",
                        r"vm/vcpu\.h$", r"vm/vm\.h$"],
     "a backend sees the vCPU it runs, never the other backend, the "
     "scheduler or paravirt/"),
    (r"arch/x86/virt\.c$", [r"lib/", r"kernel/", ARCH_COMMON,
                            r"arch/x86/svm/svm\.h$", r"arch/x86/vmx/vmx\.h$"],
     "only virt.c names the backends (to pick one)"),
    (r"arch/", [r"lib/", r"kernel/", ARCH_COMMON, r"boot/layout\.h$"],
     "arch/x86 serves the core: it never calls the scheduler or the VM "
     "layer (the core registers its handlers with arch)"),
    (r"kernel/main\.c$", [r"lib/", r"kernel/", ARCH_COMMON, r"vm/",
                          r"sched/hv/vsched\.h$"],
     "start-up wires the layers together, through their public headers"),
    (r"kernel/", [r"lib/", r"kernel/", ARCH_COMMON, r"boot/layout\.h$"],
     "the core services know nothing of VMs, devices or scheduling"),
    (r"boot/", [r"boot/"], "boot/ stands alone"),
    (r"(vm|paravirt)/", [r"lib/", r"kernel/", ARCH_COMMON, r"vm/",
                         r"vdev/", r"sched/", r"paravirt/"],
     "the VM layer uses the vendor interface (arch/x86/virt.h), never a "
     "backend"),
]

# Text rules: (files, forbidden regex, why).
TEXT_RULES = [
    (r"(vm|vdev|sched|lhp|paravirt|kernel)/", r"\bvcpu_ops\s*->",
     "generic code calls the vcpu_*()/virt_*() wrappers of "
     "arch/x86/virt.h, never vcpu_ops directly"),
    (r"arch/", r"->\s*cfg\b",
     "arch/ never reads VM configuration: generic code tells a backend "
     "what it needs (vcpu_set_intercept)"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def rule_for(path):
    for files, allowed, why in RULES:
        if re.match(files, path):
            return allowed, why
    return None, None


def check(root):
    root = pathlib.Path(root)
    problems = []
    for top in SOURCE_DIRS:
        for f in sorted((root / top).rglob("*")):
            if f.suffix not in (".c", ".h", ".S") or not f.is_file():
                continue
            rel = f.relative_to(root).as_posix()
            allowed, why = rule_for(rel)
            lines = f.read_text(errors="replace").splitlines()
            for n, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m and allowed is not None:
                    inc = m.group(1)
                    if not any(re.match(a, inc) for a in allowed):
                        problems.append(f"{rel}:{n}: includes {inc}: {why}")
                for files, bad, twhy in TEXT_RULES:
                    if re.match(files, rel) and re.search(bad, line):
                        problems.append(f"{rel}:{n}: {line.strip()}: {twhy}")
    return problems


def main(argv):
    root = argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[1]
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the layering "
              "(README.md, Layout)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
