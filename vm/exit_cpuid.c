/* CPUID: the host's answers, filtered. The guest learns it runs under a
 * hypervisor (KVM signature for stock Linux, Holdfast's own at 0x40000100)
 * and never sees the CPU's virtualization extensions or MONITOR/MWAIT. */
#include "vm/exit.h"
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "paravirt/holdfast_abi.h"

#define KVM_SIGNATURE_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_SIGNATURE_ECX 0x564b4d56u /* "VMKV" */
#define KVM_SIGNATURE_EDX 0x0000004du /* "M\0\0\0" */

#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VIRT_EXT (1u << 5) /* Intel's virtualization extension */
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_MTRR (1u << 12)
/* Machine checks are the host's: their MSRs are not emulated. */
#define CPUID_EDX_MCE_MCA ((1u << 7) | (1u << 14))
#define CPUID6_EAX_ARAT (1u << 2)
/* Thermal monitoring (its MSRs are the host's): ACPI, TM, TM2. */
#define CPUID1_EDX_THERMAL ((1u << 22) | (1u << 29))
#define CPUID1_ECX_TM2 (1u << 8)
#define CPUID7_EBX_TSC_ADJUST (1u << 1) /* IA32_TSC_ADJUST is not emulated */
/* XSAVES needs IA32_XSS, not emulated; XSAVEC goes with it so the guest
 * keeps the standard format (Bochs's leaf 0xd.1 EBX gives the standard
 * size, and Linux then warns about an XSAVE size mismatch). */
#define CPUIDD1_EAX_XSAVEC_XSAVES ((1u << 1) | (1u << 3))
#define CPUID81_ECX_PERFCTR_CORE (1u << 23)

/* KVM paravirtual features (Linux uapi/asm/kvm_para.h). */
#define KVM_FEATURE_NOP_IO_DELAY (1u << 1)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define KVM_FEATURE_STEAL_TIME (1u << 5)
#define KVM_FEATURE_PV_UNHALT (1u << 7)
#define KVM_FEATURE_PV_SCHED_YIELD (1u << 13)
#define KVM_FEATURES (KVM_FEATURE_NOP_IO_DELAY | KVM_FEATURE_CLOCKSOURCE2 | \
		      KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)
/* lhp=kvmpv: what Linux needs for PV qspinlock (PV_UNHALT) and
 * vcpu_is_preempted / PV sched-yield (STEAL_TIME, PV_SCHED_YIELD). */
#define KVM_FEATURES_LHP (KVM_FEATURE_STEAL_TIME | KVM_FEATURE_PV_UNHALT | \
			  KVM_FEATURE_PV_SCHED_YIELD)
#define CPUID81_ECX_VIRT_EXT (1u << 2) /* AMD's virtualization extension */
#define CPUID81_ECX_MONITORX (1u << 29)

static struct cpuid_regs cpuid_hypervisor_leaf(const struct vcpu *v, u32 leaf)
{
	switch (leaf) {
	case HF_CPUID_KVM_SIGNATURE:
		return (struct cpuid_regs){ HF_CPUID_KVM_FEATURES,
			KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX };
	case HF_CPUID_KVM_FEATURES:
		return (struct cpuid_regs){ KVM_FEATURES |
			(v->vm->cfg->lhp & LHP_KVMPV ? KVM_FEATURES_LHP : 0), 0, 0, 0 };
	case HF_CPUID_SIGNATURE:
		return (struct cpuid_regs){ HF_CPUID_FEATURES, HF_SIGNATURE_EBX,
			HF_SIGNATURE_ECX, HF_SIGNATURE_EDX };
	case HF_CPUID_FEATURES:
		/* The block is always there to register (lock-holder
		 * preemptions are counted in every mode); lhp=delay decides
		 * whether extensions are granted. */
		return (struct cpuid_regs){ HF_FEATURE_PREEMPT_DELAY, 0, 0, 0 };
	default:
		return (struct cpuid_regs){ 0, 0, 0, 0 };
	}
}

static struct cpuid_regs cpuid_filtered(struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	if (leaf >= 0x40000000 && leaf < 0x50000000)
		return cpuid_hypervisor_leaf(v, leaf);
	r = cpuid_count(leaf, sub);
	switch (leaf) {
	case 1:
		r.ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VIRT_EXT);
		/* The vLAPIC offers x2APIC and TSC-deadline whatever the
		 * host has; MTRRs are not emulated. */
		r.ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC |
			 CPUID1_ECX_TSC_DEADLINE;
		r.edx &= ~(CPUID1_EDX_MTRR | CPUID_EDX_MCE_MCA | CPUID1_EDX_THERMAL);
		r.ecx &= ~CPUID1_ECX_TM2;
		/* Initial APIC ID and logical CPU count are the VM's. */
		r.ebx = (r.ebx & 0x0000ffffu) | (v->index << 24) |
			((v->vm->nvcpus & 0xff) << 16);
		break;
	case 0xb:
	case 0x1f: /* x2APIC topology: the vCPU's own x2APIC ID */
		r.edx = v->index;
		break;
	case 0x8000001e: /* extended APIC ID */
		r.eax = v->index;
		break;
	case 6: /* the vLAPIC timer keeps running in deep C-states; no
		 * thermal sensors or APERF/MPERF (host MSRs) */
		r = (struct cpuid_regs){ CPUID6_EAX_ARAT, 0, 0, 0 };
		break;
	case 7:
		if (sub == 0)
			r.ebx &= ~CPUID7_EBX_TSC_ADJUST;
		break;
	case 0xd:
		if (sub == 1)
			r.eax &= ~CPUIDD1_EAX_XSAVEC_XSAVES;
		break;
	case 5: /* MONITOR/MWAIT leaf: hidden */
	case 0xa: /* no performance counters */
	case 0x8000000a: /* virtualization-extension features: hidden */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x80000001:
		r.ecx &= ~(CPUID81_ECX_VIRT_EXT | CPUID81_ECX_MONITORX |
			   CPUID81_ECX_PERFCTR_CORE);
		r.edx &= ~(CPUID1_EDX_MTRR | CPUID_EDX_MCE_MCA);
		break;
	}
	return r;
}

void exit_handle_cpuid(struct vcpu *v, const struct vm_exit *exit)
{
	struct cpuid_regs r = cpuid_filtered(v, (u32)v->gpr[GPR_RAX],
					     (u32)v->gpr[GPR_RCX]);

	if (!exit_skip_insn(v, exit))
		return;
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
}
